/**
 * The run writer (write-behind) and what the run engine builds on it: order and batching of a run's writes, a
 * failed write stopping the run (resumed from what committed), and the attempt fence on a step's record.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, insertRunningRun, makeRunWorkspace, stepRows, usageRows, type RunWorkspace } from "@/test/fixtures/runs";
import { RunWriter, RunWriteError } from "./run-writer";
import { executeRun } from "./run-function";
import { createPostgresStep, RunSuspendedError } from "./step";
import { sql } from "@/server/db/sql";
import { transport } from "@/server/db/execute";

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("writer");
  for (const n of ["w0", "w1", "w2"]) await addAgent(rw.ctx, n);
  await addTeam(rw.ctx, "trio", { topology: "sequential", agents: ["w0", "w1", "w2"] });
});
afterEach(async () => {
  vi.restoreAllMocks();
  await settleObservations();
});

const makeRun = () => insertRunningRun(rw);

const bump = (runId: string, by = 1) => sql`UPDATE "Run" SET "stepsDone" = "stepsDone" + ${by} WHERE id = ${runId} RETURNING "stepsDone"`;
const stepsDone = async (runId: string) => (await db().run.findUniqueOrThrow({ where: { id: runId } })).stepsDone;

/** Counts the queries sent to the pool while `fn` runs. */
async function countingQueries<T>(fn: () => Promise<T>): Promise<{ result: T; queries: string[] }> {
  const original = transport.send;
  const queries: string[] = [];
  vi.spyOn(transport, "send").mockImplementation(((text: string) => {
    // the scope statement opens every message: what the writer sent follows it
    queries.push(text.split(";\n").slice(1).join(";\n"));
    return original(text);
  }) as never);
  const result = await fn();
  return { result, queries };
}

describe("RunWriter", () => {
  it("commits in order; what is queued in one turn goes in one query (one commit), each caller gets its rows", async () => {
    const runId = await makeRun();
    const writer = new RunWriter({ runId, workspaceId: rw.ws.id });
    const { result, queries } = await countingQueries(async () => {
      const promises = [1, 2, 3].map(() => writer.write(bump(runId)));
      await writer.flush();
      return Promise.all(promises);
    });
    expect(result.map((rows) => rows[0]!.stepsDone)).toEqual([1, 2, 3]); // in queue order
    expect(queries).toHaveLength(1);
    expect(await stepsDone(runId)).toBe(3);
  });

  it("writes queued while a batch is in flight follow it, together, and flush waits for all of them", async () => {
    const runId = await makeRun();
    const writer = new RunWriter({ runId, workspaceId: rw.ws.id });
    const { queries } = await countingQueries(async () => {
      void writer.write(bump(runId));
      await new Promise((resolve) => setImmediate(resolve)); // the first batch is on its way
      void writer.write(bump(runId, 10));
      void writer.write(bump(runId, 100));
      await writer.flush();
    });
    expect(queries.length).toBe(2);
    expect(queries[1]!.split(";\n")).toHaveLength(2);
    expect(await stepsDone(runId)).toBe(111);
  });

  it("a statement the database refuses: the ones before it land, it and everything after are refused, the writer stays failed", async () => {
    const runId = await makeRun();
    const writer = new RunWriter({ runId, workspaceId: rw.ws.id });
    const first = writer.write(bump(runId));
    const bad = writer.write(sql`UPDATE "Run" SET "stepsDone" = 'not a number' WHERE id = ${runId}`);
    const after = writer.write(bump(runId, 10));
    await expect(first).resolves.toHaveLength(1);
    await expect(bad).rejects.toBeInstanceOf(RunWriteError);
    await expect(after).rejects.toBeInstanceOf(RunWriteError);
    await expect(writer.flush()).rejects.toBeInstanceOf(RunWriteError);
    await expect(writer.write(bump(runId))).rejects.toBeInstanceOf(RunWriteError);
    expect(writer.failed?.message).toMatch(/A write of the run failed/);
    expect(await stepsDone(runId)).toBe(1);
  });

  it("a lost connection (unknown outcome) is not re-sent: the writer fails", async () => {
    const runId = await makeRun();
    const writer = new RunWriter({ runId, workspaceId: rw.ws.id });
    const original = transport.send;
    let sent = 0;
    vi.spyOn(transport, "send").mockImplementation(((text: string) => {
      sent++;
      if (sent === 1) return Promise.reject(Object.assign(new Error("Connection terminated unexpectedly"), {}));
      return original(text);
    }) as never);
    const a = writer.write(bump(runId));
    const b = writer.write(bump(runId));
    await expect(a).rejects.toBeInstanceOf(RunWriteError);
    await expect(b).rejects.toBeInstanceOf(RunWriteError);
    expect(sent).toBe(1);
    expect(await stepsDone(runId)).toBe(0);
  });
});

