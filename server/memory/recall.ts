/**
 * Hybrid recall (issue 14). The scopes asked for are grouped by the model that embeds them now (./models.ts: each
 * scope's setting, else the workspace's default), and the query is embedded once per model (./service.ts, costed).
 * Then two messages, at once on two connections (each one transaction, the tenant set by the db layer):
 * - one full-text search over all the scopes (whatever model embedded the rows), sent before the query is embedded:
 *   `websearch_to_tsquery('simple', query)` against the side table "MemoryText" (GIN), at most RECALL_TEXT_RANKED
 *   matches ranked by ts_rank, with their rows;
 * - one vector search per model: the nearest rows of that model's scopes AND embedded by that model, by cosine
 *   distance through the partial half-precision HNSW index of the query's size (rows of another model are never
 *   compared: a scope whose rows are still of its previous model, while they are re-embedded, has those rows skipped
 *   by the vector search), with their rows and their ts_rank when their words match. A filtered HNSW scan filters
 *   after the index walk, so `hnsw.iterative_scan = relaxed_order` keeps walking until enough rows pass the filter
 *   (STACK-NOTES: recall 0.38 -> 0.995 with 10 tenants); what the walk returns is re-sorted by exact distance.
 * The full-text list is the full-text matches and the vector candidates' matches (textListOf).
 * All the lists are fused by reciprocal rank fusion (a row is in at most one vector list, its model's) and adjusted by
 * recency and importance (DEFAULT_RECALL_WEIGHTS in lib/schemas/memory.ts documents the formula); every result says
 * why it ranked, including which model's vector list it came from.
 */
import { AppError } from "@/lib/errors";
import {
  DEFAULT_RECALL_WEIGHTS,
  RECALL_CANDIDATES,
  RECALL_TEXT_RANKED,
  recallInputSchema,
  type MemoryScope,
  type RecallInput,
  type RecallOutput,
  type RecallWeights,
} from "@/lib/schemas/memory";
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";
import { executeBatch, type ExecResult } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { embeddingPoliciesFor, policyKey } from "./models";
import { toMemory, type MemoryRow } from "./rows";
import { embedWithPolicy, vectorSql, type EmbedExtras, type Embedding } from "./service";

/** HNSW's candidate list while scanning (pgvector's default is 40): at least the candidates asked for. */
export const RECALL_EF_SEARCH = 200;

const DAY_MS = 86_400_000;
/** lastRecalledAt is kept to this resolution (see recallByVector) */
export const RECALLED_AT_RESOLUTION_MS = 3_600_000;

function scopesSql(scopes: readonly MemoryScope[]): Sql {
  const parts = scopes.map((s) => (s.type === "workspace" ? sql`("scopeType" = 'workspace')` : sql`("scopeType" = ${s.type} AND "scopeId" = ${s.id ?? ""})`));
  return sql`(${sql.join(parts, sql` OR `)})`;
}

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

export interface VectorCandidateQuery {
  workspaceId: string;
  /** the label of the model that embedded the query: only its rows are compared */
  model: string;
  vector: readonly number[];
  scopes: readonly MemoryScope[];
  kinds?: readonly string[];
}

/** The workspace is the transaction's (the scope executeBatch sets): the function reads it, never an argument. */
export interface TextCandidateQuery {
  query: string;
  scopes: readonly MemoryScope[];
  kinds?: readonly string[];
}

function filterSql(c: { workspaceId: string; scopes: readonly MemoryScope[]; kinds?: readonly string[] }): Sql {
  return sql`"workspaceId" = ${c.workspaceId} AND ${scopesSql(c.scopes)}${c.kinds?.length ? sql` AND "kind" IN (${sql.join(c.kinds.map((x) => sql`${x}`))})` : sql.empty}`;
}

/**
 * The vector candidates of one model: the nearest rows of that model (and size) in the scopes, ranked by distance. The
 * walk is on the half-precision graph (migration 20261222_600_memory_halfvec_index); the rows it returns are ranked
 * by their exact distance.
 */
