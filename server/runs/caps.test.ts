/**
 * One run cannot take the server down: the attack through the API (three levels of nested hybrid meshes at their
 * schema limits, saved and started by a member) is refused with a 422 naming the count and the limit, at save time
 * (also when a nested team grows under a team that includes it) and at run start (the limit lowered after the
 * save); the limit is a workspace setting (owner/admin, audited, bounded by the server). A team just under the
 * limit runs against the LLM stub and never has more than CADRE_RUN_CONCURRENT_STEPS steps at the provider at once;
 * a run that goes past its pinned step limit fails "Step limit reached" without starting more steps; nothing of a
 * finished run stays in the process's memory; new workspaces get the default monthly budget.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { env, setEnv } from "@/server/env";
import { settleObservations } from "@/server/models/gateway";
import { modelCallSlots } from "@/server/models/call-slots";
import { cachedSpendKeys } from "@/server/ledger/budget-cache";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { runCancelSignalled } from "@/server/jobs/cancel-signal";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { callerFor, makeApiKey, outcome, rest, uniq } from "@/test/helpers";
import { addAgent, makeRunWorkspace, stepRows, useStubProvider, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { runEventSubscriberCount } from "@/server/jobs/notify";

let stub: LlmStub;
let rw: RunWorkspace;
let keys: { owner: string; member: string };
const executors: Executor[] = [];
const AGENTS = Array.from({ length: 12 }, (_, i) => `a${i}`);

beforeAll(async () => {
  stub = await startLlmStub({ latencyMs: 25 });
  rw = await makeRunWorkspace("caps");
  keys = { owner: (await makeApiKey(rw.ws, "owner")).raw, member: (await makeApiKey(rw.ws, "member")).raw };
  // the stub is the only provider: every step is a real HTTP call the stub counts
  await useStubProvider(rw.ws.id, stub.url);
  // "balanced": no latency bound, so a loaded machine does not rule the stub out
  for (const slug of AGENTS) await addAgent(rw.ctx, slug, { maxOutputTokens: 64, modelPolicy: { type: "preset", preset: "balanced" } });
});
afterEach(async () => {
  await Promise.all(executors.splice(0).map((e) => e.stop()));
  setEnv("CADRE_RUN_CONCURRENT_STEPS", "16");
});
afterAll(async () => {
  await settleObservations();
  await stub.close();
});

const mesh = (nodes: unknown[], rounds: number) => ({ topology: "mesh", agents: nodes, rounds });
const hybridMesh = (nodes: unknown[], rounds: number) => ({ topology: "hybrid", arrangement: mesh(nodes, rounds) });
const times = <T>(n: number, x: T) => Array.from({ length: n }, () => x);
const createTeam = (key: string, slug: string, spec: unknown) => rest("POST", "/api/v1/teams", { key, body: { slug, name: slug, spec } });

describe("the attack through the API", () => {
  it("three levels of nested meshes at max fan-out: refused when saved (REST and tRPC), with the count and the limit", async () => {
    const s = uniq();
    const l3 = await createTeam(keys.member, `l3-${s}`, mesh(AGENTS, 10));
    expect(l3.status).toBe(201); // 120 steps: within the default limit of 500
    const l2 = await createTeam(keys.member, `l2-${s}`, hybridMesh(times(12, { team: `l3-${s}` }), 10));
    expect(l2.status).toBe(422);
    expect(l2.body.error.code).toBe("VALIDATION_FAILED");
    expect(l2.body.error.message).toContain("may make up to 14,400 steps in one run");
    expect(l2.body.error.message).toContain("up to 144 at once");
    expect(l2.body.error.message).toContain("limit of 500 steps per run");
    expect(l2.body.error.issues).toEqual([{ path: "spec", message: l2.body.error.message }]);
    expect(await db().team.count({ where: { workspaceId: rw.ws.id, slug: `l2-${s}` } })).toBe(0);

    // the same over tRPC, as a member
    const viaTrpc = await outcome(
      callerFor(rw.ws.users.member, rw.ws.slug).teams.create({ slug: `l2t-${s}`, name: "l2", spec: hybridMesh(times(12, { team: `l3-${s}` }), 10) as never }),
    );
    expect(viaTrpc).toMatchObject({ ok: false, appCode: "VALIDATION_FAILED", message: expect.stringContaining("14,400 steps") });

    // the editor's validation says so before a save
    const check = await callerFor(rw.ws.users.member, rw.ws.slug).teams.validate({
      slug: `l2v-${s}`,
      spec: hybridMesh(times(12, { team: `l3-${s}` }), 10) as never,
    });
    expect(check.valid).toBe(false);
    expect(check.issues[0]!.message).toContain("14,400 steps");
  });

  it("growing a nested team under a team that includes it is refused, naming the including team", async () => {
    const s = uniq();
    expect((await createTeam(keys.member, `n3-${s}`, mesh(AGENTS, 1))).status).toBe(201); // 12
    expect((await createTeam(keys.member, `n2-${s}`, hybridMesh(times(2, { team: `n3-${s}` }), 1))).status).toBe(201); // 24
    expect((await createTeam(keys.member, `n1-${s}`, hybridMesh(times(3, { team: `n2-${s}` }), 1))).status).toBe(201); // 72
    const grown = await rest("PATCH", "/api/v1/teams/{teamId}", { key: keys.member, params: { teamId: `n3-${s}` }, body: { spec: mesh(AGENTS, 10) } });
    expect(grown.status).toBe(422);
    expect(grown.body.error.message).toContain(`Team "n1-${s}" (which includes "n3-${s}") may make up to 720 steps`);
    expect((await rest("GET", "/api/v1/teams/{teamId}", { key: keys.member, params: { teamId: `n3-${s}` } })).body.currentVersion).toBe(1);
  });

  it("the limit is a workspace setting: owners and admins change it (audited, bounded by the server); a run over it is refused at start", async () => {
    const s = uniq();
    expect((await createTeam(keys.member, `r3-${s}`, mesh(AGENTS, 1))).status).toBe(201);
    expect((await createTeam(keys.member, `r1-${s}`, hybridMesh(times(3, { team: `r3-${s}` }), 2))).status).toBe(201); // 72

    const read = await rest("GET", "/api/v1/workspace", { key: keys.owner });
    expect(read.body).toMatchObject({ runStepLimit: null, runStepLimitDefault: 500, runStepLimitMax: env().CADRE_RUN_STEP_LIMIT_MAX });
    expect((await rest("PATCH", "/api/v1/workspace", { key: keys.member, body: { runStepLimit: 50 } })).status).toBe(403);
    const tooHigh = await rest("PATCH", "/api/v1/workspace", { key: keys.owner, body: { runStepLimit: env().CADRE_RUN_STEP_LIMIT_MAX + 1 } });
    expect(tooHigh.status).toBe(422);
    expect(tooHigh.body.error.message).toContain("CADRE_RUN_STEP_LIMIT_MAX");

    const lowered = await rest("PATCH", "/api/v1/workspace", { key: keys.owner, body: { runStepLimit: 50 } });
    expect(lowered).toMatchObject({ status: 200, body: { runStepLimit: 50 } });
    try {
      const audit = await db().auditLog.findFirst({ where: { workspaceId: rw.ws.id, action: "workspace.update" }, orderBy: { createdAt: "desc" } });
      expect(audit?.metadata).toMatchObject({ from: { runStepLimit: null }, to: { runStepLimit: 50 } });

      const started = await rest("POST", "/api/v1/runs", { key: keys.member, body: { team: `r1-${s}`, input: "go" } });
      expect(started.status).toBe(422);
      expect(started.body.error.message).toContain(`Team "r1-${s}" may make up to 72 steps`);
      expect(started.body.error.message).toContain("limit of 50 steps per run");
      expect(await db().run.count({ where: { workspaceId: rw.ws.id, teamId: { not: null }, input: "go" } })).toBe(0);
      // the web app's field: tRPC, same rule
      await callerFor(rw.ws.users.admin, rw.ws.slug).workspaces.update({ runStepLimit: 80 });
      expect((await callerFor(rw.ws.users.viewer, rw.ws.slug).workspaces.current()).runStepLimit).toBe(80);
    } finally {
      await rest("PATCH", "/api/v1/workspace", { key: keys.owner, body: { runStepLimit: null } });
    }
  });
});

describe("execution caps", () => {
  it("a team just under the limit runs against the stub with at most CADRE_RUN_CONCURRENT_STEPS steps at once", async () => {
    const s = uniq();
    setEnv("CADRE_RUN_CONCURRENT_STEPS", "4");
    expect((await createTeam(keys.member, `u3-${s}`, mesh(AGENTS.slice(0, 6), 1))).status).toBe(201); // 6, all at once
    expect((await createTeam(keys.member, `u1-${s}`, hybridMesh(times(3, { team: `u3-${s}` }), 2))).status).toBe(201); // 36, 18 at once
    await rest("PATCH", "/api/v1/workspace", { key: keys.owner, body: { runStepLimit: 40 } });
    try {
      stub.reset();
      executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 }));
      const started = await rest("POST", "/api/v1/runs", { key: keys.member, body: { team: `u1-${s}`, input: "Just under the limit" } });
      expect(started.status).toBe(201);
      const done = await waitForRun(started.body.id, undefined, 100_000);
      expect(done.error).toBeNull();
      expect(done.status).toBe("succeeded");
      expect(done.stepsDone).toBe(36);
      expect(stub.calls.filter((c) => c.path === "/v1/chat/completions")).toHaveLength(36);
      expect(stub.maxInFlight).toBeLessThanOrEqual(4);
      expect(stub.maxInFlight).toBeGreaterThanOrEqual(2); // it did run in parallel
      expect((done.pins as { limits?: unknown }).limits).toEqual({ steps: 40 });

      // memory: nothing of the finished run stays in the process
      expect(cachedSpendKeys().filter((k) => k.includes(started.body.id))).toEqual([]);
      expect(modelCallSlots().inUse).toBe(0);
      expect(runEventSubscriberCount(started.body.id)).toBe(0);
      expect(runCancelSignalled(started.body.id)).toBe(false);
    } finally {
      await rest("PATCH", "/api/v1/workspace", { key: keys.owner, body: { runStepLimit: null } });
    }
  }, 120_000);

  it('a run past its pinned step limit fails with "Step limit reached" and starts no further step', async () => {
    const s = uniq();
    expect((await createTeam(keys.member, `w-${s}`, mesh(AGENTS, 2))).status).toBe(201); // 24 steps
    // queued with no executor, then its pinned limit is lowered (as for a run pinned under an older, lower limit)
    const started = await rest("POST", "/api/v1/runs", { key: keys.member, body: { team: `w-${s}`, input: "Too many steps" } });
    expect(started.status).toBe(201);
    const row = await db().run.findUniqueOrThrow({ where: { id: started.body.id } });
    await db().run.update({ where: { id: row.id }, data: { pins: { ...(row.pins as object), limits: { steps: 5 } } } });
    setEnv("CADRE_RUN_CONCURRENT_STEPS", "3");
    stub.reset();
    executors.push(startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30 }));
    const done = await waitForRun(row.id, undefined, 30_000);
    expect(done.status).toBe("failed");
    expect(done.error).toMatch(/^Step limit reached: this run may make at most 5 steps/);
    const steps = await stepRows(row.id);
    expect(steps.length).toBeLessThanOrEqual(5);
    expect(stub.calls.filter((c) => c.path === "/v1/chat/completions").length).toBeLessThanOrEqual(5);
    expect(stub.maxInFlight).toBeLessThanOrEqual(3);
    const failed = await db().runEvent.findFirst({ where: { runId: row.id, type: "run.failed" } });
    expect((failed?.data as { error?: string } | undefined)?.error).toContain("Step limit reached");
  }, 60_000);
});

describe("the default monthly budget of a new workspace", () => {
  it("comes from CADRE_DEFAULT_MONTHLY_BUDGET_USD (50 by default), shown by the budgets API and editable", async () => {
    const owner = rw.ws.users.owner;
    const created = await callerFor(owner).workspaces.create({ name: "Budgeted", slug: `budgeted-${uniq()}` });
    const budget = await callerFor(owner, created.slug).budgets.get();
    expect(budget.monthlyLimitUsd).toBe(50);
    const audit = await db().auditLog.findMany({ where: { workspaceId: created.id }, select: { action: true, metadata: true } });
    expect(audit).toEqual([{ action: "workspace.create", metadata: { name: "Budgeted", slug: created.slug, monthlyBudgetUsd: 50 } }]);
    await callerFor(owner, created.slug).budgets.update({ monthlyLimitUsd: 10, perRunLimitUsd: null });
    expect((await callerFor(owner, created.slug).budgets.get()).monthlyLimitUsd).toBe(10);

    setEnv("CADRE_DEFAULT_MONTHLY_BUDGET_USD", "none");
    try {
      const unlimited = await callerFor(owner).workspaces.create({ name: "Unlimited", slug: `unlimited-${uniq()}` });
      expect((await callerFor(owner, unlimited.slug).budgets.get()).monthlyLimitUsd).toBeNull();
    } finally {
      setEnv("CADRE_DEFAULT_MONTHLY_BUDGET_USD", "50");
    }
  });
});
