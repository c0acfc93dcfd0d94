import Link from "next/link";
import { ActivityIcon } from "lucide-react";
import { Card, CardContent, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { RunStatusBadge } from "@/components/runs/labels";
import { formatDuration } from "@/lib/duration";
import type { RunOut } from "@/lib/schemas/runs";
import { formatUsd } from "@/lib/usd";

/** The newest runs, by what they ran. */
export function RecentRuns({ runs }: { runs: RunOut[] }) {
  const { slug, can } = useWorkspace();
  return (
    <Card data-testid="overview-recent-runs">
      <CardHeader>
        <CardTitle>Recent runs</CardTitle>
      </CardHeader>
      <CardContent>
        {runs.length === 0 ? (
          <EmptyState
            icon={ActivityIcon}
            title="No runs yet"
            text="Runs of your agents and teams show up here."
            action={
              can("runs:create") ? (
                <Link className="text-sm underline underline-offset-4" href={`/w/${slug}/runs`}>
                  Start a run
                </Link>
              ) : null
            }
          />
        ) : (
          <ul className="grid divide-y">
            {runs.map((run) => {
              const target = run.targetType === "team" ? run.team : run.agent;
              return (
                <li key={run.id} className="flex items-center justify-between gap-3 py-2">
                  <div className="grid min-w-0 gap-0.5">
                    <Link
                      className="truncate font-medium underline-offset-4 hover:underline"
                      href={`/w/${slug}/runs/${run.id}`}
                      data-testid="overview-recent-run"
                    >
                      {target?.name ?? run.targetType}
                    </Link>
                    <span className="text-xs text-muted-foreground">
                      {run.targetType} · {formatDateTime(run.createdAt)} · {formatDuration(run.durationMs)} · {formatUsd(run.costUsd)}
                    </span>
                  </div>
                  <RunStatusBadge status={run.status} />
                </li>
              );
            })}
          </ul>
        )}
      </CardContent>
    </Card>
  );
}
