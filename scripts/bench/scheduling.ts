/**
 * Parts (5)-(7) of `npm run bench:orchestration` (scripts/bench/orchestration.ts runs them in its own process, with
 * its database, stubs and fixtures):
 *
 * (5) backlog: one workspace with 5,000 queued runs (agent runs on the 200 ms stub) and another with one.
 *     (5a) the claim alone (claimRun, nobody executing): the flooding workspace at its limit (4 live leases of
 *     another owner) and nothing else claimable, i.e. what every process pays on each poll; the flooding workspace
 *     below its limit (the claim takes its oldest run, put back after). (5b) the process's executor at the default
 *     limits (8 per process, 4 per workspace) works through the backlog; the other workspace's run is started after
 *     1 s: time until it starts (startRun .. status running), and every claim's latency meanwhile.
 * (6) two flooding workspaces (5,000 queued runs each) fill the process's slots (4 + 4); a third workspace starts one
 *     run: time until it starts.
 * (7) event streams: 200 open streams (the SSE route's stream, in this process) on one run: database statements per
 *     second sent by this process while the run is idle (no new events) and while it executes (a sequential team of
 *     20 agents on the 200 ms stub), and, on the server, the database's committed transactions per second
 *     (pg_stat_database.xact_commit, every session: the executor's writes included).
 */
import { performance } from "node:perf_hooks";

type Stats = { p50: number; p90: number; p99: number; min: number; max: number; mean: number; n: number };

export interface SchedulingHelpers {
  mode: string;
  isEmbedded: boolean;
  parts: Set<string>;
  stats: (samples: number[]) => Stats;
  line: (label: string, s: Stats) => string;
  load: () => string;
  /** a fresh workspace with the stub models ("zero": 0 ms, "slow": 200 ms) */
  workspace: (label: string) => Promise<{ ctx: import("../../server/context").TenantContext; models: Record<string, string> }>;
  agent: (ctx: import("../../server/context").TenantContext, slug: string, modelId: string) => Promise<unknown>;
  query: (text: string) => Promise<{ rows: Record<string, unknown>[] }>;
  /** statements sent by this process so far, by label */
  sqlTimes: Map<string, number[]>;
  sentCount: () => number;
}

const FLOOD = 5_000;
const CLAIM_SAMPLES = Number(process.env.BENCH_CLAIM_SAMPLES ?? 50);
const START_TIMEOUT_MS = 60_000;
const STREAMS = 200;
const STREAM_WINDOW_MS = 4_000;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const ms = (v: number) => `${v.toFixed(2)} ms`;

