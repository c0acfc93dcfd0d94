/**
 * The executor's pickup: claimRun returns the whole run row (pins included) and its creator's context in one
 * statement; runTenantContext (one statement) for a user, an API key, and creators removed since.
 */
import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { permissionsOf } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { makeApiKey, makeUser } from "@/test/helpers";
import { newId } from "@/lib/ids";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { claimNext, claimRun, type ClaimedRun } from "./executor";
import { runTenantContext } from "./run-function";
import { ACCESS_ENDED } from "./run-access";

const claim = async (rw: RunWorkspace): Promise<ClaimedRun> => {
  const claimed = await claimRun({ owner: `claim-test/${rw.ws.id}`, leaseMs: 60_000, workspaceConcurrency: 100, workspaceIds: [rw.ws.id] });
  expect(claimed).not.toBeNull();
  return claimed!;
};
/** Nobody executes runs in this file: a claimed run is put away so that the next claim takes the next one. */
const putAway = (runId: string) => db().run.update({ where: { id: runId }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });

function comparable(ctx: TenantContext) {
  return { ...ctx, permissions: [...ctx.permissions].sort() };
}

describe("claimRun", () => {
  it("returns the run's row as stored, with its pins and its creator's context", async () => {
    const rw = await makeRunWorkspace("claimrow");
    await addAgent(rw.ctx, "one");
    await addAgent(rw.ctx, "two");
    await addTeam(rw.ctx, "both", { topology: "parallel", agents: ["one", "two"] });
    const started = await startRun(rw.ctx, { team: "both", input: "claim me", budgetUsd: 1.5, modelPolicy: { type: "preset", preset: "fast" } });
    const claimed = await claim(rw);
    const row = await db().run.findUniqueOrThrow({ where: { id: started.id } });
    expect(row.leaseOwner).toBe(`claim-test/${rw.ws.id}`);
    const { ctx, ...run } = claimed;
    const eventPins = ((await eventRows(row.id))[0]!.data as { pins: unknown }).pins;
    expect(run).toEqual({
      id: row.id,
      workspaceId: rw.ws.id,
      targetType: "team",
      teamId: row.teamId,
      teamVersion: 1,
      agentId: null,
      agentVersion: null,
      input: "claim me",
      status: "queued",
      budgetUsd: "1.5000",
      modelPolicyOverride: { type: "preset", preset: "fast" },
      pins: eventPins,
      createdByType: "user",
      createdById: rw.ws.users.owner.id,
      cancelRequestedAt: null,
      stepsExpected: 0,
      subject: null,
      tags: [],
      sessionId: null,
      parentRunId: null,
      // the workspace's PII policy as stored (null: the default), read with the claim
      piiPolicy: { stored: null },
      watched: false,
      lostExecutions: 0,
      executions: 1,
      ledgerCalls: 0,
    });
    expect(run.pins).toEqual({
      team: { id: row.teamId, slug: "both", version: 1 },
      agent: null,
      agents: { one: 1, two: 1 },
      teams: {},
      limits: { steps: 500 },
    });
    expect(comparable(ctx!)).toEqual(comparable(await runTenantContext(run)));
    expect(ctx).toMatchObject({
      workspaceId: rw.ws.id,
      workspaceSlug: rw.ws.slug,
      role: "owner",
      actor: { type: "user", userId: rw.ws.users.owner.id },
      requestId: `run:${row.id}`,
    });
    await putAway(row.id);
  });

  it("returns a cancel requested before the claim as the stored time", async () => {
    const rw = await makeRunWorkspace("claimcancel");
    await addAgent(rw.ctx, "solo");
    const started = await startRun(rw.ctx, { agent: "solo", input: "x" });
    const at = new Date(Date.now() - 1234);
    await db().run.update({ where: { id: started.id }, data: { cancelRequestedAt: at } });
    const claimed = await claim(rw);
    expect(claimed.cancelRequestedAt).toBeInstanceOf(Date);
    expect(claimed.cancelRequestedAt!.getTime()).toBe(at.getTime());
    expect(claimed).toMatchObject({ targetType: "agent", agentVersion: 1, teamId: null, budgetUsd: null, modelPolicyOverride: null });
    await putAway(started.id);
  });
});

