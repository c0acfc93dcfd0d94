/**
 * Delivery semantics of a run (docs/architecture.md, "Delivery semantics"), checked by killing the executor at every
 * write boundary of a small run against the LLM stub, then resuming the run in a fresh execution:
 * - the ledger is complete: every call the stub answered has a usage row. When the process died, at most the one whose
 *   answer was arriving had none; once its row in flight expired (server/ledger/calls-in-flight.ts), the resumed
 *   execution wrote it as an estimated `lost` row;
 * - step records exactly once: each step succeeded once (one node.finished), one run.started, one terminal event;
 * - the run's cost is the ledger's, and its steps' shares add up to it.
 *
 * "Killing" is in-process: the run's writes go through a hooked executeBatch (vi.mock), and at boundary k either
 * (before) batch k is never sent and the process dies at once, (after) batch k commits and the process dies at once,
 * or (stall) batch k never commits and the process dies once it has nothing left to do. A dead execution makes no
 * further provider call (its calls in flight are aborted) and writes nothing more.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { ScopeLike } from "@/server/db/scope";
import type { Sql } from "@/server/db/sql";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { modelCircuitBreaker } from "@/server/models/circuit-breaker";
import { generate, settleObservations } from "@/server/models/gateway";
import { modelCallSlots } from "@/server/models/call-slots";
import { forgetRunSpend } from "@/server/ledger/budget-cache";
import { getRun, startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, stepRows, usageRows, useStubProvider, type RunWorkspace } from "@/test/fixtures/runs";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";

type Batch = (scope: ScopeLike, statements: readonly Sql[], send: () => Promise<unknown>) => Promise<unknown>;
const hook = vi.hoisted(() => ({ batch: null as Batch | null }));

vi.mock("@/server/db/execute", async (importOriginal) => {
  const actual = await importOriginal<typeof import("@/server/db/execute")>();
  return {
    ...actual,
    executeBatch: ((scope, statements) => {
      const send = () => actual.executeBatch(scope, statements);
      return hook.batch ? hook.batch(scope, statements, send) : send();
    }) as typeof actual.executeBatch,
  };
});

vi.setConfig({ testTimeout: 120_000 });

let stub: LlmStub;
let rw: RunWorkspace;

beforeAll(async () => {
  stub = await startLlmStub();
  rw = await makeRunWorkspace("kill");
  const modelId = await useStubProvider(rw.ws.id, stub.url, { inputPrice: 1, outputPrice: 2 });
  for (const slug of ["k-a0", "k-a1"]) await addAgent(rw.ctx, slug, { modelPolicy: { type: "pinned", modelId }, maxOutputTokens: 100 });
  await addTeam(rw.ctx, "kpair", { topology: "sequential", agents: ["k-a0", "k-a1"] });
});
afterAll(async () => {
  hook.batch = null;
  await settleObservations();
  await stub.close();
});

const never = <T>() => new Promise<T>(() => undefined);
const chats = () => stub.calls.filter((c) => c.path === "/v1/chat/completions");
/** calls the stub answered in full (the provider billed them) */
const completed = () => chats().filter((c) => c.finishedAt !== undefined).length;

type Mode = "before" | "after" | "stall";

/** One execution that can be killed: calls in flight are aborted, nothing more is called or written. */
function killable() {
  const dead = new AbortController();
  const deps: Partial<ExecuteDeps> = {
    generate: async (ctx, req) => {
      if (dead.signal.aborted) return never();
      const abortSignal = req.abortSignal ? AbortSignal.any([req.abortSignal, dead.signal]) : dead.signal;
      try {
        const result = await generate(ctx, { ...req, abortSignal });
        return dead.signal.aborted ? never() : result;
      } catch (error) {
        if (dead.signal.aborted) return never();
        throw error;
      }
    },
  };
  // the batch the process died at never commits; it settles (as failed) at the death so that the dead execution lets go
  // of what it holds in this process (the gateway's call slots), writing nothing more
  const lost = new Promise<never>((_, reject) => dead.signal.addEventListener("abort", () => reject(dead.signal.reason), { once: true }));
  lost.catch(() => undefined);
  return { deps, lost, kill: () => dead.abort(new Error("the process died")) };
}

/** Waits until the stub has answered everything and nothing new came for a while (a stalled process is stuck). */
async function quiet(ms = 300) {
  let seen = -1;
  let since = Date.now();
  for (;;) {
    const n = stub.calls.length;
    if (n !== seen || stub.inFlight > 0) {
      seen = n;
      since = Date.now();
    } else if (Date.now() - since >= ms) return;
    await sleep(20);
  }
}

async function startScenario() {
  stub.reset();
  modelCircuitBreaker().reset();
  // the first answer is cut at the output limit: that step makes two calls (the retry with more room)
  stub.fail({ content: "The beginning of", finishReason: "length" });
  return startRun(rw.ctx, { team: "kpair", input: "Count the calls." });
}