export async function schedulingBench(h: SchedulingHelpers): Promise<void> {
  const { createAgent } = await import("../../server/agents/service");
  const { createTeam } = await import("../../server/teams/service");
  const { startRun } = await import("../../server/runs/service");
  const { claimRun, startProcessExecutor, stopProcessExecutor } = await import("../../server/jobs/executor");
  void createAgent;

  /** `count` more queued copies of a queued run, queued after it (one statement). */
  const flood = async (templateId: string, count: number, tag: string) => {
    await h.query(`INSERT INTO "Run" ("id", "workspaceId", "targetType", "teamId", "teamVersion", "agentId", "agentVersion", "input", "status", "pins",
        "lastEventSeq", "createdByType", "createdById", "queuedAt", "createdAt", "updatedAt")
      SELECT 'run_${tag}_' || g, t."workspaceId", t."targetType", t."teamId", t."teamVersion", t."agentId", t."agentVersion", t."input", 'queued', t."pins",
        1, t."createdByType", t."createdById", t."queuedAt" + g * interval '1 millisecond', t."createdAt", t."updatedAt"
      FROM "Run" t, generate_series(1, ${count}) g WHERE t.id = '${templateId}'`);
  };
  /** startRun .. claimed by an executor (lease written), and .. running (run.started committed) */
  const startedWithin = async (runId: string, t0: number): Promise<{ claimed: number | null; running: number | null }> => {
    let claimed: number | null = null;
    for (;;) {
      const { rows } = await h.query(`SELECT status::text AS status, "leaseOwner" FROM "Run" WHERE id = '${runId}'`);
      if (claimed === null && rows[0]?.leaseOwner) claimed = performance.now() - t0;
      if (rows[0] && rows[0].status !== "queued") return { claimed: claimed ?? performance.now() - t0, running: performance.now() - t0 };
      if (performance.now() - t0 > START_TIMEOUT_MS) return { claimed, running: null };
      await sleep(2);
    }
  };
  const took = (v: number | null) => (v === null ? `more than ${START_TIMEOUT_MS} ms` : ms(v));
  const claimTimes = () => [...h.sqlTimes.entries()].filter(([label]) => label.startsWith("claim")).flatMap(([, list]) => list);
  const cancelQueued = (wsIds: string[]) =>
    h.query(
      `UPDATE "Run" SET status = 'cancelled', "finishedAt" = now() WHERE "workspaceId" IN (${wsIds.map((id) => `'${id}'`).join(",")}) AND status = 'queued'`,
    );
  const onEnd = { fn: (_runId: string) => undefined as undefined };

  if (h.parts.has("5") || h.parts.has("6")) await stopProcessExecutor();

  // ---- (5) one flooding workspace, another with one run
  if (h.parts.has("5")) {
    const a = await h.workspace("flood");
    const b = await h.workspace("other");
    await h.agent(a.ctx, "f", a.models.slow!);
    await h.agent(b.ctx, "o", b.models.slow!);
    const template = await startRun(a.ctx, { agent: "f", input: "Flood." });
    await flood(template.id, FLOOD - 1, `flood_${process.pid}`);

    // (5a) the claim alone
    const owner = `bench-probe/${process.pid}`;
    const heldBy = `bench-holder/${process.pid}`;
    const { rows: firstFour } = await h.query(
      `SELECT id FROM "Run" WHERE "workspaceId" = '${a.ctx.workspaceId}' AND status = 'queued' ORDER BY "queuedAt", id LIMIT 4`,
    );
    const holdIds = firstFour.map((r) => `'${r.id as string}'`).join(",");
    await h.query(`UPDATE "Run" SET "leaseOwner" = '${heldBy}', "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + interval '1 hour' WHERE id IN (${holdIds})`);
    const atLimit: number[] = [];
    for (let i = 0; i < CLAIM_SAMPLES; i++) {
      const t = performance.now();
      const claimed = await claimRun({ owner, leaseMs: 60_000, workspaceConcurrency: 4 });
      atLimit.push(performance.now() - t);
      if (claimed) throw new Error(`(5a) a claim took ${claimed.id} although every workspace with work is at its limit`);
    }
    await h.query(`UPDATE "Run" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE id IN (${holdIds})`);
    const belowLimit: number[] = [];
    for (let i = 0; i < CLAIM_SAMPLES; i++) {
      const t = performance.now();
      const claimed = await claimRun({ owner, leaseMs: 60_000, workspaceConcurrency: 4 });
      belowLimit.push(performance.now() - t);
      if (!claimed) throw new Error("(5a) nothing claimed below the limit");
      await h.query(`UPDATE "Run" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE id = '${claimed.id}'`);
    }
    console.log(`\n(5) Backlog: one workspace with ${FLOOD} queued agent runs (LLM stub 200 ms), another with one; database: ${h.mode}`);
    console.log(`  (5a) claimRun alone, nobody executing, ${CLAIM_SAMPLES} claims each:`);
    const sa = h.stats(atLimit);
    const sb = h.stats(belowLimit);
    console.log(h.line("flooding workspace at its limit, nothing claimable (a poll)", sa));
    console.log(h.line("flooding workspace below its limit (takes its oldest run)", sb));
    console.log(`      target claim median <= 20 ms: ${sa.p50 <= 20 && sb.p50 <= 20 ? "met" : "NOT met"}`);

    // (5b) the executor works through the backlog; the other workspace starts a run after 1 s
    const loadBefore = h.load();
    h.sqlTimes.clear();
    startProcessExecutor({ maxConcurrent: 8, workspaceConcurrency: 4, reclaimOrphans: false, onRunEnd: (id) => onEnd.fn(id) });
    await sleep(1_000);
    const t0 = performance.now();
    const other = await startRun(b.ctx, { agent: "o", input: "Me too." });
    const startRunMs = performance.now() - t0;
    const waited = await startedWithin(other.id, t0);
    await sleep(1_000);
    const claims = h.stats(claimTimes());
    const { rows: done } = await h.query(`SELECT count(*)::int AS n FROM "Run" WHERE "workspaceId" = '${a.ctx.workspaceId}' AND status = 'succeeded'`);
    console.log(`  (5b) the process's executor (8 per process, 4 per workspace) on the backlog; the other workspace's run started 1 s in:`);
    console.log(
      `    other workspace's run: startRun .. claimed after ${took(waited.claimed)}, .. running (run.started committed) after ${took(waited.running)}; target <= 1 s: ${waited.running !== null && waited.running <= 1000 ? "met" : "NOT met"} (startRun itself: ${ms(startRunMs)})`,
    );
    console.log(h.line("every claim of the executor meanwhile", claims));
    console.log(
      `    flooding workspace's runs finished meanwhile: ${(done[0] as { n: number }).n}; load average (1 min): ${loadBefore} before, ${h.load()} after`,
    );
    await cancelQueued([a.ctx.workspaceId, b.ctx.workspaceId]);
    await stopProcessExecutor();
  }

  // ---- (6) two flooding workspaces and a third with one run
  if (h.parts.has("6")) {
    const a1 = await h.workspace("flood1");
    const a2 = await h.workspace("flood2");
    const c = await h.workspace("third");
    for (const w of [a1, a2, c]) await h.agent(w.ctx, "f", w.models.slow!);
    for (const [w, tag] of [
      [a1, "f1"],
      [a2, "f2"],
    ] as const) {
      const template = await startRun(w.ctx, { agent: "f", input: "Flood." });
      await flood(template.id, FLOOD - 1, `${tag}_${process.pid}`);
    }
    const loadBefore = h.load();
    h.sqlTimes.clear();
    startProcessExecutor({ maxConcurrent: 8, workspaceConcurrency: 4, reclaimOrphans: false, onRunEnd: (id) => onEnd.fn(id) });
    await sleep(1_500);
    const { rows: busy } = await h.query(
      `SELECT "workspaceId", count(*)::int AS n FROM "Run" WHERE "workspaceId" IN ('${a1.ctx.workspaceId}', '${a2.ctx.workspaceId}') AND "leaseOwner" IS NOT NULL GROUP BY 1`,
    );
    const t0 = performance.now();
    const third = await startRun(c.ctx, { agent: "f", input: "Me too." });
    const startRunMs = performance.now() - t0;
    const waited = await startedWithin(third.id, t0);
    const claims = h.stats(claimTimes());
    console.log(
      `\n(6) Two workspaces with ${FLOOD} queued agent runs each (LLM stub 200 ms) fill the process (8 per process, 4 per workspace; leased when the third starts: ${busy.map((r) => r.n).join(" + ")}); a third workspace starts one run; database: ${h.mode}`,
    );
    console.log(
      `    third workspace's run: startRun .. claimed after ${took(waited.claimed)}, .. running after ${took(waited.running)} (startRun itself: ${ms(startRunMs)})`,
    );
    console.log(h.line("every claim of the executor meanwhile", claims));
    console.log(`    load average (1 min): ${loadBefore} before, ${h.load()} after`);
    await cancelQueued([a1.ctx.workspaceId, a2.ctx.workspaceId, c.ctx.workspaceId]);
    await stopProcessExecutor();
  }

  // ---- (7) 200 open event streams on one run
  if (h.parts.has("7")) {
    const { runEventsStream } = await import("../../server/runs/sse");
    const w = await h.workspace("streams");
    const names = Array.from({ length: 20 }, (_, i) => `s${i}`);
    for (const n of names) await h.agent(w.ctx, n, w.models.slow!);
    await createTeam(w.ctx, { slug: "seq20slow", name: "seq20slow", spec: { topology: "sequential", agents: names } });
    const xacts = async (): Promise<number | null> => {
      if (h.isEmbedded) return null;
      const { rows } = await h.query(`SELECT xact_commit::float8 AS n FROM pg_stat_database WHERE datname = current_database()`);
      return Number((rows[0] as { n: number }).n);
    };
    const open = (runId: string) => {
      const aborts: AbortController[] = [];
      const done: Promise<void>[] = [];
      for (let i = 0; i < STREAMS; i++) {
        const ac = new AbortController();
        aborts.push(ac);
        const res = runEventsStream({ runId, workspaceId: w.ctx.workspaceId }, 0, ac.signal, `bench-${i}`);
        const reader = res.body!.getReader();
        done.push(
          (async () => {
            for (;;) {
              const { done: end } = await reader.read().catch(() => ({ done: true }));
              if (end) return;
            }
          })(),
        );
      }
      return {
        close: async () => {
          aborts.forEach((a) => a.abort());
          await Promise.allSettled(done);
        },
      };
    };
    const measure = async (label: string, runId: string, during: () => Promise<void>) => {
      const s = open(runId);
      await sleep(500); // opened and caught up
      const sent0 = h.sentCount();
      const x0 = await xacts();
      const t0 = performance.now();
      await during();
      const secs = (performance.now() - t0) / 1000;
      const sent = h.sentCount() - sent0;
      const x1 = await xacts();
      await s.close();
      console.log(
        `    ${label.padEnd(58)} ${(sent / secs).toFixed(0).padStart(6)} statements/s sent by this process${x0 !== null && x1 !== null ? `, ${((x1 - x0) / secs).toFixed(0)} transactions/s committed (database)` : ""}`,
      );
    };
    console.log(
      `\n(7) ${STREAMS} open event streams on one run (the SSE stream of the run-events routes, in this process), ${STREAM_WINDOW_MS / 1000} s windows; database: ${h.mode}`,
    );
    // idle: a run that an executor "holds" and that writes nothing
    const idle = await startRun(w.ctx, { agent: "s0", input: "Idle." });
    await h.query(
      `UPDATE "Run" SET status = 'running', "leaseOwner" = 'bench-idle', "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + interval '1 hour' WHERE id = '${idle.id}'`,
    );
    await measure("idle run (no new events)", idle.id, () => sleep(STREAM_WINDOW_MS));
    await h.query(`UPDATE "Run" SET status = 'cancelled', "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE id = '${idle.id}'`);
    // live: a 20-step run executing in this process (its writes included); then another one with no stream open
    startProcessExecutor({ maxConcurrent: 8, workspaceConcurrency: 4, reclaimOrphans: false });
    const live = await startRun(w.ctx, { team: "seq20slow", input: "Live." });
    await measure("executing run (20 sequential steps, 200 ms each)", live.id, () => sleep(STREAM_WINDOW_MS - 1_000));
    const alone = await startRun(w.ctx, { team: "seq20slow", input: "Alone." });
    await sleep(500);
    const quiet0 = h.sentCount();
    const q0 = await xacts();
    const tq = performance.now();
    await sleep(STREAM_WINDOW_MS - 1_000);
    const qsecs = (performance.now() - tq) / 1000;
    const q1 = await xacts();
    console.log(
      `    ${"the same run with no stream open (for comparison)".padEnd(58)} ${((h.sentCount() - quiet0) / qsecs).toFixed(0).padStart(6)} statements/s sent by this process${q0 !== null && q1 !== null ? `, ${((q1 - q0) / qsecs).toFixed(0)} transactions/s committed (database)` : ""}`,
    );
    await h.query(`UPDATE "Run" SET "cancelRequestedAt" = now() WHERE id IN ('${live.id}', '${alone.id}')`);
    await stopProcessExecutor();
  }
}
