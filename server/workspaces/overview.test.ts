import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { permissionsOf, type Permission, type Role } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { makeApiKey, makeWorkspace, rest, type TestWorkspace } from "@/test/helpers";
import { createTrigger } from "@/server/triggers/service";
import { addAgent } from "@/test/fixtures/runs";
import { foldRunBuckets, foldSpendPerDay, workspaceOverview } from "./overview";

const NOW = new Date("2026-12-15T12:30:00.000Z");
const at = (iso: string) => new Date(iso);

function ctxOf(ws: TestWorkspace, role: Role, permissions: readonly Permission[] = permissionsOf(role)): TenantContext {
  return {
    workspaceId: ws.id,
    workspaceSlug: ws.slug,
    actor: { type: "user", userId: ws.users[role].id, email: ws.users[role].email },
    role,
    permissions: new Set(permissions),
  };
}

async function run(ws: TestWorkspace, status: "queued" | "running" | "succeeded" | "failed" | "cancelled", createdAt: Date) {
  const row = await db().run.create({
    data: { id: newId("run"), workspaceId: ws.id, targetType: "agent", input: "x", status, createdByType: "user", createdById: ws.users.owner.id, createdAt },
  });
  return row.id;
}

async function agent(ws: TestWorkspace, slug: string) {
  return db().agent.create({ data: { id: newId("agt"), workspaceId: ws.id, slug, name: `Agent ${slug}` } });
}

async function step(ws: TestWorkspace, runId: string, agentId: string, status: "succeeded" | "failed", startedAt: Date, error: string | null = null) {
  await db().runStep.create({
    data: { id: newId("stp"), workspaceId: ws.id, runId, stepId: `step-${newId("stp")}`, kind: "agent", status, agentId, startedAt, error },
  });
}

async function spend(ws: TestWorkspace, costUsd: string, createdAt: Date) {
  await db().usageRecord.create({
    data: { id: newId("use"), workspaceId: ws.id, modelName: "m", providerKind: "openai", outcome: "ok", costUsd, createdAt },
  });
}

