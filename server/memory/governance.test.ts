/**
 * Memory governance (issue 14) against the real database: the settings (tRPC and REST, roles, validation, audit,
 * tenant isolation), TTL per scope type and exact scope in the retention purge, importance decay at recall and in
 * the cap's eviction, the cap on remember (refused with nothing written, atomic under concurrency, pinned exempt),
 * and a subject's erasure and export.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { env } from "@/server/env";
import { evictMemoriesOverCap, purgeExpiredMemories, runRetentionPurge } from "@/server/retention/purge";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { eraseSubject, exportSubject, getMemorySettings, updateMemorySettings } from "./governance";
import { decayOf, recall, settleRecallHints } from "./recall";
import { listMemories, remember } from "./service";
import { createAgent } from "@/server/agents/service";
import { createSession, sendMessage } from "@/server/sessions/service";

type Role = "owner" | "admin" | "member" | "viewer";
const ctxOf = (ws: TestWorkspace, role: Role = "owner"): Promise<TenantContext> => resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);
const DAY = 86_400_000;
const NONE = { ttl: [], decayHalfLifeDays: null, maxMemories: null };

/** Moves a memory's last change (and optionally its last recall) into the past. */
async function age(id: string, days: number, recalledDaysAgo: number | null = null) {
  await db().memory.updateMany({
    where: { id },
    data: {
      updatedAt: new Date(Date.now() - days * DAY),
      lastRecalledAt: recalledDaysAgo === null ? null : new Date(Date.now() - recalledDaysAgo * DAY),
    },
  });
}

const ids = async (workspaceId: string) => new Set((await db().memory.findMany({ where: { workspaceId }, select: { id: true } })).map((m) => m.id));

