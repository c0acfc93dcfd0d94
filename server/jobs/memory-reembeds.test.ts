/**
 * Per-scope embedding models and re-embedding (issue 14) against the real database, with the simulator's models (each
 * its own label, so two of them are two models): the most specific setting embeds a scope; a change re-embeds the
 * target's rows in the background (in-process worker: progress, resumed by another worker after a stop, a row edited
 * while its batch was embedded re-embedded with its new content), a second change supersedes the first; unchanged or
 * absent settings write nothing; a model that cannot embed is refused; roles, REST, audit, cross-tenant 404s.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { MemoryScope } from "@/lib/schemas/memory";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { foreignResource } from "@/server/http/foreign-resource";
import { embeddingPolicyFor, MEMORY_DEFAULT_EMBEDDING_POLICY } from "@/server/memory/models";
import { recall } from "@/server/memory/recall";
import { getMemoryReembed, listMemoryModels, setMemoryModel } from "@/server/memory/reembed";
import * as memoryService from "@/server/memory/service";
import { remember } from "@/server/memory/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { appErrorOf, auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import type { LeaseWorker } from "./lease-worker";
import { startReembedWorker, submitMemoryModelChange } from "./memory-reembeds";

type Role = "owner" | "admin" | "member" | "viewer";
const ctxOf = (ws: TestWorkspace, role: Role = "owner"): Promise<TenantContext> => resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);

let ws: TestWorkspace;
let other: TestWorkspace;
let owner: TenantContext;
const workers: LeaseWorker[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

beforeAll(async () => {
  ws = await makeWorkspace("reembed");
  other = await makeWorkspace("reembed-other");
  owner = await ctxOf(ws);
});

function worker(workspace: TestWorkspace, options: Parameters<typeof startReembedWorker>[0] = {}): LeaseWorker {
  const w = startReembedWorker({ workspaceIds: [workspace.id], pollMs: 25, leaseMs: 5_000, ...options });
  workers.push(w);
  return w;
}

/** A simulator model of the workspace (its catalog is seeded by the first embedding or routing call). */
async function simModel(ctx: TenantContext, modelId: "sim-fast" | "sim-balanced" | "sim-capable"): Promise<ModelPolicy> {
  await remember(ctx, { content: "seed", scope: { type: "subject", id: `seed:${uniq()}` } });
  const row = await db().model.findFirstOrThrow({ where: { workspaceId: ctx.workspaceId, modelId, provider: { kind: "simulator" } }, select: { id: true } });
  return { type: "pinned", modelId: row.id };
}

const label = (modelId: string) => `simulator:${modelId} (lexical)`;
const rowsOf = (workspaceId: string, scope: MemoryScope) =>
  db().memory.findMany({
    where: { workspaceId, scopeType: scope.type, scopeId: scope.id ?? null },
    orderBy: { id: "asc" },
    select: { id: true, content: true, embeddingModel: true, dims: true, updatedAt: true },
  });

async function finished(ctx: TenantContext, id: string) {
  await expect.poll(async () => (await getMemoryReembed(ctx, id)).status, { timeout: 30_000, interval: 50 }).toBe("done");
  return getMemoryReembed(ctx, id);
}

