/**
 * The Inngest function, run by @inngest/test (real step memoisation, no Inngest server): the same executeRun body
 * on Inngest's step tools; plus the adapter's error mapping and startRun handing runs to Inngest when configured.
 * (@inngest/test does not model retries and may run one step of a Promise.all group twice: no call counts there.)
 */
import { InngestTestEngine } from "@inngest/test";
import { NonRetriableError } from "inngest";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { AppError } from "@/lib/errors";
import { setEnv } from "@/server/env";
import { settleObservations } from "@/server/models/gateway";
import { startRun, getRun, cancelRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, stepRows, type RunWorkspace } from "@/test/fixtures/runs";
import { inngest, inngestEnabled, inngestSteps, RUN_REQUESTED_EVENT, runFunction, type InngestStepTools } from "./inngest";
import { StepFailedError } from "./step";
import { ACCESS_ENDED } from "./run-access";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { makeApiKey } from "@/test/helpers";

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("inngest");
  await addAgent(rw.ctx, "writer");
  await addAgent(rw.ctx, "editor");
  await addAgent(rw.ctx, "critic");
  await addTeam(rw.ctx, "pair", { topology: "sequential", agents: ["writer", "editor"] });
  await addTeam(rw.ctx, "trio", { topology: "parallel", agents: ["writer", "editor", "critic"] });
});
afterAll(async () => {
  await settleObservations();
});
afterEach(() => {
  vi.restoreAllMocks();
  setEnv("INNGEST_EVENT_KEY", "");
  setEnv("INNGEST_SIGNING_KEY", "");
});

const engineFor = (runId: string) =>
  new InngestTestEngine({ function: runFunction, events: [{ name: RUN_REQUESTED_EVENT, data: { runId, workspaceId: rw.ws.id } }] });

describe("the Inngest function cadre/run.requested", () => {
  it("executes a sequential team run: steps memoised under their stable ids, recorded, the run finished", async () => {
    const run = await startRun(rw.ctx, { team: "pair", input: "Run on Inngest." });
    const { result, error, state } = await engineFor(run.id).execute();
    expect(error).toBeUndefined();
    expect(result).toBe("succeeded");
    expect(Object.keys(state).length).toBeGreaterThanOrEqual(2);

    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("succeeded");
    expect(detail.steps.map((s) => [s.stepId, s.status, s.agent?.slug])).toEqual([
      ["s0", "succeeded", "writer"],
      ["s1", "succeeded", "editor"],
    ]);
    expect(detail.steps[1]!.inputSeen).toContain(detail.steps[0]!.output!);
    expect(detail.output).toBe(detail.steps[1]!.output);
    expect(detail.costUsd).toBeCloseTo(
      detail.steps.reduce((a, s) => a + s.costUsd, 0),
      10,
    );
    const types = (await eventRows(run.id)).map((e) => e.type);
    expect(types[0]).toBe("run.queued");
    expect(types.filter((t) => t === "run.started")).toHaveLength(1); // not once per invocation
    expect(types.at(-1)).toBe("run.succeeded");
  });

  it("executes a parallel team (Promise.all of steps)", async () => {
    const run = await startRun(rw.ctx, { team: "trio", input: "Three at once on Inngest." });
    let { result, error } = await engineFor(run.id).execute();
    // two entries racing on one step: the later one throws a retriable error ("finished concurrently: retry to read
    // its result"), which Inngest answers by running the function again; so does this test (at most twice)
    for (let retry = 0; retry < 2 && result === undefined && /finished concurrently/.test(String((error as Error | undefined)?.message)); retry++) {
      ({ result, error } = await engineFor(run.id).execute());
    }
    // @inngest/test may re-enter the body of a Promise.all group after an earlier entry already finished the run;
    // that entry then reports "already_finished" (it found the run finished) or "superseded" (its own finish came
    // second and changed nothing). Either way the run itself succeeded once.
    expect(["succeeded", "already_finished", "superseded"]).toContain(result);
    const detail = await getRun(rw.ctx, run.id);
    expect(detail.status).toBe("succeeded");
    expect((await eventRows(run.id)).filter((e) => e.type === "run.succeeded")).toHaveLength(1);
    expect(detail.steps.map((s) => s.stepId).sort()).toEqual(["p0", "p1", "p2"]);
    expect(detail.attributed).toHaveLength(3);
  });

  it("marks a run cancelled before it started as cancelled without any step", async () => {
    const run = await startRun(rw.ctx, { agent: "writer", input: "Cancelled early." });
    await db().run.update({ where: { id: run.id }, data: { cancelRequestedAt: new Date() } });
    const { result } = await engineFor(run.id).execute();
    expect(result).toBe("cancelled");
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("cancelled");
    expect(await stepRows(run.id)).toHaveLength(0);
  });

  it("leaves a finished run alone", async () => {
    const run = await startRun(rw.ctx, { agent: "writer", input: "Cancelled before Inngest." });
    await cancelRun(rw.ctx, run.id);
    const { result } = await engineFor(run.id).execute();
    expect(result).toBe("already_finished");
  });
});

