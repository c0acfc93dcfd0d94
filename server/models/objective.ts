/**
 * Routing objectives: how the router orders the models that pass every hard constraint (enabled, capabilities,
 * minQuality, caps, context, locality, circuit). Called from route() (./router.ts) after the preferred-provider and
 * local-first ordering, which stay ahead of the objective.
 *
 * - cost (the default, also when a policy names none): lowest expected cost (estimated cost adjusted for the observed
 *   error rate), ties by higher quality, then lower expected latency.
 * - quality: highest quality score, ties by lower expected cost.
 * - latency: lowest expected latency of this call (./latency.ts expectedCallMs: time to first token + ms per output
 *   token x the call's output allowance where streamed calls measured them, else the whole-call p95; plus the time
 *   that failures are expected to lose). A model not observed yet has no figure: it ranks after every observed one
 *   (among themselves by expected cost), so a fast model that is known wins over a guess.
 * - blend `{ cost, quality, latency }`: each figure scored 0..1 across the candidates of this decision (min-max: 1 for
 *   the cheapest, the strongest, the fastest; 1 for all when they are equal), an unobserved latency scores 0.5 (a
 *   neutral prior: neither rewarded nor shut out). The score is the weighted sum divided by the weights' sum; highest
 *   wins, ties by expected cost.
 *
 * Diversity (`avoid`): models in the set (already used by the other participants of a debate round or a
 * mixture-of-agents layer) rank after all the others; when every feasible model is in it, one is reused.
 */
import type { ObjectiveWeights, RoutingObjective } from "@/lib/schemas/model-policy";
import type { CatalogEntry } from "./router";

const UNOBSERVED = Number.POSITIVE_INFINITY;

export interface ObjectiveInput {
  catalog: readonly CatalogEntry[];
  /** expected cost per catalog index */
  expected: Float64Array;
  /** expected latency (ms) of this call per catalog index (./latency.ts expectedCallMs); Infinity: not observed yet */
  latency: Float64Array;
  objective: RoutingObjective | undefined;
}

/**
 * A comparator over catalog indexes of feasible models for the objective (negative: a first), and the blend scores
 * when the objective is a blend (for the explanation). `feasible` are the indexes the blend normalises over.
 */
export function rankByObjective(
  input: ObjectiveInput,
  feasible: readonly number[],
  tieBreak: (a: number, b: number) => number,
): { compare: (a: number, b: number) => number; scores?: Map<number, number> } {
  const { catalog, expected, latency } = input;
  const objective = input.objective ?? "cost";
  const byCost = (a: number, b: number) => (nearlyEqual(expected[a]!, expected[b]!) ? 0 : expected[a]! - expected[b]!);
  if (objective === "cost") {
    return { compare: (a, b) => byCost(a, b) || tieBreak(a, b) };
  }
  if (objective === "quality") {
    return {
      compare: (a, b) => {
        const qa = catalog[a]!.quality;
        const qb = catalog[b]!.quality;
        if (qa !== qb) return qb - qa;
        return byCost(a, b) || tieBreak(a, b);
      },
    };
  }
  if (objective === "latency") {
    return {
      compare: (a, b) => {
        const la = latency[a]!;
        const lb = latency[b]!;
        if (la !== lb) return la < lb ? -1 : 1;
        return byCost(a, b) || tieBreak(a, b);
      },
    };
  }
  const scores = blendScores(input, feasible, objective);
  return {
    scores,
    compare: (a, b) => {
      const sa = scores.get(a)!;
      const sb = scores.get(b)!;
      if (!nearlyEqual(sa, sb)) return sb - sa;
      return byCost(a, b) || tieBreak(a, b);
    },
  };
}

/** Weighted 0..1 score per feasible index (see the module comment). */
export function blendScores(input: ObjectiveInput, feasible: readonly number[], weights: ObjectiveWeights): Map<number, number> {
  const { catalog, expected, latency } = input;
  let minCost = Number.POSITIVE_INFINITY;
  let maxCost = Number.NEGATIVE_INFINITY;
  let minQ = Number.POSITIVE_INFINITY;
  let maxQ = Number.NEGATIVE_INFINITY;
  let minL = Number.POSITIVE_INFINITY;
  let maxL = Number.NEGATIVE_INFINITY;
  for (const i of feasible) {
    const e = catalog[i]!;
    minCost = Math.min(minCost, expected[i]!);
    maxCost = Math.max(maxCost, expected[i]!);
    minQ = Math.min(minQ, e.quality);
    maxQ = Math.max(maxQ, e.quality);
    const l = latency[i]!;
    if (l !== UNOBSERVED) {
      minL = Math.min(minL, l);
      maxL = Math.max(maxL, l);
    }
  }
  const total = weights.cost + weights.quality + weights.latency || 1;
  const scale = (value: number, min: number, max: number, higherIsBetter: boolean) => {
    if (!(max > min)) return 1;
    const t = (value - min) / (max - min);
    return higherIsBetter ? t : 1 - t;
  };
  const scores = new Map<number, number>();
  for (const i of feasible) {
    const e = catalog[i]!;
    const cost = scale(expected[i]!, minCost, maxCost, false);
    const quality = scale(e.quality, minQ, maxQ, true);
    const l = latency[i]!;
    const fast = l === UNOBSERVED ? 0.5 : scale(l, minL, maxL, false);
    scores.set(i, (weights.cost * cost + weights.quality * quality + weights.latency * fast) / total);
  }
  return scores;
}

/** The objective as the explanation names it: "cost", "quality", "latency" or "blend (cost 0.5, quality 0.3, latency 0.2)". */
export function describeObjective(objective: RoutingObjective | undefined): string {
  const o = objective ?? "cost";
  if (typeof o === "string") return o;
  return `blend (cost ${o.cost}, quality ${o.quality}, latency ${o.latency})`;
}

function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-12 * Math.max(1, Math.abs(a), Math.abs(b));
}