describe("which model embeds a scope", () => {
  it("the most specific setting wins: an exact scope over its type over the workspace's default over the built-in default", async () => {
    const fresh = await makeWorkspace("reembed-resolve");
    const ctx = await ctxOf(fresh);
    const [fast, balanced, capable] = [await simModel(ctx, "sim-fast"), await simModel(ctx, "sim-balanced"), await simModel(ctx, "sim-capable")];
    const s42: MemoryScope = { type: "subject", id: "customer:42" };
    const s7: MemoryScope = { type: "subject", id: "customer:7" };
    const agent: MemoryScope = { type: "agent", id: "agt_x" };
    expect(await embeddingPolicyFor(ctx, s42)).toEqual(MEMORY_DEFAULT_EMBEDDING_POLICY);
    await setMemoryModel(ctx, { policy: fast });
    await setMemoryModel(ctx, { scopeType: "subject", policy: balanced });
    await setMemoryModel(ctx, { scopeType: "subject", scopeId: "customer:42", policy: capable });
    expect(await embeddingPolicyFor(ctx, s42)).toEqual(capable);
    expect(await embeddingPolicyFor(ctx, s7)).toEqual(balanced);
    expect(await embeddingPolicyFor(ctx, agent)).toEqual(fast);
    expect(await embeddingPolicyFor(ctx, { type: "workspace" })).toEqual(fast);
    // every write path embeds with it: remember here (documents and runs call the same embedTexts with their scope)
    expect((await remember(ctx, { content: "a", scope: s42 })).embeddingModel).toBe(label("sim-capable"));
    expect((await remember(ctx, { content: "b", scope: s7 })).embeddingModel).toBe(label("sim-balanced"));
    expect((await remember(ctx, { content: "c", scope: agent })).embeddingModel).toBe(label("sim-fast"));
    // removing the exact scope's setting falls back to its type's
    const removed = await setMemoryModel(ctx, { scopeType: "subject", scopeId: "customer:42", policy: null });
    expect(removed.setting).toBeNull();
    expect(removed.reembed).toMatchObject({ scopeType: "subject", scopeId: "customer:42", policy: balanced, status: "queued", progress: { rowsTotal: 1 } });
    expect(await embeddingPolicyFor(ctx, s42)).toEqual(balanced);
    const listed = await listMemoryModels(ctx);
    expect(listed.items.map((s) => [s.scopeType, s.scopeId]).sort()).toEqual([
      [null, null],
      ["subject", null],
    ]);
  });

  it("setting the same policy again, or removing a setting that does not exist, writes nothing", async () => {
    const fresh = await makeWorkspace("reembed-noop");
    const ctx = await ctxOf(fresh);
    const fast = await simModel(ctx, "sim-fast");
    const first = await setMemoryModel(ctx, { scopeType: "team", scopeId: "team_a1b2c3", policy: fast });
    expect(first.setting).toMatchObject({ scopeType: "team", scopeId: "team_a1b2c3", policy: fast, updatedByType: "user" });
    expect(first.reembed).toMatchObject({ status: "done", progress: { rowsDone: 0, rowsTotal: 0 } });
    const again = await setMemoryModel(ctx, { scopeType: "team", scopeId: "team_a1b2c3", policy: fast });
    expect(again).toEqual({ setting: first.setting, reembed: null });
    expect(await setMemoryModel(ctx, { scopeType: "agent", scopeId: "agt_none", policy: null })).toEqual({ setting: null, reembed: null });
    expect(await auditRows(fresh.id, "memory_model.update")).toHaveLength(1);
    expect(await auditRows(fresh.id, "memory_model.delete")).toHaveLength(0);
    expect(await db().memoryReembed.count({ where: { workspaceId: fresh.id } })).toBe(1);
  });

  it("refuses a model that cannot embed, a preset or model that does not exist, and a scope id without its type", async () => {
    const chat = await db().model.findFirst({ where: { workspaceId: ws.id, NOT: { capabilities: { has: "embeddings" } } }, select: { id: true } });
    if (chat) expect((await appErrorOf(setMemoryModel(owner, { policy: { type: "pinned", modelId: chat.id } }))).code).toBe("VALIDATION_FAILED");
    expect((await appErrorOf(setMemoryModel(owner, { policy: { type: "pinned", modelId: "mdl_doesnotexist1" } }))).code).toBe("VALIDATION_FAILED");
    expect((await appErrorOf(setMemoryModel(owner, { policy: { type: "preset", preset: "no-such-preset" } }))).code).toBe("VALIDATION_FAILED");
    expect((await outcome(setMemoryModel(owner, { scopeId: "customer:1", policy: MEMORY_DEFAULT_EMBEDDING_POLICY }))).ok).toBe(false);
    expect((await outcome(setMemoryModel(owner, { scopeType: "workspace", scopeId: "x", policy: MEMORY_DEFAULT_EMBEDDING_POLICY }))).ok).toBe(false);
  });
});

