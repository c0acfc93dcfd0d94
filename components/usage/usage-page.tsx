"use client";

import Link from "next/link";
import { useMemo, useState } from "react";
import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import type { UsageOutcome } from "@/lib/schemas/usage";
import { formatUsd } from "@/lib/usd";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { formatTimestamp } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { SpendPerDayChart, SpendPerNameChart, type DayPoint, type NamedSpend } from "./usage-charts";

type Totals = inferRouterOutputs<AppRouter>["usage"]["totals"];
type Period = "7d" | "30d" | "month";

const PERIODS: { value: Period; label: string }[] = [
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
  { value: "month", label: "This month" },
];

const PAGE_SIZE = 25;
const DAY_MS = 86_400_000;
const OUTCOME_TONES: Record<UsageOutcome, BadgeTone> = { ok: "success", error: "danger", timeout: "warning", refused: "neutral", answer_invalid: "warning" };

const formatCount = (n: number) => n.toLocaleString("en-US");

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

function simulatorLabel(name: string, providerKind: string): string {
  return providerKind === "simulator" ? `${name} (simulator)` : name;
}

/** Every UTC day of the period with its spend (days without calls at zero), so the bars keep their places. */
function dayPoints(totals: Totals): DayPoint[] {
  const byDay = new Map(totals.byDay.map((d) => [d.day, d]));
  const end = new Date();
  const first = totals.from ?? (totals.byDay[0] ? new Date(`${totals.byDay[0].day}T00:00:00Z`) : end);
  const points: DayPoint[] = [];
  for (let t = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate()); t <= end.getTime() && points.length < 400; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    const row = byDay.get(day);
    const label = new Date(t).toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
    points.push({ day, label, costUsd: row?.costUsd ?? 0, calls: row?.calls ?? 0 });
  }
  return points;
}

function StatCard({ label, value, testId, hint }: { label: string; value: string; testId: string; hint?: string }) {
  return (
    <div className="stat card usage-stat">
      <span className="stat-value" data-testid={testId}>
        {value}
      </span>
      <span className="stat-label">{label}</span>
      {hint ? <span className="stat-hint muted">{hint}</span> : null}
    </div>
  );
}

function UsageCharts({ totals }: { totals: Totals }) {
  const days = useMemo(() => dayPoints(totals), [totals]);
  const models = useMemo<NamedSpend[]>(
    () =>
      totals.byModel.map((m) => ({
        key: `${m.modelRef ?? ""}:${m.modelName}`,
        label: simulatorLabel(m.displayName, m.providerKind),
        costUsd: m.costUsd,
        calls: m.calls,
      })),
    [totals],
  );
  const agents = useMemo<NamedSpend[]>(
    () =>
      totals.byAgent
        .filter((a) => a.agentId !== null)
        .map((a) => ({ key: a.agentId!, label: a.agentName ?? a.agentSlug ?? "(deleted agent)", costUsd: a.costUsd, calls: a.calls })),
    [totals],
  );
  const noCalls = totals.totals.calls === 0;
  return (
    <div className="usage-charts">
      <Card title="Spend per day" description="UTC days" className="usage-chart-wide" testId="usage-chart-day">
        {noCalls ? <p className="muted chart-empty">No model calls in this period.</p> : <SpendPerDayChart data={days} />}
      </Card>
      <Card title="Spend per model" testId="usage-chart-model">
        {models.length === 0 ? <p className="muted chart-empty">No model calls in this period.</p> : <SpendPerNameChart data={models} name="Spend" />}
      </Card>
      <Card title="Spend per agent" testId="usage-chart-agent">
        {agents.length === 0 ? (
          <div className="chart-empty" data-testid="usage-agent-empty">
            <p className="muted">No spend by agents in this period.</p>
            <p className="muted small">
              Calls made by agents show up here per agent; calls made directly (tests, the route tester) are counted in the totals only.
            </p>
          </div>
        ) : (
          <SpendPerNameChart data={agents} name="Spend" />
        )}
      </Card>
    </div>
  );
}

