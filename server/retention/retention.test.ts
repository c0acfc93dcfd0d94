/**
 * Retention: the per-workspace policy (tRPC and REST, owners and admins only, audited, validated), the batched purge
 * (each workspace's own periods, the defaults for the others, run events / step payloads / usage / audit entries,
 * the sign-in limit tables, counts in the metrics), and the soft delete of a workspace (invisible at once, its keys
 * dead, its runs cancelled; restorable by an owner only, within the window; purged after it).
 */
import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { auditRows, callerFor, makeApiKey, makeWorkspace, makeUser, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { metrics } from "@/server/observability/metrics";
import { runRetentionPurge } from "./purge";

const DAY = 24 * 60 * 60 * 1000;

async function finishedRun(ws: TestWorkspace, finishedAt: Date, events = 3) {
  const runId = newId("run");
  await db().run.create({
    data: {
      id: runId,
      workspaceId: ws.id,
      targetType: "agent",
      input: "the run's input",
      status: "succeeded",
      createdByType: "user",
      createdById: ws.users.owner.id,
      createdAt: finishedAt,
      finishedAt,
    },
  });
  await db().runStep.create({
    data: {
      id: newId("stp"),
      workspaceId: ws.id,
      runId,
      stepId: "agent:a",
      status: "succeeded",
      inputSeen: "prompt text",
      output: "answer text",
      result: { text: "answer text" },
      costUsd: 0.01,
      inputTokens: 10,
    },
  });
  for (let seq = 1; seq <= events; seq++) {
    await db().runEvent.create({ data: { id: newId("evt"), workspaceId: ws.id, runId, seq, type: "node.delta", data: { text: "x" }, createdAt: finishedAt } });
  }
  return runId;
}

async function usageRow(ws: TestWorkspace, createdAt: Date) {
  await db().usageRecord.create({ data: { id: newId("use"), workspaceId: ws.id, modelName: "m", providerKind: "simulator", outcome: "ok", createdAt } });
}

async function auditRow(ws: TestWorkspace, createdAt: Date) {
  await db().auditLog.create({ data: { id: newId("aud"), workspaceId: ws.id, actorType: "user", action: "secret.use", targetType: "agent", createdAt } });
}

describe("the retention policy", () => {
  it("owners and admins change it through tRPC and REST, audited; the defaults apply where it says null", async () => {
    const ws = await makeWorkspace("ret-policy");
    const owner = callerFor(ws.users.owner, ws.slug);
    const initial = await owner.workspaces.retention();
    expect(initial.policy).toEqual({ runEventsDays: null, stepPayloadsDays: null, usageDays: null, auditDays: null });
    expect(initial.effective).toEqual(initial.defaults);
    expect(initial.defaults).toMatchObject({ runEventsDays: 30, stepPayloadsDays: 90, usageDays: 400, auditDays: 365 });

    const updated = await owner.workspaces.updateRetention({ runEventsDays: 7, auditDays: 0 });
    expect(updated.effective).toMatchObject({ runEventsDays: 7, stepPayloadsDays: 90, auditDays: 0 });
    const [entry] = await auditRows(ws.id, "workspace.retention.update");
    expect(entry!.metadata).toMatchObject({ from: { runEventsDays: null }, to: { runEventsDays: 7, auditDays: 0 } });

    expect(await outcome(callerFor(ws.users.admin, ws.slug).workspaces.updateRetention({ stepPayloadsDays: 14 }))).toMatchObject({ ok: true });
    expect(await outcome(callerFor(ws.users.member, ws.slug).workspaces.updateRetention({ stepPayloadsDays: 1 }))).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    // budgets read the current month: usage rows are kept at least 35 days
    expect(await outcome(owner.workspaces.updateRetention({ usageDays: 10 }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });

    const key = (await makeApiKey(ws, "admin")).raw;
    const patched = await rest("PATCH", "/api/v1/workspace/retention", { key, body: { runEventsDays: null, usageDays: 60 } });
    expect(patched.status).toBe(200);
    expect(patched.body.policy).toEqual({ runEventsDays: null, stepPayloadsDays: 14, usageDays: 60, auditDays: 0 });
    expect((await rest("GET", "/api/v1/workspace/retention", { key })).body.effective.runEventsDays).toBe(30);
    const viewerKey = (await makeApiKey(ws, "viewer")).raw;
    expect((await rest("PATCH", "/api/v1/workspace/retention", { key: viewerKey, body: { runEventsDays: 1 } })).status).toBe(403);
    // another workspace's key changes its own workspace only
    const other = await makeWorkspace("ret-other");
    await rest("PATCH", "/api/v1/workspace/retention", { key: (await makeApiKey(other, "owner")).raw, body: { runEventsDays: 2 } });
    expect((await owner.workspaces.retention()).policy.runEventsDays).toBeNull();
  });
});

describe("the purge", () => {
  it("applies each workspace's own periods and the defaults elsewhere, in batches, and counts what it removed", async () => {
    const now = new Date();
    const short = await makeWorkspace("ret-short");
    const normal = await makeWorkspace("ret-normal");
    await db().workspace.update({
      where: { id: short.id },
      data: { retentionRunEventsDays: 1, retentionStepPayloadsDays: 2, retentionUsageDays: 35, retentionAuditDays: 10 },
    });
    const fiveDaysAgo = new Date(now.getTime() - 5 * DAY);
    const shortRun = await finishedRun(short, fiveDaysAgo, 5);
    const recentShortRun = await finishedRun(short, new Date(now.getTime() - 3600_000), 2);
    const normalRun = await finishedRun(normal, fiveDaysAgo, 5);
    await usageRow(short, new Date(now.getTime() - 40 * DAY));
    await usageRow(short, new Date(now.getTime() - 20 * DAY));
    await usageRow(normal, new Date(now.getTime() - 40 * DAY));
    await auditRow(short, new Date(now.getTime() - 11 * DAY));
    await auditRow(normal, new Date(now.getTime() - 11 * DAY));
    const throttleOld = `email:old-${uniq()}`;
    const throttleNew = `email:new-${uniq()}`;
    await db().loginThrottle.createMany({
      data: [
        { key: throttleOld, failures: 3, lastFailureAt: new Date(now.getTime() - 2 * DAY), blockedUntil: new Date(now.getTime() - 2 * DAY) },
        { key: throttleNew, failures: 3, lastFailureAt: now, blockedUntil: new Date(now.getTime() + 60_000) },
      ],
    });
    const limiterOld = `signin:${uniq()}`;
    await db().rateLimiterFlexible.create({ data: { key: limiterOld, points: 3, expire: new Date(now.getTime() - 60_000) } });
    const purgedBefore = metrics.retentionPurged.get({ kind: "runEvents" });

    const result = await runRetentionPurge({ now, batchSize: 2 });

    expect(await db().runEvent.count({ where: { runId: shortRun } })).toBe(0);
    expect(await db().runEvent.count({ where: { runId: recentShortRun } })).toBe(2);
    expect(await db().runEvent.count({ where: { runId: normalRun } })).toBe(5);
    const [shortStep] = await db().runStep.findMany({ where: { runId: shortRun } });
    expect(shortStep).toMatchObject({ inputSeen: null, output: null, status: "succeeded", inputTokens: 10 });
    expect(shortStep!.result).toBeNull();
    expect((await db().runStep.findFirst({ where: { runId: normalRun } }))!.inputSeen).toBe("prompt text");
    expect((await db().runStep.findFirst({ where: { runId: recentShortRun } }))!.output).toBe("answer text");
    expect(await db().run.count({ where: { id: shortRun } })).toBe(1); // the run itself stays
    expect(await db().usageRecord.count({ where: { workspaceId: short.id } })).toBe(1);
    expect(await db().usageRecord.count({ where: { workspaceId: normal.id } })).toBe(1);
    expect((await auditRows(short.id, "secret.use")).length).toBe(0);
    expect((await auditRows(normal.id, "secret.use")).length).toBe(1);
    expect(await db().loginThrottle.findUnique({ where: { key: throttleOld } })).toBeNull();
    expect(await db().loginThrottle.findUnique({ where: { key: throttleNew } })).not.toBeNull();
    expect(await db().rateLimiterFlexible.findUnique({ where: { key: limiterOld } })).toBeNull();

    expect(result.runEvents).toBeGreaterThanOrEqual(5);
    expect(result.stepPayloads).toBeGreaterThanOrEqual(1);
    expect(metrics.retentionPurged.get({ kind: "runEvents" })).toBe(purgedBefore + result.runEvents);
    expect(metrics.retentionLastRun.get()).toBeGreaterThan(0);

    // idempotent: a second purge finds nothing more of these workspaces
    await runRetentionPurge({ now, batchSize: 2 });
    expect(await db().runEvent.count({ where: { runId: normalRun } })).toBe(5);
  });

  it("keeps everything with 0 days", async () => {
    const now = new Date();
    const forever = await makeWorkspace("ret-forever");
    await db().workspace.update({
      where: { id: forever.id },
      data: { retentionRunEventsDays: 0, retentionStepPayloadsDays: 0, retentionAuditDays: 0, retentionUsageDays: 0 },
    });
    const run = await finishedRun(forever, new Date(now.getTime() - 5000 * DAY), 2);
    await usageRow(forever, new Date(now.getTime() - 5000 * DAY));
    await auditRow(forever, new Date(now.getTime() - 5000 * DAY));
    await runRetentionPurge({ now });
    expect(await db().runEvent.count({ where: { runId: run } })).toBe(2);
    expect((await db().runStep.findFirst({ where: { runId: run } }))!.inputSeen).toBe("prompt text");
    expect(await db().usageRecord.count({ where: { workspaceId: forever.id } })).toBe(1);
    expect((await auditRows(forever.id, "secret.use")).length).toBe(1);
  });
});

describe("deleting a workspace", () => {
  it("hides it at once, stops its keys and runs; only its owners restore it, within the window; then it is purged", async () => {
    const ws = await makeWorkspace("ret-del");
    const key = (await makeApiKey(ws, "owner")).raw;
    const queued = newId("run");
    await db().run.create({
      data: { id: queued, workspaceId: ws.id, targetType: "agent", input: "x", status: "queued", createdByType: "user", createdById: ws.users.owner.id },
    });
    const owner = callerFor(ws.users.owner, ws.slug);

    const deleted = await owner.workspaces.delete({ confirmSlug: ws.slug });
    expect(deleted.deleted).toBe(true);
    expect(deleted.recoverableUntil.getTime() - Date.now()).toBeGreaterThan(29 * DAY);
    expect((await callerFor(ws.users.owner).workspaces.listMine()).map((w) => w.id)).not.toContain(ws.id);
    expect(await outcome(owner.workspaces.current())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner.agents.list())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await rest("GET", "/api/v1/workspace", { key })).status).toBe(401);
    expect(await db().run.findUniqueOrThrow({ where: { id: queued } })).toMatchObject({ cancelReason: "the workspace was deleted" });
    expect((await auditRows(ws.id, "workspace.delete")).length).toBe(1);

    // the deleted workspace is listed for its owner only; others cannot restore it
    expect((await callerFor(ws.users.owner).workspaces.listDeleted()).map((w) => w.id)).toEqual([ws.id]);
    expect(await callerFor(ws.users.admin).workspaces.listDeleted()).toEqual([]);
    expect(await outcome(callerFor(ws.users.admin).workspaces.restore({ workspaceId: ws.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    const stranger = await makeUser("stranger");
    expect(await outcome(callerFor(stranger).workspaces.restore({ workspaceId: ws.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    // a live workspace is not "restored"
    const live = await makeWorkspace("ret-live");
    expect(await outcome(callerFor(live.users.owner).workspaces.restore({ workspaceId: live.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });

    const restored = await callerFor(ws.users.owner).workspaces.restore({ workspaceId: ws.id });
    expect(restored).toMatchObject({ id: ws.id, slug: ws.slug, role: "owner" });
    expect((await rest("GET", "/api/v1/workspace", { key })).status).toBe(200);
    expect((await auditRows(ws.id, "workspace.restore")).length).toBe(1);

    // deleted again and left past its window: restore is refused, the purge removes it and keeps its audit trail
    await owner.workspaces.delete({ confirmSlug: ws.slug });
    await finishedRun(ws, new Date(), 7);
    await db().workspace.update({ where: { id: ws.id }, data: { purgeAfter: new Date(Date.now() - 1000) } });
    expect(await outcome(callerFor(ws.users.owner).workspaces.restore({ workspaceId: ws.id }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const result = await runRetentionPurge({ batchSize: 3 });
    expect(result.workspaces).toBeGreaterThanOrEqual(1);
    expect(await db().workspace.findUnique({ where: { id: ws.id } })).toBeNull();
    expect(await db().run.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect(await db().runEvent.count({ where: { workspaceId: ws.id } })).toBe(0);
    expect(await db().membership.count({ where: { workspaceId: ws.id } })).toBe(0);
    const trail = (await auditRows(ws.id)).map((e) => e.action);
    expect(trail).toEqual(expect.arrayContaining(["workspace.purge", "workspace.restore", "workspace.delete"]));
    // the live workspace was untouched
    expect(await db().workspace.findUnique({ where: { id: live.id } })).not.toBeNull();
  });
});
