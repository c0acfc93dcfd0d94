/**
 * Observed behaviour per catalog model, from real calls: a rolling window of the last calls (latency and
 * outcome, newest last) and the figures derived from it. The router reads them (p95 latency, error rate).
 */
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";

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
 * Adds one call to a model's window (keeping the last STATS_WINDOW) and recomputes its figures. The row is
 * locked for the few milliseconds of the update, so concurrent calls never lose a sample.
 */
export async function recordModelObservation(ctx: TenantContext, modelRowId: string, observation: ModelObservation): Promise<void> {
  const latency = Math.max(0, Math.round(Number.isFinite(observation.latencyMs) ? observation.latencyMs : 0));
  const outcome: ObservationOutcome = observation.outcome;
  const error = observation.error ? observation.error.slice(0, LAST_ERROR_MAX) : undefined;
  await db().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ latencySamples: number[]; outcomeSamples: string[]; updatedAt: Date }[]>`
      SELECT "latencySamples", "outcomeSamples", "updatedAt" FROM "Model"
      WHERE "id" = ${modelRowId} AND "workspaceId" = ${ctx.workspaceId}
      FOR UPDATE`;
    const row = rows[0];
    if (!row) throw new AppError("NOT_FOUND", "Model not found");
    const latencies = [...row.latencySamples, latency].slice(-STATS_WINDOW);
    const outcomes = [...row.outcomeSamples, outcome].slice(-STATS_WINDOW);
    const stats = computeStats(latencies, outcomes);
    const failed = outcome !== "ok";
    await tx.model.update({
      where: { id: modelRowId },
      data: {
        latencySamples: latencies,
        outcomeSamples: outcomes,
        ...stats,
        callCount: { increment: 1 },
        ...(failed ? { lastError: error ?? (outcome === "timeout" ? "Timed out" : "Error"), lastErrorAt: new Date() } : {}),
        // an observation is not an edit of the catalog entry
        updatedAt: row.updatedAt,
      },
      select: { id: true },
    });
  });
}
