/**
 * Figures for the benchmark protocol (scripts/bench/protocol.ts). A bench prints each headline figure twice: for
 * people, in its own words, and as one machine-readable line `::figure:: {"name","value","unit"}` that the protocol
 * runner collects over repeated runs. The regime options are shared by the benches:
 * - `--stub-latency <ms>`: the LLM stub answers after that long (realistic regime: 1000-2000 ms model calls, so
 *   the 2 s per-process caches expire between a run's calls);
 * - `--cold`: the per-process caches (catalog, budget) are emptied before every timed call.
 */

export const FIGURE_PREFIX = "::figure::";

export interface Figure {
  name: string;
  value: number;
  unit: string;
}

export function figure(name: string, value: number, unit = "ms"): void {
  if (!Number.isFinite(value)) return;
  console.log(`${FIGURE_PREFIX} ${JSON.stringify({ name, value: Math.round(value * 1e6) / 1e6, unit } satisfies Figure)}`);
}

export interface Regime {
  stubLatencyMs: number;
  cold: boolean;
  label: string;
}

export function regimeOf(args: readonly string[]): Regime {
  const at = args.indexOf("--stub-latency");
  const stubLatencyMs = at >= 0 ? Math.max(0, Number(args[at + 1]) || 0) : 0;
  const cold = args.includes("--cold");
  const label = [cold ? "cold caches" : "warm caches", stubLatencyMs > 0 ? `model calls of ${stubLatencyMs} ms` : "0 ms model calls"].join(", ");
  return { stubLatencyMs, cold, label };
}

/** Parses the figure lines of a bench's output. */
export function parseFigures(output: string): Figure[] {
  const figures: Figure[] = [];
  for (const line of output.split("\n")) {
    const at = line.indexOf(FIGURE_PREFIX);
    if (at < 0) continue;
    try {
      const parsed = JSON.parse(line.slice(at + FIGURE_PREFIX.length)) as Figure;
      if (typeof parsed.name === "string" && typeof parsed.value === "number") figures.push(parsed);
    } catch {
      /* not a figure */
    }
  }
  return figures;
}

// Two-sided 95% critical values of Student's t for 1..30 degrees of freedom (beyond: the normal 1.96).
const T95 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export interface Interval {
  n: number;
  mean: number;
  /** half-width of the 95% confidence interval of the mean (NaN below 2 samples) */
  halfWidth: number;
  sd: number;
}

/** Mean and 95% confidence interval (Student's t) of independent samples. */
export function meanInterval(samples: readonly number[]): Interval {
  const n = samples.length;
  const mean = n ? samples.reduce((a, b) => a + b, 0) / n : Number.NaN;
  if (n < 2) return { n, mean, halfWidth: Number.NaN, sd: Number.NaN };
  const sd = Math.sqrt(samples.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const t = T95[n - 2] ?? 1.96;
  return { n, mean, halfWidth: (t * sd) / Math.sqrt(n), sd };
}

/** The paired difference after - before (same index = one pair measured side by side). */
export function pairedInterval(before: readonly number[], after: readonly number[]): Interval {
  const n = Math.min(before.length, after.length);
  return meanInterval(Array.from({ length: n }, (_, i) => after[i]! - before[i]!));
}
