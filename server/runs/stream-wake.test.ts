/**
 * Event streams at scale: a commit made by another process (another connection, no in-process signal) wakes an
 * open stream through LISTEN/NOTIFY long before its poll (server mode; the listener reconnects when its connection
 * is cut); the streams of one run share their reads (the database sees one query per signal, not one per stream);
 * open streams are capped per caller and per process (429), and a closed stream gives its place back.
 */
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { testPool } from "@/test/db";
import { makeApiKey } from "@/test/helpers";
import { addAgent, makeRunWorkspace, sleep, type RunWorkspace } from "@/test/fixtures/runs";
import { setEnv } from "@/server/env";
import { transport } from "@/server/db/execute";
import { appendRunEventsSql } from "@/server/jobs/events";
import { runEventListenerReady, runEventListenerState, stopRunEventListener } from "@/server/jobs/notify";
import { configureRunStreams, openStreamCount, runEventsStream } from "./sse";
import { apiKeyRunEvents } from "@/server/rest/sse-routes";
import { startRun } from "./service";

const server = inject("databaseMode") === "server";
let rw: RunWorkspace;

beforeAll(async () => {
  rw = await makeRunWorkspace("stream-wake");
  await addAgent(rw.ctx, "worker");
});
afterEach(() => configureRunStreams());
afterAll(async () => {
  await stopRunEventListener();
});

/** A run that an executor elsewhere "holds" (nobody here executes it). */
async function heldRun(): Promise<string> {
  const run = await startRun(rw.ctx, { agent: "worker", input: "held" });
  await testPool().query(
    `UPDATE "Run" SET status = 'running', "leaseOwner" = 'elsewhere/1/x', "leaseExpiresAt" = (now() AT TIME ZONE 'UTC') + interval '1 hour' WHERE id = $1`,
    [run.id],
  );
  return run.id;
}
const putAway = (runId: string) =>
  testPool().query(`UPDATE "Run" SET status = 'cancelled', "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE id = $1`, [runId]);

/** An event written by "another process": a plain connection, no in-process signal. */
async function writeElsewhere(runId: string, note: string) {
  await testPool().query(appendRunEventsSql(runId, [{ type: "node.started", data: { note } }]).text);
}

function reader(res: Response) {
  const r = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const seen: { text: string; at: number }[] = [];
  void (async () => {
    for (;;) {
      const chunk = await r.read().catch(() => ({ done: true as const, value: undefined }));
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
      seen.push({ text, at: performance.now() });
    }
  })();
  return {
    text: () => text,
    /** when the text first matched */
    async until(check: (text: string) => boolean, timeoutMs = 10_000): Promise<number> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const hit = seen.find((s) => check(s.text));
        if (hit) return hit.at;
        if (Date.now() > deadline) throw new Error(`the stream never showed what was expected; it has: ${text}`);
        await sleep(2);
      }
    },
    cancel: () => r.cancel().catch(() => undefined),
  };
}

