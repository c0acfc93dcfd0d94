/**
 * Durability of the in-process executor: a process killed between steps and inside a step (a real child process,
 * SIGKILL), resumed after its lease expires without repeating completed steps; replay from stored results; retries
 * then failure with the step and the reason; cancel between steps; the per-workspace concurrency limit; graceful
 * stop (the lease released, another executor resumes at once); leases of dead processes released at start-up.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { testDb as db, testPool as pgPool } from "@/test/db";
import { Prisma } from "@/server/db/generated/client";
import { AppError } from "@/lib/errors";
import { generate, settleObservations } from "@/server/models/gateway";
import { startRun, cancelRun, getRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, stepRows, usageRows, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { claimRun, releaseOrphanedLeases, startExecutor, type Executor } from "./executor";
import { executeRun, type ExecuteDeps } from "./run-function";
import { configureSteps, createPostgresStep } from "./step";
import { metrics } from "@/server/observability/metrics";
import { kill, killChildren, startChild } from "@/test/fixtures/executor-process";

const executors: Executor[] = [];
function executor(options: Parameters<typeof startExecutor>[0]) {
  const e = startExecutor({ pollMs: 30, ...options });
  executors.push(e);
  return e;
}
afterEach(async () => {
  configureSteps();
  await Promise.all(executors.splice(0).map((e) => e.stop()));
  killChildren();
  await settleObservations();
});
afterAll(async () => {
  await settleObservations();
});

/** A gateway that counts its calls per step (and can be told to fail or to wait). */
function countingGateway(behaviour: (stepId: string, call: number) => Promise<void> | void = () => undefined) {
  const calls = new Map<string, number>();
  const deps: Partial<ExecuteDeps> = {
    generate: async (ctx, req) => {
      const n = (calls.get(req.stepId!) ?? 0) + 1;
      calls.set(req.stepId!, n);
      await behaviour(req.stepId!, n);
      return generate(ctx, req);
    },
  };
  return { calls, deps };
}

async function sequentialTeam(rw: RunWorkspace, slug: string, agents: number) {
  const names = Array.from({ length: agents }, (_, i) => `${slug}-a${i}`);
  for (const n of names) await addAgent(rw.ctx, n);
  await addTeam(rw.ctx, slug, { topology: "sequential", agents: names });
}

// ---------------------------------------------------------------------------------------------------
// A real process, killed

