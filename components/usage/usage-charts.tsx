"use client";

import { Bar, BarChart, CartesianGrid, Cell, Tooltip, XAxis, YAxis } from "recharts";
import { formatUsd } from "@/lib/usd";

/**
 * The usage charts (recharts renders SVG on the client; no inline scripts, so the CSP needs nothing).
 * Each takes plain rows; the page does the shaping.
 */

const ACCENT = "#4f46e5";
const PALETTE = ["#4f46e5", "#0369a1", "#15803d", "#a16207", "#c2262e", "#7c3aed", "#0f766e", "#be185d"];

/** Axis ticks: short, but tiny amounts stay readable. */
export function axisUsd(value: number): string {
  if (value === 0) return "$0";
  if (Math.abs(value) >= 1) return `$${value.toFixed(value >= 100 ? 0 : 2)}`;
  if (Math.abs(value) >= 0.01) return `$${value.toFixed(2)}`;
  return `$${Number(value.toPrecision(2))}`;
}

const tooltipUsd = (value: unknown) => formatUsd(typeof value === "number" ? value : Number(value));

export interface DayPoint {
  day: string; // YYYY-MM-DD
  label: string;
  costUsd: number;
  calls: number;
}

export function SpendPerDayChart({ data }: { data: DayPoint[] }) {
  return (
    <BarChart responsive data={data} style={{ width: "100%", height: 240 }} margin={{ top: 8, right: 8, bottom: 0, left: 8 }} accessibilityLayer>
      <CartesianGrid vertical={false} stroke="#e2e5ea" />
      <XAxis dataKey="label" tickLine={false} interval="preserveStartEnd" minTickGap={12} fontSize={12} />
      <YAxis tickFormatter={axisUsd} width={64} tickLine={false} axisLine={false} fontSize={12} />
      <Tooltip formatter={(value) => [tooltipUsd(value), "Spend"]} labelFormatter={(label) => String(label)} cursor={{ fill: "#eef0ff" }} />
      <Bar dataKey="costUsd" name="Spend" fill={ACCENT} radius={[3, 3, 0, 0]} isAnimationActive={false} />
    </BarChart>
  );
}

export interface NamedSpend {
  key: string;
  label: string;
  costUsd: number;
  calls: number;
}

/** Horizontal bars, one per model or agent, highest spend first. */
export function SpendPerNameChart({ data, name }: { data: NamedSpend[]; name: string }) {
  const height = Math.max(120, 36 * data.length + 40);
  return (
    <BarChart responsive data={data} layout="vertical" style={{ width: "100%", height }} margin={{ top: 4, right: 16, bottom: 0, left: 8 }} accessibilityLayer>
      <CartesianGrid horizontal={false} stroke="#e2e5ea" />
      <XAxis type="number" tickFormatter={axisUsd} tickLine={false} fontSize={12} />
      <YAxis type="category" dataKey="label" width={150} tickLine={false} axisLine={false} fontSize={12} />
      <Tooltip formatter={(value) => [tooltipUsd(value), name]} cursor={{ fill: "#eef0ff" }} />
      <Bar dataKey="costUsd" name={name} radius={[0, 3, 3, 0]} isAnimationActive={false}>
        {data.map((d, i) => (
          <Cell key={d.key} fill={PALETTE[i % PALETTE.length]} />
        ))}
      </Bar>
    </BarChart>
  );
}
