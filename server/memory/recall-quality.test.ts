/**
 * Recall quality on a generated corpus with known answers (scripts/bench/memory-corpus.ts): clustered 384-dimension
 * vectors for two workspaces (A's rows more than the full-text search ranks, B's in the same HNSW graph), inserted
 * with raw SQL in bulk, queried through recall's own path (recallByVector: the candidate query, fusion and scoring) with precomputed query vectors.
 * - filtered HNSW recall@10 against exact search >= 0.98 for workspace A, while workspace B holds planted true nearest
 *   neighbours of every query: none of them is ever returned and A still gets k results;
 * - hybrid recall finds exact identifiers (an order number, an error code) that vector-only recall misses: a real
 *   embedding model puts all order numbers near one point, so the query's vector lands among the look-alikes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { executeBatch } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, uniq, workspaceIdInMemoryPartitionOf, type TestWorkspace } from "@/test/helpers";
import { around, CORPUS_MODEL, corpus, exactNearestSql, generatedRowsSql, insertStatements, rows, type CorpusRow } from "@/scripts/bench/memory-corpus";
import { RECALL_CANDIDATES, RECALL_TEXT_RANKED } from "@/lib/schemas/memory";
import { RECALL_SETTINGS, recallByVector, vectorCandidatesSql } from "./recall";

// every row is an insert into the partition's HNSW graph, 15 ms each on embedded PGlite (half precision in software)
const A_ROWS = 800;
const B_ROWS = 400;
const CLUSTERS = 30;
const QUERIES = 20;
const K = 10;
const embeddingOf = (vector: number[]) => ({ vector, model: CORPUS_MODEL, simulated: false });
/** vector-only ordering: no text, recency or importance */
const VECTOR_ONLY = { text: 0, recency: 0, importance: 0 };

let a: TestWorkspace;
let b: TestWorkspace;
let ctxA: TenantContext;
const queries: number[][] = [];
const planted = new Set<string>();

async function insert(workspaceId: string, list: CorpusRow[]) {
  const statements = insertStatements(workspaceId, list);
  for (let i = 0; i < statements.length; i += 5) await executeBatch({ workspaceId }, statements.slice(i, i + 5));
}

beforeAll(async () => {
  a = await makeWorkspace("recall-quality-a");
  // in A's partition: B's planted rows are in the HNSW graph that A's queries walk
  b = await makeWorkspace("recall-quality-b", await workspaceIdInMemoryPartitionOf(a.id));
  ctxA = await resolveUserTenant(a.users.owner, a.slug, `req_test${uniq()}`);
  const c = corpus(20261213, CLUSTERS);
  // generated in the database, 500 rows a statement (the same clusters for both workspaces)
  for (const [ws, count] of [
    [a, A_ROWS],
    [b, B_ROWS],
  ] as const) {
    for (let from = 1; from <= count; from += 500) {
      await executeBatch({ workspaceId: ws.id }, [generatedRowsSql({ workspaceId: ws.id, centers: c.centers, from, to: Math.min(count, from + 499) })]);
    }
  }
  for (let i = 0; i < QUERIES; i++) queries.push(around(c.centers[(i * 7) % CLUSTERS]!, 1, c.rand));
  // B: five rows nearer to each query than anything of A's
  const nearest = queries.flatMap((q) => Array.from({ length: 5 }, () => ({ ...rows(c, 1, 1, "b planted")[0]!, vector: around(q, 0.05, c.rand) })));
  for (const r of nearest) planted.add(r.id);
  await insert(b.id, nearest);
  await db().$executeRawUnsafe(`ANALYZE "Memory"`);
}, 120_000);

afterAll(async () => {
  // the rows stay in these workspaces only, but they would make the shared table larger for every later file
  await db().memory.deleteMany({ where: { workspaceId: { in: [a.id, b.id] } } });
});

