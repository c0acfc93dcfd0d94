/**
 * Observed behaviour per catalog model, from real calls: a rolling window of the last calls (latency, outcome and
 * when it was observed, newest last) and the figures derived from it. The router reads them (p95 latency, failure
 * rate), weighted by the age of each call (see "Reliability as routing reads it").
 *
 * Writes are coalesced: the gateway queues each call's observation (`queueModelObservation`) and a flush, shortly
 * after the first queued sample, writes ONE statement per model for all of its queued samples. So a 20-step run
 * costs a few background UPDATEs instead of 20 (on embedded PGlite, with its single connection, each one queued
 * ahead of the run engine's own statements).
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { logger } from "@/server/logger";
import { patchObservedStats } from "./catalog-cache";

export const STATS_WINDOW = 100;
const LAST_ERROR_MAX = 500;
/** how long the first queued sample of a model waits for others before its flush starts */
export const OBSERVATION_FLUSH_DELAY_MS = 50;

export type ObservationOutcome = "ok" | "error" | "timeout";

export interface ModelObservation {
  latencyMs: number;
  outcome: ObservationOutcome;
  error?: string;
  /** streamed calls: ms from the request to the first text */
  ttftMs?: number | null;
  /** the answer's output tokens (successes) */
  outputTokens?: number;
}

export interface ModelStats {
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  errorRate: number;
  timeoutRate: number;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

/** Whether a sample's latency counts in the percentiles: successes, and timeouts at their (censored) time. */
const timed = (outcome: string | undefined) => outcome === "ok" || outcome === "timeout";

/**
 * The figures of a window. Latency percentiles count successful calls and timeouts, a timeout at the time it took
 * (a lower bound of the call's latency: censored, so a model that hangs looks slow, never quick); errors are left
 * out (a call that fails fast would make a model look quick). The error rate counts errors and the timeout rate
 * timeouts, both over every call.
 */
export function computeStats(latencies: readonly number[], outcomes: readonly string[]): ModelStats {
  const okLatencies = latencies.filter((_, i) => timed(outcomes[i]));
  const n = outcomes.length;
  const count = (o: string) => outcomes.filter((x) => x === o).length;
  return {
    latencyP50Ms: percentile(okLatencies, 50),
    latencyP95Ms: percentile(okLatencies, 95),
    errorRate: n === 0 ? 0 : count("error") / n,
    timeoutRate: n === 0 ? 0 : count("timeout") / n,
  };
}

// ---------------------------------------------------------------------------------------------------
// Reliability as routing reads it: smoothed, recency-weighted, with a minimum sample

/** Prior of the failure rate, as pseudo-calls: a model nobody called yet is assumed to fail 1 call in 20. */
export const FAILURE_PRIOR = { failures: 1, calls: 20 } as const;
/** Each older call of the window weighs this much of the next newer one (half weight after ~23 calls). */
export const RECENCY_DECAY = 0.97;
/**
 * A call's weight in the failure rate halves with each hour of its age. An hour: provider incidents last minutes to a
 * few hours (the circuit breaker covers seconds to minutes), so a failure from this morning still counts a little at
 * noon and yesterday's none, and with the prior (20 pseudo-calls, not decayed) a model whose last 10 calls all
 * failed is back under 0.11 three hours later without a call. A busy model is unaffected: RECENCY_DECAY fades its
 * older calls long before their age does.
 */
export const FAILURE_HALF_LIFE_MS = 60 * 60_000;
/**
 * A timed call's weight in the latency percentiles halves with each hour of its age (provider load follows the time
 * of day within hours); the minimum sample counts only the calls of the last half-life (see `Reliability`).
 */
export const LATENCY_HALF_LIFE_MS = 60 * 60_000;

/** The router's p95 is over the last this-many timed calls, so a model that became fast again recovers in time. */
export const RECENT_LATENCY_WINDOW = 20;

/** When each call of the window was observed (epoch ms, newest last, aligned on the newest) and the time "now". */
export interface SampleTimes {
  times: readonly number[];
  now: number;
}

export interface Reliability {
  /** P(a call fails: error or timeout), weighted by recency and age over the window and smoothed by FAILURE_PRIOR */
  failureRate: number;
  /**
   * timed calls (successes and timeouts) of the window observed within LATENCY_HALF_LIFE_MS of now (without
   * times: all of them): the router's minimum sample, so stale calls alone never exclude a model by its latency
   */
  latencySamples: number;
  /**
   * p95 of the last RECENT_LATENCY_WINDOW timed calls (timeouts at their time), each weighted by its age; null when
   * none (only with latencies)
   */
  latencyP95Ms?: number | null;
}

/**
 * `2^-(age / halfLife)` of the i-th of n samples, whose time is in `at.times` aligned on the newest (a window whose
 * times array is shorter, from before times were kept or edited by hand, has no time for its oldest calls). No time,
 * no decay (weight 1); a time after `now` (another process's clock) counts as age 0, so a weight is never above 1.
 */
function ageWeight(at: SampleTimes | undefined, i: number, n: number, halfLifeMs: number): number {
  if (!at) return 1;
  const t = at.times[at.times.length - (n - i)];
  if (t === undefined || !Number.isFinite(t)) return 1;
  return 2 ** (-Math.max(0, at.now - t) / halfLifeMs);
}

/**
 * Weighted nearest-rank percentile (p in 0..100): the smallest value whose cumulative weight reaches p% of the total.
 * With equal weights it is `percentile`. Null for none; a total weight of 0 (all underflowed) falls back to equal ones.
 */
export function weightedPercentile(values: readonly number[], weights: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]! || a - b);
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (!(total > 0)) return percentile(values, p);
  // relative tolerance: with equal weights, k/n·total may round just under p/100·total
  const target = (p / 100) * total * (1 - 1e-12);
  let cumulative = 0;
  for (const i of order) {
    cumulative += weights[i]!;
    if (cumulative >= target && cumulative > 0) return values[i]!;
  }
  return values[order[order.length - 1]!]!;
}

