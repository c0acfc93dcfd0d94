/**
 * Step records that meet in one batch of the run writer (a parallel team's branches answering together) go as one
 * statement, cadre_record_agent_steps (prisma/migrations/20261222_100_record_agent_steps), and write exactly what the
 * same records sent one by one write: the steps, the run's counters and totals, the events and their order.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { transport } from "@/server/db/execute";
import { getAgentVersion, type AgentVersionOut } from "@/server/agents/service";
import { addAgent, insertRunningRun, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { RunWriter } from "./run-writer";
import { recordAgentStepSql } from "./run-sql";
import { recordEmbedStepSql } from "./embed-step";

let rw: RunWorkspace;
let agent: AgentVersionOut;
beforeAll(async () => {
  rw = await makeRunWorkspace("merged-records");
  await addAgent(rw.ctx, "m0");
  agent = await getAgentVersion(rw.ctx, "m0");
});
afterEach(() => vi.restoreAllMocks());

const STEPS = ["p0", "p1", "p2", "p3"];

/** A running run with four running steps (attempt 1); p0 and p2 made model calls (usage rows), p1 and p3 none. */
async function runWithRunningSteps(): Promise<string> {
  const runId = await insertRunningRun(rw);
  await db().run.update({ where: { id: runId }, data: { stepsExpected: 4, lastEventSeq: 3, inputTokens: 5, costUsd: "0.001" } });
  for (const stepId of STEPS)
    await db().runStep.create({ data: { id: newId("stp"), workspaceId: rw.ws.id, runId, stepId, kind: "agent", status: "running", attempts: 1 } });
  for (const [stepId, tokens] of [
    ["p0", 40],
    ["p2", 70],
  ] as const)
    await db().usageRecord.create({
      data: {
        id: newId("use"),
        workspaceId: rw.ws.id,
        runId,
        stepId,
        modelName: "m",
        providerKind: "openai_compatible",
        inputTokens: tokens,
        outputTokens: 9,
        costUsd: "0.0000123456",
        outcome: "ok",
      },
    });
  return runId;
}

const record = (runId: string, stepId: string, attempt = 1) =>
  recordAgentStepSql(
    runId,
    stepId,
    attempt,
    { text: `answer of ${stepId}`, finishReason: "stop" },
    {
      kind: "agent",
      nodeId: stepId,
      agent,
      inputSeen: `prompt of ${stepId}`,
      output: `answer of ${stepId}`,
      modelRef: "mdl_x",
      modelName: "m",
      modelLabel: "M",
      routeReason: "pinned",
      inputTokens: 11,
      outputTokens: 3,
      costUsd: 0.0004,
      latencyMs: 200,
    },
  );

/** What the records wrote, without ids and clocks. */
async function written(runId: string) {
  const run = await db().run.findUniqueOrThrow({ where: { id: runId } });
  const steps = await db().runStep.findMany({ where: { runId }, orderBy: { stepId: "asc" } });
  const events = await db().runEvent.findMany({ where: { runId }, orderBy: { seq: "asc" } });
  return {
    run: {
      stepsDone: run.stepsDone,
      inputTokens: run.inputTokens,
      outputTokens: run.outputTokens,
      costUsd: String(run.costUsd),
      lastEventSeq: run.lastEventSeq,
    },
    steps: steps.map((s) => ({
      stepId: s.stepId,
      status: s.status,
      inputTokens: s.inputTokens,
      outputTokens: s.outputTokens,
      costUsd: String(s.costUsd),
      output: s.output,
      result: s.result,
      finished: s.finishedAt !== null,
    })),
    events: events.map((e) => ({ seq: e.seq, type: e.type, data: e.data })),
  };
}

/** The statements sent to the pool while `fn` runs (after the scope statement that opens each message). */
async function sent(fn: () => Promise<unknown>): Promise<string> {
  const original = transport.send;
  const texts: string[] = [];
  vi.spyOn(transport, "send").mockImplementation(((text: string) => {
    texts.push(text);
    return original(text);
  }) as never);
  await fn();
  return texts.join("\n");
}

