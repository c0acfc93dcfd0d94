import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { transport } from "@/server/db/execute";
import { logger } from "@/server/logger";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, outcome, uniq, type TestWorkspace } from "@/test/helpers";
import { addModelRow, addProviderRow } from "@/test/fixtures/catalog-rows";
import { settleObservations } from "./gateway";
import {
  computeStats,
  FAILURE_PRIOR,
  percentile,
  reliabilityOf,
  queueModelObservation,
  recordModelObservation,
  recordModelObservations,
  STATS_WINDOW,
  tokenLatencyOf,
  type ModelObservation,
} from "./stats";

let ws: TestWorkspace;
let ctx: TenantContext;
let other: TenantContext;
beforeAll(async () => {
  ws = await makeWorkspace("stats");
  ctx = await resolveUserTenant(ws.users.owner, ws.slug);
  const ws2 = await makeWorkspace("stats-b");
  other = await resolveUserTenant(ws2.users.owner, ws2.slug);
});

async function makeModel(): Promise<string> {
  const provider = await addProviderRow(ws.id);
  return (await addModelRow(ws.id, provider.id)).id;
}

describe("stats math", () => {
  it("nearest-rank percentiles", () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1, unsorted
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 95)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([10, 20, 30], 95)).toBe(30);
    expect(percentile([], 50)).toBeNull();
  });

  it("rates over every call; latency percentiles over successes and timeouts (a timeout at its time), never errors", () => {
    const stats = computeStats([100, 200, 5, 30_000, 300], ["ok", "ok", "error", "timeout", "ok"]);
    expect(stats).toEqual({ latencyP50Ms: 200, latencyP95Ms: 30_000, errorRate: 0.2, timeoutRate: 0.2 });
    // a model whose calls all time out is slow, not unobserved
    expect(computeStats([60_000, 60_000], ["timeout", "timeout"]).latencyP95Ms).toBe(60_000);
    expect(computeStats([], [])).toEqual({ latencyP50Ms: null, latencyP95Ms: null, errorRate: 0, timeoutRate: 0 });
  });
});

describe("recordModelObservation", () => {
  it("keeps a rolling window of the last 100 calls and recomputes the figures", async () => {
    const id = await makeModel();
    for (let i = 1; i <= 10; i++) await recordModelObservation(ctx, id, { latencyMs: i * 10, outcome: "ok" });
    await recordModelObservation(ctx, id, { latencyMs: 5, outcome: "error", error: "HTTP 500: boom" });
    await recordModelObservation(ctx, id, { latencyMs: 20_000, outcome: "timeout" });
    let row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.callCount).toBe(12);
    expect(row.latencySamples).toHaveLength(12);
    // 11 timed samples (10 successes and the timeout at 20 s): the 6th and the 11th
    expect(row.latencyP50Ms).toBe(60);
    expect(row.latencyP95Ms).toBe(20_000);
    expect(row.errorRate).toBeCloseTo(1 / 12);
    expect(row.timeoutRate).toBeCloseTo(1 / 12);
    expect(row.lastError).toBe("Timed out");
    expect(row.lastErrorAt).toBeInstanceOf(Date);

    // 100 fast successes push the slow and failed calls out of the window
    const before = row.updatedAt;
    for (let i = 0; i < STATS_WINDOW; i++) await recordModelObservation(ctx, id, { latencyMs: 7, outcome: "ok" });
    row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.callCount).toBe(112);
    expect(row.latencySamples).toHaveLength(STATS_WINDOW);
    expect(row.outcomeSamples.every((o) => o === "ok")).toBe(true);
    expect(row).toMatchObject({ latencyP50Ms: 7, latencyP95Ms: 7, errorRate: 0, timeoutRate: 0 });
    // the last error stays visible; an observation is not an edit of the entry
    expect(row.lastError).toBe("Timed out");
    expect(row.updatedAt).toEqual(before);
  });

  it("loses no sample under 20 concurrent observations", async () => {
    const id = await makeModel();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        recordModelObservation(ctx, id, { latencyMs: 100 + i, outcome: i % 5 === 0 ? "error" : "ok", error: i % 5 === 0 ? `e${i}` : undefined }),
      ),
    );
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.callCount).toBe(20);
    expect(row.latencySamples).toHaveLength(20);
    expect([...row.latencySamples].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => 100 + i));
    expect(row.errorRate).toBeCloseTo(0.2);
  });

  it("is NOT_FOUND for another workspace's model, and changes nothing", async () => {
    const id = await makeModel();
    const result = await outcome(recordModelObservation(other, id, { latencyMs: 1, outcome: "ok" }));
    expect(result).toMatchObject({ ok: false });
    await expect(recordModelObservation(other, id, { latencyMs: 1, outcome: "ok" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await db().model.findUniqueOrThrow({ where: { id } })).callCount).toBe(0);
  });

  it("clamps nonsense latencies and truncates long errors", async () => {
    const id = await makeModel();
    await recordModelObservation(ctx, id, { latencyMs: Number.NaN, outcome: "ok" });
    await recordModelObservation(ctx, id, { latencyMs: -5, outcome: "error", error: "x".repeat(2000) });
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.latencySamples).toEqual([0, 0]);
    expect(row.lastError).toHaveLength(500);
  });
});