/**
 * A model's reliability from its window of outcomes (oldest first) and, when known, when each call was observed.
 * A call's weight is RECENCY_DECAY per newer call times 2^-(age / FAILURE_HALF_LIFE_MS): the first fades a busy
 * model's old calls, the second a quiet model's (called once a day, last month's failure would otherwise count as
 * much as this morning's). The prior does not decay, so a model left alone drifts back to it. The prior also keeps
 * a few calls from deciding alone: one failed call of a new model gives (1 + 1) / (1 + 20) ≈ 0.1, not 1. Pure: the
 * same window, times and `now` give the same figures.
 */
export function reliabilityOf(outcomes: readonly string[], latencies?: readonly number[], at?: SampleTimes): Reliability {
  const n = outcomes.length;
  let weight = 1;
  let failures = 0;
  let total = 0;
  let latencySamples = 0;
  for (let i = n - 1; i >= 0; i--) {
    const outcome = outcomes[i];
    if (outcome !== "ok" && outcome !== "error" && outcome !== "timeout") continue;
    const w = weight * ageWeight(at, i, n, FAILURE_HALF_LIFE_MS);
    total += w;
    if (outcome !== "ok") failures += w;
    if (timed(outcome) && ageWeight(at, i, n, LATENCY_HALF_LIFE_MS) >= 0.5) latencySamples++;
    weight *= RECENCY_DECAY;
  }
  const failureRate = (failures + FAILURE_PRIOR.failures) / (total + FAILURE_PRIOR.calls);
  if (!latencies) return { failureRate, latencySamples };
  const recent: number[] = [];
  const weights: number[] = [];
  for (let i = Math.min(n, latencies.length) - 1; i >= 0 && recent.length < RECENT_LATENCY_WINDOW; i--) {
    if (!timed(outcomes[i])) continue;
    recent.push(latencies[i]!);
    weights.push(ageWeight(at, i, n, LATENCY_HALF_LIFE_MS));
  }
  return { failureRate, latencySamples, latencyP95Ms: weightedPercentile(recent, weights, 95) };
}

export interface TokenLatency {
  /** p95 time to first token over the recent streamed successes; null when none */
  ttftMs: number | null;
  /** median ms per output token after the first, over the recent successes with output; null when none */
  msPerOutputToken: number | null;
}

/**
 * Latency per output token and time to first token, from the window (same positions as the outcomes): a call's
 * wall time mostly grows with its output, so a whole-call p95 over short answers says little about a long one.
 * Per token: (latency - ttft) / tokens on streamed calls; on calls without a ttft, latency / tokens (an upper
 * bound, used only when no streamed call is known). With the calls' times, each call weighs by its age
 * (LATENCY_HALF_LIFE_MS), like the p95 of `reliabilityOf`.
 */