describe("the Inngest function refuses a run whose creator's access ended", () => {
  it("a run of a key revoked after it was queued (without the service) is cancelled with the reason, no step runs", async () => {
    const key = await makeApiKey(rw.ws, "member");
    const run = await startRun(await authenticateApiKey(key.raw), { agent: "writer", input: "Never on Inngest." });
    await db().apiKey.update({ where: { id: key.id }, data: { revokedAt: new Date() } });
    const { result } = await engineFor(run.id).execute();
    expect(result).toBe("cancelled");
    const detail = await getRun(rw.ctx, run.id);
    expect(detail).toMatchObject({ status: "cancelled", error: ACCESS_ENDED.keyRevoked });
    expect(detail.steps).toEqual([]);
    expect((await eventRows(run.id)).map((e) => e.type)).toEqual(["run.queued", "run.cancelled"]);
  });
});

describe("the step adapter", () => {
  /** A minimal Inngest-like step tool: memoises results by id, retries `retries` times. */
  function fakeInngest(retries: number) {
    const memo = new Map<string, unknown>();
    const tools: InngestStepTools = {
      async run(id, fn) {
        if (memo.has(id)) return memo.get(id);
        for (let attempt = 0; ; attempt++) {
          try {
            const value = await fn();
            memo.set(id, value);
            return value;
          } catch (error) {
            if (error instanceof NonRetriableError || attempt >= retries) throw Object.assign(new Error((error as Error).message), { name: "StepError" });
          }
        }
      },
      sleep: async () => undefined,
    };
    return tools;
  }

  it("keeps RunStep rows, refuses to retry what is not retryable, and reports the step that failed", async () => {
    const run = await db().run.create({
      data: {
        id: `run_adapter${Date.now()}`,
        workspaceId: rw.ws.id,
        targetType: "agent",
        input: "x",
        status: "running",
        createdByType: "user",
        createdById: rw.ws.users.owner.id,
      },
    });
    const steps = inngestSteps(fakeInngest(2), { runId: run.id, workspaceId: rw.ws.id }, 0);
    expect(await steps.run("ok", async () => ({ v: 1 }), { kind: "agent", nodeId: "n" })).toEqual({ v: 1 });
    expect(await db().runStep.findUniqueOrThrow({ where: { runId_stepId: { runId: run.id, stepId: "ok" } } })).toMatchObject({
      status: "succeeded",
      kind: "agent",
      nodeId: "n",
      attempts: 1,
    });

    let calls = 0;
    const refused = await steps
      .run("budget", async () => {
        calls++;
        throw new AppError("BUDGET_EXCEEDED", "Run budget exceeded");
      })
      .catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect(refused).toBeInstanceOf(StepFailedError);
    expect(refused).toMatchObject({ stepId: "budget", reason: "Run budget exceeded" });
    expect(await db().runStep.findUniqueOrThrow({ where: { runId_stepId: { runId: run.id, stepId: "budget" } } })).toMatchObject({
      status: "failed",
      error: "Run budget exceeded",
    });

    let flaky = 0;
    const flakyError = await steps
      .run("flaky", async () => {
        flaky++;
        throw new Error("ECONNRESET");
      })
      .catch((e: unknown) => e);
    expect(flaky).toBe(3); // retried by "Inngest"
    expect(flakyError).toMatchObject({ name: "StepFailedError", stepId: "flaky" });
    expect((await db().runStep.findUniqueOrThrow({ where: { runId_stepId: { runId: run.id, stepId: "flaky" } } })).attempts).toBe(3);
  });
});