describe("recordModelObservation: the SQL figures are computeStats's", () => {
  it("matches computeStats on the stored window after every observation (window sliding, mixed outcomes, ties)", async () => {
    const id = await makeModel();
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const outcomes = ["ok", "ok", "ok", "error", "timeout"] as const;
    for (let i = 0; i < 130; i++) {
      const outcome = outcomes[Math.floor(random() * outcomes.length)]!;
      await recordModelObservation(ctx, id, { latencyMs: Math.floor(random() * 50) * 10, outcome });
      if (i % 9 !== 0 && i < 125) continue;
      const row = await db().model.findUniqueOrThrow({ where: { id } });
      expect(row.latencySamples).toHaveLength(Math.min(i + 1, STATS_WINDOW));
      const expected = computeStats(row.latencySamples, row.outcomeSamples);
      expect({ latencyP50Ms: row.latencyP50Ms, latencyP95Ms: row.latencyP95Ms, errorRate: row.errorRate, timeoutRate: row.timeoutRate }).toEqual(expected);
    }
  });

  it("windows of different lengths (a row edited by hand) are sliced and paired like computeStats does", async () => {
    const id = await makeModel();
    await db().model.update({ where: { id }, data: { latencySamples: [50, 10, 30], outcomeSamples: ["ok", "error", "ok", "ok", "timeout"] } });
    await recordModelObservation(ctx, id, { latencyMs: 20, outcome: "ok" });
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.latencySamples).toEqual([50, 10, 30, 20]);
    expect(row.outcomeSamples).toEqual(["ok", "error", "ok", "ok", "timeout", "ok"]);
    expect({ latencyP50Ms: row.latencyP50Ms, latencyP95Ms: row.latencyP95Ms, errorRate: row.errorRate, timeoutRate: row.timeoutRate }).toEqual(
      computeStats(row.latencySamples, row.outcomeSamples),
    );
  });

  it("loses no sample under 100 concurrent observations of one model (one row-locking statement each)", async () => {
    const id = await makeModel();
    await Promise.all(Array.from({ length: 100 }, (_, i) => recordModelObservation(ctx, id, { latencyMs: i, outcome: i % 10 === 0 ? "timeout" : "ok" })));
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.callCount).toBe(100);
    expect([...row.latencySamples].sort((x, y) => x - y)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(row.timeoutRate).toBeCloseTo(0.1);
    expect(row).toMatchObject(computeStats(row.latencySamples, row.outcomeSamples));
  });
});

