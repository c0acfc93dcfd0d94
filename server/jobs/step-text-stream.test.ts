/**
 * Streamed output of a running step: node.delta events between the step's node.started and node.finished, at most
 * one per interval, a reset when the gateway starts another model call, none after the step ended.
 */
import { afterEach, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { generate, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, type RunWorkspace } from "@/test/fixtures/runs";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";
import { claimRun } from "./executor";
import { testDb as db } from "@/test/db";
import { subscribeRunEvents } from "./notify";
import { runEventsStream } from "@/server/runs/sse";
import { markRunWatched, WATCH_TTL_MS, watchedInProcess } from "./watchers";

const server = inject("databaseMode") === "server";
import { DELTA_INTERVAL_MS, EVENT_TEXT_MAX } from "./step-text-stream";
import { updatePiiPolicy } from "@/server/quality/pii-policy/service";

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("stream");
  await addAgent(rw.ctx, "talker");
  await addAgent(rw.ctx, "replier");
  await addTeam(rw.ctx, "solo", { topology: "sequential", agents: ["talker"] });
  await addTeam(rw.ctx, "duo", { topology: "sequential", agents: ["talker", "replier"] });
  // the stream's mechanics, unredacted; the redacted stream is the last test
  await updatePiiPolicy(rw.ctx, { actions: { secret: "keep", jwt: "keep" } });
});
afterEach(() => settleObservations());

/** Executes a run of `team` with this gateway; `watch` follows it live like an event stream of this process. */
async function runWith(generateFn: ExecuteDeps["generate"], options: { team?: string; watch?: "in-process" | "marked" | "none" } = {}) {
  const run = await startRun(rw.ctx, { team: options.team ?? "solo", input: "Talk to me." });
  const watch = options.watch ?? "in-process";
  const subscription = watch === "in-process" ? subscribeRunEvents(run.id) : null;
  if (watch === "marked") await markRunWatched({ runId: run.id, workspaceId: rw.ws.id });
  try {
    const outcome = await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }), {
      deps: { generate: generateFn },
    });
    expect(outcome).toBe("succeeded");
  } finally {
    subscription?.close();
  }
  return { runId: run.id, events: await eventRows(run.id) };
}

