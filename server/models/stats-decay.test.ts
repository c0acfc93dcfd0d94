/**
 * Routing's figures decay with the age of each call (wall clock), besides the calls made since: property-style
 * checks over generated windows, and the window's times as stored and read by routing.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, type TestWorkspace } from "@/test/helpers";
import { addModelRow, addProviderRow } from "@/test/fixtures/catalog-rows";
import { MIN_LATENCY_SAMPLES } from "./router";
import { loadCatalog } from "./routing";
import {
  FAILURE_HALF_LIFE_MS,
  FAILURE_PRIOR,
  LATENCY_HALF_LIFE_MS,
  percentile,
  recordModelObservations,
  reliabilityOf,
  STATS_WINDOW,
  tokenLatencyOf,
  weightedPercentile,
} from "./stats";

const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 11, 10, 12, 0, 0);
const PRIOR = FAILURE_PRIOR.failures / FAILURE_PRIOR.calls;

function generator(seed: number) {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const int = (max: number) => Math.floor(random() * max);
  /** a window of n calls, oldest first, observed at increasing times up to `now` (gaps of up to `maxGapMs`) */
  const window = (n: number, now: number, maxGapMs: number) => {
    const outcomes: string[] = Array.from({ length: n }, () => (random() < 0.3 ? "error" : random() < 0.2 ? "timeout" : "ok"));
    const latencies = Array.from({ length: n }, () => 50 + int(20_000));
    const times: number[] = [];
    let t = now - int(maxGapMs);
    for (let i = n - 1; i >= 0; i--) {
      times.unshift(t);
      t -= int(maxGapMs);
    }
    return { outcomes, latencies, times };
  };
  return { random, int, window };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("failure rate: decay by the age of each call", () => {
  it("an old failure weighs less than a recent one at the same place in the window (generated windows)", () => {
    const g = generator(11);
    for (let k = 0; k < 300; k++) {
      const n = 1 + g.int(STATS_WINDOW);
      const { outcomes, times } = g.window(n, NOW, 2 * HOUR);
      const at = g.int(n);
      outcomes[at] = "error";
      const recent = [...times];
      const old = [...times];
      recent[at] = NOW - g.int(10 * 60_000);
      old[at] = recent[at]! - (HOUR + g.int(30 * DAY));
      const rateRecent = reliabilityOf(outcomes, undefined, { times: recent, now: NOW }).failureRate;
      const rateOld = reliabilityOf(outcomes, undefined, { times: old, now: NOW }).failureRate;
      expect(rateOld).toBeLessThan(rateRecent);
    }
  });

  it("a model called once a day: a failure ten days ago counts next to nothing, one this morning does", () => {
    const outcomes = ["error", ...Array(9).fill("ok")];
    const daily = outcomes.map((_, i) => NOW - (outcomes.length - i) * DAY);
    const tenDaysOld = reliabilityOf(outcomes, undefined, { times: daily, now: NOW }).failureRate;
    // the same calls, all of them this morning (minutes apart)
    const thisMorning = reliabilityOf(outcomes, undefined, { times: outcomes.map((_, i) => NOW - (outcomes.length - i) * 60_000), now: NOW }).failureRate;
    expect(tenDaysOld).toBeCloseTo(PRIOR, 6);
    expect(thisMorning).toBeGreaterThan(PRIOR + 0.005);
  });

  it("recovers toward the prior as time passes without calls, monotonically, and reaches it (generated windows)", () => {
    const g = generator(23);
    for (let k = 0; k < 200; k++) {
      const { outcomes, times } = g.window(g.int(STATS_WINDOW + 1), NOW, 3 * HOUR);
      let gap = Math.abs(reliabilityOf(outcomes, undefined, { times, now: NOW }).failureRate - PRIOR);
      for (let step = 1; step <= 24; step++) {
        const later = NOW + step * (FAILURE_HALF_LIFE_MS / 2);
        const next = Math.abs(reliabilityOf(outcomes, undefined, { times, now: later }).failureRate - PRIOR);
        expect(next).toBeLessThanOrEqual(gap + 1e-12);
        gap = next;
      }
      const muchLater = reliabilityOf(outcomes, undefined, { times, now: NOW + 3 * DAY }).failureRate;
      expect(Math.abs(muchLater - PRIOR)).toBeLessThan(1e-6);
    }
  });

  it("never leaves [0, 1], whatever the times (future, missing, not finite, far past) (generated windows)", () => {
    const g = generator(5);
    const oddTimes = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -1, 0, NOW + 10 * DAY, NOW - 1e15, 1e300];
    for (let k = 0; k < 500; k++) {
      const n = g.int(STATS_WINDOW + 1);
      const { outcomes, latencies, times } = g.window(n, NOW, DAY);
      for (let i = 0; i < times.length; i++) if (g.random() < 0.2) times[i] = oddTimes[g.int(oddTimes.length)]!;
      if (g.random() < 0.3) outcomes.push("skipped"); // not a call: ignored
      const kept = g.random() < 0.3 ? times.slice(g.int(times.length + 1)) : times; // older calls without a time
      const now = g.random() < 0.1 ? 0 : NOW + g.int(10 * DAY);
      const r = reliabilityOf(outcomes, latencies, { times: kept, now });
      expect(Number.isFinite(r.failureRate)).toBe(true);
      expect(r.failureRate).toBeGreaterThan(0);
      expect(r.failureRate).toBeLessThan(1);
      expect(r.latencySamples).toBeGreaterThanOrEqual(0);
      expect(r.latencySamples).toBeLessThanOrEqual(n);
      if (r.latencyP95Ms != null) expect(latencies).toContain(r.latencyP95Ms);
    }
  });

  it("is deterministic given `now`: the same inputs give the same figures, whatever the clock says", () => {
    const g = generator(31);
    vi.useFakeTimers({ toFake: ["Date"] });
    for (let k = 0; k < 100; k++) {
      const { outcomes, latencies, times } = g.window(g.int(STATS_WINDOW + 1), NOW, 2 * HOUR);
      const ttfts = latencies.map((l) => (g.random() < 0.5 ? Math.floor(l / 4) : -1));
      const tokens = latencies.map(() => g.int(500));
      const at = { times, now: NOW };
      vi.setSystemTime(NOW - 5 * DAY);
      const first = { ...reliabilityOf(outcomes, latencies, at), ...tokenLatencyOf(outcomes, latencies, ttfts, tokens, at) };
      vi.setSystemTime(NOW + 50 * DAY);
      const again = {
        ...reliabilityOf([...outcomes], [...latencies], { times: [...times], now: NOW }),
        ...tokenLatencyOf(outcomes, latencies, ttfts, tokens, at),
      };
      expect(again).toEqual(first);
    }
  });

  it("without times nothing decays: the per-call weights alone, as before", () => {
    const outcomes = ["error", "ok", "ok", "error", "ok"];
    expect(reliabilityOf(outcomes, undefined, { times: [], now: NOW })).toEqual(reliabilityOf(outcomes));
  });
});

