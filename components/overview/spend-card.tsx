import { lazy, Suspense } from "react";
import Link from "next/link";
import { Card, CardAction, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { cn } from "@/lib/cn";
import { budgetGauge, spendRows } from "@/lib/overview";
import type { WorkspaceOverviewOut } from "@/lib/schemas/overview";
import { formatUsd } from "@/lib/usd";

const SpendThisMonthChart = lazy(() => import("./overview-charts").then((m) => ({ default: m.SpendThisMonthChart })));

const TONES = { ok: "bg-primary", alert: "bg-warning", exceeded: "bg-destructive" } as const;

/** This month's spend, day by day and in all, against the monthly budget. */
export function SpendCard({ spend }: { spend: NonNullable<WorkspaceOverviewOut["spend"]> }) {
  const { slug, can } = useWorkspace();
  const gauge = budgetGauge(spend.budget);
  const limit = spend.budget?.monthlyLimitUsd ?? null;
  return (
    <Card data-testid="overview-spend">
      <CardHeader>
        <CardTitle>Spend this month</CardTitle>
        <CardDescription>
          <span className="text-lg font-semibold text-foreground tabular-nums" data-testid="overview-spent">
            {formatUsd(spend.spentUsd)}
          </span>
          {limit !== null ? <> of a {formatUsd(limit)} monthly budget</> : spend.budget ? <> · no monthly budget set</> : null}
        </CardDescription>
        <CardAction>
          <Link className="text-sm underline underline-offset-4" href={`/w/${slug}/${can("budgets:read") ? "budgets" : "usage"}`}>
            {can("budgets:read") ? "Budget" : "Usage"}
          </Link>
        </CardAction>
      </CardHeader>
      <CardContent className="grid gap-4">
        {gauge ? (
          <div className="grid gap-1">
            <div className="h-2 overflow-hidden rounded-full bg-muted" aria-hidden="true" data-testid="overview-budget-meter" data-percent={gauge.percent}>
              <div className={cn("h-full rounded-full", TONES[gauge.tone])} style={{ width: `${gauge.percent}%` }} />
            </div>
            <span className="text-xs text-muted-foreground">
              {gauge.percent}% of the monthly budget used
              {gauge.tone === "exceeded" ? ": paid calls are refused until the month ends or the budget is raised" : null}
            </span>
          </div>
        ) : null}
        {spend.spentUsd === 0 ? (
          <p className="text-sm text-muted-foreground">Nothing spent this month yet.</p>
        ) : (
          <Suspense fallback={<Skeleton className="h-[200px]" />}>
            <SpendThisMonthChart data={spendRows(spend)} limitUsd={limit} />
          </Suspense>
        )}
      </CardContent>
    </Card>
  );
}