describe("streamed step output", () => {
  it("writes the deltas as node.delta events, coalesced per interval, with a reset when the model call starts again", async () => {
    const { events } = await runWith(async (ctx, req) => {
      expect(req.onTextDelta).toBeTypeOf("function");
      req.onTextDelta!("Hel");
      req.onTextDelta!("lo, ");
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onStreamRestart!(); // the gateway fell back to another model
      req.onTextDelta!("Second");
      req.onTextDelta!(" try");
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onTextDelta!(" (never shown: the call ends first)");
      return generate(ctx, { ...req, onTextDelta: undefined, onStreamRestart: undefined });
    });
    const types = events.map((e) => e.type);
    const deltas = events.filter((e) => e.type === "node.delta").map((e) => e.data as { text: string; reset?: boolean; stepId: string; nodeId: string });
    expect(deltas.map((d) => [d.text, d.reset ?? false])).toEqual([
      ["Hello, ", false],
      ["Second try", true],
    ]);
    expect(deltas.every((d) => d.stepId === "s0" && d.nodeId === "s0")).toBe(true);
    const started = types.indexOf("node.started");
    const finished = types.indexOf("node.finished");
    expect(types.slice(started + 1, finished)).toEqual(["node.delta", "node.delta"]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it("a step that ends within the interval writes no delta; the streamed text is capped like node.finished's output", async () => {
    const { events: quick } = await runWith(async (ctx, req) => {
      req.onTextDelta!("fast");
      return generate(ctx, { ...req, onTextDelta: undefined });
    });
    expect(quick.filter((e) => e.type === "node.delta")).toHaveLength(0);

    const { events: long } = await runWith(async (ctx, req) => {
      for (let i = 0; i < 10; i++) req.onTextDelta!("x".repeat(1000));
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onTextDelta!("more");
      await sleep(DELTA_INTERVAL_MS + 100);
      return generate(ctx, { ...req, onTextDelta: undefined });
    });
    const texts = long.filter((e) => e.type === "node.delta").map((e) => (e.data as { text: string }).text);
    expect(texts.join("").length).toBe(EVENT_TEXT_MAX);
  });

  it("a run nobody follows is not streamed; one followed from another process (the run's mark) streams from the step after the mark was read", async () => {
    const streamedSteps = async (watch: "none" | "marked") => {
      const seen: Record<string, boolean> = {};
      await runWith(
        async (ctx, req) => {
          seen[req.stepId!] = typeof req.onTextDelta === "function";
          // the step's start (which read the mark) has committed before the next step starts, however slow the database
          await vi.waitFor(async () => expect(await db().runStep.count({ where: { runId: req.runId!, stepId: req.stepId! } })).toBe(1), { interval: 5 });
          await sleep(20);
          return generate(ctx, { ...req, onTextDelta: undefined, onStreamRestart: undefined });
        },
        { team: "duo", watch },
      );
      return seen;
    };
    expect(await streamedSteps("none")).toEqual({ s0: false, s1: false });
    // the mark is read by each step start (s0's tells s1), and by the executor's claim
    expect(await streamedSteps("marked")).toEqual({ s0: false, s1: true });
  });

  it("a run started from the web app is watched from the start (its claim says so); one started otherwise is not", async () => {
    const claimOne = () => claimRun({ owner: "test/1/watch", leaseMs: 5_000, workspaceConcurrency: 100, workspaceIds: [rw.ws.id] });
    const fromApp = await startRun(rw.ctx, { team: "solo", input: "From the run page." }, { watched: true });
    const claimedApp = await claimOne();
    expect([claimedApp?.id, claimedApp?.watched]).toEqual([fromApp.id, true]);
    const fromScript = await startRun(rw.ctx, { team: "solo", input: "From a script." });
    const claimedScript = await claimOne();
    expect([claimedScript?.id, claimedScript?.watched]).toEqual([fromScript.id, false]);
    await db().run.updateMany({ where: { id: { in: [fromApp.id, fromScript.id] } }, data: { status: "cancelled", leaseOwner: null } });
  });

  it("the executor's claim reads the mark; an open event stream marks the run (a database server) and the mark lapses", async () => {
    const run = await startRun(rw.ctx, { team: "solo", input: "Claim me." });
    // an event stream of the run (as GET .../runs/{id}/events serves it) marks it where other processes may execute
    // the run; embedded PGlite is one process: the stream's subscription is the watch, and nothing is written
    const abort = new AbortController();
    const reader = runEventsStream({ runId: run.id, workspaceId: rw.ws.id }, 0, abort.signal, "req_test_watch").body!.getReader();
    await reader.read();
    expect(watchedInProcess(run.id)).toBe(true);
    for (let i = 0; i < 100 && !(await db().run.findUniqueOrThrow({ where: { id: run.id } })).watchedUntil; i++) {
      if (!server) break;
      await sleep(20);
    }
    abort.abort();
    await reader.cancel().catch(() => undefined);
    if (!server) {
      await sleep(50); // a mark would have been written by now
      expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).watchedUntil).toBeNull();
      await markRunWatched({ runId: run.id, workspaceId: rw.ws.id }); // as a run started from the web app is
    }
    const claimed = await claimRun({ owner: "test/1/watch", leaseMs: 5_000, workspaceConcurrency: 100, workspaceIds: [rw.ws.id] });
    expect(claimed?.id).toBe(run.id);
    expect(claimed?.watched).toBe(true);
    const row = await db().run.findUniqueOrThrow({ where: { id: run.id } });
    expect(row.watchedUntil!.getTime()).toBeGreaterThan(Date.now() + WATCH_TTL_MS - 5_000);
    expect(row.watchedUntil!.getTime()).toBeLessThanOrEqual(Date.now() + WATCH_TTL_MS);
    await db().run.update({ where: { id: run.id }, data: { status: "cancelled", leaseOwner: null, watchedUntil: new Date(Date.now() - 1) } });
    await markRunWatched({ runId: run.id, workspaceId: rw.ws.id }); // a finished run is not marked again
    expect((await db().run.findUniqueOrThrow({ where: { id: run.id } })).watchedUntil!.getTime()).toBeLessThan(Date.now());
  });

  it("with the PII policy on storage, a key split across deltas is never shown: the last word waits for the next delta", async () => {
    await updatePiiPolicy(rw.ctx, { actions: { secret: "redact" } });
    // built at run time: nothing secret-looking is committed
    const key = `gh${"p_"}${"Zq4Wm8Rt2Yp6Lk0Hj3Gf7Ds1Az5Xc9Vb8Nm4"}`;
    const { events } = await runWith(async (ctx, req) => {
      req.onTextDelta!(`Use the key ${key.slice(0, 10)}`);
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onTextDelta!(`${key.slice(10)} for the repo, then `);
      await sleep(DELTA_INTERVAL_MS + 100);
      return generate(ctx, { ...req, onTextDelta: undefined });
    });
    const texts = events.filter((e) => e.type === "node.delta").map((e) => (e.data as { text: string }).text);
    expect(texts).toEqual(["Use the key ", "[SECRET] for the repo, then "]);
    expect(JSON.stringify(events)).not.toContain(key.slice(0, 10));
  });
});
