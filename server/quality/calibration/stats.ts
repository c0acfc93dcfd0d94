/**
 * Agreement statistics between a judge and people (pure). No maintained npm package gives Cohen's kappa with its
 * standard error, or Spearman's rho with a confidence interval (simple-statistics has neither; jstat is unmaintained),
 * so these are small functions checked against textbook values in stats.test.ts.
 *
 * Below `minN` pairs each answers `{ status: "insufficient" }` instead of a number, and a statistic that is undefined
 * on the data (every item in one category for both raters; a constant ranking) answers `{ status: "undefined" }`.
 */

export const VERDICT_CATEGORIES = ["pass", "revise", "fail"] as const;
export type VerdictCategory = (typeof VERDICT_CATEGORIES)[number];

/** The fewest pairs an agreement figure is computed on (below it, "not enough data"). */
export const DEFAULT_MIN_N = 10;
/** The normal quantile of a two-sided 95% interval. */
const Z95 = 1.959963984540054;

export type Estimate =
  | { status: "ok"; value: number; se: number; ci: [number, number]; n: number }
  | { status: "insufficient"; n: number; minN: number }
  | { status: "undefined"; n: number; reason: string };

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Cohen's kappa of two raters on the three verdict labels, with Cohen's (1960) large-sample standard error
 * sqrt(po(1 − po) / (n (1 − pe)²)) and the normal 95% interval, clamped to [−1, 1].
 */
export function cohensKappa(pairs: readonly (readonly [VerdictCategory, VerdictCategory])[], minN = DEFAULT_MIN_N): Estimate {
  const n = pairs.length;
  if (n < minN) return { status: "insufficient", n, minN };
  const a = new Map<string, number>();
  const b = new Map<string, number>();
  let agree = 0;
  for (const [x, y] of pairs) {
    if (x === y) agree++;
    a.set(x, (a.get(x) ?? 0) + 1);
    b.set(y, (b.get(y) ?? 0) + 1);
  }
  const po = agree / n;
  const pe = VERDICT_CATEGORIES.reduce((s, c) => s + ((a.get(c) ?? 0) / n) * ((b.get(c) ?? 0) / n), 0);
  if (pe >= 1) return { status: "undefined", n, reason: "Both raters gave every item the same label: chance agreement is 1" };
  const value = (po - pe) / (1 - pe);
  const se = Math.sqrt((po * (1 - po)) / (n * (1 - pe) ** 2));
  return { status: "ok", value, se, ci: [clamp(value - Z95 * se, -1, 1), clamp(value + Z95 * se, -1, 1)], n };
}

/** Ranks 1..n, ties sharing the average of the ranks they span. */
export function averageRanks(xs: readonly number[]): number[] {
  const order = xs.map((x, i) => [x, i] as const).sort((p, q) => p[0] - q[0]);
  const ranks = new Array<number>(xs.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j + 1 < order.length && order[j + 1]![0] === order[i]![0]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[order[k]![1]] = rank;
    i = j + 1;
  }
  return ranks;
}

function pearson(x: readonly number[], y: readonly number[]): number | null {
  const n = x.length;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/**
 * Spearman's rho with ties (Pearson's r of the average ranks) and a 95% interval through Fisher's z, with the
 * variance 1.06 / (n − 3) of Fieller, Hartley and Pearson (1957) for rank correlations; `se` is that of z.
 */
export function spearman(pairs: readonly (readonly [number, number])[], minN = DEFAULT_MIN_N): Estimate {
  const n = pairs.length;
  if (n < Math.max(minN, 4)) return { status: "insufficient", n, minN: Math.max(minN, 4) };
  const r = pearson(averageRanks(pairs.map((p) => p[0])), averageRanks(pairs.map((p) => p[1])));
  if (r === null) return { status: "undefined", n, reason: "One side gave every item the same score: there is no ranking to compare" };
  const value = clamp(r, -1, 1);
  const se = Math.sqrt(1.06 / (n - 3));
  const z = Math.atanh(clamp(value, -0.999999, 0.999999));
  return { status: "ok", value, se, ci: [Math.tanh(z - Z95 * se), Math.tanh(z + Z95 * se)], n };
}