describe("claimRun: the run's ledger", () => {
  it("returns how many model calls the run made so far (a resumed run goes on counting from them)", async () => {
    const rw = await makeRunWorkspace("claimledger");
    await addAgent(rw.ctx, "solo");
    const started = await startRun(rw.ctx, { agent: "solo", input: "x" });
    for (let i = 0; i < 3; i++)
      await db().usageRecord.create({
        data: { id: newId("use"), workspaceId: rw.ws.id, runId: started.id, modelName: "m", providerKind: "simulator", outcome: "ok" },
      });
    expect((await claim(rw)).ledgerCalls).toBe(3);
    await putAway(started.id);
  });
});

describe("claimNext: whether another run was claimable", () => {
  const next = (rw: RunWorkspace, limit = 100) =>
    claimNext({ owner: `more-test/${rw.ws.id}`, leaseMs: 60_000, workspaceConcurrency: limit, workspaceIds: [rw.ws.id] });

  it("says so while runs are left, not after the last one, and not for a parked run before its wake-up time", async () => {
    const rw = await makeRunWorkspace("claimmore");
    await addAgent(rw.ctx, "solo");
    const a = await startRun(rw.ctx, { agent: "solo", input: "a" });
    const b = await startRun(rw.ctx, { agent: "solo", input: "b" });
    const parked = await startRun(rw.ctx, { agent: "solo", input: "later" });
    await db().run.update({ where: { id: parked.id }, data: { wakeAt: new Date(Date.now() + 60_000) } });
    const first = await next(rw);
    expect([first.run?.id, first.more]).toEqual([a.id, true]);
    const second = await next(rw);
    expect([second.run?.id, second.more]).toEqual([b.id, false]);
    expect(await next(rw)).toEqual({ run: null, more: false });
    for (const id of [a.id, b.id, parked.id]) await putAway(id);
  });

  it("counts a run held back by the workspace's limit, claimed or not", async () => {
    const rw = await makeRunWorkspace("claimheld");
    await addAgent(rw.ctx, "solo");
    const a = await startRun(rw.ctx, { agent: "solo", input: "a" });
    const b = await startRun(rw.ctx, { agent: "solo", input: "b" });
    const first = await next(rw, 1);
    expect([first.run?.id, first.more]).toEqual([a.id, true]);
    expect(await next(rw, 1)).toEqual({ run: null, more: true });
    for (const id of [a.id, b.id]) await putAway(id);
  });
});

