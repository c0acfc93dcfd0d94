/**
 * The executor's claim (cadre_claim_run, server/jobs/executor.ts): workspaces fewest running runs first; the
 * per-workspace limit holds under concurrent claims of several processes (separate connections) and two executors;
 * leases on the database's clock (an app server whose clock runs ahead steals nothing); the claim's cost does not grow
 * with a workspace's backlog; poison runs (executions that died repeatedly without progress) are failed, not resumed.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { testDb as db, testPool } from "@/test/db";
import { generate, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { addAgent, makeRunWorkspace, sleep, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { claimRun, releaseOrphanedLeases, startExecutor, type Executor } from "./executor";
import type { ExecuteDeps } from "./run-function";

const executors: Executor[] = [];
function executor(options: Parameters<typeof startExecutor>[0]) {
  const e = startExecutor({ pollMs: 30, reclaimOrphans: false, ...options });
  executors.push(e);
  return e;
}
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(executors.splice(0).map((e) => e.stop()));
  await settleObservations();
});

async function queued(rw: RunWorkspace, n: number, agent = "worker"): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push((await startRun(rw.ctx, { agent, input: `job ${i}` })).id);
  return ids;
}
/** Leases of another (live) owner on runs: they count as running. */
async function holdLeases(ids: string[], owner = "elsewhere/1/x") {
  await testPool().query(`UPDATE "Run" SET "leaseOwner" = $1, "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + interval '1 hour' WHERE id = ANY($2)`, [
    owner,
    ids,
  ]);
}
const putAway = (ids: string[]) => db().run.updateMany({ where: { id: { in: ids } }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });

describe("fairness", () => {
  it("claims in the workspace with the fewest running runs first, then the oldest waiting run", async () => {
    const a = await makeRunWorkspace("fair-a");
    const b = await makeRunWorkspace("fair-b");
    const c = await makeRunWorkspace("fair-c");
    for (const rw of [a, b, c]) await addAgent(rw.ctx, "worker");
    const aRuns = await queued(a, 5); // oldest
    const bRuns = await queued(b, 3);
    const cRuns = await queued(c, 1); // newest
    await holdLeases(aRuns.slice(0, 2));
    await holdLeases(bRuns.slice(0, 1));
    const wsIds = [a.ws.id, b.ws.id, c.ws.id];
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const claimed = await claimRun({ owner: "fair-test/1/x", leaseMs: 60_000, workspaceConcurrency: 3, workspaceIds: wsIds });
      order.push(claimed ? `${claimed.workspaceId === a.ws.id ? "a" : claimed.workspaceId === b.ws.id ? "b" : "c"}:${claimed.id}` : "none");
    }
    // c (0 running), b (1), then a and b tie at 2: a's waiting run is older; then b (a is at its limit of 3)... and
    // nothing more: a at 3, b at 3, c has nothing left
    expect(order).toEqual([`c:${cRuns[0]}`, `b:${bRuns[1]}`, `a:${aRuns[2]}`, `b:${bRuns[2]}`, "none"]);
    await putAway([...aRuns, ...bRuns, ...cRuns]);
  });

  it("two busy workspaces fill an executor; a third workspace's run takes the next free slot, not the end of the backlog", async () => {
    const busy1 = await makeRunWorkspace("busy1");
    const busy2 = await makeRunWorkspace("busy2");
    const third = await makeRunWorkspace("third");
    for (const rw of [busy1, busy2, third]) await addAgent(rw.ctx, "worker");
    const gates = new Map<string, () => void>();
    let openAll = false;
    const deps: Partial<ExecuteDeps> = {
      generate: async (ctx, req) => {
        if (!openAll) await new Promise<void>((resolve) => gates.set(req.runId!, resolve));
        return generate(ctx, req);
      },
    };
    const b1 = await queued(busy1, 6);
    const b2 = await queued(busy2, 6);
    const e = executor({ workspaceIds: [busy1.ws.id, busy2.ws.id, third.ws.id], maxConcurrent: 4, workspaceConcurrency: 2, deps });
    await vi.waitFor(() => expect(gates.size).toBe(4), { timeout: 10_000 });
    const [t] = await queued(third, 1);
    await sleep(200);
    expect(e.active()).not.toContain(t); // every slot is taken
    // one run of busy1 finishes: the slot goes to the third workspace (0 running), not to busy1's or busy2's backlog
    gates.get(b1[0]!)!();
    await vi.waitFor(() => expect(e.active()).toContain(t), { timeout: 10_000 });
    openAll = true;
    for (const [, open] of gates) open();
    expect((await waitForRun(t!)).status).toBe("succeeded");
    await db().run.updateMany({ where: { id: { in: [...b1, ...b2] }, status: "queued" }, data: { status: "cancelled" } });
  });
});