describe("outage waits under Inngest", () => {
  it("a failure with retryAt: the step waits with step.sleep (durable under Inngest), then is tried again; the limit still applies", async () => {
    const memo = new Map<string, unknown>();
    const slept: { id: string; ms: number }[] = [];
    const tools: InngestStepTools = {
      async run(id, fn) {
        if (memo.has(id)) return memo.get(id);
        const value = await fn();
        memo.set(id, value);
        return value;
      },
      async sleep(id, ms) {
        slept.push({ id, ms });
      },
    };
    const run = await db().run.create({
      data: {
        id: `run_wait${Date.now()}`,
        workspaceId: rw.ws.id,
        targetType: "agent",
        input: "x",
        status: "running",
        createdByType: "user",
        createdById: rw.ws.users.owner.id,
      },
    });
    const steps = inngestSteps(tools, { runId: run.id, workspaceId: rw.ws.id }, 0);
    const start = { type: "node.started" as const, data: { nodeId: "agent", stepId: "agent", agent: "writer" } };
    let calls = 0;
    const result = await steps.run(
      "agent",
      async () => {
        calls++;
        if (calls <= 2) throw new AppError("UPSTREAM_ERROR", "All 3 model calls failed", undefined, { retryAt: Date.now() + 30_000, waitingFor: "Flaky AI" });
        return { text: "recovered" };
      },
      { kind: "agent", nodeId: "agent", startEvent: start },
    );
    expect(result).toEqual({ text: "recovered" });
    expect(calls).toBe(3);
    expect(slept.map((s) => s.id)).toEqual(["agent~wait-1", "agent~wait-2"]);
    for (const s of slept) expect(s.ms).toBeGreaterThan(29_000);
    expect([...memo.keys()]).toEqual(["agent", "agent~after-wait-1", "agent~after-wait-2"]);
    expect(await db().runStep.findUniqueOrThrow({ where: { runId_stepId: { runId: run.id, stepId: "agent" } } })).toMatchObject({
      status: "succeeded",
      attempts: 1,
    });
    const types = (await eventRows(run.id)).map((e) => e.type);
    expect(types.filter((t) => t === "node.waiting")).toHaveLength(2);
    expect(types.filter((t) => t === "node.resumed")).toHaveLength(2);

    // beyond the limit: no sleep, the step fails naming the provider and the limit
    const late = await steps
      .run(
        "late",
        async () => {
          throw new AppError("NO_FEASIBLE_MODEL", "Every feasible model is cooling down", undefined, { retryAt: Date.now() + 600_000, waitingFor: "Flaky AI" });
        },
        { outageWaitMs: 120_000 },
      )
      .catch((e: unknown) => e);
    expect(late).toBeInstanceOf(StepFailedError);
    expect((late as StepFailedError).reason).toMatch(/Flaky AI did not recover within the agent's outage wait limit of 120 s/);
    expect(slept).toHaveLength(2);
  });
});

describe("startRun with Inngest configured", () => {
  it("sends cadre/run.requested instead of waking the in-process executor", async () => {
    setEnv("INNGEST_EVENT_KEY", "test-event-key");
    setEnv("INNGEST_SIGNING_KEY", "signkey-test-0123456789abcdef");
    expect(inngestEnabled()).toBe(true);
    const send = vi.spyOn(inngest, "send").mockResolvedValue({ ids: ["evt1"] } as never);
    const run = await startRun(rw.ctx, { agent: "writer", input: "to Inngest" });
    expect(send).toHaveBeenCalledWith({ name: RUN_REQUESTED_EVENT, data: { runId: run.id, workspaceId: rw.ws.id } });
    expect(run.status).toBe("queued");
  });

  it("marks the run failed when Inngest cannot be reached", async () => {
    setEnv("INNGEST_EVENT_KEY", "test-event-key");
    setEnv("INNGEST_SIGNING_KEY", "signkey-test-0123456789abcdef");
    vi.spyOn(inngest, "send").mockRejectedValue(new Error("connect ECONNREFUSED"));
    await expect(startRun(rw.ctx, { agent: "writer", input: "lost" })).rejects.toMatchObject({ code: "UPSTREAM_ERROR" });
    const last = await db().run.findFirstOrThrow({ where: { workspaceId: rw.ws.id, input: "lost" } });
    expect(last.status).toBe("failed");
    expect(last.error).toMatch(/Inngest/);
  });

  it("is off without keys", () => {
    expect(inngestEnabled()).toBe(false);
  });
});