describe("memory settings", () => {
  let ws: TestWorkspace;
  beforeAll(async () => {
    ws = await makeWorkspace("memgov-settings");
  });

  it("defaults, replaced by owners and admins (audited), refused to members and viewers, validated", async () => {
    const owner = callerFor(ws.users.owner, ws.slug);
    const initial = await owner.memories.settings();
    expect(initial).toEqual({
      ttl: [],
      decayHalfLifeDays: null,
      maxMemories: null,
      maxMemoriesDefault: env().CADRE_MEMORY_LIMIT,
      maxMemoriesLimit: env().CADRE_MEMORY_LIMIT_MAX,
      effectiveMaxMemories: env().CADRE_MEMORY_LIMIT,
      usage: { memories: 0, pinned: 0 },
    });
    const next = {
      ttl: [
        { scopeType: "subject" as const, scopeId: null, days: 30 },
        { scopeType: "subject" as const, scopeId: "customer:vip", days: 0 },
      ],
      decayHalfLifeDays: 14,
      maxMemories: 500,
    };
    const updated = await owner.memories.updateSettings(next);
    expect(updated).toMatchObject({ ...next, effectiveMaxMemories: 500 });
    const [entry] = await auditRows(ws.id, "memory.settings.update");
    expect(entry).toMatchObject({ targetType: "workspace", targetId: ws.id, metadata: { from: { ttl: [], maxMemories: null }, to: next } });

    expect(await outcome(callerFor(ws.users.admin, ws.slug).memories.updateSettings({ ...next, maxMemories: 600 }))).toMatchObject({ ok: true });
    for (const role of ["member", "viewer"] as const) {
      expect(await outcome(callerFor(ws.users[role], ws.slug).memories.updateSettings(NONE))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    }
    expect((await callerFor(ws.users.viewer, ws.slug).memories.settings()).maxMemories).toBe(600);

    // the operator's maximum, duplicate rules, an id on the workspace scope, fields left out (PUT is the whole settings)
    const tooHigh = await outcome(owner.memories.updateSettings({ ...NONE, maxMemories: env().CADRE_MEMORY_LIMIT_MAX + 1 }));
    expect(tooHigh).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(String((tooHigh as { message?: string }).message)).toContain("CADRE_MEMORY_LIMIT_MAX");
    for (const bad of [
      { ...NONE, ttl: [next.ttl[0], next.ttl[0]] },
      { ...NONE, ttl: [{ scopeType: "workspace", scopeId: "x", days: 3 }] },
      { ttl: [] },
      { ...NONE, decayHalfLifeDays: 0 },
    ]) {
      expect(await outcome(owner.memories.updateSettings(bad as never)), JSON.stringify(bad)).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    }
    expect((await owner.memories.settings()).maxMemories).toBe(600);
  });

  it("REST: GET and PUT /api/v1/memory-settings; a viewer's key reads but cannot change; another workspace's key changes only its own", async () => {
    const other = await makeWorkspace("memgov-settings-other");
    const key = (await makeApiKey(ws, "admin")).raw;
    const put = await rest("PUT", "/api/v1/memory-settings", {
      key,
      body: { ttl: [{ scopeType: "session", days: 7 }], decayHalfLifeDays: null, maxMemories: null },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      ttl: [{ scopeType: "session", scopeId: null, days: 7 }],
      maxMemories: null,
      effectiveMaxMemories: env().CADRE_MEMORY_LIMIT,
    });
    const viewerKey = (await makeApiKey(ws, "viewer")).raw;
    expect((await rest("GET", "/api/v1/memory-settings", { key: viewerKey })).body.ttl).toHaveLength(1);
    expect((await rest("PUT", "/api/v1/memory-settings", { key: viewerKey, body: NONE })).status).toBe(403);
    expect((await rest("PUT", "/api/v1/memory-settings", { key, body: { ...NONE, maxMemories: env().CADRE_MEMORY_LIMIT_MAX + 1 } })).status).toBe(422);

    const otherKey = (await makeApiKey(other, "owner")).raw;
    expect((await rest("PUT", "/api/v1/memory-settings", { key: otherKey, body: { ...NONE, maxMemories: 1 } })).status).toBe(200);
    expect((await getMemorySettings(await ctxOf(ws))).ttl).toEqual([{ scopeType: "session", scopeId: null, days: 7 }]);
    expect((await getMemorySettings(await ctxOf(other))).maxMemories).toBe(1);
  });
});

describe("TTL in the retention purge", () => {
  it("deletes unpinned memories past their scope's rule; an exact scope's rule wins over its type's; other workspaces untouched", async () => {
    const ws = await makeWorkspace("memgov-ttl");
    const bystander = await makeWorkspace("memgov-ttl-bystander");
    const ctx = await ctxOf(ws);
    await updateMemorySettings(ctx, {
      ttl: [
        { scopeType: "subject", scopeId: null, days: 30 },
        { scopeType: "subject", scopeId: "customer:keep", days: 0 },
        { scopeType: "subject", scopeId: "customer:short", days: 2 },
        { scopeType: "workspace", scopeId: null, days: 365 },
      ],
      decayHalfLifeDays: null,
      maxMemories: null,
    });
    const make = async (content: string, scope: { type: "subject" | "workspace" | "agent"; id?: string }, days: number, pinned = false) => {
      const m = await remember(ctx, { content, scope, pinned });
      await age(m.id, days);
      return m.id;
    };
    const expired = await make("old subject fact", { type: "subject", id: "customer:1" }, 31);
    const fresh = await make("new subject fact", { type: "subject", id: "customer:1" }, 29);
    const pinned = await make("pinned old subject fact", { type: "subject", id: "customer:1" }, 400, true);
    const kept = await make("vip fact", { type: "subject", id: "customer:keep" }, 400);
    const short = await make("short-lived fact", { type: "subject", id: "customer:short" }, 3);
    const shortFresh = await make("short-lived fresh fact", { type: "subject", id: "customer:short" }, 1);
    const workspaceOld = await make("workspace fact", { type: "workspace" }, 366);
    const noRule = await make("agent fact", { type: "agent", id: "agt_x" }, 4000);
    const b = await remember(await ctxOf(bystander), { content: "bystander subject fact", scope: { type: "subject", id: "customer:1" } });
    await age(b.id, 4000);

    const result = await runRetentionPurge({ batchSize: 2 });
    expect(result.memoriesExpired).toBeGreaterThanOrEqual(3);
    const left = await ids(ws.id);
    for (const gone of [expired, short, workspaceOld]) expect(left.has(gone)).toBe(false);
    for (const stays of [fresh, pinned, kept, shortFresh, noRule]) expect(left.has(stays)).toBe(true);
    expect((await ids(bystander.id)).has(b.id)).toBe(true);
    // idempotent
    expect(await purgeExpiredMemories(new Date(), 2)).toBe(0);
    // gone from recall too
    expect((await recall(ctx, { query: "old subject fact", scopes: [{ type: "subject", id: "customer:1" }] })).results.map((r) => r.memory.id)).not.toContain(
      expired,
    );
  });
});

describe("importance decay", () => {
  it("the rule: halves every half-life since the later of the last change and the last recall; pinned and no half-life: none", () => {
    const now = Date.now();
    const m = (updatedDaysAgo: number, recalledDaysAgo: number | null, pinned = false) => ({
      pinned,
      updatedAt: new Date(now - updatedDaysAgo * DAY),
      lastRecalledAt: recalledDaysAgo === null ? null : new Date(now - recalledDaysAgo * DAY),
    });
    expect(decayOf(m(10, null), now, 10)).toBeCloseTo(0.5, 9);
    expect(decayOf(m(20, null), now, 10)).toBeCloseTo(0.25, 9);
    expect(decayOf(m(40, 10), now, 10)).toBeCloseTo(0.5, 9);
    expect(decayOf(m(5, 40), now, 10)).toBeCloseTo(0.5 ** 0.5, 9);
    expect(decayOf(m(400, null, true), now, 10)).toBe(1);
    expect(decayOf(m(400, null), now, null)).toBe(1);
  });

  it("applies at recall: the effective importance is shown and scored; a recall renews it; off without a half-life", async () => {
    const ws = await makeWorkspace("memgov-decay");
    const ctx = await ctxOf(ws);
    const a = await remember(ctx, { content: "The heliotrope cluster runs in Frankfurt", importance: 0.8 });
    const p = await remember(ctx, { content: "The heliotrope cluster is pinned knowledge", importance: 0.2, pinned: true });
    await age(a.id, 20);
    await age(p.id, 20);
    const query = { query: "heliotrope cluster", weights: { recency: 0 } };
    const off = await recall(ctx, query);
    expect(off.results.find((r) => r.memory.id === a.id)!.why).toMatchObject({ decay: 1, importance: expect.closeTo(0.8, 6) });

    await updateMemorySettings(ctx, { ttl: [], decayHalfLifeDays: 10, maxMemories: null });
    await age(a.id, 20);
    const on = await recall(ctx, query);
    const why = on.results.find((r) => r.memory.id === a.id)!.why;
    expect(why.decay).toBeCloseTo(0.25, 3);
    expect(why.importance).toBeCloseTo(0.2, 3);
    expect(why.score).toBeCloseTo(why.fused * (1 + 0.3 * why.importance), 9);
    expect(on.results.find((r) => r.memory.id === p.id)!.why).toMatchObject({ decay: 1, importance: 1 });
    // that recall set lastRecalledAt (written after it answered): the next one finds it fresh
    await settleRecallHints();
    const again = await recall(ctx, query);
    expect(again.results.find((r) => r.memory.id === a.id)!.why.decay).toBeGreaterThan(0.999);
  });
});

describe("the cap", () => {
  it("a remember beyond the cap is refused with MEMORY_LIMIT_REACHED and nothing written; pinned memories are exempt", async () => {
    const ws = await makeWorkspace("memgov-cap");
    const ctx = await ctxOf(ws);
    await updateMemorySettings(ctx, { ttl: [], decayHalfLifeDays: null, maxMemories: 2 });
    await remember(ctx, { content: "first" });
    await remember(ctx, { content: "second" });
    const usage = await db().usageRecord.count({ where: { workspaceId: ws.id } });
    const audits = (await auditRows(ws.id, "memory.create")).length;
    const refused = await outcome(remember(ctx, { content: "third" }));
    expect(refused).toMatchObject({ ok: false, code: "MEMORY_LIMIT_REACHED" });
    expect(String((refused as { message?: string }).message)).toContain("cap");
    expect((await ids(ws.id)).size).toBe(2);
    expect((await auditRows(ws.id, "memory.create")).length).toBe(audits);
    // refused before the embedding is paid for
    expect(await db().usageRecord.count({ where: { workspaceId: ws.id } })).toBe(usage);

    const pinned = await remember(ctx, { content: "pinned beyond the cap", pinned: true });
    expect(pinned.pinned).toBe(true);
    expect((await getMemorySettings(ctx)).usage).toEqual({ memories: 3, pinned: 1 });

    const key = (await makeApiKey(ws, "member")).raw;
    const res = await rest("POST", "/api/v1/memories", { key, body: { content: "over REST" } });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe("MEMORY_LIMIT_REACHED");
    expect(await outcome(callerFor(ws.users.member, ws.slug).memories.create({ content: "over tRPC" }))).toMatchObject({ ok: false, code: "CONFLICT" });
    expect((await ids(ws.id)).size).toBe(3);
  });

  it("concurrent remembers at the cap: exactly as many as there is room for are written", async () => {
    const ws = await makeWorkspace("memgov-cap-race");
    const ctx = await ctxOf(ws);
    await updateMemorySettings(ctx, { ttl: [], decayHalfLifeDays: null, maxMemories: 3 });
    await remember(ctx, { content: "already here" });
    const settled = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => remember(ctx, { content: `racing memory ${i}` })));
    expect(settled.filter((s) => s.status === "fulfilled")).toHaveLength(2);
    for (const s of settled) if (s.status === "rejected") expect((s.reason as { code?: string }).code).toBe("MEMORY_LIMIT_REACHED");
    expect((await ids(ws.id)).size).toBe(3);
    expect((await auditRows(ws.id, "memory.create")).length).toBe(3);
  });

  it("the purge evicts a workspace above its cap down to it: lowest effective importance first, pinned never", async () => {
    const ws = await makeWorkspace("memgov-evict");
    const ctx = await ctxOf(ws);
    const made: Record<string, string> = {};
    for (const [name, importance, pinned] of [
      ["low", 0.1, false],
      ["mid", 0.5, false],
      ["high-but-stale", 0.9, false],
      ["high", 0.9, false],
      ["fresh-mid", 0.4, false],
      ["pinned-low", 0, true],
    ] as const) {
      made[name] = (await remember(ctx, { content: `${name} memory`, importance, pinned })).id;
    }
    // a half-life of 10 days: 0.9 untouched for 40 days counts 0.9/16 ≈ 0.056, below "low" (0.1)
    await age(made["high-but-stale"]!, 40);
    await updateMemorySettings(ctx, { ttl: [], decayHalfLifeDays: 10, maxMemories: 3 });
    const evicted = await evictMemoriesOverCap(new Date(), 1, { fallback: env().CADRE_MEMORY_LIMIT, max: env().CADRE_MEMORY_LIMIT_MAX });
    expect(evicted).toBeGreaterThanOrEqual(2); // other workspaces of the test database may be above their caps too
    const expected = [made.mid, made.high, made["fresh-mid"], made["pinned-low"]].sort();
    expect([...(await ids(ws.id))].sort()).toEqual(expected);
    await evictMemoriesOverCap(new Date(), 1, { fallback: env().CADRE_MEMORY_LIMIT, max: env().CADRE_MEMORY_LIMIT_MAX });
    expect([...(await ids(ws.id))].sort()).toEqual(expected);
  });
});

