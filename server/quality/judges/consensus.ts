/**
 * The math of the quality gate (pure).
 *
 * - A judge's overall score: the weighted mean of its criterion scores, each normalised to 0..1 on the rubric's scale
 *   (a criterion it did not score counts as the scale's minimum: a judge cannot pass an output by staying silent).
 * - The consensus: the mean of the judges' overall scores (each judge counts once, whatever its rubric), against the
 *   gate's thresholds: >= passThreshold passes, < failThreshold fails, anything between asks for a revision. The
 *   judges' own labels are recorded but do not decide: scores carry more information than labels.
 * - Disagreement: `spread` (highest minus lowest overall score) and `agreement` = 1 - the mean pairwise absolute
 *   difference of the overall scores. We report the mean pairwise difference rather than Krippendorff's alpha because
 *   the gate judges ONE output per iteration: alpha compares within-unit to between-unit disagreement and is
 *   undefined (0/0) for a single unit, while the pairwise difference is defined for any two judges and one output, on
 *   the same 0..1 scale as the scores. Alpha over many runs belongs to the later task that compares judges to people.
 */
import type { Rubric } from "@/lib/schemas/judges";
import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";

/** Criterion key -> score, clamped to the rubric's scale (unknown criteria dropped, a missing one the minimum). */
export function criterionScores(rubric: Rubric, scores: Readonly<Record<string, unknown>>): Record<string, number> {
  const { min, max } = rubric.scale;
  const out: Record<string, number> = {};
  for (const c of rubric.criteria) {
    const given = scores[c.key];
    const value = typeof given === "number" && Number.isFinite(given) ? given : min;
    out[c.key] = Math.min(max, Math.max(min, value));
  }
  return out;
}

/** The weighted mean of the criterion scores, normalised to 0..1. */
export function overallScore(rubric: Rubric, scores: Record<string, number>): number {
  const { min, max } = rubric.scale;
  let weighted = 0;
  let weights = 0;
  for (const c of rubric.criteria) {
    weighted += c.weight * (((scores[c.key] ?? min) - min) / (max - min));
    weights += c.weight;
  }
  return weights > 0 ? round4(weighted / weights) : 0;
}

export interface Thresholds {
  passThreshold: number;
  failThreshold: number;
}

export interface Consensus {
  score: number;
  verdict: JudgeVerdictLabel;
  spread: number;
  agreement: number;
  judges: number;
}

/** The consensus of the judges' overall scores (see the module comment). */
export function consensusOf(overall: readonly number[], t: Thresholds): Consensus {
  if (overall.length === 0) return { score: 0, verdict: "fail", spread: 0, agreement: 1, judges: 0 };
  const score = round4(overall.reduce((a, b) => a + b, 0) / overall.length);
  const spread = round4(Math.max(...overall) - Math.min(...overall));
  let pairs = 0;
  let diff = 0;
  for (let i = 0; i < overall.length; i++)
    for (let j = i + 1; j < overall.length; j++) {
      diff += Math.abs(overall[i]! - overall[j]!);
      pairs++;
    }
  const agreement = round4(pairs === 0 ? 1 : 1 - diff / pairs);
  const verdict: JudgeVerdictLabel = score >= t.passThreshold ? "pass" : score < t.failThreshold ? "fail" : "revise";
  return { score, verdict, spread, agreement, judges: overall.length };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