describe("recordModelObservation: the statement's literals", () => {
  it("stores any error text faithfully (quotes, backslashes, $n, unicode), without NUL", async () => {
    const id = await makeModel();
    const nasty = `HTTP 500: it's \\ "bad" '); DELETE FROM "Model"; -- $1 $8 ☃ \u0000tail`;
    await recordModelObservation(ctx, id, { latencyMs: 12, outcome: "error", error: nasty });
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.lastError).toBe(nasty.replace("\u0000", ""));
    expect(row.outcomeSamples).toEqual(["error"]);
    expect(row.lastErrorAt).toBeInstanceOf(Date);
    expect(Math.abs(row.lastErrorAt!.getTime() - Date.now())).toBeLessThan(60_000);
  });
});

const figures = (row: { latencyP50Ms: number | null; latencyP95Ms: number | null; errorRate: number; timeoutRate: number }) => ({
  latencyP50Ms: row.latencyP50Ms,
  latencyP95Ms: row.latencyP95Ms,
  errorRate: row.errorRate,
  timeoutRate: row.timeoutRate,
});

function randomObservations(count: number, seed: number): ModelObservation[] {
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const outcomes = ["ok", "ok", "ok", "error", "timeout"] as const;
  return Array.from({ length: count }, (_, i) => {
    const outcome = outcomes[Math.floor(random() * outcomes.length)]!;
    return { latencyMs: Math.floor(random() * 50) * 10, outcome, error: outcome === "error" ? `HTTP 500 #${i}` : undefined };
  });
}

/** Counts the stats UPDATEs sent by the executor, and the most in flight at once. */
function countStatsWrites(delayMs = 0) {
  const original = transport.send;
  const seen = { statements: 0, inFlight: 0, maxInFlight: 0 };
  vi.spyOn(transport, "send").mockImplementation((async (sql: string) => {
    if (!sql.includes('UPDATE "Model"')) return original(sql);
    seen.statements++;
    seen.maxInFlight = Math.max(seen.maxInFlight, ++seen.inFlight);
    try {
      if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return await original(sql);
    } finally {
      seen.inFlight--;
    }
  }) as never);
  return seen;
}