describe("a subject's erasure and export", () => {
  let ws: TestWorkspace;
  let other: TestWorkspace;
  let ctx: TenantContext;
  beforeAll(async () => {
    ws = await makeWorkspace("memgov-subject");
    other = await makeWorkspace("memgov-subject-other");
    ctx = await ctxOf(ws);
  });

  it("export: the subject's memories as one JSON document, newest first; another workspace's export of the same subject is empty", async () => {
    const first = await remember(ctx, { content: "Asked for invoices by email", scope: { type: "subject", id: "customer:77" } });
    const second = await remember(ctx, { content: "Prefers German", scope: { type: "subject", id: "customer:77" }, pinned: true });
    await remember(ctx, { content: "Other customer", scope: { type: "subject", id: "customer:78" } });
    const doc = await exportSubject(ctx, "customer:77");
    expect(doc).toMatchObject({ format: "cadre.subject-export.v1", subject: "customer:77", truncated: false });
    expect(doc.memories.map((m) => m.id)).toEqual([second.id, first.id]);

    const key = (await makeApiKey(ws, "viewer")).raw;
    const res = await rest("GET", "/api/v1/memory-subjects/{subject}/export", { key, params: { subject: "customer:77" } });
    expect(res.status).toBe(200);
    expect(res.body.memories.map((m: { content: string }) => m.content)).toEqual(["Prefers German", "Asked for invoices by email"]);
    const stranger = (await makeApiKey(other, "owner")).raw;
    expect((await rest("GET", "/api/v1/memory-subjects/{subject}/export", { key: stranger, params: { subject: "customer:77" } })).body.memories).toEqual([]);
    expect((await callerFor(other.users.owner, other.slug).memories.exportSubject({ subject: "customer:77" })).memories).toEqual([]);
    expect((await rest("GET", "/api/v1/memory-subjects/{subject}/export", { key, params: { subject: "bad subject!" } })).status).toBe(422);
  });

  it("erase: every memory of the subject (pinned too) and its sessions, messages and session memories in one call, with the counts; audited; others untouched; gone from recall", async () => {
    const removed = (counts: Partial<Record<"memories" | "sessionMemories" | "messages" | "sessions", number>>) => ({
      memories: 0,
      sessionMemories: 0,
      messages: 0,
      sessions: 0,
      ...counts,
    });
    await createAgent(ctx, { slug: "concierge", name: "Concierge" });
    const session = await createSession(ctx, { agent: "concierge", subject: "customer:90" });
    await sendMessage(ctx, session.id, { content: "I live in Lyon." });
    await remember(ctx, { content: "Said Lyon in the chat", scope: { type: "session", id: session.id } });
    await remember(ctx, { content: "Lives in Lyon", scope: { type: "subject", id: "customer:90" } });
    await remember(ctx, { content: "Pinned: allergic to peanuts", scope: { type: "subject", id: "customer:90" }, pinned: true });
    const neighbour = await remember(ctx, { content: "Lives in Lille", scope: { type: "subject", id: "customer:91" } });
    const general = await remember(ctx, { content: "Lives in the workspace scope" });
    const theirs = await remember(await ctxOf(other), { content: "Lives in Lyon too", scope: { type: "subject", id: "customer:90" } });

    // another workspace's member and key erase nothing of this workspace
    expect(await callerFor(other.users.owner, other.slug).memories.eraseSubject({ subject: "customer:91" })).toEqual({
      subject: "customer:91",
      removed: removed({}),
    });
    const strangerKey = (await makeApiKey(other, "owner")).raw;
    const strangers = await rest("POST", "/api/v1/memory-subjects/{subject}/erase", { key: strangerKey, params: { subject: "customer:91" } });
    expect(strangers.body).toEqual({ subject: "customer:91", removed: removed({}) });
    expect((await ids(ws.id)).has(neighbour.id)).toBe(true);

    expect(await outcome(callerFor(ws.users.viewer, ws.slug).memories.eraseSubject({ subject: "customer:90" }))).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    const erased = await callerFor(ws.users.member, ws.slug).memories.eraseSubject({ subject: "customer:90" });
    expect(erased).toEqual({ subject: "customer:90", removed: removed({ memories: 2, sessionMemories: 1, messages: 1, sessions: 1 }) });
    const [entry] = await auditRows(ws.id, "memory.subject.erase");
    expect(entry).toMatchObject({ targetType: "subject", targetId: "customer:90", metadata: { removed: { memories: 2, sessions: 1 } } });
    expect(await db().session.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect(await db().sessionMessage.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect((await listMemories(ctx, { scopeType: "subject", scopeId: "customer:90" })).items).toEqual([]);
    expect((await recall(ctx, { query: "Lives in Lyon", scopes: [{ type: "subject", id: "customer:90" }] })).results).toEqual([]);
    const left = await ids(ws.id);
    expect(left.has(neighbour.id) && left.has(general.id)).toBe(true);
    expect((await ids(other.id)).has(theirs.id)).toBe(true);

    const key = (await makeApiKey(ws, "member")).raw;
    const again = await rest("POST", "/api/v1/memory-subjects/{subject}/erase", { key, params: { subject: "customer:91" } });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ subject: "customer:91", removed: removed({ memories: 1 }) });
    expect(await eraseSubject(ctx, "customer:91")).toEqual({ subject: "customer:91", removed: removed({}) });
  });
});