describe("the run engine on the writer", () => {
  it("a failed write stops the run (suspended, not failed); a new execution resumes it from what committed", async () => {
    const run = await startRun(rw.ctx, { team: "trio", input: "Survive a failed write." });
    const original = transport.send;
    // the batch that carries w1's record fails (as a database that went away would make it)
    let failed = false;
    vi.spyOn(transport, "send").mockImplementation(((sql: string) => {
      if (!failed && typeof sql === "string" && sql.includes("cadre_record_agent_step('") && sql.includes(`', 's1', `)) {
        failed = true;
        return Promise.reject(new Error("Connection terminated unexpectedly"));
      }
      return original(sql);
    }) as never);
    const outcome = await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }));
    expect(failed).toBe(true);
    expect(outcome).toBe("suspended");
    vi.restoreAllMocks();
    const mid = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(mid.status).toBe("running");
    // s1's record was lost with its batch (s0's too when it travelled in the same batch); s2 never started
    const before = await stepRows(run.id);
    expect(before.find((s) => s.stepId === "s1")?.status).not.toBe("succeeded");
    expect(before.find((s) => s.stepId === "s2")).toBeUndefined();
    const committed = before.filter((s) => s.status === "succeeded");
    const usageBefore = await usageRows(run.id);

    expect(await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }))).toBe("succeeded");
    const steps = await stepRows(run.id);
    expect(steps.map((s) => [s.stepId, s.status])).toEqual([
      ["s0", "succeeded"],
      ["s1", "succeeded"],
      ["s2", "succeeded"],
    ]);
    // what had committed was not repeated: same attempt, same output, no new model call for it
    for (const c of committed) {
      const now = steps.find((s) => s.stepId === c.stepId)!;
      expect([now.attempts, now.output]).toEqual([c.attempts, c.output]);
      expect((await usageRows(run.id, c.stepId)).length).toBe(usageBefore.filter((u) => u.stepId === c.stepId).length);
    }
    // the resumed steps built on what had committed
    expect(steps[1]!.inputSeen).toContain(steps[0]!.output!);
    const events = await eventRows(run.id);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === "node.finished").map((e) => (e.data as { stepId: string }).stepId)).toEqual(["s0", "s1", "s2"]);
  });

  it("a stale attempt's record changes nothing, and its execution stops at the next step (another executor took over)", async () => {
    const runId = await makeRun();
    const stale = createPostgresStep({ runId, workspaceId: rw.ws.id });
    const fresh = createPostgresStep({ runId, workspaceId: rw.ws.id });
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // the stale execution starts "a" (attempt 1) and is slow; the fresh one takes it over (attempt 2) and finishes it
    const slow = stale.run("a", async () => {
      await gate;
      return "stale";
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await stale.flush();
    expect(await fresh.run("a", async () => "fresh")).toBe("fresh");
    await fresh.flush();
    release();
    expect(await slow).toBe("stale"); // its own caller sees its result...
    await stale.flush();
    const row = await db().runStep.findUniqueOrThrow({ where: { runId_stepId: { runId, stepId: "a" } } });
    expect(row).toMatchObject({ status: "succeeded", attempts: 2, result: "fresh" }); // ...but the record is the fresh one's
    await expect(stale.run("b", async () => "never")).rejects.toBeInstanceOf(RunSuspendedError);
  });
});
