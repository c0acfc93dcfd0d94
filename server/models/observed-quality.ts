/**
 * A model's observed quality in a workspace, learnt from its judges: the consensus score (0..1) of each judged output
 * the model produced (a quality gate's iteration: the producer's step `agent`, then `agent.r{n}`; an agent's gate on a
 * team node: the node's step, then `{step}.r{n}`; a team's own gate has no single producer), shrunk towards the
 * catalog's static quality and weighted by age. This is what routing uses as `quality` (docs/architecture.md,
 * "Observed quality"), so the catalog's figure stands until a workspace's own judges have said enough.
 *
 * The estimator, honestly: a weighted mean with a prior,
 *   quality = (K * q0 + sum(w_i * s_i)) / (K + sum(w_i)),   w_i = 0.5 ^ (age_i / HALF_LIFE),
 * the mean of a Beta(K * q0, K * (1 - q0)) prior updated with each score as a fractional success (s_i of a success,
 * 1 - s_i of a failure). Scores are not Bernoulli trials, so this is a shrinkage estimator with a Beta's arithmetic,
 * not an exact posterior; there is no interval. The consensus scores are the judges' opinion, not ground truth: a
 * judge that agrees poorly with people (server/quality/calibration) biases it. Outputs judged with no producer step
 * (team runs, whose gates are not built) do not count, and it is one figure per model and workspace, not per task.
 */
import { db } from "@/server/db/client";

/** The prior's weight: how many judged outputs the catalog's figure is worth. */
export const QUALITY_PRIOR_WEIGHT = 10;
/** An output judged this many days ago counts half. */
export const QUALITY_HALF_LIFE_DAYS = 30;
/** Older outputs are not read at all (their weight is under 2%). */
export const QUALITY_WINDOW_DAYS = 180;

export interface QualityEvidence {
  /** sum of the age weights */
  weight: number;
  /** sum of weight x consensus score */
  weightedScore: number;
  /** judged outputs behind it */
  outputs: number;
}

/** The estimate (see the module comment); without evidence, the static quality itself. */
export function observedQuality(staticQuality: number, evidence: QualityEvidence | undefined): number {
  if (!evidence || evidence.weight <= 0) return staticQuality;
  const q = (QUALITY_PRIOR_WEIGHT * staticQuality + evidence.weightedScore) / (QUALITY_PRIOR_WEIGHT + evidence.weight);
  return Math.round(Math.min(1, Math.max(0, q)) * 1000) / 1000;
}

/** Each model's evidence in the workspace (models the judges never saw are absent). */
export async function readQualityEvidence(workspaceId: string): Promise<Map<string, QualityEvidence>> {
  const rows = await db({ workspaceId }).$queryRaw<{ modelRef: string; weight: number; weightedScore: number; outputs: bigint }[]>`
    SELECT s."modelRef" AS "modelRef",
           SUM(w.weight)::float8 AS "weight",
           SUM(w.weight * c."score")::float8 AS "weightedScore",
           COUNT(*) AS "outputs"
    FROM "JudgeConsensus" c
    JOIN "RunStep" s ON s."runId" = c."runId" AND s."workspaceId" = c."workspaceId"
      AND s."stepId" = CASE WHEN c."scope" = '' THEN (CASE WHEN c."iteration" = 1 THEN 'agent' ELSE 'agent.r' || c."iteration" END)
        ELSE (CASE WHEN c."iteration" = 1 THEN c."scope" ELSE c."scope" || '.r' || c."iteration" END) END
    CROSS JOIN LATERAL (
      SELECT power(0.5, EXTRACT(EPOCH FROM (now() - c."createdAt")) / 86400.0 / ${QUALITY_HALF_LIFE_DAYS}) AS weight
    ) w
    WHERE c."workspaceId" = ${workspaceId} AND s."modelRef" IS NOT NULL
      AND c."createdAt" > now() - make_interval(days => ${QUALITY_WINDOW_DAYS})
    GROUP BY s."modelRef"`;
  return new Map(rows.map((r) => [r.modelRef, { weight: Number(r.weight), weightedScore: Number(r.weightedScore), outputs: Number(r.outputs) }]));
}
