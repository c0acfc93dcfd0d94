/**
 * Memory (issue 14, first slice) against the real database: remember and hybrid recall through the service, tRPC and
 * REST; the explanation of each result; an exact identifier that vector-only recall misses; recall never compares
 * another model's vectors; tenant isolation with planted nearest neighbours (iterative index scans); scopes; delete;
 * roles, API keys, cross-tenant 404s, audit and the ledger.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { executeBatch } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { simulatedEmbedding } from "@/server/models/simulator";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, workspaceIdInMemoryPartitionOf, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { deleteMemory, getMemory, listMemories, remember, updateMemory, vectorSql } from "./service";
import { recall, RECALL_SETTINGS, settleRecallHints, vectorCandidatesSql } from "./recall";

type Role = "owner" | "admin" | "member" | "viewer";
const ctxOf = (ws: TestWorkspace, role: Role = "owner"): Promise<TenantContext> => resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);

let ws: TestWorkspace;
let other: TestWorkspace;
let owner: TenantContext;

beforeAll(async () => {
  ws = await makeWorkspace("memory");
  other = await makeWorkspace("memory-other");
  owner = await ctxOf(ws);
});

/** Rows planted with given vectors (the simulator's label, or another model's), in one message in the workspace's scope. */
async function plant(workspaceId: string, rows: { content: string; vector: number[]; model: string; scope?: [string, string | null] }[]) {
  const statements = rows.map((r) => {
    const [scopeType, scopeId] = r.scope ?? ["workspace", null];
    return sql`INSERT INTO "Memory" ("id", "workspaceId", "scopeType", "scopeId", "content", "source", "createdByType", "embeddingModel", "dims", "embedding")
      VALUES (${newId("memo")}, ${workspaceId}, ${scopeType}, ${scopeId}, ${r.content}, 'api', 'system', ${r.model}, ${r.vector.length}, ${vectorSql(r.vector)})`;
  });
  for (let i = 0; i < statements.length; i += 100) await executeBatch({ workspaceId }, statements.slice(i, i + 100));
}

/** A unit vector near `base`: noise of size `spread` in random directions, deterministic from `seed`. */
function near(base: number[], spread: number, seed: number): number[] {
  let s = seed * 9301 + 49297;
  const rand = () => {
    s = (s * 9301 + 49297) % 233280;
    return s / 233280 - 0.5;
  };
  const v = base.map((x) => x + spread * rand());
  const norm = Math.sqrt(v.reduce((a, x) => a + x * x, 0));
  return v.map((x) => x / norm);
}