describe("step records merged in one batch", () => {
  it("write what the same records sent one by one write, in one statement", async () => {
    const one = await runWithRunningSteps();
    const byOne = new RunWriter({ runId: one, workspaceId: rw.ws.id, epoch: 0 });
    for (const stepId of STEPS) {
      expect(await byOne.write(record(one, stepId))).toEqual([{ recorded: 1 }]);
      await byOne.flush();
    }

    const merged = await runWithRunningSteps();
    const writer = new RunWriter({ runId: merged, workspaceId: rw.ws.id, epoch: 0 });
    let rows: unknown[] = [];
    const text = await sent(async () => {
      const writes = STEPS.map((stepId) => writer.write(record(merged, stepId)));
      await writer.flush();
      rows = await Promise.all(writes);
    });
    expect(rows).toEqual(STEPS.map(() => [{ recorded: 1 }]));
    expect(text.match(/cadre_record_agent_steps\(/g)).toHaveLength(1);
    expect(text).not.toMatch(/cadre_record_agent_step\(/);

    const expected = await written(one);
    expect(await written(merged)).toEqual(expected);
    // what both wrote: the ledger's shares on p0 and p2, the step's own figures on p1 and p3, eight events after seq 3
    expect(expected.steps.map((s) => s.inputTokens)).toEqual([40, 11, 70, 11]);
    expect(expected.run).toMatchObject({ stepsDone: 4, lastEventSeq: 11 });
    expect(expected.events.map((e) => `${e.seq}:${e.type}`)).toEqual([
      "4:node.finished",
      "5:run.progress",
      "6:node.finished",
      "7:run.progress",
      "8:node.finished",
      "9:run.progress",
      "10:node.finished",
      "11:run.progress",
    ]);
  });

  it("the running totals are the ledger's plus the sub-runs' (as the finish counts them), never each step added on top", async () => {
    // p0 and p2's usage rows (40 + 70 input tokens) landed before any record, as a parallel team's do; a sub-run spent 1000
    const progress = async (runId: string) =>
      (await written(runId)).events.filter((e) => e.type === "run.progress").map((e) => (e.data as { inputTokens: number }).inputTokens);
    const withSubRun = async () => {
      const runId = await runWithRunningSteps();
      const child = await insertRunningRun(rw);
      await db().run.update({ where: { id: child }, data: { parentRunId: runId, parentStepId: "sub", inputTokens: 1000 } });
      return runId;
    };
    const one = await withSubRun();
    const byOne = new RunWriter({ runId: one, workspaceId: rw.ws.id, epoch: 0 });
    for (const stepId of STEPS) {
      await byOne.write(record(one, stepId));
      await byOne.flush();
    }
    const merged = await withSubRun();
    const writer = new RunWriter({ runId: merged, workspaceId: rw.ws.id, epoch: 0 });
    const writes = STEPS.map((stepId) => writer.write(record(merged, stepId)));
    await writer.flush();
    await Promise.all(writes);
    for (const runId of [one, merged]) {
      expect(await progress(runId)).toEqual([1110, 1110, 1110, 1110]);
      expect((await written(runId)).run.inputTokens).toBe(1110);
    }

    // a run with no ledger row at all: what its steps recorded, added up (from the 5 it had)
    const bare = await insertRunningRun(rw);
    await db().run.update({ where: { id: bare }, data: { stepsExpected: 4, lastEventSeq: 3, inputTokens: 5 } });
    for (const stepId of STEPS)
      await db().runStep.create({ data: { id: newId("stp"), workspaceId: rw.ws.id, runId: bare, stepId, kind: "agent", status: "running", attempts: 1 } });
    const bareWriter = new RunWriter({ runId: bare, workspaceId: rw.ws.id, epoch: 0 });
    const bareWrites = STEPS.map((stepId) => bareWriter.write(record(bare, stepId)));
    await bareWriter.flush();
    await Promise.all(bareWrites);
    expect(await progress(bare)).toEqual([16, 27, 38, 49]);

    // an embedding (or memory, summary, judge) step's record counts the same way
    const embedded = await withSubRun();
    const embedWriter = new RunWriter({ runId: embedded, workspaceId: rw.ws.id, epoch: 0 });
    const embedRecord = {
      kind: "memory" as const,
      nodeId: "p1",
      inputSeen: "q",
      output: "",
      modelRef: null,
      modelName: "m",
      routeReason: "r",
      inputTokens: 11,
      costUsd: 0,
      latencyMs: 1,
    };
    await embedWriter.write(recordEmbedStepSql(embedded, "p1", 1, {}, embedRecord));
    await embedWriter.write(recordEmbedStepSql(embedded, "p3", 1, {}, embedRecord));
    await embedWriter.flush();
    expect(await progress(embedded)).toEqual([1110, 1110]);
  });

  it("a record of a stale attempt in the batch is not written; the others are, numbered as if it were absent", async () => {
    const runId = await runWithRunningSteps();
    const writer = new RunWriter({ runId, workspaceId: rw.ws.id, epoch: 0 });
    const writes = [writer.write(record(runId, "p0")), writer.write(record(runId, "p1", 2)), writer.write(record(runId, "p2"))];
    await writer.flush();
    expect(await Promise.all(writes)).toEqual([[{ recorded: 1 }], [], [{ recorded: 1 }]]);
    const after = await written(runId);
    expect(after.steps.map((s) => s.status)).toEqual(["succeeded", "running", "succeeded", "running"]);
    expect(after.run).toMatchObject({ stepsDone: 2, lastEventSeq: 7 });
    expect(after.events.filter((e) => e.type === "node.finished").map((e) => (e.data as { stepId: string }).stepId)).toEqual(["p0", "p2"]);
  });

  it("a superseded execution's merged records change nothing", async () => {
    const runId = await runWithRunningSteps();
    await db().run.update({ where: { id: runId }, data: { executions: 2 } });
    const writer = new RunWriter({ runId, workspaceId: rw.ws.id, epoch: 1 });
    const writes = STEPS.map((stepId) => writer.write(record(runId, stepId)));
    await writer.flush();
    expect(await Promise.all(writes)).toEqual(STEPS.map(() => []));
    const after = await written(runId);
    expect(after.steps.every((s) => s.status === "running")).toBe(true);
    expect(after.run).toMatchObject({ stepsDone: 0, lastEventSeq: 3 });
    expect(after.events).toEqual([]);
  });
});
