"use client";

import { ActivityIcon } from "lucide-react";
import Link from "next/link";
import { useMemo } from "react";
import { useInfiniteQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/lib/trpc/react";
import type { UsageOutcome } from "@/lib/schemas/usage";
import { formatUsd } from "@/lib/usd";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatTimestamp } from "@/components/ui/format";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";

export type UsageCall = inferRouterOutputs<AppRouter>["usage"]["list"]["items"][number];
export type Period = "7d" | "30d" | "month";

const PAGE_SIZE = 25;
const MUTED = "text-muted-foreground";
const OUTCOME_TONES: Record<UsageOutcome, BadgeTone> = {
  ok: "success",
  error: "danger",
  timeout: "warning",
  refused: "neutral",
  answer_invalid: "warning",
  lost: "warning",
};

export const formatCount = (n: number) => n.toLocaleString("en-US");

/** "Nov 21, 08:40:41": the year only when it is not this one. */
function formatShortTime(date: Date): string {
  const sameYear = date.getFullYear() === new Date().getFullYear();
  return date.toLocaleString(undefined, {
    ...(sameYear ? {} : { year: "numeric" }),
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

const col = dataTableColumns<UsageCall>();

function usageColumns(slug: string): DataTableColumn<UsageCall>[] {
  return [
    col.accessor("createdAt", {
      header: "Time",
      sortFn: "datetime",
      cell: ({ getValue }) => (
        <span className="whitespace-nowrap" title={formatTimestamp(getValue())}>
          {formatShortTime(getValue())}
        </span>
      ),
    }),
    col.accessor("modelDisplayName", {
      header: "Model",
      cell: ({ row: { original: r } }) => (
        <span className="whitespace-nowrap" title={r.modelName}>
          {r.modelDisplayName}
        </span>
      ),
    }),
    col.accessor("providerKind", {
      header: "Provider",
      cell: ({ getValue }) => (getValue() === "simulator" ? <Badge tone="info">simulator</Badge> : <code className="text-xs">{getValue()}</code>),
    }),
    col.accessor((r) => r.runId ?? "", {
      id: "run",
      header: "Run",
      cell: ({ row: { original: r } }) =>
        r.runId ? (
          <Link
            href={`/w/${slug}/runs/${r.runId}`}
            title={r.stepId ? `${r.runId}, step ${r.stepId}` : r.runId}
            data-testid="usage-run-link"
            className="underline-offset-4 hover:underline"
          >
            <code className="text-xs">{r.runId.slice(0, 12)}…</code>
          </Link>
        ) : (
          <span className={MUTED}>—</span>
        ),
    }),
    col.accessor((r) => r.agent?.name ?? "", {
      id: "agent",
      header: "Agent",
      cell: ({ row: { original: r } }) =>
        r.agent ? (
          <Link href={`/w/${slug}/agents/${r.agent.slug}`} title={r.agent.slug} className="underline-offset-4 hover:underline">
            {r.agent.name}
          </Link>
        ) : (
          <span className={MUTED}>{r.agentId ? "(deleted agent)" : "—"}</span>
        ),
    }),
    col.accessor((r) => r.inputTokens + r.outputTokens, {
      id: "tokens",
      header: "Tokens in / out",
      cell: ({ row: { original: r } }) => (
        <span
          className="whitespace-nowrap tabular-nums"
          title={`${formatCount(r.cacheReadTokens)} of the input read from the prompt cache, ${formatCount(r.cacheWriteTokens)} written to it; ${formatCount(r.reasoningTokens)} of the output spent reasoning`}
        >
          {formatCount(r.inputTokens)} / {formatCount(r.outputTokens)}
          {r.cacheReadTokens > 0 ? <span className={MUTED}> ({formatCount(r.cacheReadTokens)} cached)</span> : null}
        </span>
      ),
    }),
    col.accessor("costUsd", { header: "Cost", cell: ({ getValue }) => <span className="whitespace-nowrap tabular-nums">{formatUsd(getValue())}</span> }),
    col.accessor("latencyMs", {
      header: "Latency",
      cell: ({ getValue }) => <span className="whitespace-nowrap tabular-nums">{formatCount(getValue())} ms</span>,
    }),
    col.accessor("outcome", { header: "Outcome", cell: ({ row: { original: r } }) => <Badge tone={OUTCOME_TONES[r.outcome]}>{r.outcome}</Badge> }),
    col.accessor((r) => r.error ?? "", {
      id: "error",
      header: "Error",
      cell: ({ row: { original: r } }) => (
        <span className="line-clamp-2 max-w-64 text-xs text-destructive" title={r.error ?? undefined}>
          {r.error ?? ""}
        </span>
      ),
    }),
  ];
}

/** Every model call of the period, newest first (refused and failed calls too), a page at a time. */
export function UsageCalls({ period }: { period: Period }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const calls = usePagedList(useInfiniteQuery(trpc.usage.list.infiniteQueryOptions({ limit: PAGE_SIZE, period }, { getNextPageParam: nextPageParam })));
  const columns = useMemo(() => usageColumns(slug), [slug]);
  return (
    <section className="grid gap-3" aria-labelledby="usage-calls-title">
      <div className="grid gap-1">
        <h2 id="usage-calls-title" className="text-lg font-semibold">
          Recent calls
        </h2>
        <p className="text-sm text-muted-foreground">Every model call, newest first: refused and failed calls too.</p>
      </div>
      <DataTable
        columns={columns}
        {...calls}
        caption="Recent model calls"
        testId="usage-table"
        rowTestId="usage-row"
        rowAttributes={(r) => ({ "data-outcome": r.outcome })}
        getRowId={(r) => r.id}
        empty={
          <EmptyState
            icon={ActivityIcon}
            title="No model calls in this period"
            text="Runs, tests and the route tester record their calls here."
            testId="usage-empty"
          />
        }
      />
    </section>
  );
}