export function tokenLatencyOf(
  outcomes: readonly string[],
  latencies: readonly number[],
  ttfts: readonly number[],
  tokens: readonly number[],
  at?: SampleTimes,
): TokenLatency {
  const firstTokens: number[] = [];
  const firstTokenWeights: number[] = [];
  const streamed: { values: number[]; weights: number[] } = { values: [], weights: [] };
  const whole: { values: number[]; weights: number[] } = { values: [], weights: [] };
  for (let i = Math.min(outcomes.length, latencies.length) - 1; i >= 0 && firstTokens.length + whole.values.length < RECENT_LATENCY_WINDOW; i--) {
    if (outcomes[i] !== "ok") continue;
    const ttft = ttfts[i] ?? -1;
    const n = tokens[i] ?? 0;
    const w = ageWeight(at, i, outcomes.length, LATENCY_HALF_LIFE_MS);
    if (ttft >= 0) {
      firstTokens.push(ttft);
      firstTokenWeights.push(w);
      if (n > 1) {
        streamed.values.push(Math.max(0, latencies[i]! - ttft) / (n - 1));
        streamed.weights.push(w);
      }
    } else if (n > 0) {
      whole.values.push(latencies[i]! / n);
      whole.weights.push(w);
    }
  }
  const rates = streamed.values.length ? streamed : whole;
  return { ttftMs: weightedPercentile(firstTokens, firstTokenWeights, 95), msPerOutputToken: weightedPercentile(rates.values, rates.weights, 50) };
}

/** Samples to add to one model's window, oldest first, and what the row's other columns get. */
interface ObservationBatch {
  latencies: number[];
  outcomes: ObservationOutcome[];
  /** -1: unknown */
  ttfts: number[];
  tokens: number[];
  /** when each call was observed (epoch ms) */
  times: number[];
  /** calls to add to callCount: at least latencies.length (queued samples beyond the window are counted, not kept) */
  calls: number;
  /** the newest failure of the batch */
  lastFailure: { error: string; at: Date } | null;
}

function sampleOf(observation: ModelObservation, at: number) {
  const latency = Math.max(0, Math.round(Number.isFinite(observation.latencyMs) ? observation.latencyMs : 0));
  const outcome: ObservationOutcome = observation.outcome;
  const error = outcome === "ok" ? null : observation.error ? observation.error.slice(0, LAST_ERROR_MAX) : outcome === "timeout" ? "Timed out" : "Error";
  const ttft = observation.ttftMs != null && Number.isFinite(observation.ttftMs) ? Math.max(0, Math.round(observation.ttftMs)) : -1;
  const tokens = Math.max(0, Math.round(Number.isFinite(observation.outputTokens) ? (observation.outputTokens ?? 0) : 0));
  return { latency, outcome, error, ttft, tokens, at };
}

/**
 * Appends a batch to a model's window (keeping the last STATS_WINDOW) and recomputes its figures, in ONE statement:
 * an UPDATE whose new values are computed from the row being updated (a correlated sub-select over the appended
 * and sliced arrays). PostgreSQL row-locks the row for the statement and, when a concurrent write updated it
 * first, re-evaluates the SET list on the newest version (READ COMMITTED), so concurrent writers (other processes)
 * never lose a sample; no interactive transaction, one round trip. The figures are `computeStats`'s, in SQL:
 * nearest-rank percentiles (`percentile_disc` picks the ceil(p·n)-th smallest, at least the first) over successful
 * and timed-out calls (an outcome at the same position as the latency), rates over every outcome in the window.
 * Window start: with c samples in the row and n appended, the new window is elements max(1, c + n - WINDOW + 1)
 * .. c + n of the appended array (each array sliced by its own length: a row edited by hand may have unequal ones).
 * The values written are patched into this process's catalog cache, so routing sees them at once.
 */