describe("the per-workspace limit across processes", () => {
  it("20 claims racing on separate connections take exactly the limit", async () => {
    const rw = await makeRunWorkspace("race-limit");
    await addAgent(rw.ctx, "worker");
    const ids = await queued(rw, 12);
    const claims = await Promise.all(
      Array.from({ length: 20 }, (_, i) => claimRun({ owner: `racer/${i}/x`, leaseMs: 60_000, workspaceConcurrency: 3, workspaceIds: [rw.ws.id] })),
    );
    const taken = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(taken).toHaveLength(3);
    expect(new Set(taken).size).toBe(3);
    expect(await db().run.count({ where: { workspaceId: rw.ws.id, leaseOwner: { not: null } } })).toBe(3);
    await putAway(ids);
  });

  it("two executors (two processes' worth) never run more than the limit of one workspace at once", async () => {
    const rw = await makeRunWorkspace("two-exec");
    await addAgent(rw.ctx, "worker");
    let active = 0;
    let peak = 0;
    const deps: Partial<ExecuteDeps> = {
      generate: async (ctx, req) => {
        active++;
        peak = Math.max(peak, active);
        await sleep(40);
        active--;
        return generate(ctx, req);
      },
    };
    const runs = await queued(rw, 12);
    executor({ owner: "proc-a/1/x", workspaceIds: [rw.ws.id], workspaceConcurrency: 3, maxConcurrent: 8, deps, pollMs: 5 });
    executor({ owner: "proc-b/2/y", workspaceIds: [rw.ws.id], workspaceConcurrency: 3, maxConcurrent: 8, deps, pollMs: 5 });
    for (const id of runs) expect((await waitForRun(id, undefined, 60_000)).status).toBe("succeeded");
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
  });
});

describe("leases on the database's clock", () => {
  it("an app server whose clock runs an hour ahead neither steals a live lease nor writes one that is already expired", async () => {
    const rw = await makeRunWorkspace("clock");
    await addAgent(rw.ctx, "worker");
    const [held, free] = await queued(rw, 2);
    await testPool().query(`UPDATE "Run" SET "leaseOwner" = 'live/1/x', "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + interval '30 seconds' WHERE id = $1`, [
      held,
    ]);
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 3_600_000 });
    const claimed = await claimRun({ owner: "ahead/1/x", leaseMs: 60_000, workspaceConcurrency: 5, workspaceIds: [rw.ws.id] });
    vi.useRealTimers();
    expect(claimed?.id).toBe(free);
    const { rows } = await testPool().query<{ ahead: number; owner: string }>(
      `SELECT extract(epoch FROM "leaseExpiresAt" - (now() AT TIME ZONE 'UTC'))::float8 AS ahead, "leaseOwner" AS owner FROM "Run" WHERE id = $1`,
      [free],
    );
    expect(rows[0]!.owner).toBe("ahead/1/x");
    expect(rows[0]!.ahead).toBeGreaterThan(55);
    expect(rows[0]!.ahead).toBeLessThan(65);
    expect((await db().run.findUniqueOrThrow({ where: { id: held! } })).leaseOwner).toBe("live/1/x");
    await putAway([held!, free!]);
  });
});