describe("runTenantContext (and the context a claim returns)", () => {
  async function expectContext(
    rw: RunWorkspace,
    runId: string,
    expected: { role: TenantContext["role"]; actor: Partial<TenantContext["actor"]> & { type: TenantContext["actor"]["type"] } },
  ) {
    const claimed = await claim(rw);
    expect(claimed.id).toBe(runId);
    const read = await runTenantContext(claimed);
    expect(read).toMatchObject({ ...expected, workspaceId: rw.ws.id, workspaceSlug: rw.ws.slug, requestId: `run:${runId}` });
    expect([...read.permissions].sort()).toEqual([...permissionsOf(expected.role)].sort());
    expect(comparable(claimed.ctx!)).toEqual(comparable(read));
    await putAway(runId);
  }

  it("a user: that user, with their role", async () => {
    const rw = await makeRunWorkspace("ctxuser");
    await addAgent(rw.ctx, "solo");
    const admin = await resolveAs(rw, "admin");
    const run = await startRun(admin, { agent: "solo", input: "x" });
    await expectContext(rw, run.id, { role: "admin", actor: { type: "user", userId: rw.ws.users.admin.id, email: rw.ws.users.admin.email } });
  });

  it("an API key: the key, its name and its creator, with the creator's current role", async () => {
    const rw = await makeRunWorkspace("ctxkey");
    await addAgent(rw.ctx, "solo");
    const key = await makeApiKey(rw.ws, "member");
    const run = await startRun(await authenticateApiKey(key.raw), { agent: "solo", input: "x" });
    await expectContext(rw, run.id, { role: "member", actor: { type: "api_key", keyId: key.id, userId: rw.ws.users.member.id, name: "member key" } });

    // promoted since: the run executes with the creator's role now
    await db().membership.update({ where: { workspaceId_userId: { workspaceId: rw.ws.id, userId: rw.ws.users.member.id } }, data: { role: "admin" } });
    const again = await startRun(await authenticateApiKey(key.raw), { agent: "solo", input: "y" });
    await expectContext(rw, again.id, { role: "admin", actor: { type: "api_key", keyId: key.id } });
  });

  /** The claim returns no context for the run, and reading it refuses with the reason. */
  async function expectAccessEnded(rw: RunWorkspace, runId: string, reason: string) {
    const claimed = await claim(rw);
    expect(claimed.id).toBe(runId);
    expect(claimed.ctx).toBeNull();
    await expect(runTenantContext(claimed)).rejects.toMatchObject({ name: "RunAccessEndedError", reason });
    await putAway(runId);
  }

  it("a creator whose access ended since: no context (the run is cancelled, never run on borrowed powers), with the reason", async () => {
    const rw = await makeRunWorkspace("ctxgone");
    await addAgent(rw.ctx, "solo");
    // an API key whose creator left the workspace (the key row stays)
    const key = await makeApiKey(rw.ws, "admin");
    const byKey = await startRun(await authenticateApiKey(key.raw), { agent: "solo", input: "key" });
    await db().membership.delete({ where: { workspaceId_userId: { workspaceId: rw.ws.id, userId: rw.ws.users.admin.id } } });
    await expectAccessEnded(rw, byKey.id, ACCESS_ENDED.keyCreatorRemoved);

    // a key revoked, a key expired (rows changed directly: the executor does not rely on the services)
    const revoked = await makeApiKey(rw.ws, "member");
    const byRevoked = await startRun(await authenticateApiKey(revoked.raw), { agent: "solo", input: "revoked" });
    await db().apiKey.update({ where: { id: revoked.id }, data: { revokedAt: new Date() } });
    await expectAccessEnded(rw, byRevoked.id, ACCESS_ENDED.keyRevoked);
    const expiring = await makeApiKey(rw.ws, "member");
    const byExpired = await startRun(await authenticateApiKey(expiring.raw), { agent: "solo", input: "expired" });
    await db().apiKey.update({ where: { id: expiring.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await expectAccessEnded(rw, byExpired.id, ACCESS_ENDED.keyExpired);

    // a user who left the workspace
    const owner = await resolveAs(rw, "owner");
    const byUser = await startRun(
      { ...owner, actor: { type: "user", userId: rw.ws.users.viewer.id, email: rw.ws.users.viewer.email } },
      { agent: "solo", input: "left" },
    );
    await db().membership.delete({ where: { workspaceId_userId: { workspaceId: rw.ws.id, userId: rw.ws.users.viewer.id } } });
    await expectAccessEnded(rw, byUser.id, ACCESS_ENDED.creatorRemoved);

    // a user deleted altogether
    const gone = await makeUser("gone");
    await db().membership.create({ data: { id: newId("mem"), workspaceId: rw.ws.id, userId: gone.id, role: "owner" } });
    const byGone = await startRun({ ...owner, actor: { type: "user", userId: gone.id, email: gone.email } }, { agent: "solo", input: "deleted" });
    await db().user.delete({ where: { id: gone.id } });
    await expectAccessEnded(rw, byGone.id, ACCESS_ENDED.creatorRemoved);
  });

  it("a key of another workspace with the run's creator id is not the creator", async () => {
    const rw = await makeRunWorkspace("ctxforeign");
    const other = await makeRunWorkspace("ctxforeign2");
    const foreign = await makeApiKey(other.ws, "owner");
    await expect(runTenantContext({ id: "run_x", workspaceId: rw.ws.id, createdByType: "api_key", createdById: foreign.id })).rejects.toMatchObject({
      name: "RunAccessEndedError",
      reason: ACCESS_ENDED.keyGone,
    });
  });
});

function resolveAs(rw: RunWorkspace, role: "owner" | "admin"): Promise<TenantContext> {
  return resolveUserTenant(rw.ws.users[role], rw.ws.slug, "req_claim_test");
}
