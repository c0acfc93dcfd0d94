/**
 * /api/inngest: a clear 404 when Inngest is not configured; with keys set, the SDK's handler refuses unsigned,
 * forged and stale-signed requests (401) before executing anything, and registration (PUT) only happens for the
 * pinned origin, whatever Host the request names.
 */
import { createHmac } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { setEnv } from "@/server/env";
import { startRun } from "@/server/runs/service";
import { testDb } from "@/test/db";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { inngest, RUN_REQUESTED_EVENT } from "./inngest";
import { inngestRoute } from "./inngest-serve";

const SIGNING_KEY = `signkey-test-${"ab".repeat(32)}`;
const URL_BASE = "http://127.0.0.1:3000/api/inngest";

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("inngest-serve");
  await addAgent(rw.ctx, "writer");
});
afterEach(() => {
  vi.restoreAllMocks();
  for (const name of ["INNGEST_EVENT_KEY", "INNGEST_SIGNING_KEY", "INNGEST_SERVE_ORIGIN", "CADRE_PUBLIC_URL", "INNGEST_DEV"] as const) setEnv(name, "");
});

function configure(origin: string | null = "https://cadre.example.test") {
  setEnv("INNGEST_EVENT_KEY", "test-event-key");
  setEnv("INNGEST_SIGNING_KEY", SIGNING_KEY);
  if (origin) setEnv("INNGEST_SERVE_ORIGIN", origin);
}

/** JSON with sorted keys (RFC 8785 for the plain values used here), as the SDK canonicalises a body before checking it. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The signature Inngest sends: HMAC-SHA256 over the canonical JSON body and the timestamp, keyed by the key without its prefix. */
function sign(body: unknown, ts = Math.round(Date.now() / 1000)): string {
  const key = SIGNING_KEY.replace(/^signkey-\w+-/, "");
  const mac = createHmac("sha256", key)
    .update(canonical(body) + String(ts))
    .digest("hex");
  return `t=${ts}&s=${mac}`;
}

function call(method: "GET" | "POST" | "PUT", opts: { body?: unknown; headers?: Record<string, string>; query?: string } = {}) {
  const headers = { "content-type": "application/json", host: "cadre.example.test", ...opts.headers };
  const request = new Request(`${URL_BASE}${opts.query ?? ""}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  return inngestRoute[method](request);
}

describe("/api/inngest without Inngest configured", () => {
  it.each(["GET", "POST", "PUT"] as const)("%s answers 404 saying Inngest is not configured (not a 500)", async (method) => {
    const res = await call(method, { body: method === "GET" ? undefined : {} });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.message).toContain("Inngest is not configured");
  });
});

describe("/api/inngest with keys set", () => {
  async function queuedRun() {
    vi.spyOn(inngest, "send").mockResolvedValue({ ids: ["evt1"] } as never);
    const run = await startRun(rw.ctx, { agent: "writer", input: "Only Inngest may execute this." });
    return run.id;
  }

  function executionBody(runId: string) {
    const event = { name: RUN_REQUESTED_EVENT, data: { runId, workspaceId: rw.ws.id }, id: "evt1", ts: Date.now() };
    return {
      ctx: { attempt: 0, fn_id: "fn1", run_id: "01HRUN", stack: { stack: [], current: 0 } },
      event,
      events: [event],
      steps: {},
      version: 2,
      use_api: false,
    };
  }

  async function untouched(runId: string) {
    const row = await testDb().run.findUniqueOrThrow({ where: { id: runId } });
    expect(row.status).toBe("queued");
    expect(row.startedAt).toBeNull();
    expect(await testDb().runStep.count({ where: { runId } })).toBe(0);
  }

  it("refuses an unsigned, a forged and a stale-signed execution with 401, executing nothing", async () => {
    configure();
    const runId = await queuedRun();
    const body = executionBody(runId);
    const query = "?fnId=cadre-execute-run&stepId=step";
    const stale = sign(body, Math.round(Date.now() / 1000) - 10 * 60);
    const forged = sign(body).replace(/s=[0-9a-f]+/, `s=${"0".repeat(64)}`);
    for (const signature of [undefined, forged, stale, "garbage"]) {
      const res = await call("POST", { body, query, headers: signature ? { "x-inngest-signature": signature } : {} });
      expect(res.status, `signature ${signature}`).toBe(401);
      await untouched(runId);
    }
    // the same request correctly signed is accepted by the same gate (so the refusals above are the signature's)
    const signed = await call("POST", { body, query, headers: { "x-inngest-signature": sign(body) } });
    expect(signed.status).not.toBe(401);
  });

  it("refuses a registration (PUT) for another host than the pinned origin, and registers only the pinned URL", async () => {
    configure("https://cadre.example.test");
    const registered: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      registered.push(String(init?.body ?? input));
      return Response.json({ ok: true, modified: true });
    });
    const forged = await call("PUT", { headers: { host: "attacker.example" } });
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { error: { message: string } }).error.message).toContain("cadre.example.test");
    expect(registered).toEqual([]);

    const ok = await call("PUT", { headers: { host: "cadre.example.test" } });
    expect(ok.status).toBeLessThan(500);
    for (const body of registered) {
      expect(body).toContain("https://cadre.example.test/api/inngest");
      expect(body).not.toContain("attacker");
    }
  });

  it("without a pinned origin, registration is refused (outside dev mode)", async () => {
    configure(null);
    const res = await call("PUT", { headers: { host: "cadre.example.test" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("INNGEST_SERVE_ORIGIN");
    setEnv("CADRE_PUBLIC_URL", "https://cadre.example.test/");
    vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ ok: true }));
    expect((await call("PUT", { headers: { host: "cadre.example.test" } })).status).toBeLessThan(500);
  });
});