describe("the workspace overview", () => {
  let a: TestWorkspace;
  let b: TestWorkspace;
  beforeAll(async () => {
    a = await makeWorkspace("ova");
    b = await makeWorkspace("ovb");
    await run(a, "succeeded", at("2026-12-15T11:10:00Z"));
    await run(a, "failed", at("2026-12-15T12:05:00Z"));
    await run(a, "running", at("2026-12-15T12:20:00Z"));
    await run(a, "queued", at("2026-12-14T13:00:00Z")); // the first of the 24 hours
    await run(a, "cancelled", at("2026-12-14T12:59:59Z")); // before it
    await run(b, "failed", at("2026-12-15T12:10:00Z"));
    await spend(a, "0.5", at("2026-12-01T00:00:00Z"));
    await spend(a, "0.25", at("2026-12-15T09:00:00Z"));
    await spend(a, "1", at("2026-11-30T23:59:59Z")); // last month
    await spend(b, "7", at("2026-12-10T00:00:00Z"));
    await db().budget.create({ data: { workspaceId: a.id, monthlyLimitUsd: "10" } });
  });

  it("counts the runs of the last 24 hours by status and by hour of creation, this workspace's only", async () => {
    const o = await workspaceOverview(ctxOf(a, "member"), NOW);
    expect(o.runs?.since).toEqual(at("2026-12-14T13:00:00Z"));
    expect(o.runs?.byStatus).toEqual({ queued: 1, running: 1, succeeded: 1, failed: 1, cancelled: 0 });
    const hourly = o.runs!.hourly;
    expect(hourly).toHaveLength(24);
    expect(hourly[0]).toMatchObject({ hour: at("2026-12-14T13:00:00Z"), queued: 1 });
    expect(hourly[22]).toMatchObject({ hour: at("2026-12-15T11:00:00Z"), succeeded: 1, failed: 0 });
    expect(hourly[23]).toMatchObject({ hour: at("2026-12-15T12:00:00Z"), failed: 1, running: 1 });
    expect(o.runs?.recent.length).toBe(5);
    expect(o.runs?.recent.every((r) => r.status !== undefined)).toBe(true);
  });

  it("sums this month's spend per day, days without spend included, and shows the budget", async () => {
    const o = await workspaceOverview(ctxOf(a, "member"), NOW);
    expect(o.spend?.monthStart).toEqual(at("2026-12-01T00:00:00Z"));
    expect(o.spend?.perDay).toHaveLength(15);
    expect(o.spend?.perDay[0]).toEqual({ day: "2026-12-01", costUsd: 0.5, cumulativeUsd: 0.5 });
    expect(o.spend?.perDay[5]).toEqual({ day: "2026-12-06", costUsd: 0, cumulativeUsd: 0.5 });
    expect(o.spend?.perDay[14]).toEqual({ day: "2026-12-15", costUsd: 0.25, cumulativeUsd: 0.75 });
    expect(o.spend?.spentUsd).toBe(0.75);
    expect(o.spend?.budget?.monthlyLimitUsd).toBe(10);
  });

  it("lists agents with failed steps in the last 7 days, most failures first, with the latest error", async () => {
    const ws = await makeWorkspace("ovf");
    const flaky = await agent(ws, "flaky");
    const steady = await agent(ws, "steady");
    const worse = await agent(ws, "worse");
    const runId = await run(ws, "failed", at("2026-12-15T10:00:00Z"));
    await step(ws, runId, flaky.id, "failed", at("2026-12-14T10:00:00Z"), "older error");
    await step(ws, runId, flaky.id, "succeeded", at("2026-12-15T10:00:00Z"));
    await step(ws, runId, flaky.id, "failed", at("2026-12-15T11:00:00Z"), "newest error");
    await step(ws, runId, steady.id, "succeeded", at("2026-12-15T11:00:00Z"));
    await step(ws, runId, worse.id, "failed", at("2026-12-15T09:00:00Z"), "w1");
    await step(ws, runId, worse.id, "failed", at("2026-12-15T09:30:00Z"), "w2");
    await step(ws, runId, worse.id, "failed", at("2026-12-15T09:40:00Z"), "w3");
    await step(ws, runId, worse.id, "failed", at("2026-12-01T09:40:00Z"), "too old");
    const o = await workspaceOverview(ctxOf(ws, "viewer"), NOW);
    expect(o.failingAgents).toEqual([
      { agent: { id: worse.id, slug: "worse", name: "Agent worse" }, failedSteps: 3, steps: 3, lastError: "w3", lastFailedAt: at("2026-12-15T09:40:00Z") },
      {
        agent: { id: flaky.id, slug: "flaky", name: "Agent flaky" },
        failedSteps: 2,
        steps: 3,
        lastError: "newest error",
        lastFailedAt: at("2026-12-15T11:00:00Z"),
      },
    ]);
  });

  it("ticks the checklist from what exists: a real provider (not the simulator), an agent, a team, a succeeded run, a live key", async () => {
    const ws = await makeWorkspace("ovc");
    const done = async () => Object.fromEntries((await workspaceOverview(ctxOf(ws, "owner"), NOW)).checklist.map((c) => [c.item, c.done]));
    expect(await done()).toEqual({ connect_model: false, create_agent: false, create_team: false, run_succeeded: false, create_api_key: false });
    await db().provider.create({ data: { id: newId("prv"), workspaceId: ws.id, name: "Sim", kind: "simulator" } });
    await db().provider.create({ data: { id: newId("prv"), workspaceId: ws.id, name: "Off", kind: "openai", enabled: false } });
    await run(ws, "failed", NOW);
    const key = await makeApiKey(ws, "owner");
    await db().apiKey.update({ where: { id: key.id }, data: { revokedAt: NOW } });
    expect(await done()).toEqual({ connect_model: false, create_agent: false, create_team: false, run_succeeded: false, create_api_key: false });
    await db().provider.create({ data: { id: newId("prv"), workspaceId: ws.id, name: "OpenAI", kind: "openai" } });
    await agent(ws, "writer");
    await db().team.create({ data: { id: newId("team"), workspaceId: ws.id, slug: "crew", name: "Crew" } });
    await run(ws, "succeeded", NOW);
    await makeApiKey(ws, "owner");
    expect(await done()).toEqual({ connect_model: true, create_agent: true, create_team: true, run_succeeded: true, create_api_key: true });
  });

  it("counts what waits for someone: live approvals, MCP tools to review, failing MCP servers, refusing triggers, failing schedules", async () => {
    const ws = await makeWorkspace("ov-attention");
    const other = await makeWorkspace("ov-attention-b");
    const runId = await run(ws, "running", NOW);
    const approval = (over: { status?: string; expiresAt?: Date } = {}) =>
      db().toolApproval.create({
        data: {
          id: newId("apr"),
          workspaceId: ws.id,
          runId,
          stepId: `s-${newId("stp")}`,
          toolName: "t",
          input: {},
          expiresAt: at("2026-12-15T13:00:00Z"),
          ...over,
        },
      });
    await approval();
    await approval();
    await approval({ expiresAt: at("2026-12-15T12:00:00Z") }); // expired, not yet swept
    await approval({ status: "approved" });
    const tool = (name: string, pendingDefinition?: object) =>
      db().tool.create({ data: { id: newId("tool"), workspaceId: ws.id, name, kind: "mcp", ...(pendingDefinition ? { pendingDefinition } : {}) } });
    const changed = { hash: "h2", description: "new text", inputSchema: { type: "object" } };
    await tool("srv_changed", changed);
    await tool("srv_rejected", { ...changed, rejectedAt: "2026-12-14T00:00:00Z" });
    await tool("srv_fine");
    const server = (name: string, status: string, enabled = true) =>
      db().mcpServer.create({ data: { id: newId("mcp"), workspaceId: ws.id, name, url: "https://mcp.example/mcp", status, enabled } });
    await server("down", "error");
    await server("unauthorized", "needs_auth");
    await server("fine", "ok");
    await server("off", "error", false);
    const target = await addAgent(ctxOf(ws, "owner"), "attention-target");
    const trigger = async (name: string, lastRefusedAt: Date | null) => {
      const { trigger: created } = await createTrigger(ctxOf(ws, "owner"), { name, agent: target.slug });
      await db().webhookTrigger.update({ where: { id: created.id }, data: { lastRefusedAt } });
    };
    await trigger("refusing", at("2026-12-15T10:00:00Z"));
    await trigger("refused long ago", at("2026-12-13T10:00:00Z"));
    await trigger("never", null);
    const schedule = (name: string, last: { lastSkippedAt: Date; lastFiredAt?: Date; lastSkipReason?: string }) =>
      db().schedule.create({
        data: {
          id: newId("sch"),
          workspaceId: ws.id,
          name,
          targetType: "agent",
          agentId: target.id,
          cron: "0 * * * *",
          timezone: "UTC",
          input: "x",
          createdByType: "user",
          nextRunAt: at("2026-12-15T13:00:00Z"),
          lastSkipReason: "failed",
          ...last,
        },
      });
    await schedule("failing", { lastSkippedAt: at("2026-12-15T12:00:00Z") });
    await schedule("failed, then fired", { lastSkippedAt: at("2026-12-15T11:00:00Z"), lastFiredAt: at("2026-12-15T12:00:00Z") });
    await schedule("overlapping", { lastSkippedAt: at("2026-12-15T12:00:00Z"), lastSkipReason: "overlap" });
    await schedule("failed yesterday morning", { lastSkippedAt: at("2026-12-14T09:00:00Z") });

    expect((await workspaceOverview(ctxOf(ws, "viewer"), NOW)).attention).toEqual({ approvals: 2, toolsToReview: 1, mcpServers: 2, triggers: 1, schedules: 1 });
    // another workspace's overview counts none of these
    expect((await workspaceOverview(ctxOf(other, "owner"), NOW)).attention).toEqual({
      approvals: 0,
      toolsToReview: 0,
      mcpServers: 0,
      triggers: 0,
      schedules: 0,
    });
    // each count needs the permission to read what it counts
    expect((await workspaceOverview(ctxOf(ws, "owner", ["triggers:read"]), NOW)).attention).toEqual({
      approvals: null,
      toolsToReview: null,
      mcpServers: null,
      triggers: 1,
      schedules: null,
    });
  });

  it("leaves out what the role cannot read: a viewer sees no key item; a key scoped to settings:read sees no section", async () => {
    const viewer = await workspaceOverview(ctxOf(a, "viewer"), NOW);
    expect(viewer.checklist.map((c) => c.item)).toEqual(["connect_model", "create_agent", "create_team", "run_succeeded"]);
    expect(viewer.spend?.budget).not.toBeNull();
    const narrow = await workspaceOverview(ctxOf(a, "owner", ["settings:read"]), NOW);
    expect(narrow).toMatchObject({ runs: null, spend: null, failingAgents: null, checklist: [] });
    const noBudget = await workspaceOverview(ctxOf(a, "owner", ["settings:read", "usage:read"]), NOW);
    expect(noBudget.spend).toMatchObject({ spentUsd: 0.75, budget: null });
  });

  it("answers GET /api/v1/overview for the key's own workspace only", async () => {
    const keyB = await makeApiKey(b, "viewer");
    const res = await rest("GET", "/api/v1/overview", { key: keyB.raw });
    expect(res.status).toBe(200);
    const body = res.body as { runs: { recent: { id: string }[] }; spend: { perDay: { costUsd: number }[] } };
    const runsOfA = await db().run.findMany({ where: { workspaceId: a.id }, select: { id: true } });
    expect(body.runs.recent.some((r) => runsOfA.some((x) => x.id === r.id))).toBe(false);
    expect(body.runs.recent).toHaveLength(1);
  });
});

describe("folding the rows", () => {
  it("drops rows outside the 24 hours and unknown statuses", () => {
    const current = at("2026-12-15T12:00:00Z");
    const { byStatus, hourly } = foldRunBuckets(
      [
        { hour: "2026-12-15T12:00:00.000Z", status: "failed", count: 2 },
        { hour: "2026-12-14T12:00:00.000Z", status: "failed", count: 5 },
        { hour: "2026-12-15T13:00:00.000Z", status: "failed", count: 7 },
        { hour: "2026-12-15T12:00:00.000Z", status: "paused" as "failed", count: 1 },
      ],
      current,
    );
    expect(byStatus.failed).toBe(2);
    expect(hourly[23]?.failed).toBe(2);
  });

  it("gives one day on the 1st of the month", () => {
    expect(foldSpendPerDay([], at("2026-12-01T00:00:00Z"), at("2026-12-01T00:00:01Z"))).toEqual([{ day: "2026-12-01", costUsd: 0, cumulativeUsd: 0 }]);
  });
});
