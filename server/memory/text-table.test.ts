/**
 * Recall's full-text side table (migration 20261221_500_memory_text) against the real database: "MemoryText" holds one
 * narrow row per memory (scope, kind, the tsvector of its content), kept by triggers on "Memory" in the statement that
 * changes it, and cadre_memory_text_candidates ranks at most p_ranked of a query's matches.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { RECALL_CANDIDATES, RECALL_TEXT_RANKED } from "@/lib/schemas/memory";
import type { TenantContext } from "@/server/context";
import { executeBatch } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, uniq, type TestWorkspace } from "@/test/helpers";
import { createMemoryDocument, deleteMemoryDocument, ingestNextBatch } from "./documents/service";
import { eraseSubject } from "./governance";
import { deleteMemory, remember, updateMemory } from "./service";

let ws: TestWorkspace;
let owner: TenantContext;

beforeAll(async () => {
  ws = await makeWorkspace("memory-text");
  owner = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
});

interface SideRow {
  scopeType: string;
  scopeId: string | null;
  kind: string;
  words: string;
  xmin: string;
}

/** The memory's side row (as the superuser): its scope, kind, the lexemes of its tsvector and its row version. */
async function sideRow(id: string): Promise<SideRow | undefined> {
  const rows = await db().$queryRaw<SideRow[]>`SELECT "scopeType", "scopeId", "kind", array_to_string(tsvector_to_array("searchText"), ' ') AS "words",
      xmin::text AS "xmin" FROM "MemoryText" WHERE "id" = ${id} AND "workspaceId" = ${ws.id}`;
  return rows[0];
}

/** Memories of the workspace without a side row, and side rows without a memory. */
async function mismatches(): Promise<number> {
  const [row] = await db().$queryRaw<{ n: number }[]>`SELECT (
      (SELECT count(*) FROM "Memory" m WHERE m."workspaceId" = ${ws.id}
        AND NOT EXISTS (SELECT 1 FROM "MemoryText" t WHERE t."id" = m."id" AND t."workspaceId" = m."workspaceId"))
    + (SELECT count(*) FROM "MemoryText" t WHERE t."workspaceId" = ${ws.id}
        AND NOT EXISTS (SELECT 1 FROM "Memory" m WHERE m."id" = t."id" AND m."workspaceId" = t."workspaceId")))::int AS n`;
  return row!.n;
}

const candidates = async (query: string, ranked: number | null, limit = RECALL_CANDIDATES) => {
  const [found] = await executeBatch(owner, [
    sql`SELECT "id", "score" FROM cadre_memory_text_candidates(${query}, ARRAY['workspace'], ARRAY[''], NULL, ${limit}, ${ranked}::int)`,
  ]);
  return found!.rows.map((r) => String(r.id));
};

describe("MemoryText follows Memory", () => {
  it("a remembered memory gets its side row; a change of content or scope changes it; pinning or a recall does not", async () => {
    const word = `walrus${uniq()}`;
    const m = await remember(owner, { content: `The ${word} sleeps on ice`, scope: { type: "subject", id: "customer:7" }, kind: "episodic" });
    const first = await sideRow(m.id);
    expect(first).toMatchObject({ scopeType: "subject", scopeId: "customer:7", kind: "episodic" });
    expect(first!.words.split(" ")).toEqual(expect.arrayContaining([word, "sleeps", "ice"]));

    await updateMemory(owner, m.id, { pinned: true, importance: 0.9 });
    // what recall writes to the rows it returns
    await db().$executeRaw`UPDATE "Memory" SET "lastRecalledAt" = now() WHERE "id" = ${m.id}`;
    expect((await sideRow(m.id))!.xmin).toBe(first!.xmin);

    const other = `narwhal${uniq()}`;
    await updateMemory(owner, m.id, { content: `The ${other} swims` });
    const changed = await sideRow(m.id);
    expect(changed!.words.split(" ")).toContain(other);
    expect(changed!.words.split(" ")).not.toContain(word);
    expect(await candidates(word, RECALL_TEXT_RANKED)).toEqual([]);

    // the scope and kind are not changed by the app; a raw change still reaches the side row
    await db().$executeRaw`UPDATE "Memory" SET "scopeType" = 'agent', "scopeId" = 'agt_moved', "kind" = 'semantic' WHERE "id" = ${m.id}`;
    expect(await sideRow(m.id)).toMatchObject({ scopeType: "agent", scopeId: "agt_moved", kind: "semantic" });
    expect(await mismatches()).toBe(0);
  });

  it("forget, a subject's erasure and a document's deletion remove the side rows with the memories", async () => {
    const word = `puffin${uniq()}`;
    const forgotten = await remember(owner, { content: `A ${word} note` });
    const kept = await remember(owner, { content: `Another ${word} note` });
    await deleteMemory(owner, forgotten.id);
    expect(await sideRow(forgotten.id)).toBeUndefined();
    expect(await candidates(word, RECALL_TEXT_RANKED)).toEqual([kept.id]);

    const subject = `customer:${uniq()}`;
    for (const n of [1, 2, 3]) await remember(owner, { content: `${word} fact ${n}`, scope: { type: "subject", id: subject } });
    await eraseSubject(owner, subject);

    const doc = await createMemoryDocument(owner, { text: `${word} in a document.\n\nA second paragraph about ${word}.` });
    // claimed by no worker here: ingested in this process
    await db().$executeRaw`UPDATE "MemoryDocument" SET "status" = 'processing' WHERE "id" = ${doc.id}`;
    for (let i = 0; i < 10 && !(await ingestNextBatch(owner, doc.id)).done; i++);
    const [chunks] = await db().$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM "MemoryText" t JOIN "Memory" m USING ("id", "workspaceId")
      WHERE m."documentId" = ${doc.id}`;
    expect(chunks!.n).toBeGreaterThan(0);
    await deleteMemoryDocument(owner, doc.id);

    expect(await candidates(word, RECALL_TEXT_RANKED)).toEqual([kept.id]);
    expect(await mismatches()).toBe(0);
  });
});

describe("cadre_memory_text_candidates' bound", () => {
  it("ranks at most p_ranked matches; a query with fewer matches is ranked in full, best first", async () => {
    const word = `gannet${uniq()}`;
    for (let i = 0; i < 5; i++) await remember(owner, { content: `${word} sighting number ${i}` });
    // the best match: the word twice
    const best = await remember(owner, { content: `${word} ${word} colony` });
    const all = await candidates(word, RECALL_TEXT_RANKED);
    expect(all).toHaveLength(6);
    expect(all[0]).toBe(best.id);
    expect(await candidates(word, null)).toEqual(all);
    // bounded: 3 of the 6 ranked, of which the 2 best returned
    const bounded = await candidates(word, 3, 2);
    expect(bounded).toHaveLength(2);
    for (const id of bounded) expect(all).toContain(id);
    expect(await candidates(word, 3)).toHaveLength(3);
  });
});
