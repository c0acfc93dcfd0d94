"use client";

import { Area, AreaChart, Bar, BarChart, CartesianGrid, Legend, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { axisUsd } from "@/components/usage/usage-charts";
import { formatUsd } from "@/lib/usd";
import type { hourlyRows, spendRows } from "@/lib/overview";

/**
 * The overview's charts, loaded after the page (recharts is most of their weight). Colours are the theme's chart
 * tokens, so both themes hold.
 */

const SERIES = [
  { key: "succeeded", name: "Succeeded", color: "var(--success)" },
  { key: "failed", name: "Failed", color: "var(--destructive)" },
  { key: "cancelled", name: "Cancelled", color: "var(--warning)" },
  { key: "running", name: "Running", color: "var(--chart-5)" },
  { key: "queued", name: "Queued", color: "var(--muted-foreground)" },
] as const;

const axis = { fontSize: 12, stroke: "var(--muted-foreground)" } as const;
const tooltipStyle = { background: "var(--popover)", color: "var(--popover-foreground)", border: "1px solid var(--border)", borderRadius: 8 };

export function RunsPerHourChart({ data }: { data: ReturnType<typeof hourlyRows> }) {
  return (
    <BarChart responsive data={data} style={{ width: "100%", height: 200 }} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer>
      <CartesianGrid vertical={false} stroke="var(--border)" />
      <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" minTickGap={16} {...axis} />
      <YAxis allowDecimals={false} width={32} tickLine={false} axisLine={false} {...axis} />
      <Tooltip contentStyle={tooltipStyle} cursor={{ fill: "var(--muted)" }} />
      <Legend iconSize={10} wrapperStyle={{ fontSize: 12 }} />
      {SERIES.map((s) => (
        <Bar key={s.key} dataKey={s.key} name={s.name} stackId="runs" fill={s.color} isAnimationActive={false} />
      ))}
    </BarChart>
  );
}

export function SpendThisMonthChart({ data, limitUsd }: { data: ReturnType<typeof spendRows>; limitUsd: number | null }) {
  const top = Math.max(limitUsd ?? 0, data.at(-1)?.cumulativeUsd ?? 0);
  return (
    <AreaChart responsive data={data} style={{ width: "100%", height: 200 }} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} accessibilityLayer>
      <CartesianGrid vertical={false} stroke="var(--border)" />
      <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" minTickGap={16} {...axis} />
      <YAxis tickFormatter={axisUsd} width={56} tickLine={false} axisLine={false} domain={[0, top > 0 ? top * 1.1 : 1]} {...axis} />
      <Tooltip contentStyle={tooltipStyle} formatter={(value, name) => [formatUsd(Number(value)), name === "cumulativeUsd" ? "Month to date" : "That day"]} />
      {limitUsd !== null ? (
        <ReferenceLine
          y={limitUsd}
          stroke="var(--destructive)"
          strokeDasharray="4 4"
          label={{ value: "Budget", position: "insideTopRight", fontSize: 12, fill: "var(--destructive)" }}
        />
      ) : null}
      <Area type="monotone" dataKey="cumulativeUsd" stroke="var(--chart-1)" fill="var(--chart-1)" fillOpacity={0.2} isAnimationActive={false} />
      <Area type="monotone" dataKey="costUsd" stroke="var(--chart-2)" fill="var(--chart-2)" fillOpacity={0.15} isAnimationActive={false} />
    </AreaChart>
  );
}
