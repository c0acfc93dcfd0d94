/**
 * The one prediction of how long a model call takes, used wherever routing weighs time: the latency objective, the
 * blend's latency score and the tie-break on equal cost (./router.ts, ./objective.ts).
 *
 * expectedCallMs = the time of one attempt + r / (1 - r) x FAILED_CALL_MS, where
 * - one attempt: time to first token (p95) + ms per output token (median) x the call's output allowance where
 *   streamed calls measured both, else the whole-call p95 (timeouts counted at the time they took);
 * - r the failure rate (smoothed, errors and timeouts; capped at 0.95): r / (1 - r) failed attempts are expected
 *   before a success, each losing about FAILED_CALL_MS (a timeout, or a retry's wait). Additive, so reliability
 *   counts in time even where money does not (a local model at $0).
 * A model with neither figure observed has no prediction (null): callers rank it after every observed model.
 */
import type { CatalogEntry } from "./router";

/** What a failed call costs in time (ms) in the expected latency: about a timeout or a retry's wait. */
export const FAILED_CALL_MS = 30_000;
/** The highest failure rate the expectations use, so that a model failing every call stays finite. */
const MAX_FAILURE_RATE = 0.95;

export type LatencyFigures = Pick<CatalogEntry, "latencyP95Ms" | "ttftMs" | "msPerOutputToken" | "errorRate" | "failureRate">;

/** The failure rate routing uses: the smoothed one when known, else the raw error rate. */
export function failureRateOf(entry: Pick<CatalogEntry, "errorRate" | "failureRate">): number {
  return entry.failureRate ?? entry.errorRate;
}

/** Failed attempts expected before a success (geometric): r / (1 - r), r clamped to 0..0.95 (not a number: 0). */
export function failedAttemptsPerSuccess(failureRate: number): number {
  const rate = Math.min(Math.max(failureRate || 0, 0), MAX_FAILURE_RATE);
  return rate / (1 - rate);
}

/** The expected time (ms) of a call of `maxOutputTokens` to this model, failures included; null: not observed yet. */
export function expectedCallMs(entry: LatencyFigures, maxOutputTokens: number | undefined): number | null {
  const attempt =
    maxOutputTokens !== undefined && entry.ttftMs != null && entry.msPerOutputToken != null
      ? entry.ttftMs + entry.msPerOutputToken * maxOutputTokens
      : entry.latencyP95Ms;
  if (attempt === null) return null;
  return attempt + failedAttemptsPerSuccess(failureRateOf(entry)) * FAILED_CALL_MS;
}