describe("recordModelObservations (a batch in one statement)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("gives the same window and figures as the same calls recorded one by one, on top of existing samples", async () => {
    const single = await makeModel();
    const batched = await makeModel();
    const first = randomObservations(40, 11);
    const rest = randomObservations(45, 12);
    for (const o of first) {
      await recordModelObservation(ctx, single, o);
    }
    await recordModelObservations(ctx, batched, first);
    for (const o of rest) await recordModelObservation(ctx, single, o);
    const seen = countStatsWrites();
    await recordModelObservations(ctx, batched, rest);
    expect(seen.statements).toBe(1);

    const a = await db().model.findUniqueOrThrow({ where: { id: single } });
    const b = await db().model.findUniqueOrThrow({ where: { id: batched } });
    expect(b.latencySamples).toEqual(a.latencySamples);
    expect(b.outcomeSamples).toEqual(a.outcomeSamples);
    expect(b.latencySamples).toEqual([...first, ...rest].map((o) => o.latencyMs));
    expect(b.callCount).toBe(85);
    expect(figures(b)).toEqual(figures(a));
    expect(figures(b)).toEqual(computeStats(b.latencySamples, b.outcomeSamples));
    // the newest failure of the batch
    const lastFailure = [...rest].reverse().find((o) => o.outcome !== "ok")!;
    expect(b.lastError).toBe(lastFailure.error ?? "Timed out");
    expect(b.lastError).toBe(a.lastError);
    expect(b.lastErrorAt).toBeInstanceOf(Date);
  });

  it("keeps the last STATS_WINDOW samples, however large the batch, and counts every call", async () => {
    const id = await makeModel();
    const before = randomObservations(70, 21);
    const batch = randomObservations(STATS_WINDOW + 30, 22);
    await recordModelObservations(ctx, id, before);
    await recordModelObservations(ctx, id, batch.slice(0, 50)); // 120 samples: slides
    let row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.latencySamples).toEqual([...before, ...batch.slice(0, 50)].slice(-STATS_WINDOW).map((o) => o.latencyMs));
    expect(row.outcomeSamples).toEqual([...before, ...batch.slice(0, 50)].slice(-STATS_WINDOW).map((o) => o.outcome));
    expect(figures(row)).toEqual(computeStats(row.latencySamples, row.outcomeSamples));

    await recordModelObservations(ctx, id, batch); // larger than the window on its own
    row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.latencySamples).toEqual(batch.slice(-STATS_WINDOW).map((o) => o.latencyMs));
    expect(row.outcomeSamples).toEqual(batch.slice(-STATS_WINDOW).map((o) => o.outcome));
    expect(row.callCount).toBe(70 + 50 + STATS_WINDOW + 30);
    expect(figures(row)).toEqual(computeStats(row.latencySamples, row.outcomeSamples));
  });

  it("a batch without failures leaves the last error alone; an empty batch writes nothing", async () => {
    const id = await makeModel();
    await recordModelObservations(ctx, id, [
      { latencyMs: 3, outcome: "timeout" },
      { latencyMs: 4, outcome: "ok" },
    ]);
    await recordModelObservations(ctx, id, [{ latencyMs: 5, outcome: "ok" }]);
    const seen = countStatsWrites();
    await recordModelObservations(ctx, id, []);
    expect(seen.statements).toBe(0);
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ callCount: 3, lastError: "Timed out", latencySamples: [3, 4, 5], timeoutRate: 1 / 3, latencyP95Ms: 5 });
  });

  it("two processes writing batches of the same model at once lose no sample", async () => {
    const id = await makeModel();
    const a = Array.from({ length: 30 }, (_, i): ModelObservation => ({ latencyMs: i, outcome: "ok" }));
    const b = Array.from({ length: 25 }, (_, i): ModelObservation => ({ latencyMs: 100 + i, outcome: i % 5 === 0 ? "error" : "ok" }));
    await Promise.all([recordModelObservations(ctx, id, a), recordModelObservations(ctx, id, b), recordModelObservations(ctx, id, a.slice(0, 5))]);
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.callCount).toBe(60);
    expect([...row.latencySamples].sort((x, y) => x - y)).toEqual([...a, ...a.slice(0, 5), ...b].map((o) => o.latencyMs).sort((x, y) => x - y));
    expect(row.errorRate).toBeCloseTo(5 / 60);
    expect(figures(row)).toEqual(computeStats(row.latencySamples, row.outcomeSamples));
  });

  it("is NOT_FOUND for another workspace's model, and changes nothing", async () => {
    const id = await makeModel();
    await expect(recordModelObservations(other, id, [{ latencyMs: 1, outcome: "ok" }])).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await db().model.findUniqueOrThrow({ where: { id } })).callCount).toBe(0);
  });
});

