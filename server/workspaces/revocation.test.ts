/**
 * Revocation takes effect everywhere:
 * - a removed or demoted admin's pending invitations make nobody admin (revoked at removal/demotion, audited; and
 *   acceptance re-checks the inviter, for a membership that ended some other way);
 * - a revoked key's, a removed member's queued and running runs are cancelled with the reason and audited, through
 *   the real executor; the executor itself refuses to continue a run whose creator's access ended (claim and
 *   heartbeat), even when nothing told it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { generate, settleObservations } from "@/server/models/gateway";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { ACCESS_ENDED } from "@/server/jobs/run-access";
import { getRun, startRun } from "@/server/runs/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { addMember, auditRows, callerFor, makeApiKey, makeUser, outcome, roleIn, type TestWorkspace } from "@/test/helpers";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";

const GONE = { ok: false, code: "NOT_FOUND", appCode: "GONE" } as const;

async function inviteAs(ws: TestWorkspace, inviter: { id: string; email: string; name: string | null }, role: "admin" | "member") {
  const invitee = await makeUser("accomplice");
  const created = await callerFor(inviter, ws.slug).invitations.create({ email: invitee.email, role });
  return { invitee, token: created.url.split("/invite/")[1]!, id: created.invitation.id };
}

describe("a removed or demoted admin's invitations", () => {
  let rw: RunWorkspace;
  beforeAll(async () => {
    rw = await makeRunWorkspace("inv-revoke");
  });

  it("removal revokes their pending invitations (audited): the accomplice cannot accept", async () => {
    const { user: admin, memberId } = await addMember(rw.ws, "admin", "rogue");
    const pending = await inviteAs(rw.ws, admin, "admin");
    await callerFor(rw.ws.users.owner, rw.ws.slug).members.remove({ memberId });
    expect((await db().invitation.findUniqueOrThrow({ where: { id: pending.id } })).revokedAt).not.toBeNull();
    expect(await outcome(callerFor(pending.invitee).invitations.accept({ token: pending.token }))).toMatchObject(GONE);
    expect(await roleIn(rw.ws.id, pending.invitee.id)).toBeNull();
    const audit = (await auditRows(rw.ws.id, "invitation.revoke")).find((r) => r.targetId === pending.id);
    expect(audit?.metadata).toMatchObject({ reason: "inviter_left", role: "admin" });
  });

  it("demotion revokes the invitations beyond the new role and keeps the others", async () => {
    const { user: admin, memberId } = await addMember(rw.ws, "admin", "demoted");
    const asAdmin = await inviteAs(rw.ws, admin, "admin");
    const asMember = await inviteAs(rw.ws, admin, "member");
    await callerFor(rw.ws.users.owner, rw.ws.slug).members.changeRole({ memberId, role: "member" });
    expect(await outcome(callerFor(asAdmin.invitee).invitations.accept({ token: asAdmin.token }))).toMatchObject(GONE);
    expect(await roleIn(rw.ws.id, asAdmin.invitee.id)).toBeNull();
    expect(await callerFor(asMember.invitee).invitations.accept({ token: asMember.token })).toMatchObject({ role: "member" });
    const audit = (await auditRows(rw.ws.id, "invitation.revoke")).find((r) => r.targetId === asAdmin.id);
    expect(audit?.metadata).toMatchObject({ reason: "inviter_demoted" });
  });

  it("acceptance re-checks the inviter: a membership ended or lowered without the service still grants nothing", async () => {
    const { user: admin, memberId } = await addMember(rw.ws, "admin", "bypassed");
    const first = await inviteAs(rw.ws, admin, "admin");
    const second = await inviteAs(rw.ws, admin, "admin");
    await db().membership.update({ where: { id: memberId }, data: { role: "member" } });
    expect(await outcome(callerFor(first.invitee).invitations.accept({ token: first.token }))).toMatchObject(GONE);
    expect(await roleIn(rw.ws.id, first.invitee.id)).toBeNull();
    expect((await db().invitation.findUniqueOrThrow({ where: { id: first.id } })).revokedAt).not.toBeNull();
    await db().membership.delete({ where: { id: memberId } });
    expect(await outcome(callerFor(second.invitee).invitations.accept({ token: second.token }))).toMatchObject(GONE);
    expect(await roleIn(rw.ws.id, second.invitee.id)).toBeNull();
  });
});

describe("runs of a revoked key or a removed member", () => {
  let rw: RunWorkspace;
  let executor: Executor;
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  const closeGate = () => {
    gate = new Promise((resolve) => (release = resolve));
  };

  beforeAll(async () => {
    rw = await makeRunWorkspace("run-revoke");
    await addAgent(rw.ctx, "one");
    await addAgent(rw.ctx, "two");
    await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["one", "two"] });
  });
  afterEach(async () => {
    release();
    await executor?.stop();
  });
  afterAll(async () => {
    await settleObservations();
  });

  /** An executor whose model calls wait at the gate; leases short so that heartbeats come often. */
  function startGatedExecutor(maxConcurrent = 1) {
    executor = startExecutor({
      workspaceIds: [rw.ws.id],
      pollMs: 30,
      leaseMs: 600,
      maxConcurrent,
      deps: {
        generate: async (ctx, req) => {
          await gate;
          return generate(ctx, req);
        },
      },
    });
  }

  async function waitForStep(runId: string) {
    for (let i = 0; i < 500; i++) {
      if ((await eventRows(runId)).some((e) => e.type === "node.started")) return;
      await sleep(10);
    }
    throw new Error("the run never started a step");
  }

  async function expectCancelledFor(runId: string, reason: string) {
    const row = await waitForRun(runId);
    expect(row.status).toBe("cancelled");
    expect(row.error).toBe(reason);
    const events = await eventRows(runId);
    expect(events.at(-1)).toMatchObject({ type: "run.cancelled", data: { reason } });
    expect(events.some((e) => e.type === "run.succeeded")).toBe(false);
    const audit = (await auditRows(rw.ws.id, "run.cancel")).filter((r) => r.targetId === runId);
    expect(audit.length).toBe(1);
    expect(audit[0]!.metadata).toMatchObject({ reason });
  }

  it("revoking a key cancels its running and queued runs at once, audited with the reason", async () => {
    closeGate();
    startGatedExecutor(1);
    const key = await makeApiKey(rw.ws, "member");
    const keyCtx = await authenticateApiKey(key.raw);
    const running = await startRun(keyCtx, { team: "pair", input: "running" });
    await waitForStep(running.id);
    const queued = await startRun(keyCtx, { team: "pair", input: "queued" }); // maxConcurrent 1: stays queued
    const other = await startRun(rw.ctx, { agent: "one", input: "someone else's run" });

    await callerFor(rw.ws.users.owner, rw.ws.slug).apiKeys.revoke({ keyId: key.id });
    const audit = (await auditRows(rw.ws.id, "run.cancel")).filter((r) => r.targetId === queued.id);
    expect(audit[0]).toMatchObject({ actorId: rw.ws.users.owner.id, metadata: { reason: ACCESS_ENDED.keyRevoked } });
    release();
    await expectCancelledFor(running.id, ACCESS_ENDED.keyRevoked);
    await expectCancelledFor(queued.id, ACCESS_ENDED.keyRevoked);
    expect((await waitForRun(other.id)).status).toBe("succeeded");
    expect((await getRun(rw.ctx, running.id)).error).toBe(ACCESS_ENDED.keyRevoked);
  });

  it("removing a member cancels the runs they and their keys started", async () => {
    closeGate();
    startGatedExecutor(1);
    const { user, memberId } = await addMember(rw.ws, "member", "leaver");
    const memberCtx = await resolveUserTenant(user, rw.ws.slug);
    const own = await startRun(memberCtx, { team: "pair", input: "own run" });
    await waitForStep(own.id);
    const key = await makeApiKey({ ...rw.ws, users: { ...rw.ws.users, member: user } }, "member");
    const viaKey = await startRun(await authenticateApiKey(key.raw), { agent: "one", input: "key run" });

    await callerFor(rw.ws.users.owner, rw.ws.slug).members.remove({ memberId });
    release();
    await expectCancelledFor(own.id, ACCESS_ENDED.creatorRemoved);
    await expectCancelledFor(viaKey.id, ACCESS_ENDED.keyCreatorRemoved);
  });

  it("the executor stops a running run whose creator's membership ended without the service (heartbeat)", async () => {
    closeGate();
    startGatedExecutor(1);
    const { user, memberId } = await addMember(rw.ws, "member", "bypassed");
    const run = await startRun(await resolveUserTenant(user, rw.ws.slug), { team: "pair", input: "keeps going?" });
    await waitForStep(run.id);
    await db().membership.delete({ where: { id: memberId } });
    // a heartbeat (every leaseMs / 3) sees it and requests the cancel
    await vi.waitFor(async () => expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).cancelReason).toBe(ACCESS_ENDED.creatorRemoved), {
      timeout: 10_000,
      interval: 20,
    });
    release();
    const row = await waitForRun(run.id);
    expect(row.status).toBe("cancelled");
    expect(row.error).toBe(ACCESS_ENDED.creatorRemoved);
    // the second agent never ran
    expect((await eventRows(run.id)).filter((e) => e.type === "node.started").length).toBe(1);
    const audit = (await auditRows(rw.ws.id, "run.cancel")).filter((r) => r.targetId === run.id);
    expect(audit[0]).toMatchObject({ actorType: "system", metadata: { reason: ACCESS_ENDED.creatorRemoved } });
  });

  it("the executor refuses to start a queued run whose key was revoked without the service (claim)", async () => {
    const key = await makeApiKey(rw.ws, "member");
    const run = await startRun(await authenticateApiKey(key.raw), { agent: "one", input: "never" });
    await db().apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    startGatedExecutor(1);
    const row = await waitForRun(run.id);
    expect(row.status).toBe("cancelled");
    expect(row.error).toBe(ACCESS_ENDED.keyRevoked);
    expect((await eventRows(run.id)).map((e) => e.type)).toEqual(["run.queued", "run.cancelled"]);
    expect((await auditRows(rw.ws.id, "run.cancel")).filter((r) => r.targetId === run.id)).toHaveLength(1);
  });
});
