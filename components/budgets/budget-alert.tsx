"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { formatUsd } from "@/lib/usd";
import { useWorkspace } from "@/components/workspace/workspace-context";

/**
 * The budget banner of the workspace shell: a warning once this month's spend reaches the alert threshold
 * (80% by default), a stronger one when the monthly limit is reached. Only for roles with budgets:read.
 */
export function BudgetAlert() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const allowed = can("budgets:read");
  const status = useQuery(trpc.budgets.status.queryOptions(undefined, { enabled: allowed, refetchInterval: 60_000, refetchOnWindowFocus: true }));
  const s = status.data;
  if (!allowed || !s?.alert || s.monthlyLimitUsd === null) return null;

  const percent = Math.floor((s.fraction ?? 0) * 100);
  const link = (
    <Link href={`/w/${slug}/budgets`} className="font-semibold text-current underline underline-offset-2">
      {can("budgets:update") ? "Review budgets" : "See budgets"} →
    </Link>
  );
  if (s.exceeded) {
    return (
      <div
        className="rounded-lg border bg-muted/40 px-4 py-3 text-sm border-destructive/40 bg-destructive/10 mb-5"
        data-testid="budget-alert"
        data-level="exceeded"
        role="status"
      >
        <strong>Monthly budget reached.</strong> {formatUsd(s.spentUsd)} of {formatUsd(s.monthlyLimitUsd)} spent this month: model calls that cost money are
        refused until the month ends or the limit is raised. {link}
      </div>
    );
  }
  return (
    <div
      className="rounded-lg border bg-muted/40 px-4 py-3 text-sm border-warning/40 bg-warning/10 mb-5"
      data-testid="budget-alert"
      data-level="warning"
      role="status"
    >
      <strong>{percent}% of this month&apos;s budget used.</strong> {formatUsd(s.spentUsd)} of {formatUsd(s.monthlyLimitUsd)} spent;{" "}
      {formatUsd(s.remainingUsd ?? 0)} left. {link}
    </div>
  );
}
