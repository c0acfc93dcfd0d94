"use client";

import { LockIcon } from "lucide-react";
import { type ReactNode, useMemo, useState } from "react";
import { useQuery } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { formatUsd } from "@/lib/usd";
import { RUN_CHANNEL_LABELS } from "@/lib/schemas/runs";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { EmptyState } from "@/components/ui/empty-state";
import { inputClasses } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { PageHeader } from "@/components/ui/page-header";
import { Skeleton } from "@/components/ui/skeleton";
import { cn } from "@/lib/cn";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { formatCount, type Period, UsageCalls } from "./usage-calls";
import { SpendPerDayChart, SpendPerNameChart, type DayPoint, type NamedSpend } from "./usage-charts";

type Totals = inferRouterOutputs<AppRouter>["usage"]["totals"];

const PERIODS: { value: Period; label: string }[] = [
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
  { value: "month", label: "This month" },
];

const DAY_MS = 86_400_000;

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

function StatCard({ label, value, testId }: { label: string; value: string; testId: string }) {
  return (
    <Card className="gap-1 py-4">
      <CardContent className="grid gap-1 px-4">
        <span className="text-2xl font-semibold tabular-nums" data-testid={testId}>
          {value}
        </span>
        <span className="text-sm text-muted-foreground">{label}</span>
      </CardContent>
    </Card>
  );
}

function ChartCard({
  title,
  description,
  testId,
  className,
  children,
}: {
  title: string;
  description?: string;
  testId: string;
  className?: string;
  children: ReactNode;
}) {
  return (
    <Card className={cn("gap-4", className)} data-testid={testId}>
      <CardHeader>
        <CardTitle>{title}</CardTitle>
        {description ? <CardDescription>{description}</CardDescription> : null}
      </CardHeader>
      <CardContent>{children}</CardContent>
    </Card>
  );
}

const NoCalls = () => <p className="py-8 text-center text-sm text-muted-foreground">No model calls in this period.</p>;

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
  const channels = useMemo<NamedSpend[]>(
    () =>
      totals.byChannel.map((c) => ({
        key: c.channel ?? "none",
        label: c.channel ? RUN_CHANNEL_LABELS[c.channel] : "No run, or not recorded",
        costUsd: c.costUsd,
        calls: c.calls,
      })),
    [totals],
  );
  const noCalls = totals.totals.calls === 0;
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <ChartCard title="Spend per day" description="UTC days" className="lg:col-span-2" testId="usage-chart-day">
        {noCalls ? <NoCalls /> : <SpendPerDayChart data={days} />}
      </ChartCard>
      <ChartCard title="Spend per model" testId="usage-chart-model">
        {models.length === 0 ? <NoCalls /> : <SpendPerNameChart data={models} name="Spend" />}
      </ChartCard>
      <ChartCard title="Spend per agent" testId="usage-chart-agent">
        {agents.length === 0 ? (
          <div className="grid gap-1 py-8 text-center text-sm text-muted-foreground" data-testid="usage-agent-empty">
            <p>No spend by agents in this period.</p>
            <p className="text-xs">
              Calls made by agents show up here per agent; calls made directly (tests, the route tester) are counted in the totals only.
            </p>
          </div>
        ) : (
          <SpendPerNameChart data={agents} name="Spend" />
        )}
      </ChartCard>
      <ChartCard title="Spend per source" description="Where the calls' runs were started" className="lg:col-span-2" testId="usage-chart-channel">
        {channels.length === 0 ? <NoCalls /> : <SpendPerNameChart data={channels} name="Spend" />}
      </ChartCard>
    </div>
  );
}

function PeriodPicker({ period, onChange }: { period: Period; onChange: (p: Period) => void }) {
  return (
    <div className="flex items-center gap-2">
      <Label htmlFor="usage-period">Period</Label>
      <select
        id="usage-period"
        data-testid="usage-period"
        className={cn(inputClasses, "h-8 w-auto")}
        value={period}
        onChange={(e) => onChange(e.target.value as Period)}
      >
        {PERIODS.map((p) => (
          <option key={p.value} value={p.value}>
            {p.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function Usage() {
  const trpc = useTRPC();
  const [period, setPeriod] = useState<Period>("30d");
  const totals = useQuery(trpc.usage.totals.queryOptions({ period }));
  const t = totals.data?.totals;
  return (
    <>
      <PageHeader
        title="Usage"
        description="Spend, calls and tokens of the workspace's model calls."
        actions={<PeriodPicker period={period} onChange={setPeriod} />}
      />
      {totals.isError ? (
        <div role="alert" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
          {errorMessage(totals.error)}
        </div>
      ) : null}
      <div className="grid grid-cols-2 gap-4 sm:grid-cols-3 lg:grid-cols-5">
        <StatCard label="Total spend" value={t ? formatUsd(t.costUsd) : "…"} testId="usage-total-cost" />
        <StatCard label="Calls" value={t ? formatCount(t.calls) : "…"} testId="usage-total-calls" />
        <StatCard label="Tokens in" value={t ? formatCount(t.inputTokens) : "…"} testId="usage-tokens-in" />
        <StatCard label="Tokens out" value={t ? formatCount(t.outputTokens) : "…"} testId="usage-tokens-out" />
        <StatCard label="Cached input" value={t ? formatCount(t.cacheReadTokens) : "…"} testId="usage-tokens-cached" />
      </div>
      {totals.data ? <UsageCharts totals={totals.data} /> : totals.isPending ? <Skeleton className="h-64 w-full" /> : null}
      <UsageCalls period={period} />
    </>
  );
}

export function UsagePage() {
  const { can } = useWorkspace();
  return (
    <div className="grid gap-6">
      {can("usage:read") ? (
        <Usage />
      ) : (
        <>
          <PageHeader title="Usage" />
          <EmptyState icon={LockIcon} title="No access" text="Your role cannot see this workspace's usage." testId="usage-no-access" />
        </>
      )}
    </div>
  );
}
