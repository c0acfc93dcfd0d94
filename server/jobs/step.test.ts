/**
 * The Postgres step API on its own: memoisation and replay, retries with backoff, non-retryable failures,
 * cancellation between steps, parallel steps, sleep.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { backoffMs, configureSteps, createPostgresStep, isRetryable, RunCancelledError, RunParkedError, RunSuspendedError, StepFailedError } from "./step";
import { clearRunCancelSignal, signalRunCancel } from "./cancel-signal";

let ws: TestWorkspace;
beforeAll(async () => {
  ws = await makeWorkspace("steps");
});
afterEach(() => configureSteps());

async function makeRun() {
  const run = await db().run.create({
    data: { id: newId("run"), workspaceId: ws.id, targetType: "agent", input: "x", status: "running", createdByType: "user", createdById: ws.users.owner.id },
  });
  return { runId: run.id, workspaceId: ws.id };
}

const rowOf = (runId: string, stepId: string) => db().runStep.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId } } });

describe("step.run", () => {
  it("stores a step's result and replays it without calling fn again (JSON round trip)", async () => {
    const run = await makeRun();
    let calls = 0;
    const fn = async () => {
      calls++;
      return { n: 42, at: new Date(0), gone: undefined, list: [1, "two"] };
    };
    const original = createPostgresStep(run);
    const first = await original.run("a", fn);
    await original.flush(); // write-behind: committed at the latest when flushed (the run's end flushes)
    expect(first).toEqual({ n: 42, at: "1970-01-01T00:00:00.000Z", list: [1, "two"] });
    // a new step API for the same run: what a restarted process sees
    const replay = await createPostgresStep(run).run("a", fn);
    expect(replay).toEqual(first);
    expect(calls).toBe(1);
    const row = await rowOf(run.runId, "a");
    expect(row).toMatchObject({ status: "succeeded", attempts: 1, error: null });
    expect(row.finishedAt).not.toBeNull();
  });

  it("retries a failing step with exponential backoff, then succeeds (attempts recorded)", async () => {
    configureSteps({ maxAttempts: 3, baseDelayMs: 40 });
    const run = await makeRun();
    const seen: number[] = [];
    const started = Date.now();
    const step = createPostgresStep(run);
    const result = await step.run("flaky", async ({ attempt, maxAttempts }) => {
      seen.push(attempt);
      expect(maxAttempts).toBe(3);
      if (attempt < 3) throw new AppError("UPSTREAM_ERROR", "All 3 model calls failed: 503");
      return "ok";
    });
    expect(result).toBe("ok");
    expect(seen).toEqual([1, 2, 3]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40 + 80 - 5);
    await step.flush();
    expect(await rowOf(run.runId, "flaky")).toMatchObject({ status: "succeeded", attempts: 3, error: null });
  });

  it("gives up after maxAttempts with StepFailedError(stepId, reason); the row says failed with the reason", async () => {
    configureSteps({ maxAttempts: 2, baseDelayMs: 1 });
    const run = await makeRun();
    let calls = 0;
    const step = createPostgresStep(run);
    const error = await step
      .run("broken", async () => {
        calls++;
        throw new Error("socket hang up");
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepFailedError);
    expect(error).toMatchObject({ stepId: "broken", reason: "socket hang up", attempts: 2 });
    expect(calls).toBe(2);
    await step.flush();
    expect(await rowOf(run.runId, "broken")).toMatchObject({ status: "failed", attempts: 2, error: "socket hang up" });
  });

  it("does not retry budget refusals, infeasible routes, validation errors or a provider's 4xx", async () => {
    expect(isRetryable(new AppError("BUDGET_EXCEEDED", "no"))).toBe(false);
    expect(isRetryable(new AppError("NO_FEASIBLE_MODEL", "no"))).toBe(false);
    expect(isRetryable(new AppError("VALIDATION_FAILED", "no"))).toBe(false);
    // the typed property decides, not the message
    expect(isRetryable(new AppError("UPSTREAM_ERROR", "m via p failed: 400", undefined, { retryable: false }))).toBe(false);
    expect(isRetryable(new AppError("UPSTREAM_ERROR", "a message that says the request is not retried"))).toBe(true);
    expect(isRetryable(new AppError("UPSTREAM_ERROR", "All 3 model calls failed"))).toBe(true);
    expect(isRetryable(new Error("ECONNRESET"))).toBe(true);

    const run = await makeRun();
    let calls = 0;
    const step = createPostgresStep(run);
    const error = await step
      .run("refused", async () => {
        calls++;
        throw new AppError("BUDGET_EXCEEDED", "Run budget of $0.01 would be exceeded");
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(error).toMatchObject({ name: "StepFailedError", stepId: "refused", reason: "Run budget of $0.01 would be exceeded" });
    await step.flush();
    expect(await rowOf(run.runId, "refused")).toMatchObject({ status: "failed", attempts: 1 });
  });

  it("backoff doubles per attempt and is capped", () => {
    const s = { maxAttempts: 5, baseDelayMs: 250, maxDelayMs: 1000 };
    expect([1, 2, 3, 4].map((a) => backoffMs(a, s))).toEqual([250, 500, 1000, 1000]);
  });

  it("checks cancellation before each step: a cancel signalled in this process stops the next step, stored steps still replay", async () => {
    const run = await makeRun();
    const step = createPostgresStep(run);
    await step.run("one", async () => 1);
    await db().run.update({ where: { id: run.runId }, data: { cancelRequestedAt: new Date() } });
    signalRunCancel(run.runId);
    let ran = false;
    await expect(step.run("two", async () => (ran = true))).rejects.toBeInstanceOf(RunCancelledError);
    expect(ran).toBe(false);
    expect(await step.run("one", async () => 99)).toBe(1);
    await step.settled();
    await step.flush();
    expect(await db().runStep.count({ where: { runId: run.runId } })).toBe(1);
    clearRunCancelSignal(run.runId);
  });

  it("a cancel requested elsewhere (only the database flag) is read by the next step's start and stops the step after it", async () => {
    const run = await makeRun();
    const step = createPostgresStep(run);
    await step.run("one", async () => 1);
    await step.flush();
    await db().run.update({ where: { id: run.runId }, data: { cancelRequestedAt: new Date() } });
    // "two" started before the flag was read: it runs to the end and is kept; its start read the flag
    expect(await step.run("two", async () => 2)).toBe(2);
    await step.flush();
    let ran = false;
    await expect(step.run("three", async () => (ran = true))).rejects.toBeInstanceOf(RunCancelledError);
    expect(ran).toBe(false);
    await step.settled();
    await step.flush();
    const rows = await db().runStep.findMany({ where: { runId: run.runId }, orderBy: { stepId: "asc" } });
    expect(rows.map((r) => [r.stepId, r.status])).toEqual([
      ["one", "succeeded"],
      ["two", "succeeded"],
    ]);
  });

  it("suspends before the next step when asked (shutdown, lost lease) without failing the step", async () => {
    const run = await makeRun();
    let suspend: string | null = null;
    const step = createPostgresStep({ ...run, suspendReason: () => suspend });
    await step.run("one", async () => 1);
    suspend = "stopping";
    await expect(step.run("two", async () => 2)).rejects.toBeInstanceOf(RunSuspendedError);
    await step.settled();
    await step.flush();
    expect(await db().runStep.count({ where: { runId: run.runId } })).toBe(1);
  });

  it("runs parallel steps concurrently (Promise.all) and settles them all", async () => {
    const run = await makeRun();
    const step = createPostgresStep(run);
    let active = 0;
    let peak = 0;
    const branch = (id: string) =>
      step.run(id, async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((resolve) => setTimeout(resolve, 60));
        active--;
        return id;
      });
    const started = Date.now();
    expect(await Promise.all(["p0", "p1", "p2", "p3"].map(branch))).toEqual(["p0", "p1", "p2", "p3"]);
    expect(peak).toBe(4);
    expect(Date.now() - started).toBeLessThan(60 * 4);
    await step.settled();
    await step.flush();
    expect(await db().runStep.count({ where: { runId: run.runId, status: "succeeded" } })).toBe(4);
  });

  it("sleep parks the run until its wake-up time (stored), and a replay after it goes on without waiting", async () => {
    const run = await makeRun();
    const first = createPostgresStep(run);
    const parked = await first.sleep("nap", 60_000).catch((e: unknown) => e);
    expect(parked).toBeInstanceOf(RunParkedError);
    const wakeAt = (parked as RunParkedError).wakeAt;
    expect(first.parkedUntil()).toBe(wakeAt);
    await first.flush();
    expect(await rowOf(run.runId, "nap")).toMatchObject({ status: "sleeping", result: { wakeAt } });
    // too early: parks again with the same wake-up time
    expect(
      await createPostgresStep(run)
        .sleep("nap", 5_000)
        .catch((e: unknown) => (e as RunParkedError).wakeAt),
    ).toBe(wakeAt);
    // the wake-up time comes (the stored time moved to the past instead of waiting a minute)
    await db()
      .$executeRaw`UPDATE "RunStep" SET "result" = jsonb_build_object('wakeAt', ${Date.now() - 1}::bigint) WHERE "runId" = ${run.runId} AND "stepId" = 'nap'`;
    const again = createPostgresStep(run);
    await again.sleep("nap", 5_000);
    await again.flush();
    expect(again.parkedUntil()).toBeNull();
    expect(await rowOf(run.runId, "nap")).toMatchObject({ status: "succeeded", kind: "system" });
  });

  it("a failure with retryAt: the step waits (stored, the attempt not counted, node.waiting), parks, and is tried again after", async () => {
    const run = await makeRun();
    const retryAt = Date.now() + 60_000;
    const outage = () => new AppError("UPSTREAM_ERROR", "All 3 model calls failed", undefined, { retryAt, waitingFor: "Flaky" });
    const start = { type: "node.started" as const, data: { nodeId: "n", stepId: "w", agent: "a" } };
    let calls = 0;
    const step = createPostgresStep(run);
    const parked = await step
      .run(
        "w",
        async () => {
          calls++;
          throw outage();
        },
        { startEvent: start },
      )
      .catch((e: unknown) => e);
    expect(parked).toBeInstanceOf(RunParkedError);
    expect((parked as RunParkedError).wakeAt).toBe(retryAt);
    await step.flush();
    expect(await rowOf(run.runId, "w")).toMatchObject({ status: "waiting", attempts: 0, result: { retryAt, waitingFor: "Flaky" } });
    const waiting = await db().runEvent.findFirstOrThrow({ where: { runId: run.runId, type: "node.waiting" } });
    expect(waiting.data).toMatchObject({ nodeId: "n", stepId: "w", waitingFor: "Flaky", retryAt: new Date(retryAt).toISOString() });

    // woken early (another branch's wake-up time): parks again without calling fn
    const early = createPostgresStep(run);
    expect(await early.run("w", async () => "never", { startEvent: start }).catch((e: unknown) => e)).toBeInstanceOf(RunParkedError);
    expect(calls).toBe(1);

    // the retry time comes (the stored time moved to the past instead of waiting a minute)
    await db()
      .$executeRaw`UPDATE "RunStep" SET "result" = jsonb_set("result", '{retryAt}', to_jsonb(${Date.now() - 1}::bigint)) WHERE "runId" = ${run.runId} AND "stepId" = 'w'`;
    const later = createPostgresStep(run);
    expect(await later.run("w", async () => "recovered", { startEvent: start })).toBe("recovered");
    await later.flush();
    expect(await rowOf(run.runId, "w")).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(await db().runEvent.count({ where: { runId: run.runId, type: "node.resumed" } })).toBe(1);
  });

  it("a wait beyond the outage wait limit fails the step at once, naming what it waited for", async () => {
    const run = await makeRun();
    const step = createPostgresStep(run);
    const error = await step
      .run(
        "late",
        async () => {
          throw new AppError("NO_FEASIBLE_MODEL", "Every feasible model is cooling down", undefined, { retryAt: Date.now() + 5_000, waitingFor: "Flaky" });
        },
        { outageWaitMs: 1_000 },
      )
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "StepFailedError", stepId: "late" });
    expect((error as StepFailedError).reason).toMatch(/Flaky did not recover within the agent's outage wait limit of 1 s/);
    expect(step.parkedUntil()).toBeNull();
  });
});