async function writeBatch(ctx: TenantContext, modelRowId: string, batch: ObservationBatch): Promise<void> {
  const n = batch.latencies.length;
  if (n === 0) return;
  const offset = STATS_WINDOW - n - 1;
  const failure = batch.lastFailure;
  const { rows } = await execute<{
    latencyP95Ms: number | null;
    errorRate: number;
    outcomeSamples: string[] | null;
    latencySamples: number[] | null;
    ttftSamples: number[] | null;
    outputTokenSamples: number[] | null;
    observedAtSamples: number[] | null;
  }>(
    ctx,
    sql`
    UPDATE "Model" AS m SET
      ("latencySamples", "outcomeSamples", "ttftSamples", "outputTokenSamples", "observedAtSamples", "latencyP50Ms", "latencyP95Ms", "errorRate", "timeoutRate") = (
        SELECT w.lat, w.out, w.ttft, w.tok, w.at,
          (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t.l) FROM unnest(w.lat, w.out) AS t(l, o) WHERE t.o IN ('ok', 'timeout')),
          (SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY t.l) FROM unnest(w.lat, w.out) AS t(l, o) WHERE t.o IN ('ok', 'timeout')),
          (SELECT COALESCE(count(*) FILTER (WHERE t.o = 'error')::float8 / NULLIF(count(t.o), 0), 0) FROM unnest(w.out) AS t(o)),
          (SELECT COALESCE(count(*) FILTER (WHERE t.o = 'timeout')::float8 / NULLIF(count(t.o), 0), 0) FROM unnest(w.out) AS t(o))
        FROM (SELECT
          (m."latencySamples" || ${sql.array(batch.latencies, "int4")})[greatest(1, cardinality(m."latencySamples") - (${offset})::int4):] AS lat,
          (m."outcomeSamples" || ${sql.array(batch.outcomes, "text")})[greatest(1, cardinality(m."outcomeSamples") - (${offset})::int4):] AS out,
          (m."ttftSamples" || ${sql.array(batch.ttfts, "int4")})[greatest(1, cardinality(m."ttftSamples") - (${offset})::int4):] AS ttft,
          (m."outputTokenSamples" || ${sql.array(batch.tokens, "int4")})[greatest(1, cardinality(m."outputTokenSamples") - (${offset})::int4):] AS tok,
          (m."observedAtSamples" || ${sql.array(batch.times, "float8")})[greatest(1, cardinality(m."observedAtSamples") - (${offset})::int4):] AS at
        ) AS w
      ),
      "callCount" = m."callCount" + ${batch.calls},
      "lastError" = ${failure ? sql.text(failure.error) : sql`m."lastError"`},
      "lastErrorAt" = ${failure ? failure.at : sql`m."lastErrorAt"`}
    WHERE m."id" = ${modelRowId} AND m."workspaceId" = ${ctx.workspaceId}
    RETURNING m."latencyP95Ms" AS "latencyP95Ms", m."errorRate" AS "errorRate", m."outcomeSamples" AS "outcomeSamples",
      m."latencySamples" AS "latencySamples", m."ttftSamples" AS "ttftSamples", m."outputTokenSamples" AS "outputTokenSamples",
      m."observedAtSamples" AS "observedAtSamples"`,
  );
  // an observation is not an edit of the catalog entry: "updatedAt" (set by Prisma, not the database) is untouched
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", "Model not found");
  const at: SampleTimes = { times: (row.observedAtSamples ?? []).map(Number), now: Date.now() };
  patchObservedStats(ctx.workspaceId, modelRowId, {
    latencyP95Ms: row.latencyP95Ms,
    errorRate: Number(row.errorRate),
    // what routing reads: the recent p95 and the smoothed failure rate (the columns keep the whole window's figures)
    ...reliabilityOf(row.outcomeSamples ?? [], row.latencySamples ?? [], at),
    ...tokenLatencyOf(row.outcomeSamples ?? [], row.latencySamples ?? [], row.ttftSamples ?? [], row.outputTokenSamples ?? [], at),
  });
}

/** Writes several calls of one model (oldest first) in one statement; NOT_FOUND when it is not the workspace's. */
export async function recordModelObservations(ctx: TenantContext, modelRowId: string, observations: readonly ModelObservation[]): Promise<void> {
  const at = new Date();
  const samples = observations.map((o) => sampleOf(o, at.getTime()));
  const kept = samples.slice(-STATS_WINDOW);
  const failed = samples.findLast((s) => s.error !== null);
  await writeBatch(ctx, modelRowId, {
    latencies: kept.map((s) => s.latency),
    outcomes: kept.map((s) => s.outcome),
    ttfts: kept.map((s) => s.ttft),
    tokens: kept.map((s) => s.tokens),
    times: kept.map((s) => s.at),
    calls: samples.length,
    lastFailure: failed ? { error: failed.error!, at } : null,
  });
}

