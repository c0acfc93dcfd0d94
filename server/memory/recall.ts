/**
 * Hybrid recall (issue 14): the query is embedded with the workspace's memory model (./service.ts, costed), then
 * two candidate searches in ONE message (one transaction, the tenant set by the db layer):
 * - vector: the nearest rows by cosine distance through the partial HNSW index of the query's size, filtered by
 *   workspace, scopes, kinds and the query's embedding model (rows of another model are never compared). A filtered
 *   HNSW scan filters after the index walk, so `hnsw.iterative_scan = relaxed_order` keeps walking until enough rows
 *   pass the filter (STACK-NOTES: recall 0.38 -> 0.995 with 10 tenants); relaxed order is re-sorted by distance;
 * - full text: `websearch_to_tsquery('simple', query)` against the generated tsvector (GIN), ranked by ts_rank,
 *   same filters.
 * The two lists are fused by reciprocal rank fusion and adjusted by recency and importance
 * (DEFAULT_RECALL_WEIGHTS in lib/schemas/memory.ts documents the formula); every result says why it ranked.
 */
import { AppError } from "@/lib/errors";
import {
  DEFAULT_RECALL_WEIGHTS,
  RECALL_CANDIDATES,
  recallInputSchema,
  type MemoryScope,
  type RecallInput,
  type RecallOutput,
  type RecallWeights,
} from "@/lib/schemas/memory";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { execute, executeBatch } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { embedText, toMemory, vectorSql } from "./service";

/** HNSW's candidate list while scanning (pgvector's default is 40): at least the candidates asked for. */
export const RECALL_EF_SEARCH = 100;

const DAY_MS = 86_400_000;

function scopesSql(scopes: readonly MemoryScope[]): Sql {
  const parts = scopes.map((s) => (s.type === "workspace" ? sql`("scopeType" = 'workspace')` : sql`("scopeType" = ${s.type} AND "scopeId" = ${s.id ?? ""})`));
  return sql`(${sql.join(parts, sql` OR `)})`;
}

interface CandidateRow extends Record<string, unknown> {
  id: string;
  vrank: string | number | null;
  vdist: string | number | null;
  trank: string | number | null;
  tscore: string | number | null;
}

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined ? null : Number(v));

/** Recency factor in [0, 1]: 1 now, 0.5 after one half-life. */
export function recencyOf(updatedAt: Date, now: number, halfLifeDays: number): number {
  const ageDays = Math.max(0, now - updatedAt.getTime()) / DAY_MS;
  return 0.5 ** (ageDays / halfLifeDays);
}

/**
 * The settings of the candidate query's transaction: iterative index scans (a filtered HNSW walk continues until
 * enough rows pass the tenant, scope and model filters) and the scan's candidate list.
 */
export const RECALL_SETTINGS: readonly Sql[] = [sql`SET LOCAL hnsw.iterative_scan = relaxed_order`, sql`SET LOCAL hnsw.ef_search = ${RECALL_EF_SEARCH}`];

export interface CandidateQuery {
  workspaceId: string;
  /** the label of the model that embedded the query: only its rows are compared */
  model: string;
  vector: readonly number[];
  query: string;
  scopes: readonly MemoryScope[];
  kinds?: readonly string[];
}

