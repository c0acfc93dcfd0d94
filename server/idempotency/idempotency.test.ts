/**
 * Idempotency keys against the real database: the REST `Idempotency-Key` header (POST /api/v1/runs and a test route
 * that can be held in flight), the web app's tRPC `runs.start` key, concurrent duplicates, reuse with another body,
 * invalid keys, per-key scoping, expiry and the purge.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { testDb as db } from "@/test/db";
import { callerFor, makeApiKey, outcome, uniq } from "@/test/helpers";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { defineRoute, executeRoute } from "@/server/rest/define";
import { restRoutes } from "@/server/rest/routes";
import { canonicalJson, configureIdempotency, purgeExpiredIdempotencyKeys } from "./store";

let rw: RunWorkspace;
let key: string;
let otherKey: string;

beforeAll(async () => {
  rw = await makeRunWorkspace("idem");
  await addAgent(rw.ctx, "writer");
  key = (await makeApiKey(rw.ws, "member")).raw;
  otherKey = (await makeApiKey(rw.ws, "member")).raw;
});
afterEach(() => configureIdempotency());
afterAll(() => configureIdempotency());

const startRoute = restRoutes.find((r) => r.method === "POST" && r.path === "/api/v1/runs")!;

/** POST /api/v1/runs as Next would call it; the body text is sent as given (key order included). */
async function postRun(body: unknown, opts: { idem?: string; apiKey?: string; rawBody?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${opts.apiKey ?? key}` };
  if (opts.idem !== undefined) headers["idempotency-key"] = opts.idem;
  const res = await executeRoute(
    startRoute,
    new Request("http://localhost:3000/api/v1/runs", { method: "POST", headers, body: opts.rawBody ?? JSON.stringify(body) }),
    {},
  );
  const text = await res.text();
  return {
    status: res.status,
    text,
    body: text ? (JSON.parse(text) as Record<string, unknown> & { id?: string; error: { code: string; message: string } }) : null,
    replayed: res.headers.get("idempotent-replayed"),
  };
}

const runsWithInput = (input: string) => db().run.count({ where: { workspaceId: rw.ws.id, input } });

describe("REST Idempotency-Key on POST /api/v1/runs", () => {
  it("the same key and body returns the original response (same status, body, run id) and creates nothing", async () => {
    const input = `once ${uniq()}`;
    const k = `key-${uniq()}`;
    const first = await postRun({ agent: "writer", input }, { idem: k });
    expect(first.status).toBe(201);
    expect(first.replayed).toBeNull();
    const again = await postRun({ agent: "writer", input }, { idem: k });
    expect(again.status).toBe(201);
    expect(again.text).toBe(first.text);
    expect(again.body!.id).toBe(first.body!.id);
    expect(again.replayed).toBe("true");
    // the same JSON with its keys in another order is the same request
    const reordered = await postRun(null, { idem: k, rawBody: `{"input":${JSON.stringify(input)},"agent":"writer"}` });
    expect(reordered.status).toBe(201);
    expect(reordered.body!.id).toBe(first.body!.id);
    expect(await runsWithInput(input)).toBe(1);
    // without a key, every request creates
    await postRun({ agent: "writer", input });
    expect(await runsWithInput(input)).toBe(2);
  });

  it("the same key with a different body is a 422 IDEMPOTENCY_KEY_REUSED and creates nothing", async () => {
    const input = `reuse ${uniq()}`;
    const k = `key-${uniq()}`;
    expect((await postRun({ agent: "writer", input }, { idem: k })).status).toBe(201);
    const other = await postRun({ agent: "writer", input: `${input} (changed)` }, { idem: k });
    expect(other.status).toBe(422);
    expect(other.body!.error).toMatchObject({ code: "IDEMPOTENCY_KEY_REUSED", message: expect.stringContaining("different request") });
    expect(await runsWithInput(`${input} (changed)`)).toBe(0);
    expect(await runsWithInput(input)).toBe(1);
  });

  it("concurrent duplicates create exactly one run, and every response is the same", async () => {
    const input = `burst ${uniq()}`;
    const k = `key-${uniq()}`;
    const responses = await Promise.all(Array.from({ length: 8 }, () => postRun({ agent: "writer", input }, { idem: k })));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(201));
    expect(new Set(responses.map((r) => r.text)).size).toBe(1);
    expect(responses.filter((r) => r.replayed === null)).toHaveLength(1);
    expect(await runsWithInput(input)).toBe(1);
    expect(await db().idempotencyKey.count({ where: { workspaceId: rw.ws.id, key: k } })).toBe(1);
  });

  it("keys are per API key: another key of the same workspace with the same value starts its own run", async () => {
    const input = `per key ${uniq()}`;
    const k = `key-${uniq()}`;
    const mine = await postRun({ agent: "writer", input }, { idem: k });
    const theirs = await postRun({ agent: "writer", input }, { idem: k, apiKey: otherKey });
    expect([mine.status, theirs.status]).toEqual([201, 201]);
    expect(theirs.body!.id).not.toBe(mine.body!.id);
    expect(await runsWithInput(input)).toBe(2);
  });

  it("a request that fails (or fails validation) stores nothing: the key can be used again", async () => {
    const input = `fails ${uniq()}`;
    const k = `key-${uniq()}`;
    const missing = await postRun({ agent: "nobody-here", input }, { idem: k });
    expect(missing.status).toBe(404);
    const invalid = await postRun({ agent: "writer", input: "" }, { idem: k });
    expect(invalid.status).toBe(422);
    expect(invalid.body!.error.code).toBe("VALIDATION_FAILED");
    expect(await db().idempotencyKey.count({ where: { workspaceId: rw.ws.id, key: k } })).toBe(0);
    const ok = await postRun({ agent: "writer", input }, { idem: k });
    expect(ok.status).toBe(201);
    expect(await runsWithInput(input)).toBe(1);
  });

  it.each([
    ["empty", ""],
    ["only spaces", "   "],
    ["256 characters", "k".repeat(256)],
    ["not ASCII", "cl\u00e9-1"],
    ["a control character", "a\tb"],
    ["a malformed quoted string", '"abc'],
  ])("an invalid key (%s) is a 400 IDEMPOTENCY_KEY_INVALID naming the rule, and creates nothing", async (_what, value) => {
    const input = `invalid ${uniq()}`;
    const res = await postRun({ agent: "writer", input }, { idem: value });
    expect(res.status).toBe(400);
    expect(res.body!.error.code).toBe("IDEMPOTENCY_KEY_INVALID");
    expect(res.body!.error.message).toMatch(/Idempotency-Key (is empty|has at most 255|holds printable ASCII|is a malformed quoted string)/);
    expect(await runsWithInput(input)).toBe(0);
  });

  it("a key of 255 characters is accepted, and the draft's quoted form names the same key as the bare one", async () => {
    expect((await postRun({ agent: "writer", input: `long ${uniq()}` }, { idem: "k".repeat(255) })).status).toBe(201);
    const input = `quoted ${uniq()}`;
    const k = `key-${uniq()}`;
    const bare = await postRun({ agent: "writer", input }, { idem: k });
    const quoted = await postRun({ agent: "writer", input }, { idem: `"${k}"` });
    expect(quoted.body!.id).toBe(bare.body!.id);
    expect(quoted.replayed).toBe("true");
  });

  it("a key expires after 24 hours: then it starts a new run, and the purge deletes expired keys", async () => {
    const input = `expiry ${uniq()}`;
    const k = `key-${uniq()}`;
    const first = await postRun({ agent: "writer", input }, { idem: k });
    const row = await db().idempotencyKey.findFirstOrThrow({ where: { workspaceId: rw.ws.id, key: k } });
    const lifetimeHours = (row.expiresAt.getTime() - row.createdAt.getTime()) / 3_600_000;
    expect(lifetimeHours).toBeCloseTo(24, 5);
    await db().idempotencyKey.update({ where: { id: row.id }, data: { expiresAt: new Date(Date.now() - 60_000 - 24 * 3_600_000) } });
    const later = await postRun({ agent: "writer", input }, { idem: k });
    expect(later.status).toBe(201);
    expect(later.body!.id).not.toBe(first.body!.id);
    expect(await runsWithInput(input)).toBe(2);

    const stale = `key-${uniq()}`;
    await postRun({ agent: "writer", input: `purged ${uniq()}` }, { idem: stale });
    await db().idempotencyKey.updateMany({ where: { workspaceId: rw.ws.id, key: stale }, data: { expiresAt: new Date(Date.now() - 24 * 3_600_000) } });
    expect(await purgeExpiredIdempotencyKeys()).toBeGreaterThanOrEqual(1);
    expect(await db().idempotencyKey.count({ where: { workspaceId: rw.ws.id, key: stale } })).toBe(0);
    expect(await db().idempotencyKey.count({ where: { workspaceId: rw.ws.id, key: k } })).toBe(1);
  });
});

describe("a request still in flight", () => {
  const gate = { open: () => {}, calls: 0 };
  const slowRoute = defineRoute({
    method: "POST",
    path: "/api/v1/test-slow-create",
    summary: "test",
    tag: "Test",
    requires: "runs:create",
    idempotent: true,
    status: 201,
    body: z.strictObject({ name: z.string() }),
    response: z.object({ name: z.string(), n: z.number() }),
    handler: async ({ body }) => {
      gate.calls += 1;
      const n = gate.calls;
      await new Promise<void>((resolve) => (gate.open = resolve));
      return { name: body.name, n };
    },
  });
  const call = (k: string, name = "x") =>
    executeRoute(
      slowRoute,
      new Request("http://localhost:3000/api/v1/test-slow-create", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${key}`, "idempotency-key": k },
        body: JSON.stringify({ name }),
      }),
      {},
    );

  it("a duplicate gets 409 IDEMPOTENCY_KEY_IN_FLIGHT with Retry-After while the first runs, then the first's response", async () => {
    configureIdempotency({ waitMs: 100, pollMs: 10 });
    const k = `key-${uniq()}`;
    const first = call(k);
    await expect.poll(() => gate.calls).toBe(1);
    const dup = await call(k);
    expect(dup.status).toBe(409);
    expect(dup.headers.get("retry-after")).toBe("1");
    expect(((await dup.json()) as { error: { code: string } }).error.code).toBe("IDEMPOTENCY_KEY_IN_FLIGHT");
    // a different body with the key in flight is still a reuse
    expect((await call(k, "other")).status).toBe(422);
    gate.open();
    const done = await first;
    expect(done.status).toBe(201);
    const replay = await call(k);
    expect(replay.status).toBe(201);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(await replay.json()).toEqual({ name: "x", n: 1 });
    expect(gate.calls).toBe(1);
  });

  it("a duplicate that arrives in flight waits for the first (within waitMs) and gets its response", async () => {
    configureIdempotency({ waitMs: 5_000, pollMs: 10 });
    const k = `key-${uniq()}`;
    gate.calls = 0;
    const first = call(k);
    await expect.poll(() => gate.calls).toBe(1);
    const dup = call(k);
    setTimeout(() => gate.open(), 50);
    const [a, b] = await Promise.all([first, dup]);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(await b.text()).toBe(await a.text());
    expect(gate.calls).toBe(1);
  });

  it("a claim abandoned by a dead process (past its lock) is taken over by the same request", async () => {
    const k = `key-${uniq()}`;
    const input = `abandoned ${uniq()}`;
    // what a crash between claim and completion leaves behind
    const claimed = await postRun({ agent: "writer", input }, { idem: k });
    await db().run.deleteMany({ where: { id: claimed.body!.id } });
    await db().idempotencyKey.updateMany({
      where: { workspaceId: rw.ws.id, key: k },
      data: { responseStatus: null, responseBody: null, completedAt: null, lockedUntil: new Date(Date.now() - 24 * 3_600_000) },
    });
    const retried = await postRun({ agent: "writer", input }, { idem: k });
    expect(retried.status).toBe(201);
    expect(retried.replayed).toBeNull();
    expect(await runsWithInput(input)).toBe(1);
  });
});

