/**
 * Cancels that race: two concurrent cancels record one request, one audit entry and (for a run nobody executes) one
 * cancel event, and answer alike; a cancel racing the run's finish never marks the finished run (no request, no audit
 * entry after the finish); the times are the database's at commit (a cancel request never comes after the finish).
 */
import { afterAll, describe, expect, inject, it } from "vitest";
import { testDb as db, testPool } from "@/test/db";
import { AppError } from "@/lib/errors";
import { settleObservations } from "@/server/models/gateway";
import { claimRun } from "@/server/jobs/executor";
import { finishRun } from "@/server/jobs/run-function";
import { finishRunSql } from "@/server/jobs/run-sql";
import { RunWriter } from "@/server/jobs/run-writer";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, type RunWorkspace } from "@/test/fixtures/runs";
import { cancelRun, startRun } from "./service";

afterAll(async () => {
  await settleObservations();
});

async function workspace(label: string): Promise<RunWorkspace> {
  const rw = await makeRunWorkspace(label);
  await addAgent(rw.ctx, "solo");
  await addTeam(rw.ctx, "one", { topology: "sequential", agents: ["solo"] });
  return rw;
}

const cancelAudits = (runId: string) => db().auditLog.count({ where: { action: "run.cancel", targetId: runId } });

describe("concurrent cancels", () => {
  it("of a running run: both answer alike, one request and one audit entry", async () => {
    const rw = await workspace("cancel-twice");
    const run = await startRun(rw.ctx, { team: "one", input: "Cancel me twice." });
    // an executor holds it: the cancel is requested (the execution stops before its next step)
    expect((await claimRun({ owner: "cancel-race", leaseMs: 60_000, workspaceConcurrency: 10, workspaceIds: [rw.ws.id] }))?.id).toBe(run.id);
    const [one, two] = await Promise.all([cancelRun(rw.ctx, run.id), cancelRun(rw.ctx, run.id)]);
    expect(one.status).toBe(two.status);
    expect(one.cancelRequestedAt).toEqual(two.cancelRequestedAt);
    expect(one.cancelRequestedAt).not.toBeNull();
    expect(await cancelAudits(run.id)).toBe(1);
  });

  it("of a queued run: both answer cancelled, one audit entry and one cancel event", async () => {
    const rw = await workspace("cancel-queued");
    const run = await startRun(rw.ctx, { team: "one", input: "Cancel me twice, queued." });
    const results = await Promise.all([cancelRun(rw.ctx, run.id), cancelRun(rw.ctx, run.id), cancelRun(rw.ctx, run.id)]);
    expect(results.map((r) => r.status)).toEqual(["cancelled", "cancelled", "cancelled"]);
    expect(await cancelAudits(run.id)).toBe(1);
    expect((await eventRows(run.id)).filter((e) => e.type === "run.cancelled")).toHaveLength(1);
  });
});

describe("a cancel racing the run's finish", () => {
  it("never marks a finished run: a request stamped after the finish, or an audit entry without a request, never happens", async () => {
    const rw = await workspace("cancel-finish");
    for (const delayMs of [0, 0, 1, 1, 2, 3, 4, 6, 8, 12]) {
      const run = await startRun(rw.ctx, { team: "one", input: `Race ${delayMs}.` });
      expect((await claimRun({ owner: "cancel-race", leaseMs: 60_000, workspaceConcurrency: 10, workspaceIds: [rw.ws.id] }))?.id).toBe(run.id);
      await db().run.update({ where: { id: run.id }, data: { status: "running" } });
      const cancel = cancelRun(rw.ctx, run.id).then(
        () => "ok" as const,
        (error: unknown) => (error instanceof AppError && error.code === "CONFLICT" ? ("conflict" as const) : Promise.reject(error)),
      );
      await sleep(delayMs);
      await finishRun({ runId: run.id, workspaceId: rw.ws.id }, { status: "succeeded", output: { output: "done" } as never });
      const answer = await cancel;
      const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
      const audits = await cancelAudits(run.id);
      if (row.status === "succeeded") {
        // the request, when there is one, committed before the finish (database times) and has its one audit entry
        if (row.cancelRequestedAt) expect(row.cancelRequestedAt.getTime()).toBeLessThanOrEqual(row.finishedAt!.getTime());
        expect(audits).toBe(row.cancelRequestedAt ? 1 : 0);
        if (answer === "conflict") expect(row.cancelRequestedAt).toBeNull();
      } else {
        expect(row.status).toBe("cancelled");
        expect(audits).toBe(1);
      }
    }
  });

  it.skipIf(inject("databaseMode") !== "server")(
    "a finish that waited for a cancel's transaction is stamped after that cancel's request (PostgreSQL server)",
    async () => {
      const rw = await workspace("cancel-held");
      const run = await startRun(rw.ctx, { team: "one", input: "Held." });
      await db().run.update({ where: { id: run.id }, data: { status: "running" } });
      // another transaction holds the run's row, and requests a cancel only after the finish has started
      const other = await testPool().connect();
      try {
        await other.query("BEGIN");
        await other.query(`SELECT 1 FROM "Run" WHERE id = $1 FOR UPDATE`, [run.id]);
        const finishing = finishRun({ runId: run.id, workspaceId: rw.ws.id }, { status: "succeeded", output: { output: "done" } as never });
        await sleep(300);
        await other.query(`UPDATE "Run" SET "cancelRequestedAt" = (clock_timestamp() AT TIME ZONE 'UTC') WHERE id = $1`, [run.id]);
        await other.query("COMMIT");
        await finishing;
      } finally {
        other.release();
      }
      const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
      expect(row.status).toBe("succeeded");
      expect(row.cancelRequestedAt).not.toBeNull();
      expect(row.finishedAt!.getTime()).toBeGreaterThanOrEqual(row.cancelRequestedAt!.getTime());
    },
  );

  it("stamps the finish with the database's clock when the statement commits, not when it was queued", async () => {
    const rw = await workspace("finish-clock");
    const run = await startRun(rw.ctx, { team: "one", input: "Finish late." });
    const statement = finishRunSql(run.id, { status: "failed", error: "stopped" });
    await sleep(400);
    const before = Date.now();
    const writer = new RunWriter({ runId: run.id, workspaceId: rw.ws.id });
    await writer.write(statement);
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.status).toBe("failed");
    // (a little slack for the two clocks)
    expect(row.finishedAt!.getTime()).toBeGreaterThanOrEqual(before - 100);
  });
});
