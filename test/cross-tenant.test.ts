/**
 * The tenant line: workspace B (its owner, even, and its keys) cannot see or touch anything of
 * workspace A. Another workspace's resource is a 404, never a 403 (which would confirm it exists).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { encodeCursor } from "@/server/audit/cursor";
import { callerFor, findRoute, makeApiKey, makeUser, makeWorkspace, outcome, rest, roleIn, uniq, type TestWorkspace } from "@/test/helpers";
import { executeRoute } from "@/server/rest/define";
import { parkedApproval, putAwayParkedRuns } from "@/test/fixtures/approvals";

let a: TestWorkspace;
let b: TestWorkspace;
let keyA: string;
let keyB: string;
beforeAll(async () => {
  a = await makeWorkspace("tenant-a");
  b = await makeWorkspace("tenant-b");
  keyA = (await makeApiKey(a, "owner")).raw;
  keyB = (await makeApiKey(b, "owner")).raw;
});

const ownerOf = (ws: TestWorkspace) => callerFor(ws.users.owner, ws.slug);

describe("members", () => {
  it("B's owner cannot change the role of or remove A's member (tRPC NOT_FOUND), and nothing changes", async () => {
    expect(await outcome(ownerOf(b).members.changeRole({ memberId: a.memberIds.member, role: "viewer" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(ownerOf(b).members.changeRole({ memberId: a.memberIds.owner, role: "viewer" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(ownerOf(b).members.remove({ memberId: a.memberIds.admin }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await roleIn(a.id, a.users.member.id)).toBe("member");
    expect(await roleIn(a.id, a.users.owner.id)).toBe("owner");
    expect(await roleIn(a.id, a.users.admin.id)).toBe("admin");
  });

  it("B's key gets 404 on PATCH/DELETE /api/v1/members/{A's member}", async () => {
    const patch = await rest("PATCH", "/api/v1/members/{memberId}", { key: keyB, params: { memberId: a.memberIds.member }, body: { role: "admin" } });
    expect(patch.status).toBe(404);
    expect(patch.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    const del = await rest("DELETE", "/api/v1/members/{memberId}", { key: keyB, params: { memberId: a.memberIds.viewer } });
    expect(del.status).toBe(404);
    expect(await roleIn(a.id, a.users.member.id)).toBe("member");
    expect(await roleIn(a.id, a.users.viewer.id)).toBe("viewer");
  });

  it("listings contain only the workspace's own members", async () => {
    const listA = (await ownerOf(a).members.list()).items;
    expect(listA.map((m) => m.id).sort()).toEqual(Object.values(a.memberIds).sort());
    const restB = await rest("GET", "/api/v1/members", { key: keyB });
    expect(restB.status).toBe(200);
    expect(restB.body.data.map((m: { id: string }) => m.id).sort()).toEqual(Object.values(b.memberIds).sort());
  });
});

describe("invitations", () => {
  it("B cannot revoke A's invitation (tRPC NOT_FOUND, REST 404), and A's listing never shows B's", async () => {
    const { invitation } = await ownerOf(a).invitations.create({ email: `guest-${a.slug}@example.test`, role: "member" });
    const { invitation: invB } = await ownerOf(b).invitations.create({ email: `guest-${b.slug}@example.test`, role: "viewer" });

    expect(await outcome(ownerOf(b).invitations.revoke({ invitationId: invitation.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const del = await rest("DELETE", "/api/v1/invitations/{invitationId}", { key: keyB, params: { invitationId: invitation.id } });
    expect(del.status).toBe(404);
    expect(del.body.error.code).toBe("NOT_FOUND");

    const listA = await ownerOf(a).invitations.list();
    expect(listA.find((i) => i.id === invitation.id)?.status).toBe("pending");
    expect(listA.map((i) => i.id)).not.toContain(invB.id);
    const restB = await rest("GET", "/api/v1/invitations", { key: keyB });
    expect(restB.body.data.map((i: { id: string }) => i.id)).toContain(invB.id);
    expect(restB.body.data.map((i: { id: string }) => i.id)).not.toContain(invitation.id);
  });
});

describe("API keys", () => {
  it("B cannot revoke A's key (tRPC NOT_FOUND, REST 404); the key keeps working; listings are separate", async () => {
    const victim = await makeApiKey(a, "member");
    expect(await outcome(ownerOf(b).apiKeys.revoke({ keyId: victim.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const del = await rest("DELETE", "/api/v1/api-keys/{keyId}", { key: keyB, params: { keyId: victim.id } });
    expect(del.status).toBe(404);
    expect((await rest("GET", "/api/v1/me", { key: victim.raw })).status).toBe(200);
    expect((await db().apiKey.findUniqueOrThrow({ where: { id: victim.id } })).revokedAt).toBeNull();

    const listB = await ownerOf(b).apiKeys.list();
    expect(listB.map((k) => k.id)).not.toContain(victim.id);
    const restB = await rest("GET", "/api/v1/api-keys", { key: keyB });
    expect(restB.body.data.map((k: { id: string }) => k.id)).not.toContain(victim.id);
    expect((await ownerOf(a).apiKeys.list()).map((k) => k.id)).toContain(victim.id);
  });

  it("a key only ever acts in its own workspace", async () => {
    const me = await rest("GET", "/api/v1/me", { key: keyB });
    expect(me.body.workspace).toEqual({ id: b.id, slug: b.slug, name: `Workspace ${b.slug}` });
  });
});

describe("audit", () => {
  it("A's audit log never contains B's entries, even when paging with B's cursor", async () => {
    await ownerOf(a).workspaces.update({ name: "A renamed" });
    await ownerOf(b).workspaces.update({ name: "B renamed" });
    const entriesB = await db().auditLog.findMany({ where: { workspaceId: b.id } });
    expect(entriesB.length).toBeGreaterThan(0);
    const idsB = new Set(entriesB.map((e) => e.id));

    const pageA = await ownerOf(a).audit.list({ limit: 200 });
    expect(pageA.items.length).toBeGreaterThan(0);
    const idsA = new Set((await db().auditLog.findMany({ where: { workspaceId: a.id } })).map((e) => e.id));
    expect(pageA.items.every((e) => idsA.has(e.id))).toBe(true);
    expect(pageA.items.some((e) => idsB.has(e.id))).toBe(false);

    const restA = await rest("GET", "/api/v1/audit", { key: keyA, query: { cursor: encodeCursor(entriesB[0]!) } });
    // a foreign cursor is only a position: it never brings the other workspace's rows along
    expect(restA.status).toBe(200);
    expect(restA.body.data.some((e: { id: string }) => idsB.has(e.id))).toBe(false);
    const restB = await rest("GET", "/api/v1/audit", { key: keyB, query: { limit: "200" } });
    expect(restB.body.data.map((e: { id: string }) => e.id).sort()).toEqual([...idsB].sort());
  });
});

describe("workspace", () => {
  it("a user who is not a member of A gets NOT_FOUND on A's slug, not FORBIDDEN, even as B's owner", async () => {
    for (const user of [b.users.owner, await makeUser("stranger")]) {
      const caller = callerFor(user, a.slug);
      expect(await outcome(caller.workspaces.current())).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(caller.workspaces.update({ name: "pwned" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(caller.workspaces.delete({ confirmSlug: a.slug }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(caller.members.list())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    expect(await db().workspace.findUnique({ where: { id: a.id } })).toMatchObject({ slug: a.slug });
    expect((await db().workspace.findUnique({ where: { id: a.id } }))!.name).not.toBe("pwned");
  });

  it("a removed member loses access at once (the session outlives the membership)", async () => {
    const ws = await makeWorkspace("tenant-c");
    const viewer = callerFor(ws.users.viewer, ws.slug);
    expect((await viewer.workspaces.current()).id).toBe(ws.id);
    await ownerOf(ws).members.remove({ memberId: ws.memberIds.viewer });
    expect(await outcome(viewer.workspaces.current())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await callerFor(ws.users.viewer).workspaces.listMine()).map((w) => w.id)).not.toContain(ws.id);
  });

  it("listMine shows only the user's own workspaces", async () => {
    const mine = await callerFor(a.users.viewer).workspaces.listMine();
    expect(mine.map((w) => w.id)).toEqual([a.id]);
    expect(mine[0]!.role).toBe("viewer");
  });
});

describe("routing presets", () => {
  it("B cannot delete A's preset (tRPC NOT_FOUND by id, REST 404 by name); B's writes stay in B", async () => {
    const mine = await ownerOf(a).routing.presets.create({
      name: "only-a",
      constraints: { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
    });
    expect(await outcome(ownerOf(b).routing.presets.delete({ presetId: mine.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const del = await rest("DELETE", "/api/v1/routing/presets/{name}", { key: keyB, params: { name: "only-a" } });
    expect(del.status).toBe(404);
    expect(del.body.error.code).toBe("NOT_FOUND");
    expect(await db().routingPreset.findUnique({ where: { id: mine.id } })).not.toBeNull();

    // the same name is free in B, and B's listing never shows A's
    const created = await rest("POST", "/api/v1/routing/presets", { key: keyB, body: { name: "only-a", constraints: {} } });
    expect(created.status).toBe(201);
    expect(created.body.id).not.toBe(mine.id);
    const listB = await rest("GET", "/api/v1/routing/presets", { key: keyB });
    expect(listB.body.data.map((p: { id: string }) => p.id)).not.toContain(mine.id);
    expect((await ownerOf(a).routing.presets.list()).filter((p) => p.name === "only-a").map((p) => p.id)).toEqual([mine.id]);
  });

  it("B's key cannot PATCH A's preset by name (404, unchanged); a default's name PATCHes B's own copy only", async () => {
    const mine = await ownerOf(a).routing.presets.create({
      name: "a-patch",
      constraints: { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
    });
    const patch = await rest("PATCH", "/api/v1/routing/presets/{name}", {
      key: keyB,
      params: { name: "a-patch" },
      body: { constraints: { minQuality: 0.99 } },
    });
    expect(patch.status).toBe(404);
    expect(patch.body.error.code).toBe("NOT_FOUND");
    const row = await db().routingPreset.findUniqueOrThrow({ where: { id: mine.id } });
    expect((row.policy as { minQuality?: number }).minQuality).toBeUndefined();
    // a default name exists in both: B's key changes B's copy, never A's
    const changed = await rest("PATCH", "/api/v1/routing/presets/{name}", {
      key: keyB,
      params: { name: "capable" },
      body: { constraints: { minQuality: 0.95 } },
    });
    expect(changed.status).toBe(200);
    const capableA = (await ownerOf(a).routing.presets.list()).find((p) => p.name === "capable")!;
    expect(capableA.constraints.minQuality).toBe(0.8);
    expect(changed.body.id).not.toBe(capableA.id);
    expect(await db().auditLog.count({ where: { workspaceId: a.id, action: "routing_preset.update" } })).toBe(0);
  });
});

describe("idempotency keys", () => {
  /** POST /api/v1/secrets with an Idempotency-Key. */
  async function createSecret(apiKey: string, idempotencyKey: string, body: unknown) {
    const request = new Request("http://localhost:3000/api/v1/secrets", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${apiKey}`, "idempotency-key": idempotencyKey },
      body: JSON.stringify(body),
    });
    const res = await executeRoute(findRoute("POST", "/api/v1/secrets"), request, {});
    return {
      status: res.status,
      body: (await res.json()) as { id?: string; name?: string; error?: { code: string } },
      replayed: res.headers.get("idempotent-replayed"),
    };
  }

  it("a key used in A neither replays A's response to B nor blocks B's own requests with that key", async () => {
    const k = `shared-${uniq()}`;
    const body = { name: `idem-${uniq()}`, value: "a-secret-value-1234" };
    const inA = await createSecret(keyA, k, body);
    expect(inA.status).toBe(201);
    // the same key and the same body in B: B's own new secret, not A's response
    const inB = await createSecret(keyB, k, body);
    expect(inB.status).toBe(201);
    expect(inB.replayed).toBeNull();
    expect(inB.body.id).not.toBe(inA.body.id);
    expect(await db().secret.findUniqueOrThrow({ where: { id: inB.body.id! } })).toMatchObject({ workspaceId: b.id });
    // another body with A's key in B is not a reuse (422) either: the key is B's own
    const otherInB = await createSecret(keyB, `other-${k}`, { ...body, name: `idem-${uniq()}` });
    expect(otherInB.status).toBe(201);
    const reusedInB = await createSecret(keyB, k, { ...body, name: `idem-${uniq()}` });
    expect(reusedInB.body.error?.code).toBe("IDEMPOTENCY_KEY_REUSED");
    // A still gets its own response back, untouched by B
    const againInA = await createSecret(keyA, k, body);
    expect(againInA).toMatchObject({ status: 201, replayed: "true", body: { id: inA.body.id } });
    expect(await db().secret.count({ where: { name: body.name } })).toBe(2);
    // each workspace's key rows are its own
    expect(await db().idempotencyKey.count({ where: { key: k, workspaceId: a.id } })).toBe(1);
    expect(await db().idempotencyKey.count({ where: { key: k, workspaceId: b.id } })).toBe(1);
  });
});

describe("agents, teams and runs (archive, steps, lists)", () => {
  it("B's key gets 404 archiving A's agent or team (by id and by slug), and nothing is archived or audited", async () => {
    const owner = ownerOf(a);
    const agent = await owner.agents.create({ slug: "tenant-agent", name: "Tenant agent" });
    const team = await owner.teams.create({ slug: "tenant-team", name: "Tenant team", spec: { topology: "sequential", agents: ["tenant-agent"] } });
    for (const agentId of [agent.id, agent.slug]) {
      const res = await rest("POST", "/api/v1/agents/{agentId}/archive", { key: keyB, params: { agentId } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    for (const teamId of [team.id, team.slug]) {
      const res = await rest("POST", "/api/v1/teams/{teamId}/archive", { key: keyB, params: { teamId } });
      expect(res.status).toBe(404);
    }
    // nor restore a version of them (REST and tRPC)
    expect((await rest("POST", "/api/v1/agents/{agentId}/restore", { key: keyB, params: { agentId: agent.id }, body: { version: 1 } })).status).toBe(404);
    expect((await rest("POST", "/api/v1/teams/{teamId}/restore", { key: keyB, params: { teamId: team.slug }, body: { version: 1 } })).status).toBe(404);
    expect(await outcome(ownerOf(b).agents.restore({ agent: agent.id, version: 1 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(ownerOf(b).teams.restore({ team: team.id, version: 1 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await db().agent.findUniqueOrThrow({ where: { id: agent.id } })).latestVersion).toBe(1);
    expect((await db().team.findUniqueOrThrow({ where: { id: team.id } })).latestVersion).toBe(1);
    expect((await db().agent.findUniqueOrThrow({ where: { id: agent.id } })).archivedAt).toBeNull();
    expect((await db().team.findUniqueOrThrow({ where: { id: team.id } })).archivedAt).toBeNull();
    expect(
      await db().auditLog.count({
        where: { action: { in: ["agent.archive", "team.archive", "agent.update", "team.update"] }, targetId: { in: [agent.id, team.id] } },
      }),
    ).toBe(0);
    // B's lists never show them, even paged with a cursor positioned at them
    const cursor = encodeCursor(agent);
    const listB = await rest("GET", "/api/v1/agents", {
      key: keyB,
      query: { cursor: encodeCursor({ createdAt: new Date(agent.createdAt.getTime() + 1), id: agent.id }) },
    });
    expect(listB.status).toBe(200);
    expect(listB.body.data.map((x: { id: string }) => x.id)).not.toContain(agent.id);
    expect((await rest("GET", "/api/v1/agents", { key: keyA, query: { cursor } })).status).toBe(200);
    expect((await rest("GET", "/api/v1/teams/{teamId}/versions", { key: keyB, params: { teamId: team.id } })).status).toBe(404);
  });

  it("B's key gets 404 on A's run steps (the list and one step), even with A's step id", async () => {
    const runId = `run_${a.id.slice(3, 23).padEnd(20, "0")}`;
    await db().run.create({
      data: { id: runId, workspaceId: a.id, targetType: "agent", input: "x", status: "succeeded", createdByType: "user", createdById: a.users.owner.id },
    });
    const step = await db().runStep.create({
      data: {
        id: `stp_${a.id.slice(3, 23).padEnd(20, "0")}`,
        workspaceId: a.id,
        runId,
        stepId: "agent",
        status: "succeeded",
        inputSeen: "A's prompt",
        output: "A's output",
      },
    });
    const list = await rest("GET", "/api/v1/runs/{runId}/steps", { key: keyB, params: { runId } });
    expect(list.status).toBe(404);
    expect(list.body.error.code).toBe("NOT_FOUND");
    for (const stepId of [step.id, "agent"]) {
      const one = await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key: keyB, params: { runId, stepId } });
      expect(one.status).toBe(404);
      expect(JSON.stringify(one.body)).not.toContain("A's");
    }
    expect(await outcome(ownerOf(b).runs.step({ runId, stepId: step.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(ownerOf(b).runs.steps({ runId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    // A's own key reads them
    expect((await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key: keyA, params: { runId, stepId: step.id } })).body.output).toBe("A's output");
  });

  it("B never sees A's run outcome (nor a nested team node's): 404 on the run, absent from B's lists; A's key reads it", async () => {
    const runId = `run_${uniq()}${uniq()}`;
    const outcomeA = { topology: "maker_checker", met: false, onUnmet: "succeed_flagged", approved: false, iterations: 2, maxIterations: 2, verdicts: [] };
    await db().run.create({
      data: {
        id: runId,
        workspaceId: a.id,
        targetType: "team",
        input: "x",
        status: "succeeded",
        outcome: outcomeA,
        createdByType: "user",
        createdById: a.users.owner.id,
      },
    });
    await db().runStep.create({
      data: { id: `stp_${uniq()}${uniq()}`, workspaceId: a.id, runId, stepId: "s0", kind: "team", status: "succeeded", outcome: outcomeA },
    });
    const one = await rest("GET", "/api/v1/runs/{runId}", { key: keyB, params: { runId } });
    expect(one.status).toBe(404);
    expect(JSON.stringify(one.body)).not.toContain("maker_checker");
    const step = await rest("GET", "/api/v1/runs/{runId}/steps/{stepId}", { key: keyB, params: { runId, stepId: "s0" } });
    expect(step.status).toBe(404);
    expect(JSON.stringify(step.body)).not.toContain("maker_checker");
    expect(await outcome(ownerOf(b).runs.get({ runId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const listB = await rest("GET", "/api/v1/runs", { key: keyB });
    expect(listB.body.data.map((r: { id: string }) => r.id)).not.toContain(runId);
    expect((await ownerOf(b).runs.list({})).items.map((r) => r.id)).not.toContain(runId);
    expect((await rest("GET", "/api/v1/runs/{runId}", { key: keyA, params: { runId } })).body.outcome).toEqual(outcomeA);
  });
});

describe("tool approvals", () => {
  afterAll(putAwayParkedRuns);

  it("B's owner and key get 404 on A's request (get and decide, tRPC and REST); B's list never shows it; it stays pending", async () => {
    const { approvalId } = await parkedApproval(a);
    const outsider = ownerOf(b);
    expect(await outcome(outsider.approvals.get({ approvalId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(outsider.approvals.decide({ approvalId, decision: "approve" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const get = await rest("GET", "/api/v1/approvals/{approvalId}", { key: keyB, params: { approvalId } });
    expect(get.status).toBe(404);
    expect(JSON.stringify(get.body)).not.toContain("shop.example");
    const decide = await rest("POST", "/api/v1/approvals/{approvalId}/decision", { key: keyB, params: { approvalId }, body: { decision: "approve" } });
    expect(decide.status).toBe(404);
    expect(decide.body.error.code).toBe("NOT_FOUND");
    expect((await rest("GET", "/api/v1/approvals", { key: keyB })).body.data.map((x: { id: string }) => x.id)).not.toContain(approvalId);
    expect(await db().toolApproval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({ status: "pending", decidedAt: null });
    // A's own key reads it
    expect((await rest("GET", "/api/v1/approvals/{approvalId}", { key: keyA, params: { approvalId } })).body.status).toBe("pending");
  });
});

describe("tools", () => {
  const tool = () => ({
    name: `orders_${uniq()}`,
    description: "Looks up an order",
    config: { method: "GET" as const, urlTemplate: "https://api.example.com/orders", headers: {}, bodyTemplate: null },
  });

  it("B's member and owner get NOT_FOUND on A's tool over tRPC (by id and by name), and nothing changes", async () => {
    const created = await ownerOf(a).tools.create(tool());
    const asB = [callerFor(b.users.member, b.slug), ownerOf(b)];
    for (const caller of asB) {
      for (const ref of [created.id!, created.name]) {
        expect(await outcome(caller.tools.get({ tool: ref }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
        expect(await outcome(caller.tools.update({ tool: ref, enabled: false }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      }
    }
    expect(await outcome(ownerOf(b).tools.delete({ tool: created.id! }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await ownerOf(b).tools.list()).map((t) => t.name)).not.toContain(created.name);
    // nor can B grant it to its agents: in B there is no such tool
    expect(await outcome(ownerOf(b).agents.create({ slug: `grab-${uniq()}`, name: "Grab", allowedTools: [created.name] }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await ownerOf(a).tools.get({ tool: created.id! })).toMatchObject({ enabled: true, updatedAt: created.updatedAt });
  });

  it("B's keys get 404 on GET/PATCH/DELETE /api/v1/tools/{A's tool}; A's key reads it", async () => {
    const created = await ownerOf(a).tools.create(tool());
    const memberKeyB = (await makeApiKey(b, "member")).raw;
    for (const key of [keyB, memberKeyB]) {
      for (const toolId of [created.id!, created.name]) {
        const get = await rest("GET", "/api/v1/tools/{toolId}", { key, params: { toolId } });
        expect(get.status).toBe(404);
        expect(get.body.error.code).toBe("NOT_FOUND");
        expect((await rest("PATCH", "/api/v1/tools/{toolId}", { key, params: { toolId }, body: { enabled: false } })).status).toBe(404);
      }
    }
    expect((await rest("DELETE", "/api/v1/tools/{toolId}", { key: keyB, params: { toolId: created.id! } })).status).toBe(404);
    const listB = await rest("GET", "/api/v1/tools", { key: keyB });
    expect(listB.body.data.map((t: { name: string }) => t.name)).not.toContain(created.name);
    const mine = await rest("GET", "/api/v1/tools/{toolId}", { key: keyA, params: { toolId: created.id! } });
    expect(mine.body).toMatchObject({ name: created.name, enabled: true });
  });
});

describe("judges and verdicts", () => {
  it("B (member over tRPC, owner's key over REST) gets NOT_FOUND on every route of A's judge and A's run verdicts; nothing changes", async () => {
    const judge = await ownerOf(a).judges.create({
      slug: "tenant-judge",
      name: "Tenant judge",
      rubric: { criteria: [{ key: "accuracy", description: "Right", weight: 1 }] },
    });
    const memberB = callerFor(b.users.member, b.slug);
    for (const ref of [judge.id, judge.slug]) {
      expect(await outcome(memberB.judges.get({ judge: ref }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(memberB.judges.versions({ judge: ref }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(memberB.judges.update({ judge: ref, instructions: "taken" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(memberB.judges.archive({ judge: ref }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      for (const [method, path, body] of [
        ["GET", "/api/v1/judges/{judgeId}", undefined],
        ["PATCH", "/api/v1/judges/{judgeId}", { instructions: "taken" }],
        ["POST", "/api/v1/judges/{judgeId}/archive", undefined],
        ["GET", "/api/v1/judges/{judgeId}/versions", undefined],
      ] as const) {
        const res = await rest(method, path, { key: keyB, params: { judgeId: ref }, ...(body ? { body } : {}) });
        expect(res.status, `${method} ${path}`).toBe(404);
      }
    }
    expect((await rest("GET", "/api/v1/judges", { key: keyB })).body.data.map((j: { id: string }) => j.id)).not.toContain(judge.id);
    expect(await db().judge.findUniqueOrThrow({ where: { id: judge.id } })).toMatchObject({ currentVersion: 1, archivedAt: null });

    const runId = `run_${a.id.slice(3, 13)}judge000000`.slice(0, 24);
    await db().run.create({
      data: { id: runId, workspaceId: a.id, targetType: "agent", input: "x", status: "succeeded", createdByType: "user", createdById: a.users.owner.id },
    });
    expect(await outcome(memberB.judges.runVerdicts({ runId }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await rest("GET", "/api/v1/runs/{runId}/verdicts", { key: keyB, params: { runId } })).status).toBe(404);
    expect((await rest("GET", "/api/v1/runs/{runId}/verdicts", { key: keyA, params: { runId } })).body).toEqual({ verdicts: [], consensus: [] });
  });
});

describe("labels and agreement", () => {
  it("B (member over tRPC, owner's key over REST) cannot label A's run, read A's labels or A's judge's agreement; nothing is written", async () => {
    const runId = `run_${a.id.slice(3, 13)}label000000`.slice(0, 24);
    await db().run.create({
      data: {
        id: runId,
        workspaceId: a.id,
        targetType: "agent",
        input: "x",
        status: "succeeded",
        output: { text: "out" },
        createdByType: "user",
        createdById: a.users.owner.id,
      },
    });
    const label = await ownerOf(a).labels.save({ runId, verdict: "pass" });
    await ownerOf(a).judges.create({ slug: "label-judge", name: "Label judge", rubric: { criteria: [{ key: "accuracy", description: "Right", weight: 1 }] } });
    const memberB = callerFor(b.users.member, b.slug);
    expect(await outcome(memberB.labels.save({ runId, verdict: "fail" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(memberB.labels.get({ labelId: label.id }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(memberB.labels.agreement({ judge: "label-judge" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(memberB.labels.pickExamples({ judge: "label-judge" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await memberB.labels.list({ runId })).items).toEqual([]);
    expect((await memberB.labels.queue({ limit: 50 })).items.map((i) => i.runId)).not.toContain(runId);
    expect((await rest("PUT", "/api/v1/runs/{runId}/label", { key: keyB, params: { runId }, body: { verdict: "fail" } })).status).toBe(404);
    expect((await rest("GET", "/api/v1/labels/{labelId}", { key: keyB, params: { labelId: label.id } })).status).toBe(404);
    expect((await rest("GET", "/api/v1/judges/{judgeId}/agreement", { key: keyB, params: { judgeId: "label-judge" } })).status).toBe(404);
    expect((await rest("POST", "/api/v1/judges/{judgeId}/examples/from-labels", { key: keyB, params: { judgeId: "label-judge" }, body: {} })).status).toBe(404);
    expect((await rest("GET", "/api/v1/labels", { key: keyB, query: { runId } })).body.data).toEqual([]);
    expect(await db().outputLabel.findMany({ where: { runId } })).toMatchObject([{ id: label.id, verdict: "pass" }]);
    expect((await rest("GET", "/api/v1/labels/{labelId}", { key: keyA, params: { labelId: label.id } })).body).toMatchObject({ verdict: "pass" });
  });
});

describe("datasets and evaluations", () => {
  it("B (member over tRPC, owner's key over REST) can neither read nor change A's datasets and evaluations; nothing is written", async () => {
    const slug = `ds-${a.id.slice(3, 11)}`;
    const dataset = await ownerOf(a).datasets.create({ slug, name: "A's questions" });
    const item = await ownerOf(a).datasets.addItem({ dataset: dataset.id, input: "A's secret question" });
    await ownerOf(a).agents.create({ slug: `eval-${a.id.slice(3, 11)}`, name: "Evaluated", instructions: "x" });
    await ownerOf(a).judges.create({
      slug: `eval-judge-${a.id.slice(3, 11)}`,
      name: "J",
      rubric: { criteria: [{ key: "accuracy", description: "Right", weight: 1 }] },
    });
    const evaluation = await ownerOf(a).evaluations.create({
      dataset: dataset.id,
      agent: `eval-${a.id.slice(3, 11)}`,
      judges: [`eval-judge-${a.id.slice(3, 11)}`],
    });
    const memberB = callerFor(b.users.member, b.slug);
    for (const call of [
      () => memberB.datasets.get({ dataset: dataset.id }),
      () => memberB.datasets.get({ dataset: slug }),
      () => memberB.datasets.items({ dataset: dataset.id }),
      () => memberB.datasets.addItem({ dataset: dataset.id, input: "B's" }),
      () => memberB.datasets.updateItem({ dataset: dataset.id, itemId: item.id, input: "B's" }),
      () => memberB.datasets.deleteItem({ dataset: dataset.id, itemId: item.id }),
      () => memberB.datasets.import({ dataset: dataset.id, format: "jsonl", content: '{"input":"B"}' }),
      () => memberB.datasets.export({ dataset: dataset.id }),
      () => memberB.datasets.archive({ dataset: dataset.id }),
      () => memberB.evaluations.get({ evaluationId: evaluation.id }),
      () => memberB.evaluations.items({ evaluationId: evaluation.id }),
      () => memberB.evaluations.cancel({ evaluationId: evaluation.id }),
      () => memberB.evaluations.compare({ a: evaluation.id, b: evaluation.id }),
    ])
      expect(await outcome(call())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await memberB.datasets.list({})).items.map((d) => d.id)).not.toContain(dataset.id);
    expect((await memberB.evaluations.list({})).items.map((e) => e.id)).not.toContain(evaluation.id);
    const all: Record<string, string> = { datasetId: dataset.id, itemId: item.id, evaluationId: evaluation.id };
    const paramsOf = (path: string) => Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, all[m[1]!]!]));
    for (const [method, path, body] of [
      ["GET", "/api/v1/datasets/{datasetId}", undefined],
      ["PATCH", "/api/v1/datasets/{datasetId}", { name: "B" }],
      ["DELETE", "/api/v1/datasets/{datasetId}", undefined],
      ["GET", "/api/v1/datasets/{datasetId}/items", undefined],
      ["POST", "/api/v1/datasets/{datasetId}/items", { input: "B" }],
      ["PATCH", "/api/v1/datasets/{datasetId}/items/{itemId}", { input: "B" }],
      ["DELETE", "/api/v1/datasets/{datasetId}/items/{itemId}", undefined],
      ["POST", "/api/v1/datasets/{datasetId}/import", { format: "jsonl", content: '{"input":"B"}' }],
      ["GET", "/api/v1/datasets/{datasetId}/export", undefined],
      ["GET", "/api/v1/evaluations/{evaluationId}", undefined],
      ["GET", "/api/v1/evaluations/{evaluationId}/items", undefined],
      ["POST", "/api/v1/evaluations/{evaluationId}/cancel", undefined],
      ["POST", "/api/v1/evaluations", { dataset: dataset.id, agent: "x", judges: ["y"] }],
    ] as const)
      expect({ method, path, status: (await rest(method, path, { key: keyB, params: paramsOf(path), ...(body ? { body } : {}) })).status }).toEqual({
        method,
        path,
        status: 404,
      });
    expect((await rest("GET", "/api/v1/evaluations/compare", { key: keyB, query: { a: evaluation.id, b: evaluation.id } })).status).toBe(404);
    expect(await db().datasetItem.findMany({ where: { datasetId: dataset.id } })).toMatchObject([{ id: item.id, input: "A's secret question" }]);
    expect((await ownerOf(a).evaluations.get({ evaluationId: evaluation.id })).status).toBe("queued");
    await ownerOf(a).evaluations.cancel({ evaluationId: evaluation.id });
  });
});