describe("the web app's runs.start (tRPC) with an idempotency key", () => {
  const member = () => callerFor(rw.ws.users.member, rw.ws.slug);

  it("two concurrent starts with the same key create one run and both return it (dates as dates)", async () => {
    const input = `double click ${uniq()}`;
    const idempotencyKey = `form-${uniq()}`;
    const [a, b] = await Promise.all([
      member().runs.start({ agent: "writer", input, idempotencyKey }),
      member().runs.start({ agent: "writer", input, idempotencyKey }),
    ]);
    expect(b.id).toBe(a.id);
    expect(b.createdAt).toBeInstanceOf(Date);
    expect(b.createdAt.getTime()).toBe(a.createdAt.getTime());
    expect(await runsWithInput(input)).toBe(1);
    // a new key (a new submission of the form) is a new run
    await member().runs.start({ agent: "writer", input, idempotencyKey: `form-${uniq()}` });
    expect(await runsWithInput(input)).toBe(2);
  });

  it("the same key with other values is refused (IDEMPOTENCY_KEY_REUSED); keys are per person", async () => {
    const input = `form reuse ${uniq()}`;
    const idempotencyKey = `form-${uniq()}`;
    const first = await member().runs.start({ agent: "writer", input, idempotencyKey });
    const other = await outcome(member().runs.start({ agent: "writer", input: `${input}!`, idempotencyKey }));
    expect(other).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT", appCode: "IDEMPOTENCY_KEY_REUSED" });
    const owners = await callerFor(rw.ws.users.owner, rw.ws.slug).runs.start({ agent: "writer", input, idempotencyKey });
    expect(owners.id).not.toBe(first.id);
    expect(await runsWithInput(input)).toBe(2);
  });

  it("an invalid key is a validation error", async () => {
    expect(await outcome(member().runs.start({ agent: "writer", input: "x", idempotencyKey: "" }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(member().runs.start({ agent: "writer", input: "x", idempotencyKey: "k".repeat(256) }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
  });
});

describe("canonical JSON", () => {
  it("sorts keys at every level and keeps arrays in order", () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson({ a: undefined, b: "x" })).toBe('{"b":"x"}');
  });
});