describe("queued observations (what the gateway does on every call)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("settleObservations writes a model's queued calls in one statement per model", async () => {
    await settleObservations();
    const m1 = await makeModel();
    const m2 = await makeModel();
    const seen = countStatsWrites();
    const calls = randomObservations(30, 31);
    for (const o of calls) queueModelObservation(ctx, m1, o);
    queueModelObservation(ctx, m2, { latencyMs: 9, outcome: "ok" });
    queueModelObservation(ctx, m2, { latencyMs: 8, outcome: "error", error: "boom" });
    queueModelObservation(ctx, m2, { latencyMs: 7, outcome: "ok" });
    expect(seen.statements).toBe(0); // nothing written synchronously
    await settleObservations();
    expect(seen.statements).toBe(2);
    const r1 = await db().model.findUniqueOrThrow({ where: { id: m1 } });
    expect(r1.callCount).toBe(30);
    expect(r1.latencySamples).toEqual(calls.map((o) => o.latencyMs));
    expect(figures(r1)).toEqual(computeStats(r1.latencySamples, r1.outcomeSamples));
    const r2 = await db().model.findUniqueOrThrow({ where: { id: m2 } });
    expect(r2).toMatchObject({ callCount: 3, latencySamples: [9, 8, 7], outcomeSamples: ["ok", "error", "ok"], lastError: "boom" });
    await settleObservations();
    expect(seen.statements).toBe(2); // nothing left
  });

  it("flushes on its own shortly after the first queued call", async () => {
    await settleObservations();
    const id = await makeModel();
    queueModelObservation(ctx, id, { latencyMs: 12, outcome: "ok" });
    queueModelObservation(ctx, id, { latencyMs: 13, outcome: "ok" });
    await vi.waitFor(async () => expect((await db().model.findUniqueOrThrow({ where: { id } })).callCount).toBe(2), { timeout: 5_000, interval: 20 });
  });

  it("at most one statement per model in flight: calls queued meanwhile go into the next one", async () => {
    await settleObservations();
    const id = await makeModel();
    const seen = countStatsWrites(150);
    for (let i = 0; i < 10; i++) queueModelObservation(ctx, id, { latencyMs: i, outcome: "ok" });
    // the timer starts the first statement (after ~50 ms), which takes >= 150 ms
    await vi.waitFor(() => expect(seen.inFlight).toBe(1), { timeout: 2_000, interval: 5 });
    for (let i = 10; i < 25; i++) queueModelObservation(ctx, id, { latencyMs: i, outcome: "ok" });
    const settling = [settleObservations(), settleObservations()];
    for (let i = 25; i < 30; i++) queueModelObservation(ctx, id, { latencyMs: i, outcome: "ok" });
    await Promise.all(settling);
    expect(seen.maxInFlight).toBe(1);
    expect(seen.statements).toBe(2);
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.latencySamples).toEqual(Array.from({ length: 30 }, (_, i) => i)); // in order
    expect(row.callCount).toBe(30);
  });

  it("holds at most STATS_WINDOW calls per model: older ones are counted but not kept", async () => {
    await settleObservations();
    const id = await makeModel();
    const calls = randomObservations(STATS_WINDOW * 2 + 50, 41);
    // not awaiting between calls: the queue fills faster than it is written
    for (const o of calls) queueModelObservation(ctx, id, o);
    await settleObservations();
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.callCount).toBe(calls.length);
    expect(row.latencySamples).toEqual(calls.slice(-STATS_WINDOW).map((o) => o.latencyMs));
    expect(row.outcomeSamples).toEqual(calls.slice(-STATS_WINDOW).map((o) => o.outcome));
    expect(figures(row)).toEqual(computeStats(row.latencySamples, row.outcomeSamples));
    // the newest failure, even when its sample fell out of the queue
    const failures = calls.filter((o) => o.outcome !== "ok");
    expect(row.lastError).toBe(failures.at(-1)!.error ?? "Timed out");
  });

  it("a failing write is logged, never thrown, and drops only that model's queued calls", async () => {
    await settleObservations();
    const id = await makeModel();
    const warn = vi.spyOn(logger, "warn");
    const missing = `mdl_missing${uniq()}`;
    expect(() => queueModelObservation(ctx, missing, { latencyMs: 1, outcome: "ok" })).not.toThrow();
    queueModelObservation(other, id, { latencyMs: 1, outcome: "ok" }); // another workspace's model: NOT_FOUND
    queueModelObservation(ctx, id, { latencyMs: 2, outcome: "ok" });
    await expect(settleObservations()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(2);
    expect(warn.mock.calls.map((c) => (c[0] as { modelRef: string }).modelRef).sort()).toEqual([id, missing].sort());
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row).toMatchObject({ callCount: 1, latencySamples: [2] });
    // dropped, not retried
    const seen = countStatsWrites();
    await settleObservations();
    expect(seen.statements).toBe(0);
  });
});

