/**
 * A run claimed in the statement that queues it (cadre_start_lease, Executor.reserveStart): the executor gets the run
 * exactly as its claim would have returned it, without a claim statement; the claim's rules hold (the workspace's
 * queue order and its concurrency limit); and the executor reserves a slot only when it has room and nothing else
 * is waiting for it.
 */
import { afterEach, describe, expect, inject, it } from "vitest";
import { testDb as db, testPool } from "@/test/db";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { makeApiKey } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, sleep, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { claimRun, startExecutor, type ClaimedRun, type Executor, type StartSlot } from "@/server/jobs/executor";
import { updatePiiPolicy } from "@/server/quality/pii-policy/service";
import { startRun } from "./service";

const global = globalThis as unknown as { cadreExecutor?: Executor };
const executors: Executor[] = [];
afterEach(async () => {
  global.cadreExecutor = undefined;
  await Promise.all(executors.splice(0).map((e) => e.stop()));
});

/** This process's executor, replaced by one that hands out slots and records what they got. */
function recordingExecutor(limit = 100) {
  const adopted: ClaimedRun[] = [];
  let released = 0;
  const owner = `start-claim-test/${Math.random().toString(36).slice(2)}`;
  const fake = {
    reserveStart: (): StartSlot => ({
      owner,
      leaseMs: 60_000,
      workspaceConcurrency: limit,
      adopt: (run) => adopted.push(run),
      release: () => void released++,
    }),
    wake: () => undefined,
  } as unknown as Executor;
  global.cadreExecutor = fake;
  return { owner, adopted, released: () => released };
}

async function twoAgentTeam(rw: RunWorkspace) {
  await addAgent(rw.ctx, "one");
  await addAgent(rw.ctx, "two");
  await addTeam(rw.ctx, "both", { topology: "sequential", agents: ["one", "two"] });
}

const comparable = (run: ClaimedRun) => {
  const { id, ctx, ...rest } = run;
  return { ...rest, ctx: ctx && { ...ctx, requestId: ctx.requestId?.replace(id, "<id>"), permissions: [...ctx.permissions].sort() } };
};

