/**
 * How often a secret's use is audited: once per (secret, run), and outside runs at most once a minute per
 * (secret, actor, purpose) with a count of the skipped uses; never the value, never under another workspace.
 * The recorder alone (fake clock), then `revealSecret` against the real database.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { authenticateApiKey } from "@/server/auth/api-keys";
import type { TenantContext } from "@/server/context";
import { auditRows, makeApiKey, makeWorkspace, outcome, uniq, type TestWorkspace } from "@/test/helpers";
import { createSecret, revealSecret } from "./service";
import { RUN_USE_WINDOW_MS, USE_WINDOW_MS, UseRecorder, setSecretUseRecorder } from "./use-audit";

describe("UseRecorder", () => {
  let clock = 0;
  const recorder = () => new UseRecorder({ now: () => clock });
  beforeEach(() => {
    clock = 1_000_000;
  });

  it("writes once per window and counts the skipped uses in the next write", async () => {
    const r = recorder();
    const counts: number[] = [];
    const write = async (count: number) => void counts.push(count);
    expect(await r.record("k", 60_000, write)).toBe(true);
    for (let i = 0; i < 4; i++) expect(await r.record("k", 60_000, write)).toBe(false);
    clock += 59_999;
    expect(await r.record("k", 60_000, write)).toBe(false);
    clock += 1;
    expect(await r.record("k", 60_000, write)).toBe(true);
    expect(await r.record("other", 60_000, write)).toBe(true);
    expect(counts).toEqual([1, 6, 1]);
  });

  it("concurrent uses wait for the write in flight instead of writing their own", async () => {
    const r = recorder();
    let release!: () => void;
    let writes = 0;
    const write = () => {
      writes++;
      return new Promise<void>((resolve) => (release = resolve));
    };
    const first = r.record("k", 60_000, write);
    let settled = 0;
    const others = Array.from({ length: 5 }, () =>
      r.record("k", 60_000, write).then((wrote) => {
        settled++;
        return wrote;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve)); // every callback that could run without the write has run
    expect(settled).toBe(0); // not handed out before the row committed
    release();
    expect(await first).toBe(true);
    expect(await Promise.all(others)).toEqual([false, false, false, false, false]);
    expect(writes).toBe(1);
  });

  it("a failed write is forgotten: a waiting use writes its own, the caller gets the error", async () => {
    const r = recorder();
    let fail = true;
    const counts: number[] = [];
    const write = async (count: number) => {
      await new Promise((resolve) => setImmediate(resolve)); // the second use arrives while this write is in flight
      if (fail) {
        fail = false;
        throw new Error("database down");
      }
      counts.push(count);
    };
    const [first, second] = await Promise.allSettled([r.record("k", 60_000, write), r.record("k", 60_000, write)]);
    expect(first).toMatchObject({ status: "rejected", reason: { message: "database down" } });
    expect(second).toEqual({ status: "fulfilled", value: true });
    expect(counts).toEqual([1]);
  });

  it("keeps the skipped count when the next write fails", async () => {
    const r = recorder();
    const counts: number[] = [];
    await r.record("k", 1_000, async (c) => void counts.push(c));
    await r.record("k", 1_000, async (c) => void counts.push(c));
    clock += 1_000;
    await expect(r.record("k", 1_000, () => Promise.reject(new Error("nope")))).rejects.toThrow("nope");
    await r.record("k", 1_000, async (c) => void counts.push(c));
    expect(counts).toEqual([1, 2]);
  });

  it("is bounded: the least recently used key is forgotten (and then written again)", async () => {
    const r = new UseRecorder({ now: () => clock, maxKeys: 3 });
    let writes = 0;
    const write = async () => void writes++;
    for (const k of ["a", "b", "c"]) await r.record(k, 60_000, write);
    await r.record("a", 60_000, write); // a is now the most recently used
    await r.record("d", 60_000, write); // evicts b
    expect(r.size).toBe(3);
    expect(writes).toBe(4);
    await r.record("a", 60_000, write);
    await r.record("c", 60_000, write);
    expect(writes).toBe(4);
    await r.record("b", 60_000, write);
    expect(writes).toBe(5);
  });
});

describe("revealSecret: secret.use rows", () => {
  let a: TestWorkspace;
  let b: TestWorkspace;
  let ctxA: TenantContext;
  let ctxB: TenantContext;
  let apiCtxA: TenantContext;
  let clock = Date.now();
  let restore: UseRecorder | undefined;
  beforeAll(async () => {
    a = await makeWorkspace("vuse-a");
    b = await makeWorkspace("vuse-b");
    ctxA = await resolveUserTenant(a.users.owner, a.slug, `req_test${uniq()}`);
    ctxB = await resolveUserTenant(b.users.owner, b.slug, `req_test${uniq()}`);
    apiCtxA = await authenticateApiKey((await makeApiKey(a, "owner")).raw);
  });
  beforeEach(() => {
    restore = setSecretUseRecorder(new UseRecorder({ now: () => clock }));
  });
  afterEach(() => {
    if (restore) setSecretUseRecorder(restore);
  });

  const usesOf = async (workspaceId: string, secretId: string) => (await auditRows(workspaceId, "secret.use")).filter((r) => r.targetId === secretId);
  const meta = (row: { metadata: unknown }) => row.metadata as Record<string, unknown>;

  it("N decrypts within one run: one row, the first; two runs: two rows", async () => {
    const value = `run-VALUE-${uniq()}-abcd`;
    const s = await createSecret(ctxA, { name: `RUN_${uniq()}`, value });
    const run1 = `run_${uniq()}`;
    const run2 = `run_${uniq()}`;
    for (let i = 0; i < 20; i++) expect(await revealSecret(ctxA, s.id, { purpose: "provider:prv_x", runId: run1 })).toBe(value);
    clock += RUN_USE_WINDOW_MS - 1; // a long run stays one row
    expect(await revealSecret(ctxA, s.id, { purpose: "provider:prv_x", runId: run1 })).toBe(value);
    let uses = await usesOf(a.id, s.id);
    expect(uses).toHaveLength(1);
    expect(uses[0]).toMatchObject({ actorType: "user", actorId: a.users.owner.id });
    expect(meta(uses[0]!)).toEqual({ name: s.name, purpose: "provider:prv_x", runId: run1 });

    // concurrent first uses of another run: one row, and every caller gets the value
    expect(await Promise.all(Array.from({ length: 8 }, () => revealSecret(ctxA, s.id, { purpose: "provider:prv_x", runId: run2 })))).toEqual(
      Array(8).fill(value),
    );
    uses = await usesOf(a.id, s.id);
    expect(uses.map((u) => meta(u).runId).sort()).toEqual([run1, run2].sort());
    expect(JSON.stringify(uses)).not.toContain(value);
  });

  it("outside a run: one row per actor and purpose per minute, then another counting the uses in between", async () => {
    const value = `adhoc-VALUE-${uniq()}-efgh`;
    const s = await createSecret(ctxA, { name: `ADHOC_${uniq()}`, value });
    for (let i = 0; i < 5; i++) await revealSecret(ctxA, s.id, { purpose: "provider.test (Stub)" });
    await revealSecret(ctxA, s.id, { purpose: "  provider.test (Stub) " }); // the same purpose once trimmed
    await revealSecret(ctxA, s.id, { purpose: "provider:prv_y" }); // another purpose
    await revealSecret(apiCtxA, s.id, { purpose: "provider.test (Stub)" }); // another actor
    let uses = await usesOf(a.id, s.id);
    expect(uses.map((u) => `${u.actorType} ${String(meta(u).purpose)}`).sort()).toEqual([
      "api_key provider.test (Stub)",
      "user provider.test (Stub)",
      "user provider:prv_y",
    ]);
    expect(uses.map(meta).every((m) => m.runId === null && m.count === undefined)).toBe(true);

    clock += USE_WINDOW_MS - 1;
    await revealSecret(ctxA, s.id, { purpose: "provider.test (Stub)" });
    expect(await usesOf(a.id, s.id)).toHaveLength(3);
    clock += 1;
    await revealSecret(ctxA, s.id, { purpose: "provider.test (Stub)" });
    uses = await usesOf(a.id, s.id);
    expect(uses).toHaveLength(4);
    // this use and the 6 the first row's minute skipped
    expect(uses.find((u) => meta(u).count !== undefined)).toMatchObject({
      actorType: "user",
      actorId: a.users.owner.id,
      metadata: { purpose: "provider.test (Stub)", runId: null, count: 7 },
    });
    expect(JSON.stringify(uses)).not.toContain(value);
  });

  it("uses that write no row keep lastUsedAt to the minute, without touching updatedAt", async () => {
    const s = await createSecret(ctxA, { name: `LAST_${uniq()}`, value: "last-used-value-1234" });
    const runId = `run_${uniq()}`;
    await revealSecret(ctxA, s.id, { purpose: "p", runId });
    const first = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    expect(first.lastUsedAt).toBeInstanceOf(Date);
    await revealSecret(ctxA, s.id, { purpose: "p", runId });
    expect((await db().secret.findUniqueOrThrow({ where: { id: s.id } })).lastUsedAt).toEqual(first.lastUsedAt); // recent: no write

    const old = new Date(Date.now() - 5 * 60_000);
    await db().secret.update({ where: { id: s.id }, data: { lastUsedAt: old, updatedAt: first.updatedAt } });
    await revealSecret(ctxA, s.id, { purpose: "p", runId });
    const after = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    expect(after.lastUsedAt!.getTime()).toBeGreaterThan(Date.now() - 10_000);
    expect(after.updatedAt.getTime()).toBe(first.updatedAt.getTime());
    expect(await usesOf(a.id, s.id)).toHaveLength(1);
  });

  it("a failed decrypt is not a use: nothing recorded, and the next good use still writes its row", async () => {
    const s = await createSecret(ctxA, { name: `FAIL_${uniq()}`, value: "fail-value-00001111" });
    const good = await db().secret.findUniqueOrThrow({ where: { id: s.id } });
    const runId = `run_${uniq()}`;
    await db().secret.update({ where: { id: s.id }, data: { authTag: new Uint8Array(16) } });
    expect(await outcome(revealSecret(ctxA, s.id, { purpose: "p", runId }))).toMatchObject({ ok: false, code: "INTERNAL" });
    await db().secret.update({ where: { id: s.id }, data: { authTag: good.authTag } });
    expect(await usesOf(a.id, s.id)).toHaveLength(0);
    expect(await revealSecret(ctxA, s.id, { purpose: "p", runId })).toBe("fail-value-00001111");
    expect(await usesOf(a.id, s.id)).toHaveLength(1);
  });

  it("a secret of workspace A is never recorded under workspace B", async () => {
    const sa = await createSecret(ctxA, { name: `XA_${uniq()}`, value: "cross-value-A-123456" });
    const sb = await createSecret(ctxB, { name: `XB_${uniq()}`, value: "cross-value-B-123456" });
    const runId = `run_${uniq()}`; // the same run id (and purpose) on both sides
    expect(await revealSecret(ctxA, sa.id, { purpose: "p", runId })).toBe("cross-value-A-123456");
    expect(await outcome(revealSecret(ctxB, sa.id, { purpose: "p", runId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(revealSecret(ctxB, sa.id, { purpose: "p" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await revealSecret(ctxB, sb.id, { purpose: "p", runId })).toBe("cross-value-B-123456");
    expect(await outcome(revealSecret(ctxA, sb.id, { purpose: "p", runId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });

    const rowsA = await auditRows(a.id, "secret.use");
    const rowsB = await auditRows(b.id, "secret.use");
    expect(rowsB.some((r) => r.targetId === sa.id)).toBe(false);
    expect(rowsA.some((r) => r.targetId === sb.id)).toBe(false);
    expect(rowsA.filter((r) => r.targetId === sa.id)).toHaveLength(1);
    expect(rowsB.filter((r) => r.targetId === sb.id)).toHaveLength(1);
    expect(JSON.stringify([...rowsA, ...rowsB])).not.toMatch(/cross-value-/);
  });
});