describe("reliability for routing: prior, smoothing, recency", () => {
  const rate = (outcomes: string[]) => reliabilityOf(outcomes).failureRate;

  it("starts at the prior and moves with evidence, never to 0 or 1 on a few calls", () => {
    expect(rate([])).toBeCloseTo(FAILURE_PRIOR.failures / FAILURE_PRIOR.calls);
    expect(rate(["error"])).toBeLessThan(0.11);
    expect(rate(["ok"])).toBeGreaterThan(0.04);
    // recency weights cap the effective sample at ~33 calls: (31.6 + 1) / (31.6 + 20)
    expect(rate(Array(100).fill("error"))).toBeGreaterThan(0.6);
    expect(rate(Array(100).fill("ok"))).toBeLessThan(0.02);
  });

  it("counts timeouts as failures, and only successes and timeouts as latency samples", () => {
    expect(rate(Array(30).fill("timeout"))).toBeCloseTo(rate(Array(30).fill("error")));
    expect(reliabilityOf(["ok", "timeout", "error", "ok"]).latencySamples).toBe(3);
  });

  it("weighs recent calls more: a model that recovered looks better than one that started failing", () => {
    const recovered = [...Array(20).fill("error"), ...Array(20).fill("ok")];
    const failing = [...Array(20).fill("ok"), ...Array(20).fill("error")];
    expect(rate(recovered)).toBeLessThan(rate(failing));
    expect(rate(recovered)).toBeLessThan(0.5);
  });

  it("is monotone: one more failure never lowers the rate, one more success never raises it (random windows)", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 200; k++) {
      const window = Array.from({ length: Math.floor(random() * 100) }, () => (random() < 0.3 ? "error" : random() < 0.5 ? "timeout" : "ok"));
      expect(rate([...window, "error"])).toBeGreaterThanOrEqual(rate(window) - 1e-12);
      expect(rate([...window, "ok"])).toBeLessThanOrEqual(rate(window) + 1e-12);
    }
  });
});

describe("latency per output token and time to first token", () => {
  it("time to first token from streamed successes, ms per token after it; failures ignored", () => {
    // streamed: ttft 100 ms, then 11 tokens in 1,100 ms -> 100 ms per token after the first
    const figures = tokenLatencyOf(["ok", "ok", "error", "timeout"], [1_200, 600, 5, 60_000], [100, 100, -1, -1], [11, 6, 0, 0]);
    expect(figures.ttftMs).toBe(100);
    expect(figures.msPerOutputToken).toBe(100);
  });

  it("without a streamed call, whole-call time per token (an upper bound); nothing known: null", () => {
    expect(tokenLatencyOf(["ok"], [1_000], [-1], [10])).toEqual({ ttftMs: null, msPerOutputToken: 100 });
    expect(tokenLatencyOf([], [], [], [])).toEqual({ ttftMs: null, msPerOutputToken: null });
  });

  it("the window keeps each call's time to first token and output tokens at its position", async () => {
    const id = await makeModel();
    await recordModelObservations(ctx, id, [
      { latencyMs: 500, outcome: "ok", ttftMs: 50, outputTokens: 10 },
      { latencyMs: 9, outcome: "error", error: "HTTP 500: boom" },
      { latencyMs: 300, outcome: "ok", outputTokens: 3 },
    ]);
    const row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.ttftSamples).toEqual([50, -1, -1]);
    expect(row.outputTokenSamples).toEqual([10, 0, 3]);
    expect(tokenLatencyOf(row.outcomeSamples, row.latencySamples, row.ttftSamples, row.outputTokenSamples)).toEqual({ ttftMs: 50, msPerOutputToken: 50 });
  });
});