describe("remember and recall", () => {
  it("round trip: remembered with provenance and the simulator's honest label, recalled with why it ranked; costs in the ledger; audited", async () => {
    const usageBefore = await db().usageRecord.count({ where: { workspaceId: ws.id, outcome: "ok" } });
    const m = await remember(owner, { content: "The Berlin office moved to Alexanderplatz in March", importance: 0.8, sourceRef: { note: "onboarding" } });
    expect(m).toMatchObject({
      id: expect.stringMatching(/^memo_/),
      scope: { type: "workspace", id: null },
      kind: "semantic",
      importance: 0.8,
      pinned: false,
      source: "person",
      sourceRef: { note: "onboarding" },
      createdByType: "user",
      createdById: ws.users.owner.id,
      dims: 384,
      lastRecalledAt: null,
    });
    expect(m.embeddingModel).toMatch(/^simulator:.+ \(lexical\)$/);
    expect(await db().usageRecord.count({ where: { workspaceId: ws.id, outcome: "ok" } })).toBe(usageBefore + 1);
    expect((await auditRows(ws.id, "memory.create"))[0]).toMatchObject({ targetType: "memory", targetId: m.id });

    const r = await recall(owner, { query: "Where is the Berlin office?" });
    expect(r.simulated).toBe(true);
    expect(r.embeddingModel).toBe(m.embeddingModel);
    const hit = r.results.find((x) => x.memory.id === m.id)!;
    expect(r.results[0]!.memory.id).toBe(m.id);
    expect(hit.memory.lastRecalledAt).not.toBeNull();
    const { why } = hit;
    expect(why.vectorRank).toBe(1);
    expect(why.textRank).toBeNull(); // websearch_to_tsquery ANDs its words: "where" and "is" are not in the memory
    expect(why.vectorDistance).toBeGreaterThan(0);
    expect(why.vectorPart).toBeCloseTo(1 / 61, 12);
    expect(why.textPart).toBe(0);
    expect(why.fused).toBeCloseTo(why.vectorPart + why.textPart, 12);
    expect(why.importance).toBeCloseTo(0.8, 6);
    expect(why.recency).toBeGreaterThan(0.99);
    expect(why.score).toBeCloseTo(why.fused * (1 + 0.2 * why.recency + 0.3 * 0.8), 9);
    await settleRecallHints();
    expect((await getMemory(owner, m.id)).lastRecalledAt).not.toBeNull();
  });

  it("hybrid finds an exact identifier that vector-only recall misses", async () => {
    const fresh = await makeWorkspace("memory-ids");
    const ctx = await ctxOf(fresh);
    // the simulator's vectors are a hashed bag of words: short texts sharing the token "ord" are nearer to the
    // query "ORD-99817" than the long memory that holds the identifier among many other words
    const target = await remember(ctx, {
      content:
        "Refund for ORD-99817 was approved by the support lead after the courier confirmed that the parcel had been lost in transit near the regional depot during the storm last winter, and the customer accepted store credit instead of cash",
    });
    for (const n of [99871, 99818, 99816, 99827, 99807, 19817, 99917, 98817, 99812, 99810, 99819, 99887]) await remember(ctx, { content: `ORD-${n} shipped` });

    const hybrid = await recall(ctx, { query: "ORD-99817", k: 5 });
    expect(hybrid.results[0]!.memory.id).toBe(target.id);
    expect(hybrid.results[0]!.why.textRank).toBe(1);
    expect(hybrid.results[0]!.why.vectorRank).toBeGreaterThan(5);
    // only the memory with the identifier matches the text search
    expect(hybrid.results.slice(1).every((x) => x.why.textRank === null)).toBe(true);

    const vectorOnly = await recall(ctx, { query: "ORD-99817", k: 5, weights: { text: 0 } });
    expect(vectorOnly.results).toHaveLength(5);
    expect(vectorOnly.results.map((x) => x.memory.id)).not.toContain(target.id);
  });

  it("never compares vectors of another model: rows embedded by another model are found by their words only", async () => {
    const fresh = await makeWorkspace("memory-models");
    const ctx = await ctxOf(fresh);
    const mine = await remember(ctx, { content: "quarterly revenue report for the board" });
    const query = "quarterly revenue report";
    const exact = simulatedEmbedding(query);
    // the same words and the query's exact vector, but labelled with another model
    await plant(fresh.id, [
      { content: query, vector: exact, model: "openai:text-embedding-3-small" },
      { content: `${query} again`, vector: exact, model: "openai_compatible:nomic-embed-text" },
    ]);
    const r = await recall(ctx, { query });
    const byVector = r.results.filter((x) => x.why.vectorRank !== null);
    expect(byVector.map((x) => x.memory.id)).toEqual([mine.id]);
    expect(byVector[0]!.why.vectorModel).toBe(r.embeddingModel);
    expect(byVector[0]!.memory.embeddingModel).toBe(r.embeddingModel);
    // the other models' rows carry the query's exact vector, yet only the full-text search finds them
    const others = r.results.filter((x) => x.memory.id !== mine.id);
    expect(others).toHaveLength(2);
    expect(others.every((x) => x.why.vectorRank === null && x.why.vectorDistance === null && x.why.textRank !== null)).toBe(true);
    expect(r.results[0]!.memory.id).toBe(mine.id);
  });

  it("under workspace A returns only A's rows, and still k of them, when B holds the true nearest neighbours", async () => {
    const a = await makeWorkspace("memory-tenant-a");
    // in A's partition: the index walk over one graph meets B's rows first
    const b = await makeWorkspace("memory-tenant-b", await workspaceIdInMemoryPartitionOf(a.id));
    const ctxA = await ctxOf(a);
    const query = "planted neighbours query text";
    const model = (await remember(ctxA, { content: "unrelated seed memory" })).embeddingModel;
    const q = simulatedEmbedding(query);
    // B: 400 rows very near the query (a cluster); A: 20 rows further away (another cluster around the query)
    await plant(
      b.id,
      Array.from({ length: 400 }, (_, i) => ({ content: `b row ${i}`, vector: near(q, 0.02, i + 1), model })),
    );
    await plant(
      a.id,
      Array.from({ length: 20 }, (_, i) => ({ content: `a row ${i}`, vector: near(q, 0.3, 1000 + i), model })),
    );
    await db().$executeRawUnsafe(`ANALYZE "Memory"`);
    const r = await recall(ctxA, { query, k: 10 });
    expect(r.results).toHaveLength(10);
    expect(r.results.every((x) => x.memory.content.startsWith("a row "))).toBe(true);
    const ids = new Set((await db().memory.findMany({ where: { workspaceId: a.id }, select: { id: true } })).map((x) => x.id));
    expect(r.results.every((x) => ids.has(x.memory.id))).toBe(true);
    // the ten are the exact nearest of A's rows (by cosine distance)
    const exact = await db().$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "Memory" WHERE "workspaceId" = $1 AND "content" LIKE 'a row %' ORDER BY "embedding" <=> $2::vector LIMIT 10`,
      a.id,
      `[${q.join(",")}]`,
    );
    const byVector = [...r.results].sort((x, y) => x.why.vectorRank! - y.why.vectorRank!).map((x) => x.memory.id);
    expect(new Set(byVector)).toEqual(new Set(exact.map((x) => x.id)));

    // for a tenant this small the planner sorts A's rows exactly; on the HNSW path (sorting disabled, as for a
    // large tenant) the index walk meets B's 400 nearer rows first: iterative scans still bring A's rows
    const candidates = vectorCandidatesSql({ workspaceId: a.id, model, vector: q, scopes: [{ type: "workspace" }] });
    const onIndex = [...RECALL_SETTINGS, sql`SET LOCAL enable_sort = off`];
    const [plan] = (await executeBatch({ workspaceId: a.id }, [...onIndex, sql`EXPLAIN ${candidates}`])).slice(onIndex.length);
    expect(JSON.stringify(plan!.rows)).toMatch(/Memory_p\d\d_embedding_384_idx/);
    const [walked] = (await executeBatch({ workspaceId: a.id }, [...onIndex, candidates])).slice(onIndex.length);
    const vectorRows = walked!.rows;
    // all 20 of A's rows near the query (A's far seed row may be unreachable in so small a graph: HNSW's links favour
    // near neighbours), none of B's 400 nearer ones
    const nearA = new Set(
      (await db().memory.findMany({ where: { workspaceId: a.id, content: { startsWith: "a row " } }, select: { id: true } })).map((x) => x.id),
    );
    expect(vectorRows.filter((x) => nearA.has(String(x.id)))).toHaveLength(20);
    expect(vectorRows.every((x) => ids.has(String(x.id)))).toBe(true);
  });

  it("scopes: a subject never sees another subject's memories", async () => {
    await remember(owner, { content: "Prefers calls after 5pm", scope: { type: "subject", id: "customer:42" } });
    await remember(owner, { content: "Prefers calls before 9am", scope: { type: "subject", id: "customer:43" } });
    const r = await recall(owner, { query: "prefers calls", scopes: [{ type: "subject", id: "customer:42" }] });
    expect(r.results.map((x) => x.memory.content)).toEqual(["Prefers calls after 5pm"]);
    expect(r.results[0]!.memory.scope).toEqual({ type: "subject", id: "customer:42" });
    const listed = await listMemories(owner, { scopeType: "subject", scopeId: "customer:43" });
    expect(listed.items.map((x) => x.content)).toEqual(["Prefers calls before 9am"]);
    expect((await outcome(remember(owner, { content: "x", scope: { type: "subject" } }))).ok).toBe(false);
    expect((await outcome(remember(owner, { content: "x", scope: { type: "workspace", id: "customer:1" } }))).ok).toBe(false);
  });

  it("update re-embeds content, changes importance and pinned, audited; delete removes it from recall at once", async () => {
    const m = await remember(owner, { content: "The staging database password rotates weekly" });
    const same = await updateMemory(owner, m.id, { content: "The staging database password rotates weekly" });
    expect(same.updatedAt).toEqual(m.updatedAt);
    const changed = await updateMemory(owner, m.id, { content: "The staging cluster is called heliotrope", importance: 0.9, pinned: true });
    expect(changed).toMatchObject({ content: "The staging cluster is called heliotrope", importance: 0.9, pinned: true });
    expect((await auditRows(ws.id, "memory.update"))[0]).toMatchObject({ targetId: m.id, metadata: { changed: ["content", "importance", "pinned"] } });
    const found = await recall(owner, { query: "heliotrope" });
    expect(found.results[0]!.memory.id).toBe(m.id);
    expect(found.results[0]!.why).toMatchObject({ textRank: 1, importance: 1 });

    await deleteMemory(owner, m.id);
    const after = await recall(owner, { query: "heliotrope" });
    expect(after.results.map((x) => x.memory.id)).not.toContain(m.id);
    expect((await outcome(getMemory(owner, m.id))).ok).toBe(false);
    expect((await auditRows(ws.id, "memory.delete"))[0]).toMatchObject({ targetId: m.id });
  });
});

describe("through tRPC and REST", () => {
  it("roles: a viewer reads and recalls but cannot write or delete; a member writes", async () => {
    const owned = await callerFor(ws.users.owner, ws.slug).memories.create({ content: "viewer can read this" });
    const viewer = callerFor(ws.users.viewer, ws.slug);
    expect((await viewer.memories.get({ memoryId: owned.id })).id).toBe(owned.id);
    expect((await viewer.memories.recall({ query: "viewer can read" })).results.length).toBeGreaterThan(0);
    // one at a time: a promise made before the one ahead of it is awaited would reject unhandled
    for (const attempt of [
      () => viewer.memories.create({ content: "nope" }),
      () => viewer.memories.update({ memoryId: owned.id, pinned: true }),
      () => viewer.memories.delete({ memoryId: owned.id }),
    ]) {
      expect(await outcome(attempt())).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    const member = callerFor(ws.users.member, ws.slug);
    expect((await member.memories.update({ memoryId: owned.id, importance: 0.1 })).importance).toBeCloseTo(0.1, 6);
    expect(await member.memories.delete({ memoryId: owned.id })).toEqual({ deleted: true });
  });

  it("another workspace's member and API key get 404 for get, update and delete", async () => {
    const m = await remember(owner, { content: "only for this workspace" });
    const stranger = callerFor(other.users.owner, other.slug);
    for (const attempt of [
      () => stranger.memories.get({ memoryId: m.id }),
      () => stranger.memories.update({ memoryId: m.id, content: "hijacked" }),
      () => stranger.memories.delete({ memoryId: m.id }),
    ]) {
      expect(await outcome(attempt())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    const key = (await makeApiKey(other, "owner")).raw;
    for (const [method, body] of [["GET"], ["PATCH", { pinned: true }], ["DELETE"]] as const) {
      const res = await rest(method, "/api/v1/memories/{memoryId}", { key, params: { memoryId: m.id }, body });
      expect(res.status, method).toBe(404);
    }
    const recalled = await rest("POST", "/api/v1/memories/recall", { key, body: { query: "only for this workspace" } });
    expect(recalled.status).toBe(200);
    expect(recalled.body.results.map((x: { memory: { id: string } }) => x.memory.id)).not.toContain(m.id);
    expect(await getMemory(owner, m.id)).toMatchObject({ content: "only for this workspace", pinned: false });
  });

  it("REST: create (source api, by the key), get, patch, recall, list, delete", async () => {
    const key = await makeApiKey(ws, "member");
    const created = await rest("POST", "/api/v1/memories", {
      key: key.raw,
      body: {
        content: "Invoice INV-2231 is disputed",
        scope: { type: "agent", id: "agt_support" },
        kind: "episodic",
        sourceRef: { runId: "run_x", stepId: "s1" },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      source: "api",
      createdByType: "api_key",
      createdById: key.id,
      kind: "episodic",
      sourceRef: { runId: "run_x", stepId: "s1" },
    });
    const id = created.body.id as string;
    expect((await rest("GET", "/api/v1/memories/{memoryId}", { key: key.raw, params: { memoryId: id } })).body.id).toBe(id);
    expect((await rest("PATCH", "/api/v1/memories/{memoryId}", { key: key.raw, params: { memoryId: id }, body: { pinned: true } })).body.pinned).toBe(true);
    const recalled = await rest("POST", "/api/v1/memories/recall", {
      key: key.raw,
      body: { query: "INV-2231", scopes: [{ type: "agent", id: "agt_support" }] },
    });
    expect(recalled.status).toBe(200);
    expect(recalled.body.results[0].memory.id).toBe(id);
    expect(recalled.body.results[0].why).toMatchObject({ textRank: 1, vectorRank: 1 });
    const listed = await rest("GET", "/api/v1/memories", { key: key.raw, query: { scopeType: "agent", scopeId: "agt_support" } });
    expect(listed.body.data.map((x: { id: string }) => x.id)).toEqual([id]);
    expect((await rest("DELETE", "/api/v1/memories/{memoryId}", { key: key.raw, params: { memoryId: id } })).body).toEqual({ deleted: true });
    expect((await rest("GET", "/api/v1/memories/{memoryId}", { key: key.raw, params: { memoryId: id } })).status).toBe(404);
    expect((await rest("POST", "/api/v1/memories/recall", { key: key.raw, body: { query: "x", k: 51 } })).status).toBe(422);
  });
});