export function vectorCandidatesSql(c: VectorCandidateQuery, columns: Sql = sql`m."id"`): Sql {
  // dims is one of MEMORY_DIMENSIONS (embedWithPolicy refuses others): the casts match a partial HNSW index
  const dims = c.vector.length;
  const typed = sql`vector(${dims})`;
  const half = sql`halfvec(${dims})`;
  const q = sql`${vectorSql(c.vector)}::${typed}`;
  // relaxed_order may return the walk slightly out of order, and half precision may swap near ties: re-sorted by the
  // exact distance
  return sql`SELECT *, row_number() OVER (ORDER BY "dist", "id") AS "rank" FROM (
      SELECT ${columns}, (m."embedding"::${typed} <=> ${q}) AS "dist" FROM "Memory" m
      WHERE ${filterSql(c)} AND "embeddingModel" = ${c.model} AND "dims" = ${dims}
      ORDER BY m."embedding"::${half} <=> ${q}::${half}
      LIMIT ${RECALL_CANDIDATES}
    ) s`;
}

/**
 * The full-text candidates of the scopes (whatever model embedded them: words do not depend on it), ranked by ts_rank.
 * Through cadre_memory_text_candidates (migrations 20261216_300_memory_perf, 20261221_500_memory_text): under
 * row-level security the full-text match (not LEAKPROOF) could not use an index, so it read every row of the
 * workspace; the function, which filters by the transaction's workspace itself, searches the ("workspaceId",
 * "searchText") GIN index of the narrow side table "MemoryText" (kept by triggers on "Memory"), and ranks at most
 * RECALL_TEXT_RANKED of the matches (the first the index yields, in storage order).
 */
export function textCandidatesSql(c: TextCandidateQuery): Sql {
  const types = sql.array(
    c.scopes.map((s) => s.type),
    "text",
  );
  const ids = sql.array(
    c.scopes.map((s) => (s.type === "workspace" ? "" : (s.id ?? ""))),
    "text",
  );
  const kinds = c.kinds?.length ? sql.array(c.kinds, "text") : sql`NULL::text[]`;
  return sql`SELECT "id", "score", row_number() OVER (ORDER BY "score" DESC, "id") AS "rank"
    FROM cadre_memory_text_candidates(${c.query}, ${types}, ${ids}, ${kinds}, ${RECALL_CANDIDATES}, ${RECALL_TEXT_RANKED})`;
}

/** A memory's columns as recall reads them (alias `m`), its dates as UTC timestamps. */
const ROW_COLUMNS = sql`m."id", m."workspaceId", m."scopeType", m."scopeId", m."kind", m."content", m."importance", m."pinned", m."source", m."sourceRef",
      m."createdByType", m."createdById", m."embeddingModel", m."dims", m."documentId", m."chunkIndex",
      m."createdAt" AT TIME ZONE 'UTC' AS "createdAt", m."updatedAt" AT TIME ZONE 'UTC' AS "updatedAt", m."lastRecalledAt" AT TIME ZONE 'UTC' AS "lastRecalledAt"`;

/**
 * One model's vector candidates with their rows, and each one's full-text score when its words match the query (null
 * otherwise): such a row joins the full-text list too (textListOf), whether or not the full-text search ranked it.
 */
export function vectorRowsSql(c: VectorCandidateQuery, query: string): Sql {
  // the rows' columns come with the walk's heap reads: no second read of the rows
  return sql`SELECT "v".*, ts_rank(x."searchText", q."tq") AS "t_score"
    FROM (${vectorCandidatesSql(c, ROW_COLUMNS)}) "v"
    CROSS JOIN websearch_to_tsquery('simple'::regconfig, ${query}) AS q("tq")
    LEFT JOIN "MemoryText" x ON x."id" = "v"."id" AND x."workspaceId" = ${c.workspaceId} AND x."searchText" @@ q."tq"`;
}