describe("latency: weighted percentiles and a minimum sample of recent calls", () => {
  it("with equal weights, the weighted percentile is the nearest-rank one (generated arrays)", () => {
    const g = generator(3);
    for (let k = 0; k < 300; k++) {
      const values = Array.from({ length: g.int(60) }, () => g.int(1_000));
      const w = g.random() * 3 + 1e-9;
      for (const p of [1, 50, 95, 99, 100])
        expect(
          weightedPercentile(
            values,
            values.map(() => w),
            p,
          ),
        ).toBe(percentile(values, p));
    }
  });

  it("a fresh fast call outweighs slow ones half a day old; the old calls alone are no minimum sample", () => {
    const slow = Array(19).fill(9_000);
    const outcomes = Array(20).fill("ok");
    const times = [...Array(19).fill(NOW - 12 * HOUR), NOW - 60_000];
    const r = reliabilityOf(outcomes, [...slow, 300], { times, now: NOW });
    expect(r.latencyP95Ms).toBe(300);
    expect(r.latencySamples).toBe(1);
    // the same calls just made: the slow ones decide, and they are a sample
    const fresh = reliabilityOf(outcomes, [...slow, 300], { times: outcomes.map(() => NOW - 60_000), now: NOW });
    expect(fresh.latencyP95Ms).toBe(9_000);
    expect(fresh.latencySamples).toBe(20);
  });

  it("timed calls count toward the minimum sample only within a half-life; stale ones fall out as time passes", () => {
    const g = generator(41);
    for (let k = 0; k < 200; k++) {
      const { outcomes, latencies, times } = g.window(1 + g.int(STATS_WINDOW), NOW, 20 * 60_000);
      const recentTimed = outcomes.filter((o, i) => (o === "ok" || o === "timeout") && NOW - times[i]! <= LATENCY_HALF_LIFE_MS).length;
      expect(reliabilityOf(outcomes, latencies, { times, now: NOW }).latencySamples).toBe(recentTimed);
      const newest = Math.max(...times);
      expect(reliabilityOf(outcomes, latencies, { times, now: newest + LATENCY_HALF_LIFE_MS + 1 }).latencySamples).toBe(0);
    }
  });
});

