import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { testDb } from "@/test/db";
import { setEnv } from "@/server/env";
import { ApiRateLimiter, apiRateLimitOf, forgetApiRateLimit } from "@/server/http/rate-limit";
import { apiKeyRunEvents } from "@/server/rest/sse-routes";
import { callerFor, makeApiKey, makeWorkspace, rest, uniq } from "@/test/helpers";

afterAll(() => setEnv("CADRE_API_RATE_LIMIT", "600"));
afterEach(() => vi.useRealTimers());

/** The limiter's windows follow the clock's minutes: the clock jumps to 1 s into the next minute and runs on from there. */
function startOfAMinute() {
  vi.useFakeTimers({ toFake: ["Date"], shouldAdvanceTime: true });
  vi.setSystemTime(Math.ceil(Date.now() / 60_000) * 60_000 + 1_000);
}

describe("REST rate limit per API key", () => {
  it("past the workspace's limit: 429 RATE_LIMITED with Retry-After and RateLimit headers; other keys are counted apart", async () => {
    const ws = await makeWorkspace("rl");
    await callerFor(ws.users.admin, ws.slug).workspaces.update({ apiRateLimitPerMinute: 3 });
    const key = (await makeApiKey(ws, "owner")).raw;
    const other = (await makeApiKey(ws, "admin")).raw;
    expect((await rest("GET", "/api/v1/me", { key: other })).status).toBe(200);
    startOfAMinute();
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof rest>> | undefined;
    for (let i = 0; i < 5; i++) {
      last = await rest("GET", "/api/v1/me", { key });
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers.get("ratelimit-limit")).toBe("3");
        expect(last.headers.get("ratelimit-remaining")).toBe("2");
        expect(last.headers.get("x-ratelimit-limit")).toBe("3");
        expect(Number(last.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
      }
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(last!.body.error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringContaining("3 requests per minute"), requestId: expect.any(String) });
    const retryAfter = Number(last!.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last!.headers.get("ratelimit-remaining")).toBe("0");
    // the other key has its own count
    expect((await rest("GET", "/api/v1/me", { key: other })).status).toBe(200);
  });

  it("uses CADRE_API_RATE_LIMIT when the workspace has no limit of its own; clearing the setting returns to it", async () => {
    const ws = await makeWorkspace("rl");
    setEnv("CADRE_API_RATE_LIMIT", "42");
    forgetApiRateLimit(ws.id);
    expect(await apiRateLimitOf(ws.id)).toBe(42);
    await callerFor(ws.users.owner, ws.slug).workspaces.update({ apiRateLimitPerMinute: 7 });
    expect(await apiRateLimitOf(ws.id)).toBe(7);
    await callerFor(ws.users.owner, ws.slug).workspaces.update({ apiRateLimitPerMinute: null });
    expect(await apiRateLimitOf(ws.id)).toBe(42);
  });

  it("the setting: owners and admins over tRPC and REST, audited, validated; members and viewers refused", async () => {
    const ws = await makeWorkspace("rl");
    const admin = (await makeApiKey(ws, "admin")).raw;
    const patched = await rest("PATCH", "/api/v1/workspace", { key: admin, body: { apiRateLimitPerMinute: 1200 } });
    expect(patched).toMatchObject({ status: 200, body: { apiRateLimitPerMinute: 1200, apiRateLimitDefault: expect.any(Number) } });
    expect((await rest("GET", "/api/v1/workspace", { key: admin })).body.apiRateLimitPerMinute).toBe(1200);
    expect((await rest("PATCH", "/api/v1/workspace", { key: admin, body: { apiRateLimitPerMinute: 0 } })).status).toBe(422);
    expect((await rest("PATCH", "/api/v1/workspace", { key: admin, body: { apiRateLimitPerMinute: 1.5 } })).status).toBe(422);
    const member = (await makeApiKey(ws, "member")).raw;
    expect((await rest("PATCH", "/api/v1/workspace", { key: member, body: { apiRateLimitPerMinute: 5 } })).status).toBe(403);
    await expect(callerFor(ws.users.viewer, ws.slug).workspaces.update({ apiRateLimitPerMinute: 5 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    const entry = await testDb().auditLog.findFirst({ where: { workspaceId: ws.id, action: "workspace.update" }, orderBy: { createdAt: "desc" } });
    expect(entry).toMatchObject({ actorType: "api_key", metadata: { from: { apiRateLimitPerMinute: null }, to: { apiRateLimitPerMinute: 1200 } } });
    expect((await callerFor(ws.users.viewer, ws.slug).workspaces.current()).apiRateLimitPerMinute).toBe(1200);
  });
});

describe("event streams for API keys", () => {
  it("opening a run's event stream counts against the key's limit (429 with Retry-After)", async () => {
    const ws = await makeWorkspace("rl");
    await callerFor(ws.users.owner, ws.slug).workspaces.update({ apiRateLimitPerMinute: 1 });
    const key = (await makeApiKey(ws, "owner")).raw;
    startOfAMinute();
    const open = () =>
      apiKeyRunEvents(new Request("http://localhost:3000/api/v1/runs/run_nothere000000000000/events", { headers: { authorization: `Bearer ${key}` } }), {
        params: Promise.resolve({ runId: "run_nothere000000000000" }),
      });
    expect((await open()).status).toBe(404);
    const limited = await open();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).error.code).toBe("RATE_LIMITED");
  });
});

describe("ApiRateLimiter", () => {
  it("opens a new window each clock minute, and says when to retry", async () => {
    let now = Date.UTC(2026, 5, 1, 10, 0, 30);
    const limiter = new ApiRateLimiter({ now: () => now, keyPrefix: `t-${uniq()}` });
    expect([1, 2, 3].map(() => limiter.hit("key_a", 2).allowed)).toEqual([true, true, false]);
    expect(limiter.hit("key_a", 2)).toMatchObject({ allowed: false, remaining: 0, retryAfterSeconds: 30 });
    now += 30_000;
    expect(limiter.hit("key_a", 2)).toMatchObject({ allowed: true, remaining: 1 });
    await limiter.flushAll();
  });

  it("two servers share the count through the database (within a flush)", async () => {
    const prefix = `t-${uniq()}`;
    const now = () => Date.UTC(2026, 5, 1, 11, 0, 10);
    const a = new ApiRateLimiter({ now, keyPrefix: prefix, flushMs: 10_000 });
    const b = new ApiRateLimiter({ now, keyPrefix: prefix, flushMs: 10_000 });
    for (let i = 0; i < 3; i++) expect(a.hit("key_shared", 5).allowed).toBe(true);
    await a.flushAll();
    // b learns a's count with its first flush
    expect(b.hit("key_shared", 5).allowed).toBe(true);
    await b.flushAll();
    expect(b.hit("key_shared", 5)).toMatchObject({ allowed: true, remaining: 0 });
    expect(b.hit("key_shared", 5).allowed).toBe(false);
    await b.flushAll();
    await a.hit("key_shared", 5);
    await a.flushAll();
    // a has now seen b's two: the shared total is 5 (plus a's last one) and a refuses too
    expect(a.hit("key_shared", 5).allowed).toBe(false);
    const row = await testDb().rateLimiterFlexible.findFirst({ where: { key: { startsWith: `${prefix}:key_shared:` } } });
    expect(row?.points).toBe(6);
  });

  it("decides in memory: the per-request cost is a few microseconds", async () => {
    const limiter = new ApiRateLimiter({ keyPrefix: `t-${uniq()}`, flushMs: 60_000 });
    const n = 50_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) limiter.hit(`key_${i % 100}`, 1_000_000);
    const perRequestUs = Number(process.hrtime.bigint() - start) / 1000 / n;
    console.log(`[rate limit] ${perRequestUs.toFixed(2)} µs per request (in-memory decision; shared count flushed in the background)`);
    expect(perRequestUs).toBeLessThan(50);
    await limiter.flushAll();
  });
});

describe("ApiRateLimiter: shared rows", () => {
  it("shares every busy key (one statement), and removes rows of windows long past", async () => {
    const prefix = `t-${uniq()}`;
    let now = Date.UTC(2026, 5, 1, 12, 0, 5);
    const limiter = new ApiRateLimiter({ now: () => now, keyPrefix: prefix, flushMs: 10_000 });
    for (let k = 0; k < 50; k++) for (let i = 0; i < 3; i++) limiter.hit(`key_${k}`, 100);
    await limiter.flushAll();
    const rows = await testDb().rateLimiterFlexible.findMany({ where: { key: { startsWith: `${prefix}:` } } });
    expect(rows).toHaveLength(50);
    expect(rows.every((r) => r.points === 3)).toBe(true);
    // three minutes on: the old rows are gone after the next flush
    now += 3 * 60_000;
    limiter.hit("key_0", 100);
    await limiter.flushAll();
    const left = await testDb().rateLimiterFlexible.findMany({ where: { key: { startsWith: `${prefix}:` } } });
    expect(left.map((r) => r.key)).toEqual([`${prefix}:key_0:${Date.UTC(2026, 5, 1, 12, 3, 0)}`]);
  });
});