/** The vector and full-text candidates, full-outer-joined: one row per memory with its ranks (null: not found by that search). */
export function candidatesSql(c: CandidateQuery): Sql {
  // dims is one of MEMORY_DIMENSIONS (embedText refuses others): the cast matches a partial HNSW index
  const dims = c.vector.length;
  const typed = sql`vector(${dims})`;
  const filter = sql`"workspaceId" = ${c.workspaceId} AND "embeddingModel" = ${c.model} AND "dims" = ${dims} AND ${scopesSql(c.scopes)}${
    c.kinds?.length ? sql` AND "kind" IN (${sql.join(c.kinds.map((x) => sql`${x}`))})` : sql.empty
  }`;
  const q = sql`${vectorSql(c.vector)}::${typed}`;
  // relaxed_order may return the walk slightly out of order: the ranks are re-sorted by distance
  return sql`WITH v AS (
      SELECT "id", "dist", row_number() OVER (ORDER BY "dist", "id") AS "rank" FROM (
        SELECT "id", ("embedding"::${typed} <=> ${q}) AS "dist" FROM "Memory"
        WHERE ${filter}
        ORDER BY "embedding"::${typed} <=> ${q}
        LIMIT ${RECALL_CANDIDATES}
      ) s
    ), t AS (
      SELECT "id", "score", row_number() OVER (ORDER BY "score" DESC, "id") AS "rank" FROM (
        SELECT "id", ts_rank("searchText", tq) AS "score" FROM "Memory", websearch_to_tsquery('simple', ${c.query}) tq
        WHERE ${filter} AND "searchText" @@ tq
        ORDER BY ts_rank("searchText", tq) DESC
        LIMIT ${RECALL_CANDIDATES}
      ) s
    )
    SELECT coalesce(v."id", t."id") AS "id", v."rank" AS "vrank", v."dist" AS "vdist", t."rank" AS "trank", t."score" AS "tscore"
    FROM v FULL OUTER JOIN t ON v."id" = t."id"`;
}

export async function recall(ctx: TenantContext, input: RecallInput): Promise<RecallOutput> {
  const { query, scopes, k, kinds, weights: overrides } = recallInputSchema.parse(input);
  const weights: RecallWeights = { ...DEFAULT_RECALL_WEIGHTS, ...overrides };
  const embedding = await embedText(ctx, query);
  const [, , found] = await executeBatch(ctx, [
    ...RECALL_SETTINGS,
    candidatesSql({ workspaceId: ctx.workspaceId, model: embedding.model, vector: embedding.vector, query, scopes, kinds }),
  ]);
  const rows = (found?.rows ?? []) as CandidateRow[];
  if (rows.length === 0) return { embeddingModel: embedding.model, simulated: embedding.simulated, weights, results: [] };

  const memories = new Map(
    (await db(ctx).memory.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: rows.map((r) => r.id) } } })).map((m) => [m.id, m]),
  );
  const now = Date.now();
  const scored = rows.flatMap((r) => {
    const m = memories.get(r.id);
    if (!m) return []; // deleted in between
    const vectorRank = num(r.vrank);
    const textRank = num(r.trank);
    const vectorPart = vectorRank === null ? 0 : weights.vector / (weights.rrfK + vectorRank);
    const textPart = textRank === null ? 0 : weights.text / (weights.rrfK + textRank);
    const fused = vectorPart + textPart;
    const recency = recencyOf(m.updatedAt, now, weights.halfLifeDays);
    const importance = m.pinned ? 1 : m.importance;
    const score = fused * (1 + weights.recency * recency + weights.importance * importance);
    return [
      {
        m,
        why: {
          vectorRank,
          vectorDistance: num(r.vdist),
          textRank,
          textScore: num(r.tscore),
          vectorPart,
          textPart,
          fused,
          recency,
          importance,
          score,
        },
      },
    ];
  });
  scored.sort((a, b) => b.why.score - a.why.score || a.m.id.localeCompare(b.m.id));
  const top = scored.slice(0, k);
  if (top.length > 0) {
    const recalledAt = new Date();
    await execute(
      ctx,
      sql`UPDATE "Memory" SET "lastRecalledAt" = ${recalledAt} WHERE "workspaceId" = ${ctx.workspaceId} AND "id" IN (${sql.join(top.map((x) => sql`${x.m.id}`))})`,
    );
    for (const x of top) x.m.lastRecalledAt = recalledAt;
  }
  if (top.some((x) => !Number.isFinite(x.why.score))) throw new AppError("INTERNAL", "Recall produced a non-finite score");
  return {
    embeddingModel: embedding.model,
    simulated: embedding.simulated,
    weights,
    results: top.map((x) => ({ memory: toMemory(x.m), why: x.why })),
  };
}