describe("the claim's cost", () => {
  it("does not read a workspace's backlog: 3,000 queued runs, the other workspace's run is claimed in a few milliseconds", async () => {
    const flood = await makeRunWorkspace("flood");
    const other = await makeRunWorkspace("flood-other");
    await addAgent(flood.ctx, "worker");
    await addAgent(other.ctx, "worker");
    const [template] = await queued(flood, 1);
    await testPool().query(
      `INSERT INTO "Run" ("id", "workspaceId", "targetType", "agentId", "agentVersion", "input", "status", "pins", "lastEventSeq", "createdByType", "createdById", "queuedAt", "createdAt", "updatedAt")
      SELECT 'run_flood_' || g || '_' || t.id, t."workspaceId", t."targetType", t."agentId", t."agentVersion", t."input", 'queued', t."pins", 1, t."createdByType", t."createdById",
        t."queuedAt" + g * interval '1 millisecond', t."createdAt", t."updatedAt"
      FROM "Run" t, generate_series(1, 3000) g WHERE t.id = $1`,
      [template],
    );
    const { rows: first } = await testPool().query<{ id: string }>(`SELECT id FROM "Run" WHERE "workspaceId" = $1 ORDER BY "queuedAt", id LIMIT 4`, [
      flood.ws.id,
    ]);
    await holdLeases(first.map((r) => r.id));
    const [mine] = await queued(other, 1);
    const times: number[] = [];
    let claimedOther: string | undefined;
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      const c = await claimRun({ owner: "cost/1/x", leaseMs: 60_000, workspaceConcurrency: 4, workspaceIds: [flood.ws.id, other.ws.id] });
      times.push(performance.now() - t0);
      if (c) {
        claimedOther = c.id;
        await db().run.update({ where: { id: c.id }, data: { leaseOwner: null, leaseExpiresAt: null } });
      }
    }
    expect(claimedOther).toBe(mine);
    times.sort((x, y) => x - y);
    // the old claim counted the backlog for every candidate row: seconds here; this one reads a handful of index entries
    expect(times[2]!).toBeLessThan(200);
    await testPool().query(`UPDATE "Run" SET status = 'cancelled', "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE "workspaceId" = ANY($1)`, [
      [flood.ws.id, other.ws.id],
    ]);
  }, 60_000);
});

describe("poison runs", () => {
  /** A claim whose execution "dies": its lease is left to expire (1 ms). */
  async function dieOnce(rw: RunWorkspace) {
    const c = await claimRun({ owner: "doomed/1/x", leaseMs: 1, workspaceConcurrency: 5, workspaceIds: [rw.ws.id] });
    expect(c).not.toBeNull();
    await sleep(5);
    return c!;
  }

  it("a run whose executions died 3 times in a row without finishing a step is failed with that reason, not resumed", async () => {
    const rw = await makeRunWorkspace("poison");
    await addAgent(rw.ctx, "worker");
    const [id] = await queued(rw, 1);
    expect((await dieOnce(rw)).lostExecutions).toBe(0); // the first claim of a queued run
    expect((await dieOnce(rw)).lostExecutions).toBe(1);
    expect((await dieOnce(rw)).lostExecutions).toBe(2);
    let calls = 0;
    const deps: Partial<ExecuteDeps> = {
      generate: async (ctx, req) => {
        calls++;
        return generate(ctx, req);
      },
    };
    executor({ workspaceIds: [rw.ws.id], poisonExecutions: 3, deps });
    const row = await waitForRun(id!);
    expect(row.status).toBe("failed");
    const stored = await db().run.findUniqueOrThrow({ where: { id: id! } });
    expect(stored.error).toMatch(/died repeatedly \(3 times in a row/);
    expect(stored).toMatchObject({ executions: 4, lostExecutions: 3, leaseOwner: null });
    expect(calls).toBe(0);
    const failed = await db().runEvent.findFirstOrThrow({ where: { runId: id!, type: "run.failed" } });
    expect((failed.data as { error: string }).error).toMatch(/died repeatedly/);
  });

  it("progress between deaths, a clean release, and a dead process found at start-up are counted as they should be", async () => {
    const rw = await makeRunWorkspace("poison2");
    await addAgent(rw.ctx, "worker");
    const [id] = await queued(rw, 1);
    await dieOnce(rw);
    expect((await dieOnce(rw)).lostExecutions).toBe(1);
    // a step finished during the execution that died: no longer "without progress"
    await db().run.update({ where: { id: id! }, data: { stepsDone: { increment: 1 } } });
    expect((await dieOnce(rw)).lostExecutions).toBe(0);
    expect((await dieOnce(rw)).lostExecutions).toBe(1);
    // a clean release (a suspended run) is not a death
    await db().run.update({ where: { id: id! }, data: { leaseOwner: null, leaseExpiresAt: null } });
    expect((await dieOnce(rw)).lostExecutions).toBe(0);
    // a lease held by a dead process of this host, found at start-up: expired at once, and counted
    const host = (await import("node:os")).hostname();
    await db().run.update({ where: { id: id! }, data: { leaseOwner: `${host}/999999/dead`, leaseExpiresAt: new Date(Date.now() + 3_600_000) } });
    expect(await releaseOrphanedLeases(`${host}/${process.pid}/me`)).toBeGreaterThanOrEqual(1);
    const c = await claimRun({ owner: "next/1/x", leaseMs: 60_000, workspaceConcurrency: 5, workspaceIds: [rw.ws.id] });
    expect(c).toMatchObject({ id, lostExecutions: 1 });
    await putAway([id!]);
  });
});
