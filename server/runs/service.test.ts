/**
 * Runs end to end through the real gateway and the offline simulator (seeded in every workspace, 0 ms latency in
 * tests): startRun -> the in-process executor -> steps, events, totals; a real team (sequential of 2, parallel of
 * 3); start validation; budget refusal (at start, and mid-run with partial results); cancel; listing and filters.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { Prisma } from "@/server/db/generated/client";
import { settleObservations } from "@/server/models/gateway";
import { updateBudget } from "@/server/ledger/budgets";
import { archiveAgent } from "@/server/agents/service";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { configureSteps } from "@/server/jobs/step";
import { addAgent, addTeam, eventRows, makeRunWorkspace, simulatorModelId, stepRows, usageRows, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { cancelRun, getRun, listRunEvents, listRuns, startRun } from "./service";

let rw: RunWorkspace;
let executor: Executor;

beforeAll(async () => {
  rw = await makeRunWorkspace("runsvc");
  executor = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 50, leaseMs: 5_000 });
  await addAgent(rw.ctx, "writer");
  await addAgent(rw.ctx, "editor");
  await addAgent(rw.ctx, "critic");
  await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["writer", "editor"] });
  await addTeam(rw.ctx, "trio", { topology: "parallel", agents: ["writer", "editor", "critic"] });
});
afterAll(async () => {
  await executor.stop();
  await settleObservations();
});
afterEach(() => configureSteps());

describe("a single-agent run", () => {
  it("returns at once (queued), executes in the background and records the step", async () => {
    const run = await startRun(rw.ctx, { agent: "writer", input: "Write a haiku about queues." });
    expect(run).toMatchObject({
      status: "queued",
      targetType: "agent",
      agent: { slug: "writer", version: 1 },
      team: null,
      input: "Write a haiku about queues.",
    });
    const done = await waitForRun(run.id);
    expect(done.status).toBe("succeeded");

    const detail = await getRun(rw.ctx, run.id);
    expect(detail.output).toMatch(/^\[simulated\]/);
    expect(detail.steps).toHaveLength(1);
    const step = detail.steps[0]!;
    expect(step).toMatchObject({ stepId: "agent", nodeId: "agent", kind: "agent", status: "succeeded", attempts: 1, agent: { slug: "writer", version: 1 } });
    expect(step.model?.name).toMatch(/^sim-/);
    expect(step.routeReason).toBeTruthy();
    expect(step.inputSeen).toContain("Write a haiku about queues.");
    expect(step.output).toBe(detail.output);
    expect(step.inputTokens).toBeGreaterThan(0);
    expect(step.outputTokens).toBeGreaterThan(0);
    expect(step.costUsd).toBeGreaterThan(0);
    expect(detail.pins).toEqual({ team: null, agent: { id: detail.agent!.id, slug: "writer", version: 1 }, agents: { writer: 1 }, teams: {} });
    expect(detail).toMatchObject({ stepsDone: 1, stepsExpected: 1, inputTokens: step.inputTokens, outputTokens: step.outputTokens, costUsd: step.costUsd });
    expect(detail.durationMs).toBeGreaterThanOrEqual(0);

    const events = await listRunEvents(rw.ctx, run.id);
    expect(events.map((e) => e.type)).toEqual(["run.queued", "run.started", "node.started", "node.finished", "run.progress", "run.succeeded"]);
    expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(events[3]!.data).toMatchObject({
      nodeId: "agent",
      stepId: "agent",
      agent: "writer",
      output: detail.output,
      inputTokens: step.inputTokens,
      costUsd: step.costUsd,
    });
    expect(events[4]!.data).toMatchObject({ stepsDone: 1, stepsExpected: 1 });
    expect(events[5]!.data).toEqual({ output: detail.output, outcome: null });
    expect(await listRunEvents(rw.ctx, run.id, 4)).toHaveLength(2);

    // the usage ledger has the call under the run and step
    const usage = await usageRows(run.id);
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ stepId: "agent", outcome: "ok", agentId: detail.agent!.id });
  });

  it("uses the run's model policy override instead of the agent's", async () => {
    const capable = await simulatorModelId(rw.ws.id, "sim-capable");
    const run = await startRun(rw.ctx, { agent: "writer", input: "Be capable.", modelPolicy: { type: "pinned", modelId: capable } });
    await waitForRun(run.id);
    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.modelPolicyOverride).toEqual({ type: "pinned", modelId: capable });
    expect(detail.steps[0]!.model).toEqual({ ref: capable, name: "sim-capable" });
  });
});

describe("team runs through the real gateway", () => {
  it("sequential of 2: the second agent sees the first one's output; totals are the exact sums of the steps", async () => {
    const run = await startRun(rw.ctx, { team: "pair", input: "Draft and polish a tagline." });
    expect(run).toMatchObject({ status: "queued", targetType: "team", team: { slug: "pair", version: 1 } });
    await waitForRun(run.id);
    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.steps.map((s) => [s.stepId, s.nodeId, s.agent?.slug])).toEqual([
      ["s0", "s0", "writer"],
      ["s1", "s1", "editor"],
    ]);
    const [first, second] = detail.steps;
    expect(second!.inputSeen).toContain(first!.output!);
    expect(second!.inputSeen).toContain("<context");
    expect(detail.output).toBe(second!.output);
    expect(detail.pins).toMatchObject({ team: { slug: "pair", version: 1 }, agents: { writer: 1, editor: 1 }, teams: {} });

    const sums = await db().$queryRaw<{ i: number; o: number; c: Prisma.Decimal }[]>`
      SELECT SUM("inputTokens")::int AS i, SUM("outputTokens")::int AS o, SUM("costUsd") AS c FROM "RunStep" WHERE "runId" = ${run.id}`;
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.inputTokens).toBe(sums[0]!.i);
    expect(row.outputTokens).toBe(sums[0]!.o);
    expect(row.costUsd.equals(sums[0]!.c)).toBe(true);
    expect(detail).toMatchObject({ stepsDone: 2, stepsExpected: 2 });

    const types = (await eventRows(run.id)).map((e) => `${e.type}${(e.data as { nodeId?: string }).nodeId ? `:${(e.data as { nodeId: string }).nodeId}` : ""}`);
    expect(types).toEqual([
      "run.queued",
      "run.started",
      "node.started:s0",
      "node.finished:s0",
      "run.progress",
      "node.started:s1",
      "node.finished:s1",
      "run.progress",
      "run.succeeded",
    ]);
  });

  it("parallel of 3: every agent sees the task only; the outputs come back attributed", async () => {
    const run = await startRun(rw.ctx, { team: "trio", input: "Name a colour." });
    await waitForRun(run.id);
    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.steps.map((s) => s.stepId).sort()).toEqual(["p0", "p1", "p2"]);
    for (const s of detail.steps) expect(s.inputSeen).not.toContain("<context");
    expect(detail.attributed?.map((a) => a.agent).sort()).toEqual(["critic", "editor", "writer"]);
    expect(detail.stepsDone).toBe(3);
    const seqs = (await eventRows(run.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // no gaps, no duplicates under concurrency
  });
});

describe("nested teams (hybrid)", () => {
  it("runs a nested team as one node: its steps under the node's prefix, its agents pinned, its output passed on", async () => {
    const outer = `outer-${newId("run").slice(4, 12)}`; // a slug per attempt: a retry finds the first attempt's team
    await addTeam(rw.ctx, outer, { topology: "hybrid", arrangement: { topology: "sequential", agents: ["critic", { team: "pair" }] } });
    const run = await startRun(rw.ctx, { team: outer, input: "Nest it." });
    await waitForRun(run.id);
    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.pins).toMatchObject({ team: { slug: outer }, agents: { critic: 1, writer: 1, editor: 1 }, teams: { pair: 1 } });
    // the nested team's node has its own row (kind team) just before its steps, with its output and outcome
    expect(detail.steps.map((s) => [s.stepId, s.nodeId, s.kind, s.agent?.slug])).toEqual([
      ["s0", "s0", "agent", "critic"],
      ["s1", "s1", "team", undefined],
      ["s1/s0", "s1/s0", "agent", "writer"],
      ["s1/s1", "s1/s1", "agent", "editor"],
    ]);
    expect(detail.steps[1]).toMatchObject({ status: "succeeded", output: detail.steps[3]!.output, outcome: { topology: "sequential", met: true } });
    expect(detail.steps[2]!.inputSeen).toContain(detail.steps[0]!.output!);
    expect(detail.output).toBe(detail.steps[3]!.output);
    expect(detail.outcome).toEqual({ topology: "sequential", met: true });
    expect(detail).toMatchObject({ stepsDone: 3, stepsExpected: 3 });
  });
});

describe("starting a run", () => {
  it("validates the target, the input and the policy override", async () => {
    await expect(startRun(rw.ctx, { team: "nope", input: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(startRun(rw.ctx, { agent: "nope", input: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(startRun(rw.ctx, { input: "x" })).rejects.toThrow(/exactly one of team or agent/);
    await expect(startRun(rw.ctx, { team: "pair", agent: "writer", input: "x" })).rejects.toThrow(/exactly one/);
    await expect(startRun(rw.ctx, { agent: "writer", input: "" })).rejects.toThrow();
    await expect(startRun(rw.ctx, { agent: "writer", input: "x".repeat(100_001) })).rejects.toThrow(/100000/);
    await expect(startRun(rw.ctx, { agent: "writer", input: "x", modelPolicy: { type: "preset", preset: "no-such" } })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(startRun(rw.ctx, { agent: "writer", input: "x", modelPolicy: { type: "pinned", modelId: "mdl_doesnotexist" } })).rejects.toMatchObject({
      code: "VALIDATION_FAILED",
    });
    await expect(startRun(rw.ctx, { agent: "writer", input: "x", budgetUsd: -1 })).rejects.toThrow();
  });

  it("refuses an archived agent", async () => {
    await addAgent(rw.ctx, "retired");
    await archiveAgent(rw.ctx, "retired");
    await expect(startRun(rw.ctx, { agent: "retired", input: "x" })).rejects.toMatchObject({ code: "CONFLICT" });
  });

  it("refuses at once when the monthly budget is used up; nothing is queued", async () => {
    const other = await makeRunWorkspace("runbudget");
    await addAgent(other.ctx, "solo");
    await updateBudget(other.ctx, { monthlyLimitUsd: 0, perRunLimitUsd: null });
    await expect(startRun(other.ctx, { agent: "solo", input: "x" })).rejects.toMatchObject({ code: "BUDGET_EXCEEDED" });
    expect(await db().run.count({ where: { workspaceId: other.ws.id } })).toBe(0);
  });

  it("writes the audit entries run.start and run.cancel", async () => {
    const run = await startRun(rw.ctx, { agent: "writer", input: "audit me" });
    await waitForRun(run.id);
    const start = await db().auditLog.findFirst({ where: { workspaceId: rw.ws.id, action: "run.start", targetId: run.id } });
    expect(start?.metadata).toMatchObject({ agent: "writer", agentVersion: 1 });
  });
});

describe("budget refusal mid-run", () => {
  it("fails the run at the refused step with the reason; the steps done before stay recorded", async () => {
    const fast = await simulatorModelId(rw.ws.id, "sim-fast");
    const capable = await simulatorModelId(rw.ws.id, "sim-capable");
    // the first agent's worst case is tiny; the second's (8000 output tokens at $15/M = $0.12) crosses a $0.01 budget
    await addAgent(rw.ctx, "cheap", { modelPolicy: { type: "pinned", modelId: fast }, maxOutputTokens: 100 });
    await addAgent(rw.ctx, "pricey", { modelPolicy: { type: "pinned", modelId: capable }, maxOutputTokens: 8000 });
    await addTeam(rw.ctx, "budgeted", { topology: "sequential", agents: ["cheap", "pricey", "cheap"] });

    const run = await startRun(rw.ctx, { team: "budgeted", input: "Spend carefully.", budgetUsd: 0.01 });
    await waitForRun(run.id);
    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("failed");
    expect(detail.failedStepId).toBe("s1");
    expect(detail.error).toMatch(/Step "s1" failed: Run budget of \$0\.01/);
    expect(detail.steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
      ["s0", "succeeded", 1],
      ["s1", "failed", 1],
    ]);
    expect(detail.steps[0]!.output).toMatch(/^\[simulated\]/);
    expect(detail.steps[1]!.error).toMatch(/Run budget/);
    expect(detail.costUsd).toBe(detail.steps[0]!.costUsd);
    expect(detail.stepsDone).toBe(1);
    const events = await eventRows(run.id);
    expect(events.at(-1)).toMatchObject({ type: "run.failed", data: { stepId: "s1" } });
    expect(events.find((e) => e.type === "node.failed")?.data).toMatchObject({ stepId: "s1", willRetry: false, attempt: 1 });
    const refused = await usageRows(run.id, "s1");
    expect(refused.map((u) => u.outcome)).toEqual(["refused"]);
  });
});

describe("cancel", () => {
  it("cancels a queued run that nobody executes at once", async () => {
    const idle = await makeRunWorkspace("runcancel"); // no executor for this workspace
    await addAgent(idle.ctx, "solo");
    const run = await startRun(idle.ctx, { agent: "solo", input: "never mind" });
    const cancelled = await cancelRun(idle.ctx, run.id);
    expect(cancelled.status).toBe("cancelled");
    expect(cancelled.finishedAt).not.toBeNull();
    expect((await eventRows(run.id)).map((e) => e.type)).toEqual(["run.queued", "run.cancelled"]);
    expect((await cancelRun(idle.ctx, run.id)).status).toBe("cancelled"); // idempotent
    expect(await stepRows(run.id)).toHaveLength(0);
    const audit = await db().auditLog.findFirst({ where: { workspaceId: idle.ws.id, action: "run.cancel", targetId: run.id } });
    expect(audit).not.toBeNull();
  });

  it("a finished run cannot be cancelled", async () => {
    const run = await startRun(rw.ctx, { agent: "writer", input: "quick" });
    await waitForRun(run.id);
    await expect(cancelRun(rw.ctx, run.id)).rejects.toMatchObject({ code: "CONFLICT" });
  });
});

describe("listing", () => {
  it("lists newest first with filters (team, agent, status, dates) and a cursor", async () => {
    const all = await listRuns(rw.ctx, { limit: 200 });
    expect(all.items.length).toBeGreaterThanOrEqual(5);
    const times = all.items.map((r) => r.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const pair = await listRuns(rw.ctx, { team: "pair" });
    expect(pair.items.length).toBeGreaterThan(0);
    expect(pair.items.every((r) => r.team?.slug === "pair")).toBe(true);
    const byId = await listRuns(rw.ctx, { team: pair.items[0]!.team!.id });
    expect(byId.items.map((r) => r.id)).toEqual(pair.items.map((r) => r.id));
    expect((await listRuns(rw.ctx, { agent: "writer" })).items.every((r) => r.agent?.slug === "writer")).toBe(true);
    expect((await listRuns(rw.ctx, { status: "failed" })).items.every((r) => r.status === "failed")).toBe(true);
    expect((await listRuns(rw.ctx, { team: "no-such-team" })).items).toEqual([]);
    expect((await listRuns(rw.ctx, { from: new Date(Date.now() + 60_000) })).items).toEqual([]);
    expect((await listRuns(rw.ctx, { to: new Date(Date.now() + 60_000) })).items.length).toBe(all.items.length);

    const page1 = await listRuns(rw.ctx, { limit: 2 });
    expect(page1.items).toHaveLength(2);
    const page2 = await listRuns(rw.ctx, { limit: 2, cursor: page1.nextCursor! });
    expect(page2.items[0]!.id).toBe(all.items[2]!.id);
  });
});