describe("recall quality on a clustered corpus", () => {
  // A's partition holds a few thousand rows: the planner may sort them exactly, as it should for so small a tenant. The
  // HNSW walk of a large tenant is measured with sorting disabled (ON_INDEX), with recall's own settings.
  const ON_INDEX = [...RECALL_SETTINGS, sql`SET LOCAL enable_sort = off`];
  const walkedIds = async (q: number[]) => {
    const candidates = vectorCandidatesSql({ workspaceId: a.id, model: CORPUS_MODEL, vector: q, scopes: [{ type: "workspace" }] });
    const [walked] = (await executeBatch({ workspaceId: a.id }, [...ON_INDEX, candidates])).slice(ON_INDEX.length);
    return [...walked!.rows].sort((x, y) => Number(x.rank) - Number(y.rank)).map((r) => String(r.id));
  };

  it("the candidate query walks the partition's HNSW index when the tenant is too large to sort", async () => {
    const candidates = vectorCandidatesSql({ workspaceId: a.id, model: CORPUS_MODEL, vector: queries[0]!, scopes: [{ type: "workspace" }] });
    const [plan] = (await executeBatch({ workspaceId: a.id }, [...ON_INDEX, sql`EXPLAIN ${candidates}`])).slice(ON_INDEX.length);
    expect(JSON.stringify(plan!.rows)).toMatch(/Index Scan using .{0,3}Memory_p\d\d_embedding_384_idx/);
    // the half-precision graph (migration 20261222_600_memory_halfvec_index)
    expect(JSON.stringify(plan!.rows)).toMatch(/Order By: \(\(embedding\)::halfvec\(384\) <=>/);
  });

  it("words common to more memories than the full-text search ranks: the vector candidates that match are in the full-text list", async () => {
    // every row of A says "note <g> about topic <c>": the query's words match all 800, more than are ranked
    expect(A_ROWS).toBeGreaterThan(RECALL_TEXT_RANKED);
    for (const q of queries.slice(0, 3)) {
      const r = await recallByVector(ctxA, { query: "note about", k: K }, embeddingOf(q));
      expect(r.results).toHaveLength(K);
      // each nearest row is found by both searches (equal ts_rank for all matches: the rows both found rank first)
      for (const x of r.results) {
        expect(x.why.vectorRank).not.toBeNull();
        expect(x.why.textRank).not.toBeNull();
        expect(x.why.textRank!).toBeLessThanOrEqual(RECALL_CANDIDATES);
      }
    }
  });

  it(`filtered HNSW recall@${K} against exact search is at least 0.98 for A; B's planted nearest neighbours never appear; A gets k`, async () => {
    const aIds = new Set((await db().memory.findMany({ where: { workspaceId: a.id }, select: { id: true } })).map((m) => m.id));
    // the planted rows really are the nearest across both workspaces
    const [across] = await executeBatch({ workspaceId: b.id }, [exactNearestSql(b.id, queries[0]!, 5)]);
    expect(across!.rows.every((r) => planted.has(String(r.id)))).toBe(true);

    let hits = 0;
    for (const q of queries) {
      const [exact] = await executeBatch({ workspaceId: a.id }, [exactNearestSql(a.id, q, K)]);
      const truth = new Set(exact!.rows.map((r) => String(r.id)));
      const r = await recallByVector(ctxA, { query: "no words of the corpus", k: K, weights: VECTOR_ONLY }, embeddingOf(q));
      expect(r.results).toHaveLength(K);
      for (const x of r.results) {
        expect(aIds.has(x.memory.id)).toBe(true);
        expect(planted.has(x.memory.id)).toBe(false);
      }
      // recall@K of the HNSW walk: its K nearest against the exact K
      const walked = (await walkedIds(q)).slice(0, K);
      expect(walked.some((id) => planted.has(id))).toBe(false);
      hits += walked.filter((id) => truth.has(id)).length;
    }
    const recallAtK = hits / (K * QUERIES);
    expect(recallAtK).toBeGreaterThanOrEqual(0.98);
  });

  it("hybrid recall finds exact identifiers that vector-only recall misses", async () => {
    const c = corpus(7, 2);
    const [orders, errors] = c.centers as [number[], number[]];
    // look-alikes near each centre (where a model puts every order number / error code), the targets a little further
    const lookAlikes: CorpusRow[] = [
      ...Array.from({ length: 150 }, (_, i) => ({ ...rows(c, 1)[0]!, content: `Order ORD-${48300 + i} shipped on time`, vector: around(orders, 0.6, c.rand) })),
      ...["ORD-48231", "ORD-48214", "ORD-4821", "ORD-482130"].map((id) => ({
        ...rows(c, 1)[0]!,
        content: `Order ${id} shipped on time`,
        vector: around(orders, 0.6, c.rand),
      })),
      ...Array.from({ length: 150 }, (_, i) => ({
        ...rows(c, 1)[0]!,
        content: `Error E_CONN_TIMEOUT_${i} seen in the gateway`,
        vector: around(errors, 0.6, c.rand),
      })),
      ...["E_CONN_RESET_8", "E_CONN_RESET_17", "E_CONN_REFUSED_7"].map((id) => ({
        ...rows(c, 1)[0]!,
        content: `Error ${id} seen in the gateway`,
        vector: around(errors, 0.6, c.rand),
      })),
    ];
    const order = { ...rows(c, 1)[0]!, content: "Refund for ORD-48213 approved after the parcel was lost", vector: around(orders, 1.2, c.rand) };
    const error = { ...rows(c, 1)[0]!, content: "The nightly sync failed with E_CONN_RESET_7 twice", vector: around(errors, 1.2, c.rand) };
    await insert(a.id, [...lookAlikes, order, error]);

    for (const [query, target, centre] of [
      ["ORD-48213", order, orders],
      ["E_CONN_RESET_7", error, errors],
    ] as const) {
      const emb = embeddingOf(around(centre, 0.3, c.rand));
      const vectorOnly = await recallByVector(ctxA, { query, k: K, weights: { text: 0 } }, emb);
      expect(vectorOnly.results).toHaveLength(K);
      expect(
        vectorOnly.results.map((x) => x.memory.id),
        query,
      ).not.toContain(target.id);

      const hybrid = await recallByVector(ctxA, { query, k: K }, emb);
      const hit = hybrid.results.find((x) => x.memory.id === target.id);
      expect(hit, query).toBeDefined();
      expect(hit!.why.textRank).toBe(1);
      // the look-alike identifiers do not match the text search
      expect(hybrid.results.filter((x) => x.why.textRank !== null).map((x) => x.memory.id)).toEqual([target.id]);
      expect(hybrid.results.slice(0, 2).map((x) => x.memory.id)).toContain(target.id);
    }
  });
});