describe("re-embedding a scope after its model changed", () => {
  it("re-embeds the scope's rows in the background (other scopes untouched, updatedAt kept); meanwhile recall never compares two models' vectors", async () => {
    const fresh = await makeWorkspace("reembed-switch");
    const ctx = await ctxOf(fresh);
    const [fast, capable] = [await simModel(ctx, "sim-fast"), await simModel(ctx, "sim-capable")];
    await setMemoryModel(ctx, { policy: fast });
    const s42: MemoryScope = { type: "subject", id: "customer:42" };
    const s7: MemoryScope = { type: "subject", id: "customer:7" };
    for (const content of ["Refund requests go to the billing desk", "Refund within thirty days", "Prefers email"])
      await remember(ctx, { content, scope: s42 });
    await remember(ctx, { content: "Refund approved last week", scope: s7 });
    const before = await rowsOf(fresh.id, s42);
    expect(new Set(before.map((r) => r.embeddingModel))).toEqual(new Set([label("sim-fast")]));

    const { reembed } = await submitMemoryModelChange(ctx, { scopeType: "subject", scopeId: "customer:42", policy: capable });
    expect(reembed).toMatchObject({ status: "queued", policy: capable, progress: { rowsDone: 0, rowsTotal: 3 }, targetModel: null });
    expect((await auditRows(fresh.id, "memory_model.update"))[0]).toMatchObject({
      targetType: "memory_model",
      metadata: { scopeType: "subject", scopeId: "customer:42", policy: capable, reembedId: reembed!.id },
    });

    // during the switch: 42 is embedded by sim-capable now, its rows are still sim-fast's: found by their words only
    const during = await recall(ctx, { query: "refund", scopes: [s42, s7] });
    expect(during.models).toEqual([
      { embeddingModel: label("sim-capable"), simulated: true, scopes: [{ type: "subject", id: "customer:42" }] },
      { embeddingModel: label("sim-fast"), simulated: true, scopes: [{ type: "subject", id: "customer:7" }] },
    ]);
    const ids42 = new Set(before.map((r) => r.id));
    expect(during.results.length).toBe(3);
    for (const r of during.results) {
      if (ids42.has(r.memory.id)) expect(r.why).toMatchObject({ vectorRank: null, vectorDistance: null, vectorModel: null });
      if (r.why.vectorModel !== null) expect(r.why.vectorModel).toBe(r.memory.embeddingModel);
    }
    expect(during.results.filter((r) => ids42.has(r.memory.id)).every((r) => r.why.textRank !== null)).toBe(true);
    // a memory written during the switch is embedded by the scope's new model
    const written = await remember(ctx, { content: "Refund limit is 500 euros", scope: s42 });
    expect(written.embeddingModel).toBe(label("sim-capable"));

    worker(fresh);
    const done = await finished(ctx, reembed!.id);
    expect(done).toMatchObject({ targetModel: label("sim-capable"), error: null });
    expect(done.progress.rowsDone).toBe(done.progress.rowsTotal);
    expect(done.progress.rowsDone).toBeGreaterThanOrEqual(3);
    const after = await rowsOf(fresh.id, s42);
    expect(after.map((r) => r.embeddingModel)).toEqual(after.map(() => label("sim-capable")));
    // re-embedding does not make a memory recent
    for (const r of before) expect(after.find((x) => x.id === r.id)!.updatedAt).toEqual(r.updatedAt);
    expect((await rowsOf(fresh.id, s7)).map((r) => r.embeddingModel)).toEqual([label("sim-fast")]);
    // the re-embedding's calls are in the ledger as the change's author's
    expect(
      await db().usageRecord.count({ where: { workspaceId: fresh.id, modelName: "sim-capable", outcome: "ok", actorId: fresh.users.owner.id } }),
    ).toBeGreaterThan(0);

    const afterRecall = await recall(ctx, { query: "refund", scopes: [s42, s7] });
    const vectorFound = afterRecall.results.filter((r) => ids42.has(r.memory.id) && r.why.vectorRank !== null);
    expect(vectorFound.length).toBeGreaterThan(0);
    expect(vectorFound.every((r) => r.why.vectorModel === label("sim-capable"))).toBe(true);
  });

  it("a worker stopped between batches leaves the rest to the next one; a row edited while its batch was embedded is re-embedded with its new content", async () => {
    const fresh = await makeWorkspace("reembed-resume");
    const ctx = await ctxOf(fresh);
    const [fast, balanced] = [await simModel(ctx, "sim-fast"), await simModel(ctx, "sim-balanced")];
    await setMemoryModel(ctx, { policy: fast });
    const scope: MemoryScope = { type: "agent", id: "agt_resume" };
    for (let i = 0; i < 40; i++) await remember(ctx, { content: `Fact number ${i} about the harbour`, scope });
    const rows = await rowsOf(fresh.id, scope);
    const edited = rows[5]!;
    // the first re-embedding call: the row is edited after its content was read (an edit embedded before the change)
    const real = memoryService.embedWithPolicy;
    let once = true;
    vi.spyOn(memoryService, "embedWithPolicy").mockImplementation(async (c, policy, texts, extras) => {
      if (once && texts.length > 1 && texts.includes(edited.content)) {
        once = false;
        await execute(
          { workspaceId: fresh.id },
          sql`UPDATE "Memory" SET "content" = 'Fact edited meanwhile', "embeddingModel" = ${label("sim-fast")} WHERE "id" = ${edited.id}`,
        );
      }
      return real(c, policy, texts, extras);
    });
    const { reembed } = await setMemoryModel(ctx, { scopeType: "agent", policy: balanced });
    expect(reembed!.progress.rowsTotal).toBe(40);
    let batches = 0;
    const first = worker(fresh, {
      onBatch: (job) => {
        if (job.id !== reembed!.id) return; // the default's change re-embeds the seed rows first
        batches++;
        if (batches === 1) void first.stop();
      },
    });
    await expect.poll(() => first.active().length === 0 && batches === 1, { timeout: 30_000 }).toBe(true);
    await first.stop();
    const halfway = await getMemoryReembed(ctx, reembed!.id);
    expect(halfway).toMatchObject({ status: "processing", progress: { rowsDone: 31 } });
    expect((await db().memory.findFirstOrThrow({ where: { id: edited.id } })).embeddingModel).toBe(label("sim-fast"));

    worker(fresh);
    const done = await finished(ctx, reembed!.id);
    expect(done.progress).toEqual({ rowsDone: 40, rowsTotal: 40 });
    const after = await rowsOf(fresh.id, scope);
    expect(after.every((r) => r.embeddingModel === label("sim-balanced"))).toBe(true);
    // the edited row carries the embedding of its new content
    const [v] = await execute<{ same: boolean }>(
      { workspaceId: fresh.id },
      sql`SELECT "embedding" = ${memoryService.vectorSql((await real(ctx, balanced, ["Fact edited meanwhile"]))[0]!.vector)} AS "same" FROM "Memory" WHERE "id" = ${edited.id}`,
    ).then((r) => r.rows);
    expect(v!.same).toBe(true);
  });

  it("a second change of the same target supersedes the first; only the latest policy's rows are written", async () => {
    const fresh = await makeWorkspace("reembed-supersede");
    const ctx = await ctxOf(fresh);
    const [fast, balanced, capable] = [await simModel(ctx, "sim-fast"), await simModel(ctx, "sim-balanced"), await simModel(ctx, "sim-capable")];
    await setMemoryModel(ctx, { policy: fast });
    const scope: MemoryScope = { type: "session", id: "ses_abcdef123456" };
    for (let i = 0; i < 3; i++) await remember(ctx, { content: `Turn ${i}`, scope });
    const one = (await setMemoryModel(ctx, { scopeType: "session", policy: balanced })).reembed!;
    const two = (await setMemoryModel(ctx, { scopeType: "session", policy: capable })).reembed!;
    expect((await getMemoryReembed(ctx, one.id)).status).toBe("superseded");
    worker(fresh);
    await finished(ctx, two.id);
    expect((await getMemoryReembed(ctx, one.id)).status).toBe("superseded");
    expect((await rowsOf(fresh.id, scope)).every((r) => r.embeddingModel === label("sim-capable"))).toBe(true);
  });
});