describe("a run claimed as it is queued", () => {
  it("is inserted with the executor's lease and handed over as the claim would return it (a person, an API key)", async () => {
    const rw = await makeRunWorkspace("startclaim");
    await twoAgentTeam(rw);
    // a PII policy of its own: the execution pins it as read with the run's start, or with its claim
    await updatePiiPolicy(rw.ctx, { actions: { email: "redact", phone: "hash" } });
    // a key narrower than its creator: the run executes with its creator's role, as a claimed run does
    const key = await makeApiKey(rw.ws, "member", ["runs:create", "runs:read", "teams:read", "agents:read"]);
    const keyCtx = await authenticateApiKey(key.raw);
    expect(keyCtx.permissions.size).toBeLessThan(rw.ctx.permissions.size);
    for (const ctx of [rw.ctx, keyCtx]) {
      const input = { team: "both", input: "claimed at once", budgetUsd: 2, modelPolicy: { type: "preset", preset: "fast" } } as const;
      const fake = recordingExecutor();
      const started = await startRun(ctx, input, { watched: true });
      expect(fake.adopted).toHaveLength(1);
      expect(fake.released()).toBe(0);
      const row = await db().run.findUniqueOrThrow({ where: { id: started.id } });
      expect(row.leaseOwner).toBe(fake.owner);
      expect(row.executions).toBe(1);
      expect(row.lostExecutions).toBe(0);
      expect(row.status).toBe("queued");
      const leftMs = row.leaseExpiresAt!.getTime() - Date.now();
      expect(leftMs).toBeGreaterThan(50_000);
      expect(leftMs).toBeLessThanOrEqual(60_000 + 1_000);

      // the same run queued the normal way, then claimed: the same row and the same creator's context
      global.cadreExecutor = undefined;
      const other = await startRun(ctx, input, { watched: true });
      const claimed = await claimRun({ owner: "start-claim-test/claim", leaseMs: 60_000, workspaceConcurrency: 100, workspaceIds: [rw.ws.id] });
      expect(claimed?.id).toBe(other.id);
      expect(comparable(fake.adopted[0]!)).toEqual(comparable({ ...claimed!, ledgerCalls: 0 }));
      expect(fake.adopted[0]!.piiPolicy?.stored).toMatchObject({ actions: { email: "redact", phone: "hash" } });
      await db().run.updateMany({ where: { id: { in: [started.id, other.id] } }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });
    }
  });

  it("keeps its workspace's queue order: with a run of the workspace waiting, it is queued for the claim", async () => {
    const rw = await makeRunWorkspace("startclaim-queue");
    await twoAgentTeam(rw);
    const waiting = await startRun(rw.ctx, { team: "both", input: "first" }); // no executor: queued, no lease
    const fake = recordingExecutor();
    const second = await startRun(rw.ctx, { team: "both", input: "second" });
    expect(fake.adopted).toHaveLength(0);
    expect(fake.released()).toBe(1);
    const rows = await db().run.findMany({ where: { id: { in: [waiting.id, second.id] } } });
    expect(rows.map((r) => r.leaseOwner)).toEqual([null, null]);
    expect(rows.map((r) => r.executions)).toEqual([0, 0]);
  });

  it("keeps its workspace's concurrency limit: at the limit, it is queued for the claim", async () => {
    const rw = await makeRunWorkspace("startclaim-limit");
    await twoAgentTeam(rw);
    let fake = recordingExecutor(1);
    const first = await startRun(rw.ctx, { team: "both", input: "first" });
    expect(fake.adopted.map((r) => r.id)).toEqual([first.id]); // holds the workspace's one slot (a live lease)
    fake = recordingExecutor(1);
    const second = await startRun(rw.ctx, { team: "both", input: "second" });
    expect(fake.adopted).toHaveLength(0);
    expect(fake.released()).toBe(1);
    expect((await db().run.findUniqueOrThrow({ where: { id: second.id } })).leaseOwner).toBeNull();
    // a limit of 2 has room
    await db().run.update({ where: { id: second.id }, data: { status: "cancelled" } });
    fake = recordingExecutor(2);
    await startRun(rw.ctx, { team: "both", input: "third" });
    expect(fake.adopted).toHaveLength(1);
  });

  it.skipIf(inject("databaseMode") !== "server")("leaves the run to the claim while another process claims in its workspace (PostgreSQL server)", async () => {
    const rw = await makeRunWorkspace("startclaim-lock");
    await twoAgentTeam(rw);
    // another session holds the workspace's claim lock (as cadre_claim_run does while it claims)
    const other = await testPool().connect();
    await other.query("SELECT pg_advisory_lock(72741, hashtext($1))", [rw.ws.id]);
    try {
      const fake = recordingExecutor();
      const run = await startRun(rw.ctx, { team: "both", input: "held" });
      expect(fake.adopted).toHaveLength(0);
      expect(fake.released()).toBe(1);
      expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).leaseOwner).toBeNull();
    } finally {
      await other.query("SELECT pg_advisory_unlock(72741, hashtext($1))", [rw.ws.id]);
      other.release();
    }
  });

  it("releases the slot when the run is refused before anything is written", async () => {
    const rw = await makeRunWorkspace("startclaim-refused");
    const fake = recordingExecutor();
    await expect(startRun(rw.ctx, { team: "missing", input: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    // refused before the statement: no slot was taken (reserveStart is only asked right before the insert)
    expect(fake.adopted).toHaveLength(0);
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(0);
  });
});

describe("Executor.reserveStart", () => {
  it("gives a slot only with room and nothing else claimable; an adopted run executes to its end without a claim", async () => {
    const rw = await makeRunWorkspace("startclaim-exec");
    await twoAgentTeam(rw);
    const ends: string[] = [];
    const executor = startExecutor({ pollMs: 60_000, maxConcurrent: 1, workspaceIds: [rw.ws.id], onRunEnd: (id) => ends.push(id) });
    executors.push(executor);
    global.cadreExecutor = executor;
    await executor.idle();
    // its first claim found nothing: room for one
    const slot = executor.reserveStart(rw.ws.id);
    expect(slot).not.toBeNull();
    expect(executor.reserveStart(rw.ws.id)).toBeNull(); // the one slot is reserved
    expect(executor.reserveStart("another-workspace")).toBeNull(); // not a workspace it serves
    slot!.release();
    slot!.release(); // once only

    const run = await startRun(rw.ctx, { team: "both", input: "go" });
    expect(executor.active()).toEqual([run.id]); // executing before startRun returned: no claim was needed
    expect(executor.reserveStart(rw.ws.id)).toBeNull(); // full while it runs
    const done = await waitForRun(run.id, (r) => r.status === "succeeded");
    expect(done.status).toBe("succeeded");
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.executions).toBe(1);
    expect(row.leaseOwner).toBeNull();
    await executor.idle();
    expect(ends).toEqual([run.id]);
    expect(executor.reserveStart(rw.ws.id)).not.toBeNull();
  });

  it("gives no slot while runs wait for a claim (the poll or a wake-up found work), nor once stopping", async () => {
    const rw = await makeRunWorkspace("startclaim-backlog");
    await twoAgentTeam(rw);
    const executor = startExecutor({ pollMs: 60_000, maxConcurrent: 4, workspaceIds: [rw.ws.id] });
    executors.push(executor);
    await executor.idle();
    executor.wake(); // a wake-up: something may be claimable
    expect(executor.reserveStart(rw.ws.id)).toBeNull();
    await executor.idle();
    await sleep(5);
    expect(executor.reserveStart(rw.ws.id)).not.toBeNull();
    await executor.stop();
    expect(executor.reserveStart(rw.ws.id)).toBeNull();
  });
});