describe.skipIf(!server)("LISTEN/NOTIFY (PostgreSQL server)", () => {
  it("a commit by another process wakes the stream within 100 ms, although its poll is a minute away", async () => {
    configureRunStreams({ pollMs: 60_000 });
    const runId = await heldRun();
    const stream = reader(runEventsStream({ runId, workspaceId: rw.ws.id }, 0, undefined, "req_wake"));
    await stream.until((t) => t.includes("event: run.queued"));
    expect(await runEventListenerReady()).toBe(true);
    const lags: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      await writeElsewhere(runId, `n${i}`);
      const at = await stream.until((t) => t.includes(`"note":"n${i}"`), 5_000);
      lags.push(at - t0);
    }
    lags.sort((a, b) => a - b);
    expect(lags[2]!).toBeLessThan(100);
    await stream.cancel();
    await putAway(runId);
  });

  it("the listener comes back after its connection is cut, and the streams are woken again", async () => {
    configureRunStreams({ pollMs: 60_000 });
    const runId = await heldRun();
    const stream = reader(runEventsStream({ runId, workspaceId: rw.ws.id }, 0, undefined, "req_wake2"));
    await stream.until((t) => t.includes("event: run.queued"));
    expect(await runEventListenerReady()).toBe(true);
    await testPool().query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'cadre-run-events' AND datname = current_database()`,
    );
    await expect.poll(() => runEventListenerState(), { timeout: 5_000 }).not.toBe("listening");
    expect(await runEventListenerReady(10_000)).toBe(true);
    const t0 = performance.now();
    await writeElsewhere(runId, "after-reconnect");
    const at = await stream.until((t) => t.includes(`"note":"after-reconnect"`), 5_000);
    expect(at - t0).toBeLessThan(1_000);
    await stream.cancel();
    await putAway(runId);
  });
});

describe("shared reads", () => {
  it("50 streams of one run: one events query per signal and per poll tick, not one per stream", async () => {
    configureRunStreams({ pollMs: 300 });
    const runId = await heldRun();
    const reads: number[] = [];
    const send = transport.send;
    transport.send = async (text: string) => {
      if (text.includes(`FROM "RunEvent"`) && text.includes(runId)) reads.push(performance.now());
      return send(text);
    };
    try {
      const streams = Array.from({ length: 50 }, (_, i) => reader(runEventsStream({ runId, workspaceId: rw.ws.id }, 0, undefined, `req_share_${i}`)));
      for (const s of streams) await s.until((t) => t.includes("event: run.queued"));
      await sleep(400);
      // idle: every stream polls each 300 ms tick, together
      const idle0 = reads.length;
      await sleep(1_500);
      const idleReads = reads.length - idle0;
      expect(idleReads).toBeLessThanOrEqual(12); // ~5 ticks (50 streams each polling alone: ~250)
      // an event written in this process (with its in-process signal): one read for all 50 streams
      const { appendRunEvents } = await import("@/server/jobs/events");
      const before = reads.length;
      await appendRunEvents({ runId, workspaceId: rw.ws.id }, [{ type: "node.started", data: { note: "shared" } }]);
      for (const s of streams) await s.until((t) => t.includes(`"note":"shared"`));
      expect(reads.length - before).toBeLessThanOrEqual(4);
      await Promise.all(streams.map((s) => s.cancel()));
    } finally {
      transport.send = send;
      await putAway(runId);
    }
  }, 60_000);
});

describe("caps on open streams", () => {
  afterEach(() => {
    setEnv("CADRE_MAX_STREAMS", "1000");
    setEnv("CADRE_MAX_STREAMS_PER_CALLER", "20");
  });

  it("429 beyond the caller's cap and beyond the process's cap; a closed stream gives its place back", async () => {
    configureRunStreams({ pollMs: 50 });
    setEnv("CADRE_MAX_STREAMS_PER_CALLER", "2");
    setEnv("CADRE_MAX_STREAMS", "3");
    const runId = await heldRun();
    const k1 = await makeApiKey(rw.ws, "member");
    const k2 = await makeApiKey(rw.ws, "member");
    const open = async (raw: string) => {
      const controller = new AbortController();
      const res = await apiKeyRunEvents(
        new Request(`http://localhost:3000/api/v1/runs/${runId}/events`, {
          headers: { authorization: `Bearer ${raw}`, accept: "text/event-stream" },
          signal: controller.signal,
        }),
        { params: Promise.resolve({ runId }) },
      );
      return { res, close: () => controller.abort() };
    };
    const base = openStreamCount();
    const a = await open(k1.raw);
    const b = await open(k1.raw);
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const c = await open(k1.raw);
    expect(c.res.status).toBe(429);
    expect(((await c.res.json()) as { error: { code: string } }).error.code).toBe("RATE_LIMITED");
    // another key still has room, up to the process's cap
    const d = await open(k2.raw);
    expect(d.res.status).toBe(200);
    const e = await open(k2.raw);
    expect(e.res.status).toBe(429);
    expect(openStreamCount()).toBe(base + 3);
    // closing one gives its place back (to its caller)
    a.close();
    await expect.poll(() => openStreamCount(), { timeout: 5_000 }).toBe(base + 2);
    const f = await open(k1.raw);
    expect(f.res.status).toBe(200);
    for (const s of [b, d, f]) s.close();
    await expect.poll(() => openStreamCount(), { timeout: 5_000 }).toBe(base);
    await putAway(runId);
  });
});