/** The full-text candidates (textCandidatesSql) with their rows. */
export function textRowsSql(workspaceId: string, c: TextCandidateQuery): Sql {
  return sql`SELECT ${ROW_COLUMNS}, "t"."score" AS "t_score"
    FROM (${textCandidatesSql(c)}) "t" JOIN "Memory" m ON m."id" = "t"."id" AND m."workspaceId" = ${workspaceId}`;
}

type CandidateRow = MemoryRow & Record<string, unknown>;

/** The scopes of one embedding model in a recall: the query embedded once for them. */
interface ModelGroup<E extends Pick<Embedding, "vector" | "model" | "simulated"> = Embedding> {
  scopes: MemoryScope[];
  embedding: E;
}

type ParsedRecall = ReturnType<typeof recallInputSchema.parse>;

/**
 * The query embedded once per model policy of the scopes (./models.ts), grouped by the model that answered: scopes
 * whose policies differ but route to the same model share one vector search.
 */
async function embedQuery(ctx: TenantContext, query: string, scopes: readonly MemoryScope[], extras: EmbedExtras): Promise<ModelGroup[]> {
  const policies = await embeddingPoliciesFor(ctx, scopes);
  const byPolicy = new Map<string, { policy: ModelPolicy; scopes: MemoryScope[] }>();
  scopes.forEach((scope, i) => {
    const key = policyKey(policies[i]!);
    const group = byPolicy.get(key) ?? { policy: policies[i]!, scopes: [] };
    group.scopes.push(scope);
    byPolicy.set(key, group);
  });
  const byModel = new Map<string, ModelGroup>();
  for (const { policy, scopes: of } of byPolicy.values()) {
    const [embedding] = await embedWithPolicy(ctx, policy, [query], extras);
    const same = byModel.get(embedding!.model);
    if (same) same.scopes.push(...of);
    else byModel.set(embedding!.model, { scopes: of, embedding: embedding! });
  }
  return [...byModel.values()];
}

/**
 * Importance decay (the workspace's memory settings): 0.5 ^ (days since the later of the last change and the last
 * recall / half-life); 1 for a pinned memory or with no half-life. The purge's eviction uses the same rule in SQL.
 */
export function decayOf(m: { pinned: boolean; updatedAt: Date; lastRecalledAt: Date | null }, now: number, halfLifeDays: number | null): number {
  if (m.pinned || halfLifeDays === null) return 1;
  const since = Math.max(m.updatedAt.getTime(), m.lastRecalledAt?.getTime() ?? 0);
  return 0.5 ** (Math.max(0, now - since) / DAY_MS / halfLifeDays);
}

const globalForHints = globalThis as unknown as { cadreRecallHints?: Set<Promise<void>> };
const pendingHints = () => (globalForHints.cadreRecallHints ??= new Set());

/**
 * Writes the recalled memories' lastRecalledAt without making the recall wait for it (about a millisecond: one more
 * message after the answer is known). Decay counts in days and the column is kept to the hour, so a recall that
 * starts before the write commits and still sees the earlier value changes nothing that counts. A failed write is
 * logged, never thrown.
 */
function writeRecallHint(ctx: TenantContext, ids: readonly string[], at: Date): void {
  const write: Promise<void> = executeBatch(ctx, [
    sql`SET LOCAL synchronous_commit = off`,
    sql`UPDATE "Memory" SET "lastRecalledAt" = ${at} WHERE "workspaceId" = ${ctx.workspaceId} AND "id" IN (${sql.join(ids.map((id) => sql`${id}`))})`,
  ])
    .then(
      () => undefined,
      (error: unknown) => logger.warn({ error: (error as Error).message }, "memory: lastRecalledAt not written"),
    )
    .finally(() => pendingHints().delete(write));
  pendingHints().add(write);
}

/** Waits until the lastRecalledAt writes sent so far have settled (tests, shutdown, benchmarks). */
export async function settleRecallHints(): Promise<void> {
  while (pendingHints().size > 0) await Promise.all(pendingHints());
}