/** A clean run: how many batches its writes take. */
async function countBatches(): Promise<number> {
  const run = await startScenario();
  let batches = 0;
  hook.batch = (scope, _statements, send) => {
    if ((scope as { runId?: string }).runId === run.id) batches++;
    return send();
  };
  try {
    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }))).toBe("succeeded");
  } finally {
    hook.batch = null;
  }
  expect(completed()).toBe(3);
  const rows = await usageRows(run.id);
  expect(rows).toHaveLength(3);
  // what the runs API shows (tRPC and REST read getRun): the ledger's cost, each step's share of it
  const detail = await getRun(rw.ctx, run.id);
  const costOf = (stepId?: string) => rows.filter((u) => !stepId || u.stepId === stepId).reduce((a, u) => a + Number(u.costUsd), 0);
  expect(detail.costUsd).toBeCloseTo(costOf(), 10);
  expect(detail.steps.map((st) => [st.stepId, st.costUsd.toFixed(10)])).toEqual([
    ["s0", costOf("s0").toFixed(10)],
    ["s1", costOf("s1").toFixed(10)],
  ]);
  expect(rows.filter((u) => u.stepId === "s0").map((u) => u.outcome)).toEqual(["answer_invalid", "ok"]); // the cut answer and its retry
  return batches;
}

interface Outcome {
  reached: boolean;
  completedAtKill: number;
  rowsAtKill: number;
  completed: number;
  rows: number;
}

async function killAt(mode: Mode, k: number): Promise<Outcome> {
  const run = await startScenario();
  const { deps, lost, kill } = killable();
  let n = 0;
  let died!: () => void;
  const death = new Promise<void>((resolve) => (died = resolve));
  let reached = false;
  hook.batch = async (scope, _statements, send) => {
    if ((scope as { runId?: string }).runId !== run.id || reached) return send();
    if (++n !== k) return send();
    reached = true;
    if (mode === "before") {
      kill();
      died();
      return lost;
    }
    if (mode === "after") {
      await send();
      kill();
      died();
      return lost;
    }
    // stall: the write never commits; the process dies once it has nothing left to do
    void quiet().then(() => {
      kill();
      died();
    });
    return lost;
  };
  const first = executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }), { deps });
  const ended = await Promise.race([death.then(() => "killed" as const), first.then((o) => o)]);
  if (ended !== "killed") {
    hook.batch = null;
    return { reached: false, completedAtKill: 0, rowsAtKill: 0, completed: 0, rows: 0 };
  }
  await quiet(50); // aborted requests settle at the stub
  const completedAtKill = completed();
  const rowsAtKill = (await usageRows(run.id)).length;
  const finishedAtKill = (await db().run.findUniqueOrThrow({ where: { id: run.id } })).status === "succeeded";
  hook.batch = null;
  forgetRunSpend(rw.ws.id, run.id); // a fresh process knows nothing of the dead one
  // time passes: the dead execution's calls in flight expire (the executor's claim would take them at once)
  await db().modelCallInFlight.updateMany({ where: { runId: run.id }, data: { expiresAt: new Date(Date.now() - 1000) } });

  // a fresh execution resumes the run from what committed (after the finish committed: nothing left to do)
  const resumed = await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }));
  expect(resumed).toBe(finishedAtKill ? "already_finished" : "succeeded");
  expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("succeeded");

  const rows = await usageRows(run.id);
  const steps = await stepRows(run.id);
  const events = await eventRows(run.id);
  const at = `${mode} batch ${k}`;
  // step records exactly once
  expect(
    steps.map((s) => [s.stepId, s.status]),
    at,
  ).toEqual([
    ["s0", "succeeded"],
    ["s1", "succeeded"],
  ]);
  expect(
    events.filter((e) => e.type === "node.finished").map((e) => (e.data as { stepId: string }).stepId),
    at,
  ).toEqual(["s0", "s1"]);
  expect(
    events.filter((e) => e.type === "run.started"),
    at,
  ).toHaveLength(1);
  expect(
    events.filter((e) => e.type === "run.succeeded"),
    at,
  ).toHaveLength(1);
  expect(
    events.map((e) => e.seq),
    at,
  ).toEqual(events.map((_, i) => i + 1));
  // one cost: the ledger's, shared out over the steps
  const runRow = await db().run.findUniqueOrThrow({ where: { id: run.id } });
  const ledger = rows.reduce((a, u) => a + Number(u.costUsd), 0);
  expect(Number(runRow.costUsd), at).toBeCloseTo(ledger, 10);
  expect(
    steps.reduce((a, s) => a + Number(s.costUsd), 0),
    at,
  ).toBeCloseTo(ledger, 10);
  expect(runRow.inputTokens, at).toBe(rows.reduce((a, u) => a + u.inputTokens, 0));
  return { reached, completedAtKill, rowsAtKill, completed: completed(), rows: rows.length };
}

describe("killed at every write boundary", () => {
  it("the ledger has a row for every call the stub answered (the one answering as the process died: estimated); steps are recorded once", async () => {
    const started = Date.now();
    const batches = await countBatches();
    expect(batches).toBeGreaterThanOrEqual(4);
    const failures: string[] = [];
    for (const mode of ["before", "after", "stall"] as const) {
      for (let k = 1; k <= batches + 1; k++) {
        const o = await killAt(mode, k);
        if (!o.reached) break;
        // when it died, at most the call whose row was being written had no row
        if (o.completedAtKill - o.rowsAtKill > 1) failures.push(`${mode} batch ${k}: ${o.completedAtKill} calls answered, ${o.rowsAtKill} usage rows`);
        // after the resume every call the stub answered has one (that call's is estimated: outcome lost)
        if (o.rows < o.completed) failures.push(`${mode} batch ${k}: ${o.completed} calls answered, ${o.rows} usage rows after the resume`);
      }
    }
    expect(failures).toEqual([]);
    await sleep(50);
    expect(modelCallSlots().inUse).toBe(0); // the dead executions hold nothing
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
