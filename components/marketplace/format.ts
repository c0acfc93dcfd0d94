import type { ListingCategory } from "@/lib/schemas/marketplace";

export const CATEGORY_LABELS: Record<ListingCategory, string> = {
  research: "Research",
  writing: "Writing",
  coding: "Coding",
  data: "Data",
  support: "Support",
  sales: "Sales",
  operations: "Operations",
  other: "Other",
};

export const SORT_LABELS = { installs: "Most installed", rating: "Best rated", recent: "Recently updated" } as const;

/** "$0.002 – $0.01 per run" */
export function formatCostRange(cost: { low: number; high: number } | null): string {
  if (!cost) return "No estimate (no priced model fits the agents' policies)";
  const usd = (n: number) => `$${n < 0.01 ? n.toPrecision(2) : n.toFixed(2)}`;
  return cost.low === cost.high ? `${usd(cost.low)} per run` : `${usd(cost.low)} – ${usd(cost.high)} per run`;
}

/** The date of an ISO string, in the browser's locale. */
export function formatIsoDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "—" : date.toLocaleDateString(undefined, { year: "numeric", month: "short", day: "numeric" });
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
