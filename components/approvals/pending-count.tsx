"use client";

import { useQuery } from "@tanstack/react-query";
import { cn } from "@/lib/cn";
import { useTRPC } from "@/lib/trpc/react";

/** How often the inbox and the sidebar's count look for new requests. */
export const APPROVALS_REFRESH_MS = 15_000;

/** The sidebar's count of approval requests waiting (nothing while there are none). */
export function PendingApprovalsCount({ collapsed = false }: { collapsed?: boolean }) {
  const trpc = useTRPC();
  const count = useQuery({ ...trpc.approvals.count.queryOptions(), refetchInterval: APPROVALS_REFRESH_MS });
  const pending = count.data?.pending ?? 0;
  if (pending === 0) return null;
  const label = pending > 99 ? "99+" : String(pending);
  return (
    <span
      data-testid="nav-approvals-count"
      className={cn(
        "ml-auto inline-flex min-w-5 items-center justify-center rounded-full bg-warning px-1.5 text-xs font-medium text-warning-foreground tabular-nums",
        collapsed && "absolute top-0.5 right-0.5 ml-0 h-4 min-w-4 px-1 text-[10px]",
      )}
    >
      {label}
      <span className="sr-only"> waiting</span>
    </span>
  );
}
