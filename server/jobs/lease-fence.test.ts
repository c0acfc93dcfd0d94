/**
 * The lease fence: two executions of one run racing (the first lost its lease, a second claim took the run over). The
 * superseded execution cannot finish the run, record its step or append events; nothing is appended after the run's
 * terminal event; the superseded execution stops quietly (no error in the run). A run taken up again after its
 * terminal event (a replay) is not mistaken for a superseded execution because its events are skipped.
 */
import { afterAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { generate, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, stepRows } from "@/test/fixtures/runs";
import { executeBatch } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { claimRun } from "./executor";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";
import { runFenceSql } from "./run-writer";

afterAll(async () => {
  await settleObservations();
});

/** A gateway whose calls wait until released, answering with `label` (to tell the executions' outputs apart). */
function heldGateway(label: string) {
  let enter!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const deps: Partial<ExecuteDeps> = {
    generate: async (ctx, req) => {
      enter();
      await released;
      const result = await generate(ctx, req);
      return { ...result, text: `${label}: ${result.text}` };
    },
  };
  return { deps, entered, release };
}

const TERMINAL = ["run.succeeded", "run.failed", "run.cancelled"];

describe("lease fence", () => {
  it("a superseded execution of a step can neither finish the run nor write after the terminal event", async () => {
    const rw = await makeRunWorkspace("fence");
    await addAgent(rw.ctx, "solo");
    await addTeam(rw.ctx, "one", { topology: "sequential", agents: ["solo"] });
    const run = await startRun(rw.ctx, { team: "one", input: "Race me." });
    const ref = { runId: run.id, workspaceId: rw.ws.id };
    // (the claim passes over a row locked for a moment, by a batch of the other execution in flight: claim again)
    const claim = async (owner: string) => {
      for (let i = 0; ; i++) {
        const claimed = await claimRun({ owner, leaseMs: 60_000, workspaceConcurrency: 10, workspaceIds: [rw.ws.id] });
        if (claimed || i >= 50) return claimed;
        await sleep(20);
      }
    };

    // execution A claims the run and calls the model
    const a = await claim("fence-a");
    expect(a?.id).toBe(run.id);
    const gwA = heldGateway("STALE");
    const doneA = executeRun(ref, createPostgresStep({ ...ref, epoch: a!.executions }), { deps: gwA.deps });
    await gwA.entered;

    // A's lease expires (its process stalled); B claims the run over and calls the model for the same step
    await db().run.update({ where: { id: run.id }, data: { leaseExpiresAt: new Date(0) } });
    const b = await claim("fence-b");
    expect(b?.id).toBe(run.id);
    expect(b!.executions).toBe(a!.executions + 1);
    const gwB = heldGateway("CURRENT");
    const doneB = executeRun(ref, createPostgresStep({ ...ref, epoch: b!.executions }), { deps: gwB.deps });
    await gwB.entered;

    // A's call returns first: its step record, its finish and its events are all refused, quietly
    gwA.release();
    // and it says so: its finish was refused, it did not succeed (the lease is not its to release)
    expect(await doneA).toBe("superseded");
    let row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.status).toBe("running");
    expect(row.error).toBeNull();

    // B finishes the run with its own output; nothing follows the terminal event
    gwB.release();
    expect(await doneB).toBe("succeeded");
    row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.status).toBe("succeeded");
    expect((row.output as { text: string }).text).toMatch(/^CURRENT: /);
    expect(row.error).toBeNull();
    const steps = await stepRows(run.id);
    expect(steps.filter((s) => s.kind !== "system").every((s) => !s.output?.startsWith("STALE"))).toBe(true);
    const events = await eventRows(run.id);
    const terminal = events.filter((e) => TERMINAL.includes(e.type));
    expect(terminal.map((e) => e.type)).toEqual(["run.succeeded"]);
    expect(events.at(-1)!.type).toBe("run.succeeded");
    expect(JSON.stringify(events.map((e) => e.data))).not.toContain("STALE");
  });

  it("a transaction fenced to a superseded epoch changes nothing of the run; the current epoch writes", async () => {
    const rw = await makeRunWorkspace("fence-sql");
    await addAgent(rw.ctx, "solo");
    await addTeam(rw.ctx, "one", { topology: "sequential", agents: ["solo"] });
    const run = await startRun(rw.ctx, { team: "one", input: "Fence me." });
    const ref = { runId: run.id, workspaceId: rw.ws.id };
    await db().run.update({ where: { id: run.id }, data: { executions: 2 } });
    const write = async (epoch: number) =>
      (await executeBatch(ref, [runFenceSql(run.id, epoch), sql`UPDATE "Run" SET "stepsExpected" = ${epoch * 10} WHERE id = ${run.id} RETURNING id`]))[1]!;
    expect((await write(1)).rows).toEqual([]);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).stepsExpected).toBe(0);
    await write(2);
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).stepsExpected).toBe(20);
  });

  it("no event is appended after a run's terminal event, whoever writes it", async () => {
    const rw = await makeRunWorkspace("fence-terminal");
    await addAgent(rw.ctx, "solo");
    await addTeam(rw.ctx, "one", { topology: "sequential", agents: ["solo"] });
    const run = await startRun(rw.ctx, { team: "one", input: "End me." });
    const last = (await eventRows(run.id)).at(-1)!.seq;
    const insert = (seq: number, type: string) =>
      db().runEvent.createMany({ data: [{ id: `evt_fence${seq}${run.id.slice(-6)}`, workspaceId: rw.ws.id, runId: run.id, seq, type, data: {} }] });
    await insert(last + 1, "run.failed");
    expect((await insert(last + 2, "node.finished")).count).toBe(0);
    expect((await eventRows(run.id)).at(-1)!.type).toBe("run.failed");
  });

  it("a replay after the terminal event goes on: a step recorded while its events are skipped is not read as superseded", async () => {
    const rw = await makeRunWorkspace("fence-replay");
    for (const slug of ["a", "b", "c"]) await addAgent(rw.ctx, slug);
    await addTeam(rw.ctx, "three", { topology: "sequential", agents: ["a", "b", "c"] });
    const run = await startRun(rw.ctx, { team: "three", input: "Again." });
    const ref = { runId: run.id, workspaceId: rw.ws.id };
    expect(await executeRun(ref, createPostgresStep(ref))).toBe("succeeded");
    // as if the process had died after a's step (its run.succeeded event stays: whoever wrote it, nothing follows it)
    const laterSteps = (await stepRows(run.id)).filter((s) => s.kind === "agent").slice(1); // in the order they started
    expect(laterSteps).toHaveLength(2);
    await db().runStep.deleteMany({ where: { runId: run.id, stepId: { in: laterSteps.map((s) => s.stepId) } } });
    await db().run.update({ where: { id: run.id }, data: { status: "running", finishedAt: null } });
    const called: string[] = [];
    const deps: Partial<ExecuteDeps> = {
      generate: (ctx, req) => {
        called.push(req.stepId!);
        return generate(ctx, req);
      },
    };
    // each store commits before the next step starts (afterStore flushes): b's record is read back before c begins
    const step = createPostgresStep({ ...ref, hooks: { afterStore: () => undefined } });
    expect(await executeRun(ref, step, { deps })).toBe("succeeded");
    expect(called).toEqual(laterSteps.map((s) => s.stepId));
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).status).toBe("succeeded");
  });
});