describe("the window's times, stored and read by routing", () => {
  let ws: TestWorkspace;
  let ctx: TenantContext;
  beforeAll(async () => {
    ws = await makeWorkspace("decay");
    ctx = await resolveUserTenant(ws.users.owner, ws.slug);
  });

  async function makeModel(samples?: { outcomeSamples: string[]; latencySamples: number[]; observedAtSamples: number[] }): Promise<string> {
    const provider = await addProviderRow(ws.id);
    return (await addModelRow(ws.id, provider.id, samples)).id;
  }

  it("each observation is dated when it is recorded, at the same position as its outcome, and slides with the window", async () => {
    const id = await makeModel();
    const before = Date.now();
    await recordModelObservations(ctx, id, [
      { latencyMs: 10, outcome: "ok" },
      { latencyMs: 20, outcome: "error", error: "boom" },
    ]);
    let row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.observedAtSamples).toHaveLength(2);
    for (const t of row.observedAtSamples) expect(t).toBeGreaterThanOrEqual(before);
    for (const t of row.observedAtSamples) expect(t).toBeLessThanOrEqual(Date.now());
    await recordModelObservations(
      ctx,
      id,
      Array.from({ length: STATS_WINDOW }, () => ({ latencyMs: 5, outcome: "ok" as const })),
    );
    row = await db().model.findUniqueOrThrow({ where: { id } });
    expect(row.observedAtSamples).toHaveLength(STATS_WINDOW);
    expect(row.outcomeSamples).toHaveLength(STATS_WINDOW);
  });

  it("routing reads a model whose failures and slow calls are a day old as near the prior and not yet sampled", async () => {
    const dayOld = Date.now() - DAY;
    const stale = await makeModel({
      outcomeSamples: Array(10).fill("error").concat(Array(10).fill("timeout")),
      latencySamples: Array(20).fill(60_000),
      observedAtSamples: Array(20).fill(dayOld),
    });
    const fresh = await makeModel({
      outcomeSamples: Array(10).fill("error").concat(Array(10).fill("timeout")),
      latencySamples: Array(20).fill(60_000),
      observedAtSamples: Array(20).fill(Date.now() - 60_000),
    });
    const { entries } = await loadCatalog(ctx);
    const staleEntry = entries.find((e) => e.id === stale)!;
    const freshEntry = entries.find((e) => e.id === fresh)!;
    expect(staleEntry.failureRate).toBeLessThan(PRIOR + 0.001);
    expect(staleEntry.latencySamples).toBeLessThan(MIN_LATENCY_SAMPLES);
    expect(freshEntry.failureRate).toBeGreaterThan(0.4);
    expect(freshEntry.latencySamples).toBeGreaterThanOrEqual(MIN_LATENCY_SAMPLES);
  });
});