export async function recall(ctx: TenantContext, input: RecallInput): Promise<RecallOutput> {
  return (await recallEmbedded(ctx, input)).recalled;
}

/** The full-text search's message (its candidates with their rows, and the workspace's half-life), sent at once. */
function startTextSearch(ctx: TenantContext, parsed: ParsedRecall): Promise<ExecResult[]> {
  const sent = executeBatch(ctx, [
    textRowsSql(ctx.workspaceId, { query: parsed.query, scopes: parsed.scopes, kinds: parsed.kinds }),
    sql`SELECT "memoryDecayHalfLifeDays" AS "halfLife" FROM "Workspace" WHERE "id" = ${ctx.workspaceId}`,
  ]);
  // awaited by recallByGroups; should the query's embedding fail first, its failure is the one reported
  sent.catch(() => undefined);
  return sent;
}

/**
 * Recall, with the query's embedding calls (one per model of the scopes; a run step records their cost and models);
 * `extras`: the run's call options. The full-text search does not need the embedding: it runs while the query is
 * embedded.
 */
export async function recallEmbedded(
  ctx: TenantContext,
  input: RecallInput,
  extras: EmbedExtras = {},
): Promise<{ recalled: RecallOutput; embeddings: Embedding[] }> {
  const parsed = recallInputSchema.parse(input);
  const text = startTextSearch(ctx, parsed);
  const groups = await embedQuery(ctx, parsed.query, parsed.scopes, extras);
  return { recalled: await recallByGroups(ctx, parsed, groups, text), embeddings: groups.map((g) => g.embedding) };
}

/**
 * Recall with the query's embedding already made, for one model over all the scopes (tests and benchmarks pass a
 * vector of their own, labelled with the model whose rows it is compared with).
 */
export async function recallByVector(
  ctx: TenantContext,
  input: RecallInput,
  embedding: Pick<Embedding, "vector" | "model" | "simulated">,
): Promise<RecallOutput> {
  const parsed = recallInputSchema.parse(input);
  return recallByGroups(ctx, parsed, [{ scopes: parsed.scopes, embedding }], startTextSearch(ctx, parsed));
}

interface Candidate {
  m: CandidateRow;
  vector?: { rank: number; dist: number; model: string };
  /** ts_rank when the row's words match the query */
  textScore: number | null;
  text?: { rank: number; score: number };
}

/**
 * The full-text list: the full-text search's best matches and the vector candidates whose words match, by ts_rank
 * (ties: a row the vector search found too first, then by id), the best RECALL_CANDIDATES ranked. The search ranks at
 * most RECALL_TEXT_RANKED matches of a query whose words are common (the first its index yields); the vector
 * candidates' matches are what such a query would miss and a hybrid recall most wants: rows both searches find.
 */
function textListOf(candidates: Iterable<Candidate>): void {
  const matched = [...candidates].filter((c) => c.textScore !== null);
  matched.sort((a, b) => b.textScore! - a.textScore! || Number(!!b.vector) - Number(!!a.vector) || (a.m.id < b.m.id ? -1 : a.m.id > b.m.id ? 1 : 0));
  matched.slice(0, RECALL_CANDIDATES).forEach((c, i) => {
    c.text = { rank: i + 1, score: c.textScore! };
  });
}

/**
 * The searches (one vector search per model, one full-text search), fused and adjusted; see the file's comment. The
 * vector searches go in one message and the full-text search (`text`, already sent) in another: the two run at once
 * on two connections of the pool (each its own transaction and snapshot: every row returned existed in the snapshot
 * that read it).
 */
