import { lazy, Suspense } from "react";
import Link from "next/link";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { hourlyRows, RUN_STATUS_ORDER, totalRuns } from "@/lib/overview";
import type { WorkspaceOverviewOut } from "@/lib/schemas/overview";

const RunsPerHourChart = lazy(() => import("./overview-charts").then((m) => ({ default: m.RunsPerHourChart })));

const LABELS = { succeeded: "Succeeded", failed: "Failed", cancelled: "Cancelled", running: "Running", queued: "Queued" } as const;

/** Runs of the last 24 hours: how many ended how, and when they were started. */
export function RunsCard({ runs }: { runs: NonNullable<WorkspaceOverviewOut["runs"]> }) {
  const { slug } = useWorkspace();
  const total = totalRuns(runs.byStatus);
  return (
    <Card data-testid="overview-runs">
      <CardHeader>
        <CardTitle>Runs, last 24 hours</CardTitle>
        <CardDescription>
          <span data-testid="overview-runs-total">{total}</span> {total === 1 ? "run" : "runs"} started
        </CardDescription>
        <CardAction>
          <Link className="text-sm underline underline-offset-4" href={`/w/${slug}/runs`}>
            All runs
          </Link>
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-4">
        <dl className="grid grid-cols-3 gap-2 sm:grid-cols-5">
          {RUN_STATUS_ORDER.map((status) => (
            <div key={status} className="rounded-md border p-2">
              <dt className="text-xs text-muted-foreground">{LABELS[status]}</dt>
              <dd className="text-lg font-semibold tabular-nums" data-testid={`overview-runs-${status}`}>
                {runs.byStatus[status]}
              </dd>
            </div>
          ))}
        </dl>
        {total === 0 ? (
          <p className="text-sm text-muted-foreground">No runs in the last 24 hours.</p>
        ) : (
          <Suspense fallback={<Skeleton className="h-[200px]" />}>
            <RunsPerHourChart data={hourlyRows(runs.hourly)} />
          </Suspense>
        )}
      </CardContent>
    </Card>
  );
}