describe("the API: roles, REST, audit, other workspaces", () => {
  it("reading needs memory:read, changing settings:update (members and viewers read, admins change)", async () => {
    const fast = await simModel(owner, "sim-fast");
    for (const role of ["member", "viewer"] as const) {
      const caller = callerFor(ws.users[role], ws.slug);
      expect((await outcome(caller.memoryModels.list({}))).ok, role).toBe(true);
      expect((await outcome(caller.memoryModels.reembeds({}))).ok, role).toBe(true);
      expect(await outcome(caller.memoryModels.set({ policy: fast })), role).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    const admin = callerFor(ws.users.admin, ws.slug);
    const set = await admin.memoryModels.set({ scopeType: "subject", scopeId: "vip:1", policy: fast });
    expect(set.setting).toMatchObject({ scopeType: "subject", scopeId: "vip:1" });
    const memberKey = await makeApiKey(ws, "member");
    expect((await rest("PUT", "/api/v1/memory-models", { key: memberKey.raw, body: { policy: fast } })).status).toBe(403);
    expect((await rest("GET", "/api/v1/memory-models", { key: memberKey.raw })).status).toBe(200);
  });

  it("REST: PUT sets and answers the re-embedding, GET lists, GET one follows it; removal is audited", async () => {
    const key = (await makeApiKey(ws, "owner")).raw;
    const capable = await simModel(owner, "sim-capable");
    await remember(owner, { content: "A memory of the REST scope", scope: { type: "subject", id: "rest:1" } });
    const put = await rest("PUT", "/api/v1/memory-models", { key, body: { scopeType: "subject", scopeId: "rest:1", policy: capable } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      setting: { scopeType: "subject", scopeId: "rest:1", policy: capable },
      reembed: { status: "queued", progress: { rowsTotal: 1 } },
    });
    const id = put.body.reembed.id as string;
    const one = await rest("GET", "/api/v1/memory-reembeds/{reembedId}", { key, params: { reembedId: id } });
    expect(one.body).toMatchObject({ id, scopeType: "subject", scopeId: "rest:1" });
    const listed = await rest("GET", "/api/v1/memory-reembeds", { key, query: { scopeType: "subject", scopeId: "rest:1" } });
    expect(listed.body.data.map((x: { id: string }) => x.id)).toContain(id);
    const settings = await rest("GET", "/api/v1/memory-models", { key });
    expect(settings.body.data.some((s: { scopeId: string | null }) => s.scopeId === "rest:1")).toBe(true);
    const removed = await rest("PUT", "/api/v1/memory-models", { key, body: { scopeType: "subject", scopeId: "rest:1", policy: null } });
    expect(removed.body.setting).toBeNull();
    expect((await auditRows(ws.id, "memory_model.delete"))[0]).toMatchObject({ metadata: { scopeType: "subject", scopeId: "rest:1", policy: null } });
    expect((await rest("PUT", "/api/v1/memory-models", { key, body: { scopeId: "rest:1", policy: capable } })).status).toBe(422);
  });

  it("another workspace's member and API key get 404 for a re-embedding, and list none of this workspace's", async () => {
    const fast = await simModel(owner, "sim-fast");
    await remember(owner, { content: "Private fact", scope: { type: "subject", id: "private:1" } });
    const { reembed } = await setMemoryModel(owner, { scopeType: "subject", scopeId: "private:1", policy: fast });
    const id = reembed!.id;
    const stranger = callerFor(other.users.owner, other.slug);
    expect(await outcome(stranger.memoryModels.reembed({ reembedId: id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await stranger.memoryModels.reembeds({})).items.map((x) => x.id)).not.toContain(id);
    expect((await stranger.memoryModels.list({})).items.some((s) => s.scopeId === "private:1")).toBe(false);
    const key = (await makeApiKey(other, "owner")).raw;
    expect((await rest("GET", "/api/v1/memory-reembeds/{reembedId}", { key, params: { reembedId: id } })).status).toBe(404);
    expect((await rest("GET", "/api/v1/memory-reembeds", { key })).body.data.map((x: { id: string }) => x.id)).not.toContain(id);
    // a setting of the other workspace does not change this one's scope
    await callerFor(other.users.owner, other.slug).memoryModels.set({ scopeType: "subject", scopeId: "private:1", policy: null });
    expect(await embeddingPolicyFor(owner, { type: "subject", id: "private:1" })).toEqual(fast);
    // such a 404 is logged as a probe across the tenant line
    expect(await foreignResource(other.id, { reembedId: id })).toEqual({ id, ownerWorkspaceId: ws.id });
  });
});
