import { createHash } from "node:crypto";

/**
 * The share of labelled items held out: they measure the judges' agreement with people and are never a judge's
 * few-shot example (a judge shown an item cannot be measured on it). An item (a run's iteration) is held out or not
 * for every labeller alike, fixed by a hash of its run id and iteration, so nobody can choose which side a label
 * falls on and an edit never moves it.
 */
export const HELD_OUT_SHARE = 0.5;

export function isHeldOut(runId: string, iteration: number): boolean {
  const digest = createHash("sha256").update(`${runId}:${iteration}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < HELD_OUT_SHARE;
}

/** People score criteria 1..5; an overall score in 0..1 is their mean mapped linearly (1 -> 0, 5 -> 1). */
export function scoreFromCriteria(scores: Record<string, number>): number | null {
  const values = Object.values(scores);
  if (values.length === 0) return null;
  return (values.reduce((s, v) => s + v, 0) / values.length - 1) / 4;
}