async function recallByGroups(
  ctx: TenantContext,
  parsed: ParsedRecall,
  groups: ModelGroup<Pick<Embedding, "vector" | "model" | "simulated">>[],
  text: Promise<ExecResult[]>,
): Promise<RecallOutput> {
  const { query, k, kinds, weights: overrides } = parsed;
  const weights: RecallWeights = { ...DEFAULT_RECALL_WEIGHTS, ...overrides };
  const models = groups.map((g) => ({
    embeddingModel: g.embedding.model,
    simulated: g.embedding.simulated,
    scopes: g.scopes.map((s) => ({ type: s.type, id: s.id ?? null })),
  }));
  const answer = (results: RecallOutput["results"]): RecallOutput => ({
    embeddingModel: models.map((m) => m.embeddingModel).join(", "),
    simulated: models.some((m) => m.simulated),
    models,
    weights,
    results,
  });
  const vectors = groups.map((g) =>
    vectorRowsSql({ workspaceId: ctx.workspaceId, model: g.embedding.model, vector: g.embedding.vector, scopes: g.scopes, kinds }, query),
  );
  const [vectorResults, [textRows, workspace]] = await Promise.all([
    vectors.length ? executeBatch(ctx, [...RECALL_SETTINGS, ...vectors]).then((r) => r.slice(RECALL_SETTINGS.length)) : [],
    text,
  ]);
  const halfLife = (workspace?.rows[0]?.halfLife ?? null) as number | null;
  const byId = new Map<string, Candidate>();
  vectorResults.forEach((result, i) => {
    for (const m of result.rows as CandidateRow[]) {
      const score = m.t_score == null ? null : Number(m.t_score);
      byId.set(m.id, { m, vector: { rank: Number(m.rank), dist: Number(m.dist), model: groups[i]!.embedding.model }, textScore: score });
    }
  });
  for (const m of textRows!.rows as CandidateRow[]) {
    const found = byId.get(m.id);
    if (found) found.textScore = Number(m.t_score);
    else byId.set(m.id, { m, textScore: Number(m.t_score) });
  }
  textListOf(byId.values());
  // a full-text match that the vector candidates' matches pushed out of the list is in no list
  const listed = [...byId.values()].filter((c) => c.vector || c.text);
  if (listed.length === 0) return answer([]);

  const now = Date.now();
  const scored = listed.map(({ m, vector: v, text: t }) => {
    // each row is in at most one vector list (its model's) and maybe in the text list
    const vectorPart = v ? weights.vector / (weights.rrfK + v.rank) : 0;
    const textPart = t ? weights.text / (weights.rrfK + t.rank) : 0;
    const fused = vectorPart + textPart;
    const recency = recencyOf(m.updatedAt, now, weights.halfLifeDays);
    const decay = decayOf(m, now, halfLife);
    const importance = m.pinned ? 1 : m.importance * decay;
    const score = fused * (1 + weights.recency * recency + weights.importance * importance);
    return {
      m,
      why: {
        vectorRank: v?.rank ?? null,
        vectorDistance: v?.dist ?? null,
        vectorModel: v?.model ?? null,
        textRank: t?.rank ?? null,
        textScore: t?.score ?? null,
        vectorPart,
        textPart,
        fused,
        recency,
        decay,
        importance,
        score,
      },
    };
  });
  scored.sort((a, b) => b.why.score - a.why.score || a.m.id.localeCompare(b.m.id));
  const top = scored.slice(0, k);
  // lastRecalledAt to the hour: a memory recalled again within the hour is not written again (every write of a row
  // may insert into its HNSW index when the page has no room for a HOT update; decay counts in days). A hint, not a
  // record: sent without waiting for it (writeRecallHint), committed without waiting for the WAL flush (a crash may
  // lose the last ones; decay then counts from the recall before)
  const recalledAt = new Date(now);
  const stale = top.filter((x) => x.m.lastRecalledAt === null || now - x.m.lastRecalledAt.getTime() >= RECALLED_AT_RESOLUTION_MS);
  if (stale.length > 0) {
    writeRecallHint(
      ctx,
      stale.map((x) => x.m.id),
      recalledAt,
    );
    for (const x of stale) x.m.lastRecalledAt = recalledAt;
  }
  if (top.some((x) => !Number.isFinite(x.why.score))) throw new AppError("INTERNAL", "Recall produced a non-finite score");
  return answer(top.map((x) => ({ memory: toMemory(x.m), why: x.why })));
}