/** Writes one call (see recordModelObservations). */
export function recordModelObservation(ctx: TenantContext, modelRowId: string, observation: ModelObservation): Promise<void> {
  return recordModelObservations(ctx, modelRowId, [observation]);
}

// ---------------------------------------------------------------------------------------------------
// The queue: per (workspace, model), the samples not written yet. At most one statement per model is in flight;
// samples queued meanwhile wait for the next. A model's queue holds at most STATS_WINDOW samples (older ones are
// only counted: the window would drop them anyway). A failed write is logged and its samples are dropped (the
// statistics are advisory). The state lives on globalThis, so that every bundle of the process shares one queue.

interface Queue {
  ctx: TenantContext;
  modelRowId: string;
  latencies: number[];
  outcomes: ObservationOutcome[];
  ttfts: number[];
  tokens: number[];
  times: number[];
  calls: number;
  lastFailure: { error: string; at: Date } | null;
  /** when the oldest unwritten sample was queued (ms) */
  since: number;
  timer: NodeJS.Timeout | null;
  writing: Promise<void> | null;
}

const globalForStats = globalThis as unknown as { cadreObservationQueues?: Map<string, Queue> };

function queues(): Map<string, Queue> {
  return (globalForStats.cadreObservationQueues ??= new Map());
}

/** Queues one call's observation; written shortly after, with the model's other queued calls. Never throws. */
export function queueModelObservation(ctx: TenantContext, modelRowId: string, observation: ModelObservation): void {
  const key = `${ctx.workspaceId}:${modelRowId}`;
  let q = queues().get(key);
  if (!q) {
    q = { ctx, modelRowId, latencies: [], outcomes: [], ttfts: [], tokens: [], times: [], calls: 0, lastFailure: null, since: 0, timer: null, writing: null };
    queues().set(key, q);
  }
  const sample = sampleOf(observation, Date.now());
  if (q.calls === 0) q.since = sample.at;
  q.latencies.push(sample.latency);
  q.outcomes.push(sample.outcome);
  q.ttfts.push(sample.ttft);
  q.tokens.push(sample.tokens);
  q.times.push(sample.at);
  q.calls++;
  if (sample.error !== null) q.lastFailure = { error: sample.error, at: new Date() };
  if (q.latencies.length > STATS_WINDOW) {
    q.latencies.shift();
    q.outcomes.shift();
    q.ttfts.shift();
    q.tokens.shift();
    q.times.shift();
  }
  schedule(key, q);
}

function schedule(key: string, q: Queue): void {
  if (q.writing || q.calls === 0) return;
  // a full queue gains nothing by waiting
  const delay = q.latencies.length >= STATS_WINDOW ? 0 : Math.max(0, q.since + OBSERVATION_FLUSH_DELAY_MS - Date.now());
  if (q.timer && delay > 0) return;
  if (q.timer) clearTimeout(q.timer);
  q.timer = setTimeout(() => flush(key, q), delay);
  q.timer.unref();
}

/** Starts writing the queue's samples (unless a write is in flight); the next samples start a new queue. */
function flush(key: string, q: Queue): void {
  if (q.timer) clearTimeout(q.timer);
  q.timer = null;
  if (q.writing || q.calls === 0) return;
  const batch: ObservationBatch = {
    latencies: q.latencies,
    outcomes: q.outcomes,
    ttfts: q.ttfts,
    tokens: q.tokens,
    times: q.times,
    calls: q.calls,
    lastFailure: q.lastFailure,
  };
  Object.assign(q, { latencies: [], outcomes: [], ttfts: [], tokens: [], times: [], calls: 0, lastFailure: null });
  q.writing = writeBatch(q.ctx, q.modelRowId, batch)
    .catch((error: unknown) => {
      logger.warn(
        { workspaceId: q.ctx.workspaceId, modelRef: q.modelRowId, samples: batch.calls, error: (error as Error)?.message },
        "could not record model observations",
      );
    })
    .finally(() => {
      q.writing = null;
      if (q.calls > 0) schedule(key, q);
      else if (queues().get(key) === q) queues().delete(key);
    });
}

/** Writes every queued observation now and waits until none is queued or being written (tests, shutdown, benchmarks). */
export async function settleModelObservations(): Promise<void> {
  for (;;) {
    const writing: Promise<void>[] = [];
    for (const [key, q] of queues()) {
      flush(key, q);
      if (q.writing) writing.push(q.writing);
    }
    if (writing.length === 0) return;
    await Promise.all(writing);
  }
}
