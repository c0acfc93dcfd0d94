/**
 * Observed behaviour per catalog model, from real calls: a rolling window of the last calls (latency and
 * outcome, newest last) and the figures derived from it. The router reads them (p95 latency, error rate).
 */
import { pgPool, sqlLiteral } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { patchObservedStats } from "./catalog-cache";

export const STATS_WINDOW = 100;
const LAST_ERROR_MAX = 500;

export type ObservationOutcome = "ok" | "error" | "timeout";

export interface ModelObservation {
  latencyMs: number;
  outcome: ObservationOutcome;
  error?: string;
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

/**
 * The figures of a window. Latency percentiles count successful calls only (a call that fails fast would
 * make a model look quick); the error rate counts errors and the timeout rate timeouts, both over every call.
 */
export function computeStats(latencies: readonly number[], outcomes: readonly string[]): ModelStats {
  const okLatencies = latencies.filter((_, i) => outcomes[i] === "ok");
  const n = outcomes.length;
  const count = (o: string) => outcomes.filter((x) => x === o).length;
  return {
    latencyP50Ms: percentile(okLatencies, 50),
    latencyP95Ms: percentile(okLatencies, 95),
    errorRate: n === 0 ? 0 : count("error") / n,
    timeoutRate: n === 0 ? 0 : count("timeout") / n,
  };
}

/**
 * $1 latency, $2 outcome, $3 window start offset, $4 failed, $5 last error, $6 time (UTC text), $7 model row id,
 * $8 workspace id: each replaced by its literal in one pass (a value's own text is never scanned again). Window start: with c samples before this one, the new window is elements max(1, c - (WINDOW - 2))
 * .. c + 1 of the appended array, the last WINDOW.
 */
const OBSERVATION_SQL = `
  UPDATE "Model" AS m SET
    ("latencySamples", "outcomeSamples", "latencyP50Ms", "latencyP95Ms", "errorRate", "timeoutRate") = (
      SELECT w.lat, w.out,
        (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY t.l) FROM unnest(w.lat, w.out) AS t(l, o) WHERE t.o = 'ok'),
        (SELECT percentile_disc(0.95) WITHIN GROUP (ORDER BY t.l) FROM unnest(w.lat, w.out) AS t(l, o) WHERE t.o = 'ok'),
        (SELECT COALESCE(count(*) FILTER (WHERE t.o = 'error')::float8 / NULLIF(count(t.o), 0), 0) FROM unnest(w.out) AS t(o)),
        (SELECT COALESCE(count(*) FILTER (WHERE t.o = 'timeout')::float8 / NULLIF(count(t.o), 0), 0) FROM unnest(w.out) AS t(o))
      FROM (SELECT
        (m."latencySamples" || $1::int4)[greatest(1, cardinality(m."latencySamples") - $3::int4):] AS lat,
        (m."outcomeSamples" || $2::text)[greatest(1, cardinality(m."outcomeSamples") - $3::int4):] AS out
      ) AS w
    ),
    "callCount" = m."callCount" + 1,
    "lastError" = CASE WHEN $4::boolean THEN $5::text ELSE m."lastError" END,
    "lastErrorAt" = CASE WHEN $4::boolean THEN $6::timestamp(3) ELSE m."lastErrorAt" END
  WHERE m."id" = $7 AND m."workspaceId" = $8
  RETURNING m."latencyP95Ms" AS "latencyP95Ms", m."errorRate" AS "errorRate"`;

/**
 * Adds one call to a model's window (keeping the last STATS_WINDOW) and recomputes its figures, in ONE statement:
 * an UPDATE whose new values are computed from the row being updated (a correlated sub-select over the appended
 * and sliced arrays). PostgreSQL row-locks the row for the statement and, when a concurrent observation updated it
 * first, re-evaluates the SET list on the newest version (READ COMMITTED), so concurrent calls never lose a sample;
 * no interactive transaction, one round trip. The figures are `computeStats`'s, in SQL: nearest-rank percentiles
 * (`percentile_disc` picks the ceil(p·n)-th smallest, at least the first) over successful calls only (an
 * outcome at the same position as the latency), rates over every outcome in the window.
 * The values written are patched into this process's catalog cache, so routing sees them at once.
 */
export async function recordModelObservation(ctx: TenantContext, modelRowId: string, observation: ModelObservation): Promise<void> {
  const latency = Math.max(0, Math.round(Number.isFinite(observation.latencyMs) ? observation.latencyMs : 0));
  const outcome: ObservationOutcome = observation.outcome;
  const failed = outcome !== "ok";
  const lastError = failed ? (observation.error ? observation.error.slice(0, LAST_ERROR_MAX) : outcome === "timeout" ? "Timed out" : "Error") : null;
  // timestamp(3) columns hold UTC wall-clock time: sent as text, so the session's TimeZone never shifts it
  const at = new Date().toISOString().replace("T", " ").replace("Z", "");
  // on the pool under Prisma, as one simple-protocol message (see pgPool, sqlLiteral)
  const values = [latency, outcome, STATS_WINDOW - 2, failed, lastError, at, modelRowId, ctx.workspaceId].map(sqlLiteral);
  const sql = OBSERVATION_SQL.replace(/\$(\d)/g, (_, n: string) => values[Number(n) - 1]!);
  const { rows } = await pgPool().query<{ latencyP95Ms: number | null; errorRate: number }>(sql);
  // an observation is not an edit of the catalog entry: "updatedAt" (set by Prisma, not the database) is untouched
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", "Model not found");
  patchObservedStats(ctx.workspaceId, modelRowId, { latencyP95Ms: row.latencyP95Ms, errorRate: Number(row.errorRate) });
}
