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
 * (a team's final output) do not count.
 *
 * Per task tag (a run's `tags`): the same estimator one level down, the workspace-wide figure as the prior of each
 * tag's (`qualityForTags`), so a tag with few judged outputs stays near the model's overall figure. A run with tags
 * routes its agents' calls on the mean of its tags' figures.
 */
import { db } from "@/server/db/client";
import type { CatalogEntry } from "./router";

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

export interface WorkspaceQualityEvidence {
  /** model id -> evidence over all its judged outputs */
  byModel: Map<string, QualityEvidence>;
  /** model id -> task tag -> evidence over its judged outputs in runs with that tag */
  byModelTag: Map<string, Map<string, QualityEvidence>>;
}

/**
 * Each model's evidence in the workspace, overall and per task tag of the runs (models the judges never saw are
 * absent), in one statement.
 */
export async function readWorkspaceQualityEvidence(workspaceId: string): Promise<WorkspaceQualityEvidence> {
  const rows = await db({ workspaceId }).$queryRaw<{ modelRef: string; tag: string | null; weight: number; weightedScore: number; outputs: bigint }[]>`
    WITH j AS (
      SELECT s."modelRef" AS "modelRef", w.weight, c."score", r.tags
      FROM "JudgeConsensus" c
      JOIN "RunStep" s ON s."runId" = c."runId" AND s."workspaceId" = c."workspaceId"
        AND s."stepId" = CASE WHEN c."scope" = '' THEN (CASE WHEN c."iteration" = 1 THEN 'agent' ELSE 'agent.r' || c."iteration" END)
          ELSE (CASE WHEN c."iteration" = 1 THEN c."scope" ELSE c."scope" || '.r' || c."iteration" END) END
      JOIN "Run" r ON r.id = c."runId" AND r."workspaceId" = c."workspaceId"
      CROSS JOIN LATERAL (
        SELECT power(0.5, EXTRACT(EPOCH FROM (now() - c."createdAt")) / 86400.0 / ${QUALITY_HALF_LIFE_DAYS}) AS weight
      ) w
      WHERE c."workspaceId" = ${workspaceId} AND s."modelRef" IS NOT NULL
        AND c."createdAt" > now() - make_interval(days => ${QUALITY_WINDOW_DAYS}))
    SELECT "modelRef", NULL::text AS tag, SUM(weight)::float8 AS "weight", SUM(weight * "score")::float8 AS "weightedScore", COUNT(*) AS "outputs"
    FROM j GROUP BY "modelRef"
    UNION ALL
    SELECT "modelRef", t.tag, SUM(weight)::float8, SUM(weight * "score")::float8, COUNT(*)
    FROM j CROSS JOIN unnest(j.tags) AS t(tag) GROUP BY "modelRef", t.tag`;
  const out: WorkspaceQualityEvidence = { byModel: new Map(), byModelTag: new Map() };
  for (const r of rows) {
    const e = { weight: Number(r.weight), weightedScore: Number(r.weightedScore), outputs: Number(r.outputs) };
    if (r.tag === null) out.byModel.set(r.modelRef, e);
    else {
      let tags = out.byModelTag.get(r.modelRef);
      if (!tags) out.byModelTag.set(r.modelRef, (tags = new Map()));
      tags.set(r.tag, e);
    }
  }
  return out;
}

/** Each model's evidence in the workspace over all its judged outputs. */
export async function readQualityEvidence(workspaceId: string): Promise<Map<string, QualityEvidence>> {
  return (await readWorkspaceQualityEvidence(workspaceId)).byModel;
}

/**
 * A model's quality for a run with these task tags: for each tag, the workspace-wide figure (`quality`, itself the
 * catalog's shrunk towards all the model's judged outputs) shrunk towards the scores of its outputs in runs with
 * that tag, with the same prior weight; the mean over the tags. A tag the judges never saw for this model leaves the
 * workspace-wide figure as it is.
 */
export function qualityForTags(quality: number, byTag: ReadonlyMap<string, QualityEvidence> | undefined, tags: readonly string[]): number {
  if (!byTag || tags.length === 0) return quality;
  const perTag = tags.map((t) => observedQuality(quality, byTag.get(t)));
  return Math.round((perTag.reduce((a, b) => a + b, 0) / perTag.length) * 1000) / 1000;
}

/** Catalog entries with the quality observed for a run's task tags, where the judges have seen the model on them. */
export function withTagQuality(
  entries: CatalogEntry[],
  byModel: ReadonlyMap<string, ReadonlyMap<string, QualityEvidence>> | undefined,
  tags: readonly string[] | undefined,
): CatalogEntry[] {
  if (!byModel?.size || !tags?.length) return entries;
  return entries.map((e) => {
    const quality = qualityForTags(e.quality, byModel.get(e.id), tags);
    return quality === e.quality ? e : { ...e, quality };
  });
}