function RecentCalls({ period }: { period: Period }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const calls = useInfiniteQuery(
    trpc.usage.list.infiniteQueryOptions({ limit: PAGE_SIZE, period }, { getNextPageParam: (last) => last.nextCursor ?? undefined }),
  );
  const rows = calls.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card title="Recent calls" description="Every model call, newest first: refused and failed calls too.">
      <FormError message={calls.isError ? errorMessage(calls.error) : null} />
      {calls.isPending ? (
        <Loading />
      ) : rows.length === 0 ? (
        <p className="muted" data-testid="usage-empty">
          No model calls in this period.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact table-usage">
            <thead>
              <tr>
                <th>Time</th>
                <th>Model</th>
                <th>Provider</th>
                <th>Run</th>
                <th>Agent</th>
                <th className="num">Tokens in / out</th>
                <th className="num">Cost</th>
                <th className="num">Latency</th>
                <th>Outcome</th>
                <th>Error</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="usage-row" data-outcome={r.outcome}>
                  <td className="nowrap" title={formatTimestamp(r.createdAt)}>
                    {formatShortTime(r.createdAt)}
                  </td>
                  <td className="nowrap" title={r.modelName}>
                    {r.modelDisplayName}
                  </td>
                  <td className="nowrap">{r.providerKind === "simulator" ? <Badge tone="info">simulator</Badge> : <code>{r.providerKind}</code>}</td>
                  <td className="ref">
                    {r.runId ? (
                      <Link href={`/w/${slug}/runs/${r.runId}`} title={r.stepId ? `${r.runId}, step ${r.stepId}` : r.runId} data-testid="usage-run-link">
                        <code>{r.runId.slice(0, 12)}…</code>
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="ref">
                    {r.agent ? (
                      <Link href={`/w/${slug}/agents/${r.agent.slug}`} title={r.agent.slug}>
                        {r.agent.name}
                      </Link>
                    ) : r.agentId ? (
                      <span className="muted">(deleted agent)</span>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td
                    className="num nowrap"
                    title={`${formatCount(r.cacheReadTokens)} of the input read from the prompt cache, ${formatCount(r.cacheWriteTokens)} written to it; ${formatCount(r.reasoningTokens)} of the output spent reasoning`}
                  >
                    {formatCount(r.inputTokens)} / {formatCount(r.outputTokens)}
                    {r.cacheReadTokens > 0 ? <span className="muted"> ({formatCount(r.cacheReadTokens)} cached)</span> : null}
                  </td>
                  <td className="num nowrap">{formatUsd(r.costUsd)}</td>
                  <td className="num nowrap">{formatCount(r.latencyMs)} ms</td>
                  <td>
                    <Badge tone={OUTCOME_TONES[r.outcome]}>{r.outcome}</Badge>
                  </td>
                  <td className="usage-error" title={r.error ?? undefined}>
                    {r.error ?? ""}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {calls.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="btn btn-secondary"
            data-testid="usage-load-more"
            disabled={calls.isFetchingNextPage}
            onClick={() => void calls.fetchNextPage()}
          >
            {calls.isFetchingNextPage ? "Loading…" : "Load more"}
          </button>
        </div>
      ) : null}
    </Card>
  );
}

function Usage() {
  const trpc = useTRPC();
  const [period, setPeriod] = useState<Period>("30d");
  const totals = useQuery(trpc.usage.totals.queryOptions({ period }));
  const t = totals.data?.totals;
  return (
    <>
      <div className="page-header">
        <h1>Usage</h1>
        <div className="field-inline">
          <label htmlFor="usage-period">Period</label>
          <select id="usage-period" data-testid="usage-period" className="select-sm" value={period} onChange={(e) => setPeriod(e.target.value as Period)}>
            {PERIODS.map((p) => (
              <option key={p.value} value={p.value}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <FormError message={totals.isError ? errorMessage(totals.error) : null} />
      <div className="stats">
        <StatCard label="Total spend" value={t ? formatUsd(t.costUsd) : "…"} testId="usage-total-cost" />
        <StatCard label="Calls" value={t ? formatCount(t.calls) : "…"} testId="usage-total-calls" />
        <StatCard label="Tokens in" value={t ? formatCount(t.inputTokens) : "…"} testId="usage-tokens-in" />
        <StatCard label="Tokens out" value={t ? formatCount(t.outputTokens) : "…"} testId="usage-tokens-out" />
        <StatCard label="Cached input" value={t ? formatCount(t.cacheReadTokens) : "…"} testId="usage-tokens-cached" />
      </div>
      {totals.data ? <UsageCharts totals={totals.data} /> : totals.isPending ? <Loading /> : null}
      <RecentCalls period={period} />
    </>
  );
}

export function UsagePage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      {can("usage:read") ? (
        <Usage />
      ) : (
        <>
          <div className="page-header">
            <h1>Usage</h1>
          </div>
          <NoAccess>Your role cannot see this workspace&apos;s usage.</NoAccess>
        </>
      )}
    </div>
  );
}
