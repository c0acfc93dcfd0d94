import { beforeAll, describe, expect, it } from "vitest";
import { db } from "@/server/db/client";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, outcome, uniq, type TestWorkspace } from "@/test/helpers";
import { computeStats, percentile, recordModelObservation, STATS_WINDOW } from "./stats";

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
  const providerId = newId("prv");
  await db().provider.create({ data: { id: providerId, workspaceId: ws.id, name: `p-${uniq()}`, kind: "openai_compatible", baseUrl: "http://localhost:1/v1" } });
  const id = newId("mdl");
  await db().model.create({
    data: { id, workspaceId: ws.id, providerId, modelId: `m-${uniq()}`, displayName: "m", inputPrice: 0, outputPrice: 0, contextWindow: 1000, capabilities: [], quality: 0.5 },
  });
  return id;
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

  it("rates over every call; latency percentiles over successful calls only", () => {
    const stats = computeStats([100, 200, 5, 30_000, 300], ["ok", "ok", "error", "timeout", "ok"]);
    expect(stats).toEqual({ latencyP50Ms: 200, latencyP95Ms: 300, errorRate: 0.2, timeoutRate: 0.2 });
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
    expect(row.latencyP50Ms).toBe(50);
    expect(row.latencyP95Ms).toBe(100);
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
      Array.from({ length: 20 }, (_, i) => recordModelObservation(ctx, id, { latencyMs: 100 + i, outcome: i % 5 === 0 ? "error" : "ok", error: i % 5 === 0 ? `e${i}` : undefined })),
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
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
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
