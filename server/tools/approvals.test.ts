/**
 * The approvals inbox: list and count (an expired request is shown as expired and not counted), one decision per
 * request (a second one, or one after the expiry, is a CONFLICT), the decision wakes the parked run (the waiting
 * step's retryAt and the run's wakeAt move to now, and the claim takes it), the audit entry, the permission
 * (tools:approve). The tenant line (another workspace's request is a 404) is in test/cross-tenant.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";
import { claimNext } from "@/server/jobs/executor";
import { parkedApproval, putAwayParkedRuns } from "@/test/fixtures/approvals";

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await makeWorkspace("approvals");
});

const ownerOf = (w: TestWorkspace) => callerFor(w.users.owner, w.slug);
afterAll(putAwayParkedRuns);

describe("deciding", () => {
  it("approves once: the step's retryAt and the run's wakeAt move to now, the claim takes the run, the decision is audited", async () => {
    const { runId, stepId, approvalId } = await parkedApproval(ws);
    const claim = () => claimNext({ owner: `approvals-test/${ws.id}`, leaseMs: 60_000, workspaceConcurrency: 100, workspaceIds: [ws.id] });
    // parked: no claim takes it before the decision
    expect((await claim()).run).toBeNull();

    const before = Date.now();
    const decided = await callerFor(ws.users.admin, ws.slug).approvals.decide({ approvalId, decision: "approve", note: "go ahead" });
    const after = Date.now();
    expect(decided).toMatchObject({
      id: approvalId,
      status: "approved",
      note: "go ahead",
      decidedBy: { id: ws.users.admin.id, email: ws.users.admin.email, name: ws.users.admin.name },
    });
    expect(decided.decidedAt).toBeInstanceOf(Date);

    const step = await db().runStep.findFirstOrThrow({ where: { runId, stepId } });
    const result = step.result as { retryAt: number; waitingFor: string };
    expect(result.retryAt).toBeGreaterThanOrEqual(before);
    expect(result.retryAt).toBeLessThanOrEqual(after);
    expect(result.waitingFor).toBe("approval");
    const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
    expect(run.wakeAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);

    const claimed = await claim();
    expect(claimed.run?.id).toBe(runId);
    await db().run.update({ where: { id: runId }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });

    const audit = await db().auditLog.findMany({ where: { workspaceId: ws.id, targetId: approvalId } });
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      action: "tool_approval.approve",
      targetType: "tool_approval",
      actorId: ws.users.admin.id,
      metadata: { runId, stepId, toolName: "http_request", note: "go ahead" },
    });
    expect(JSON.stringify(audit[0]!.metadata)).not.toContain("shop.example");

    // a second decision (either way) changes nothing
    const again = await outcome(ownerOf(ws).approvals.decide({ approvalId, decision: "deny" }));
    expect(again).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(again.ok === false && again.message).toContain("already approved by");
    expect(await db().toolApproval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({ status: "approved", decidedById: ws.users.admin.id });
    expect(await db().auditLog.count({ where: { workspaceId: ws.id, targetId: approvalId } })).toBe(1);
  });

  it("denies with a note through REST (POST .../decision); a repeat is a 409", async () => {
    const { runId, approvalId } = await parkedApproval(ws);
    const key = (await makeApiKey(ws, "owner")).raw;
    const res = await rest("POST", "/api/v1/approvals/{approvalId}/decision", {
      key,
      params: { approvalId },
      body: { decision: "deny", note: "not this shop" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: approvalId, status: "denied", note: "not this shop", decidedBy: { id: ws.users.owner.id } });
    expect(await db().auditLog.findFirst({ where: { workspaceId: ws.id, targetId: approvalId } })).toMatchObject({
      action: "tool_approval.deny",
      actorType: "api_key",
    });
    expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).wakeAt!.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
    const again = await rest("POST", "/api/v1/approvals/{approvalId}/decision", { key, params: { approvalId }, body: { decision: "approve" } });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain("already denied");
  });

  it("an expired request cannot be decided, and nothing is woken or audited", async () => {
    const { runId, stepId, approvalId, expiresAt } = await parkedApproval(ws, { expiresInMs: -1_000 });
    const result = await outcome(ownerOf(ws).approvals.decide({ approvalId, decision: "approve" }));
    expect(result).toMatchObject({ ok: false, code: "CONFLICT" });
    expect(result.ok === false && result.message).toContain("expired");
    expect(await db().toolApproval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({ status: "pending", decidedAt: null });
    expect((await db().runStep.findFirstOrThrow({ where: { runId, stepId } })).result).toMatchObject({ retryAt: expiresAt.getTime() });
    expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).wakeAt).toEqual(expiresAt);
    expect(await db().auditLog.count({ where: { workspaceId: ws.id, targetId: approvalId } })).toBe(0);
  });

  it("a decision on a run that is no longer parked touches neither the run nor a step that is not waiting", async () => {
    const { runId, stepId, approvalId } = await parkedApproval(ws);
    await db().run.update({ where: { id: runId }, data: { status: "cancelled", wakeAt: null, finishedAt: new Date() } });
    await db().runStep.updateMany({ where: { runId, stepId }, data: { status: "failed" } });
    const stepBefore = await db().runStep.findFirstOrThrow({ where: { runId, stepId } });
    expect(await ownerOf(ws).approvals.decide({ approvalId, decision: "deny" })).toMatchObject({ status: "denied" });
    expect((await db().runStep.findFirstOrThrow({ where: { runId, stepId } })).result).toEqual(stepBefore.result);
    expect((await db().run.findUniqueOrThrow({ where: { id: runId } })).wakeAt).toBeNull();
  });
});

describe("the executor's nudge", () => {
  it("a decision through the API wakes this process's executor for the run (it claims at once, not at its next poll)", async () => {
    const { runId, approvalId } = await parkedApproval(ws);
    const holder = globalThis as unknown as { cadreExecutor?: unknown };
    const previous = holder.cadreExecutor;
    const wake = vi.fn();
    holder.cadreExecutor = { wake };
    try {
      await ownerOf(ws).approvals.decide({ approvalId, decision: "approve" });
    } finally {
      holder.cadreExecutor = previous;
    }
    expect(wake).toHaveBeenCalledWith(runId);
  });
});

describe("who may decide", () => {
  it("a member and a viewer are refused (tRPC FORBIDDEN, REST 403) and the request stays pending; they can read it", async () => {
    const { approvalId } = await parkedApproval(ws);
    for (const role of ["member", "viewer"] as const) {
      expect(await outcome(callerFor(ws.users[role], ws.slug).approvals.decide({ approvalId, decision: "approve" }))).toMatchObject({
        ok: false,
        code: "FORBIDDEN",
      });
      const key = (await makeApiKey(ws, role)).raw;
      const res = await rest("POST", "/api/v1/approvals/{approvalId}/decision", { key, params: { approvalId }, body: { decision: "approve" } });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("FORBIDDEN");
      expect((await callerFor(ws.users[role], ws.slug).approvals.get({ approvalId })).status).toBe("pending");
      expect((await rest("GET", "/api/v1/approvals/{approvalId}", { key, params: { approvalId } })).status).toBe(200);
    }
    expect(await db().toolApproval.findUniqueOrThrow({ where: { id: approvalId } })).toMatchObject({ status: "pending" });
  });
});

describe("listing and counting", () => {
  it("lists newest first by filter, shows an expired request as expired, and counts only the pending ones", async () => {
    const w = await makeWorkspace("approvals-list");
    const t = Date.now();
    const old = await parkedApproval(w, { createdAt: new Date(t - 30_000), toolName: "web_fetch" });
    const expired = await parkedApproval(w, { createdAt: new Date(t - 20_000), expiresInMs: -5_000, toolName: "calculator" });
    const decided = await parkedApproval(w, { createdAt: new Date(t - 10_000), toolName: "current_time" });
    const fresh = await parkedApproval(w, { createdAt: new Date(t), toolName: "http_request" });
    const owner = ownerOf(w);
    await owner.approvals.decide({ approvalId: decided.approvalId, decision: "approve" });

    const ids = async (status?: "pending" | "decided" | "all") => (await owner.approvals.list(status ? { status } : {})).items.map((a) => a.id);
    expect(await ids()).toEqual([fresh.approvalId, decided.approvalId, expired.approvalId, old.approvalId]);
    expect(await ids("pending")).toEqual([fresh.approvalId, old.approvalId]);
    expect(await ids("decided")).toEqual([decided.approvalId, expired.approvalId]);
    const all = (await owner.approvals.list({})).items;
    expect(all.map((a) => a.status)).toEqual(["pending", "approved", "expired", "pending"]);
    expect(all[0]).toMatchObject({ toolName: "http_request", agentSlug: "buyer", reason: "I need to place the order <b>now</b>", decidedBy: null });
    expect(all[0]!.input).toEqual({ method: "POST", url: "https://shop.example/orders" });
    // nothing was written on read
    expect((await db().toolApproval.findUniqueOrThrow({ where: { id: expired.approvalId } })).status).toBe("pending");
    expect((await owner.approvals.get({ approvalId: expired.approvalId })).status).toBe("expired");

    expect(await owner.approvals.count()).toEqual({ pending: 2 });
    expect(await callerFor(w.users.viewer, w.slug).approvals.count()).toEqual({ pending: 2 });

    // pages: keyset, no repeats
    const first = await owner.approvals.list({ limit: 3 });
    expect(first.nextCursor).not.toBeNull();
    const second = await owner.approvals.list({ limit: 3, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((a) => a.id)).toEqual(await ids());
    expect(second.nextCursor).toBeNull();

    // REST: the same list and filter
    const key = (await makeApiKey(w, "viewer")).raw;
    const res = await rest("GET", "/api/v1/approvals", { key, query: { status: "pending" } });
    expect(res.status).toBe(200);
    expect(res.body.data.map((a: { id: string }) => a.id)).toEqual([fresh.approvalId, old.approvalId]);
    expect(res.body.nextCursor).toBeNull();
  });
});