describe("a process killed mid-run", () => {
  let rw: RunWorkspace;
  beforeAll(async () => {
    rw = await makeRunWorkspace("crash");
    await sequentialTeam(rw, "chain", 4);
  });

  it("between steps: the run resumes after the lease expires, completed steps are not repeated, and it finishes", async () => {
    const run = await startRun(rw.ctx, { team: "chain", input: "Survive a crash between steps." });
    const { child, waitFor } = startChild({ CADRE_CHILD_WORKSPACE: rw.ws.id, CADRE_CHILD_LEASE_MS: "600", CADRE_CHILD_HANG: "after:s1" });
    await waitFor("HANG after s1");
    await kill(child);

    const before = await stepRows(run.id);
    expect(before.map((s) => [s.stepId, s.status])).toEqual([
      ["s0", "succeeded"],
      ["s1", "succeeded"],
    ]);
    const leased = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(leased.status).toBe("running");
    expect(leased.leaseOwner).toMatch(/\//);

    // this process takes over once the dead process's lease has expired (not before)
    const { calls, deps } = countingGateway();
    executor({ workspaceIds: [rw.ws.id], leaseMs: 2_000, deps, reclaimOrphans: false });
    const done = await waitForRun(run.id);
    expect(done.status).toBe("succeeded");
    expect(done.leaseOwner).toBeNull();

    expect([...calls.keys()].sort()).toEqual(["s2", "s3"]); // s0, s1 replayed from their stored results
    const steps = await stepRows(run.id);
    expect(steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
      ["s0", "succeeded", 1],
      ["s1", "succeeded", 1],
      ["s2", "succeeded", 1],
      ["s3", "succeeded", 1],
    ]);
    for (const stepId of ["s0", "s1", "s2", "s3"]) expect(await usageRows(run.id, stepId), stepId).toHaveLength(1);
    // the resumed s2 saw s1's stored output
    expect(steps[2]!.inputSeen).toContain(steps[1]!.output!);
    const events = await eventRows(run.id);
    expect(events.filter((e) => e.type === "run.started")).toHaveLength(1);
    expect(events.filter((e) => e.type === "node.finished").map((e) => (e.data as { stepId: string }).stepId)).toEqual(["s0", "s1", "s2", "s3"]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it("inside a step: the interrupted step runs again (attempt 2), the ones before it do not", async () => {
    const run = await startRun(rw.ctx, { team: "chain", input: "Survive a crash inside a step." });
    const { child, waitFor } = startChild({ CADRE_CHILD_WORKSPACE: rw.ws.id, CADRE_CHILD_LEASE_MS: "600", CADRE_CHILD_HANG: "inside:s2" });
    await waitFor("HANG inside s2");
    await kill(child);
    expect((await stepRows(run.id)).map((s) => [s.stepId, s.status])).toEqual([
      ["s0", "succeeded"],
      ["s1", "succeeded"],
      ["s2", "running"],
    ]);
    expect(await usageRows(run.id, "s2")).toHaveLength(1); // its model call happened before the crash

    const { calls, deps } = countingGateway();
    executor({ workspaceIds: [rw.ws.id], leaseMs: 2_000, deps, reclaimOrphans: false });
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    expect(Object.fromEntries(calls)).toEqual({ s2: 1, s3: 1 });
    const steps = await stepRows(run.id);
    expect(steps.map((s) => [s.stepId, s.status, s.attempts])).toEqual([
      ["s0", "succeeded", 1],
      ["s1", "succeeded", 1],
      ["s2", "succeeded", 2],
      ["s3", "succeeded", 1],
    ]);
    expect(await db().runStep.count({ where: { runId: run.id } })).toBe(4);
    // one cost: the run's totals are its ledger's (5 calls), and the (4) steps' shares add up to them
    const detail = await getRun(rw.ctx, run.id);
    const ledger = await usageRows(run.id);
    expect(ledger).toHaveLength(5);
    expect(detail.inputTokens).toBe(ledger.reduce((a, u) => a + u.inputTokens, 0));
    expect(steps[2]!.inputTokens).toBe((await usageRows(run.id, "s2")).reduce((a, u) => a + u.inputTokens, 0));
    expect(detail.costUsd).toBeCloseTo(
      steps.reduce((a, s) => a + Number(s.costUsd), 0),
      10,
    );
    expect(detail.inputTokens).toBe(steps.reduce((a, s) => a + s.inputTokens, 0));
  });

  it("a restarted process of the same host takes over a dead process's runs at once (no lease wait)", async () => {
    const run = await startRun(rw.ctx, { team: "chain", input: "Resume at start-up." });
    const { child, waitFor } = startChild({ CADRE_CHILD_WORKSPACE: rw.ws.id, CADRE_CHILD_LEASE_MS: "60000", CADRE_CHILD_HANG: "after:s0" });
    await waitFor("HANG after s0");
    await kill(child);
    const started = Date.now();
    executor({ workspaceIds: [rw.ws.id], leaseMs: 60_000 }); // reclaimOrphans: the child's pid is gone
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(10_000); // far less than the 60 s lease
    expect(await usageRows(run.id, "s0")).toHaveLength(1);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("replay", () => {
  it("executeRun again over stored steps calls no model and gives the same output; a finished run is left alone", async () => {
    const rw = await makeRunWorkspace("replay");
    await sequentialTeam(rw, "three", 3);
    const run = await startRun(rw.ctx, { team: "three", input: "Replay me." });
    const first = countingGateway();
    const step = () => createPostgresStep({ runId: run.id, workspaceId: rw.ws.id });
    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, step(), { deps: first.deps })).toBe("succeeded");
    expect(first.calls.size).toBe(3);
    const output = (await getRun(rw.ctx, run.id)).output;

    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, step(), { deps: first.deps })).toBe("already_finished");
    // as if the process had died just before finishing: the run is running again, its steps stored
    await db().run.update({ where: { id: run.id }, data: { status: "running", finishedAt: null, output: Prisma.DbNull } });
    const second = countingGateway();
    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, step(), { deps: second.deps })).toBe("succeeded");
    expect(second.calls.size).toBe(0);
    expect((await getRun(rw.ctx, run.id)).output).toBe(output);
    expect(await db().runStep.count({ where: { runId: run.id } })).toBe(3);
    expect(await db().usageRecord.count({ where: { runId: run.id } })).toBe(3);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("retries", () => {
  it("retries a failing step with backoff, then fails the run with the step and the reason visible", async () => {
    configureSteps({ maxAttempts: 3, baseDelayMs: 30 });
    const rw = await makeRunWorkspace("retry");
    await sequentialTeam(rw, "fragile", 3);
    const { calls, deps } = countingGateway((stepId) => {
      if (stepId === "s1") throw new AppError("UPSTREAM_ERROR", "All 3 model calls failed: 1) Stub: error (503 Service Unavailable)");
    });
    const run = await startRun(rw.ctx, { team: "fragile", input: "This will not end well." });
    const started = Date.now();
    executor({ workspaceIds: [rw.ws.id], deps });
    await waitForRun(run.id);
    expect(Date.now() - started).toBeGreaterThanOrEqual(30 + 60);
    expect(Object.fromEntries(calls)).toEqual({ s0: 1, s1: 3 });

    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("failed");
    expect(detail.failedStepId).toBe("s1");
    expect(detail.error).toBe('Step "s1" failed: All 3 model calls failed: 1) Stub: error (503 Service Unavailable)');
    const s1 = detail.steps.find((s) => s.stepId === "s1")!;
    expect(s1).toMatchObject({
      status: "failed",
      attempts: 3,
      error: "All 3 model calls failed: 1) Stub: error (503 Service Unavailable)",
      agent: { slug: "fragile-a1" },
    });
    expect(s1.inputSeen).toContain("This will not end well.");
    expect(detail.steps.map((s) => s.stepId)).toEqual(["s0", "s1"]); // s2 never started

    const events = await eventRows(run.id);
    const failed = events.filter((e) => e.type === "node.failed").map((e) => e.data as { attempt: number; willRetry: boolean; stepId: string });
    expect(failed).toEqual([
      expect.objectContaining({ stepId: "s1", attempt: 1, willRetry: true }),
      expect.objectContaining({ stepId: "s1", attempt: 2, willRetry: true }),
      expect.objectContaining({ stepId: "s1", attempt: 3, willRetry: false }),
    ]);
    expect(
      events.filter((e) => e.type === "node.started" && (e.data as { stepId: string }).stepId === "s1").map((e) => (e.data as { attempt: number }).attempt),
    ).toEqual([1, 2, 3]);
    expect(events.at(-1)).toMatchObject({ type: "run.failed", data: { stepId: "s1" } });
  });

  it("a step that succeeds on a retry lets the run succeed (attempts recorded)", async () => {
    configureSteps({ maxAttempts: 3, baseDelayMs: 5 });
    const rw = await makeRunWorkspace("retryok");
    await sequentialTeam(rw, "wobbly", 2);
    const { deps } = countingGateway((stepId, n) => {
      if (stepId === "s0" && n === 1) throw new Error("ECONNRESET");
    });
    const run = await startRun(rw.ctx, { team: "wobbly", input: "Try again." });
    executor({ workspaceIds: [rw.ws.id], deps });
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    expect((await stepRows(run.id)).map((s) => [s.stepId, s.attempts])).toEqual([
      ["s0", 2],
      ["s1", 1],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("cancel while running", () => {
  it("stops at once and marks the run cancelled; the finished steps stay, the step in flight is aborted and released", async () => {
    const rw = await makeRunWorkspace("cancelrun");
    await sequentialTeam(rw, "long", 4);
    let runId = "";
    const { calls, deps } = countingGateway(async (stepId) => {
      if (stepId === "s1") await cancelRun(rw.ctx, runId); // the cancel arrives while s1 runs
    });
    const run = await startRun(rw.ctx, { team: "long", input: "Stop me." });
    runId = run.id;
    executor({ workspaceIds: [rw.ws.id], deps });
    const done = await waitForRun(run.id);
    expect(done.status).toBe("cancelled");
    expect(done.cancelRequestedAt).not.toBeNull();
    expect([...calls.keys()]).toEqual(["s0", "s1"]);
    // s1's model call was in flight when the cancel came: aborted (server/jobs/cancel-signal.ts), the step released
    expect((await stepRows(run.id)).map((s) => [s.stepId, s.status])).toEqual([
      ["s0", "succeeded"],
      ["s1", "pending"],
    ]);
    expect((await usageRows(run.id, "s1")).filter((u) => u.outcome === "ok")).toEqual([]);
    const events = await eventRows(run.id);
    expect(events.at(-1)?.type).toBe("run.cancelled");
    expect(events.filter((e) => e.type === "node.started")).toHaveLength(2);
  });
});

// ---------------------------------------------------------------------------------------------------

describe("concurrency", () => {
  it("runs at most N runs of a workspace at once; the others stay queued, then all finish", async () => {
    const rw = await makeRunWorkspace("conc");
    await addAgent(rw.ctx, "worker");
    let active = 0;
    let peak = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { deps } = countingGateway(async () => {
      active++;
      peak = Math.max(peak, active);
      await gate;
      active--;
    });
    const runs = [];
    for (let i = 0; i < 5; i++) runs.push(await startRun(rw.ctx, { agent: "worker", input: `job ${i}` }));
    const e = executor({ workspaceIds: [rw.ws.id], workspaceConcurrency: 2, maxConcurrent: 8, deps });
    await sleep(300);
    expect(peak).toBe(2);
    expect(e.active()).toHaveLength(2);
    const statuses = await db().run.groupBy({ by: ["status"], where: { workspaceId: rw.ws.id }, _count: true });
    expect(Object.fromEntries(statuses.map((s) => [s.status, s._count]))).toEqual({ running: 2, queued: 3 });
    // a second executor (another process) respects the same limit: the leases are counted in the database
    const other = executor({ workspaceIds: [rw.ws.id], workspaceConcurrency: 2, deps });
    await sleep(200);
    expect(other.active()).toHaveLength(0);
    release();
    for (const r of runs) expect((await waitForRun(r.id)).status).toBe("succeeded");
    expect(peak).toBe(2);
  });

  it("30 concurrent team runs (sequential and parallel) in 3 workspaces: none lost, each exactly once", async () => {
    const rws = [await makeRunWorkspace("many1"), await makeRunWorkspace("many2"), await makeRunWorkspace("many3")];
    for (const rw of rws) {
      for (const n of ["a", "b", "c", "d", "e"]) await addAgent(rw.ctx, n);
      await addTeam(rw.ctx, "five", { topology: "sequential", agents: ["a", "b", "c", "d", "e"] });
      await addTeam(rw.ctx, "fan", { topology: "parallel", agents: ["a", "b", "c", "d", "e"] });
    }
    executor({ workspaceIds: rws.map((r) => r.ws.id), maxConcurrent: 12, workspaceConcurrency: 4 });
    const runs = await Promise.all(Array.from({ length: 30 }, (_, i) => startRun(rws[i % 3]!.ctx, { team: i % 2 ? "five" : "fan", input: `job ${i}` })));
    for (const r of runs) expect((await waitForRun(r.id, undefined, 60_000)).status, r.id).toBe("succeeded");
    const ids = runs.map((r) => r.id);
    expect(await db().runStep.count({ where: { runId: { in: ids } } })).toBe(150);
    expect(await db().usageRecord.count({ where: { runId: { in: ids } } })).toBe(150);
    const finals = await db().runEvent.groupBy({ by: ["runId"], where: { runId: { in: ids }, type: "run.succeeded" }, _count: true });
    expect(finals.every((f) => f._count === 1) && finals.length === 30).toBe(true);
  });

  it("runs at most maxConcurrent runs per process", async () => {
    const rw = await makeRunWorkspace("procconc");
    await addAgent(rw.ctx, "worker");
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { deps } = countingGateway(() => gate);
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await startRun(rw.ctx, { agent: "worker", input: `job ${i}` }));
    const e = executor({ workspaceIds: [rw.ws.id], workspaceConcurrency: 10, maxConcurrent: 1, deps });
    await sleep(200);
    expect(e.active()).toHaveLength(1);
    release();
    for (const r of runs) expect((await waitForRun(r.id)).status).toBe("succeeded");
  });
});

// ---------------------------------------------------------------------------------------------------

describe("stopping and claiming", () => {
  it("a woken run whose row was locked at that moment (SKIP LOCKED passed it over) is claimed shortly after, not at the next poll", async () => {
    const rw = await makeRunWorkspace("wokenlock");
    await sequentialTeam(rw, "quick", 1);
    const e = executor({ workspaceIds: [rw.ws.id], pollMs: 60_000 });
    await e.idle();
    const run = await startRun(rw.ctx, { team: "quick", input: "Claim me despite the lock." });
    // startRun woke the executor (see wakeExecutor); here the same wake, while another session holds the row
    const client = await pgPool().connect();
    try {
      await client.query("BEGIN");
      await client.query(`SELECT id FROM "Run" WHERE id = '${run.id}' FOR UPDATE`);
      e.wake(run.id);
      await sleep(25);
      await client.query("COMMIT");
    } finally {
      client.release();
    }
    const started = Date.now();
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(5_000); // the poll would have taken 60 s
  });

  it("claims once for a woken run when nothing else waits: no claim after it, none at the run's end", async () => {
    const rw = await makeRunWorkspace("oneclaim");
    await sequentialTeam(rw, "solo", 2);
    const e = executor({ workspaceIds: [rw.ws.id], pollMs: 60_000 });
    await e.idle();
    const before = metrics.claimDuration.count();
    const run = await startRun(rw.ctx, { team: "solo", input: "One claim is enough." });
    e.wake(run.id);
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    await e.idle();
    await sleep(50);
    expect(metrics.claimDuration.count() - before).toBe(1);
  });

  it("a run held back by its workspace's limit is claimed as the run ahead ends, not at the next poll", async () => {
    const rw = await makeRunWorkspace("heldback");
    await sequentialTeam(rw, "pair", 2);
    // slow steps: the few quick claims again of a woken run that could not be claimed are over long before it ends
    const { deps } = countingGateway(async () => {
      await sleep(150);
    });
    const e = executor({ workspaceIds: [rw.ws.id], pollMs: 60_000, workspaceConcurrency: 1, deps });
    await e.idle();
    const first = await startRun(rw.ctx, { team: "pair", input: "First." });
    const second = await startRun(rw.ctx, { team: "pair", input: "Second, behind the limit." });
    const started = Date.now();
    e.wake(first.id);
    e.wake(second.id);
    expect((await waitForRun(first.id)).status).toBe("succeeded");
    expect((await waitForRun(second.id)).status).toBe("succeeded");
    expect(Date.now() - started).toBeLessThan(5_000); // the poll would have taken 60 s
  });

  it("SIGTERM (a server process): the current step finishes, the lease is released, the process exits; the run resumes elsewhere", async () => {
    const rw = await makeRunWorkspace("sigterm");
    await sequentialTeam(rw, "slow", 4);
    const run = await startRun(rw.ctx, { team: "slow", input: "Shut down politely." });
    // sim-fast answers in 20 ms x 20 = 400 ms in the child
    const { child, waitFor } = startChild({
      CADRE_CHILD_WORKSPACE: rw.ws.id,
      CADRE_CHILD_LEASE_MS: "60000",
      CADRE_CHILD_MODE: "server",
      CADRE_CHILD_LATENCY_SCALE: "20",
    });
    await waitFor("READY");
    await waitForRun(run.id, () => true);
    for (;;) {
      const s1 = await db().runStep.findUnique({ where: { runId_stepId: { runId: run.id, stepId: "s1" } } });
      if (s1?.status === "running") break;
      await sleep(10);
    }
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await exited;
    expect(code).toBe(143);
    const steps = await stepRows(run.id);
    expect(steps.map((s) => [s.stepId, s.status])).toEqual([
      ["s0", "succeeded"],
      ["s1", "succeeded"],
    ]);
    expect(await db().run.findUniqueOrThrow({ where: { id: run.id } })).toMatchObject({ status: "running", leaseOwner: null });

    const { calls, deps } = countingGateway();
    executor({ workspaceIds: [rw.ws.id], deps });
    expect((await waitForRun(run.id)).status).toBe("succeeded");
    expect([...calls.keys()]).toEqual(["s2", "s3"]);
  });

  it("stop() lets the current step finish, releases the lease; the next executor resumes at once", async () => {
    const rw = await makeRunWorkspace("graceful");
    await sequentialTeam(rw, "steps", 3);
    let entered!: () => void;
    const inS1 = new Promise<void>((resolve) => (entered = resolve));
    const first = countingGateway(async (stepId) => {
      if (stepId === "s1") {
        entered();
        await sleep(150);
      }
    });
    const run = await startRun(rw.ctx, { team: "steps", input: "Stop gracefully." });
    const e = startExecutor({ workspaceIds: [rw.ws.id], pollMs: 30, leaseMs: 60_000, deps: first.deps });
    await inS1;
    await e.stop();
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row).toMatchObject({ status: "running", leaseOwner: null, leaseExpiresAt: null });
    expect((await stepRows(run.id)).map((s) => [s.stepId, s.status])).toEqual([
      ["s0", "succeeded"],
      ["s1", "succeeded"],
    ]);

    const second = countingGateway();
    executor({ workspaceIds: [rw.ws.id], leaseMs: 60_000, deps: second.deps });
    expect((await waitForRun(run.id, undefined, 5_000)).status).toBe("succeeded");
    expect([...second.calls.keys()]).toEqual(["s2"]);
  });

  it("a claim takes each run once, even with claims racing", async () => {
    const rw = await makeRunWorkspace("claims");
    await addAgent(rw.ctx, "worker");
    const runs = [];
    for (let i = 0; i < 3; i++) runs.push(await startRun(rw.ctx, { agent: "worker", input: `job ${i}` }));
    const claims = await Promise.all(
      Array.from({ length: 6 }, (_, i) => claimRun({ owner: `racer/${i}`, leaseMs: 60_000, workspaceConcurrency: 10, workspaceIds: [rw.ws.id] })),
    );
    const ids = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(ids.sort()).toEqual(runs.map((r) => r.id).sort());
  });

  it("expires leases held by dead processes of this host, not by live ones", async () => {
    const rw = await makeRunWorkspace("orphans");
    await addAgent(rw.ctx, "worker");
    const a = await startRun(rw.ctx, { agent: "worker", input: "a" });
    const b = await startRun(rw.ctx, { agent: "worker", input: "b" });
    const host = (await import("node:os")).hostname();
    const until = new Date(Date.now() + 60_000);
    await db().run.update({ where: { id: a.id }, data: { leaseOwner: `${host}/999999/dead`, leaseExpiresAt: until } });
    await db().run.update({ where: { id: b.id }, data: { leaseOwner: `${host}/${process.pid}/alive`, leaseExpiresAt: until } });
    expect(await releaseOrphanedLeases(`${host}/${process.pid}/me`)).toBeGreaterThanOrEqual(1);
    // expired (claimable at once; the claim counts the dead execution), not cleared
    const orphan = await db().run.findUniqueOrThrow({ where: { id: a.id } });
    expect(orphan.leaseOwner).toBe(`${host}/999999/dead`);
    expect(orphan.leaseExpiresAt!.getTime()).toBeLessThan(Date.now());
    expect((await db().run.findUniqueOrThrow({ where: { id: b.id } })).leaseOwner).toBe(`${host}/${process.pid}/alive`);
    await db().run.updateMany({ where: { id: { in: [a.id, b.id] } }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });
  });
});
