/**
 * Bounded inputs: the body size limit on every route that reads a body (walked from app/api), unknown keys, the key
 * count and array length of JSON bodies, integers bounded by their column, and names that refuse text-direction and
 * invisible characters.
 */
import { DOCUMENT_MAX_BODY_BYTES } from "@/lib/schemas/memory-documents";
import { MAX_BUNDLE_TEXT } from "@/lib/schemas/team-bundle";
import { readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { setEnv } from "@/server/env";
import { MAX_RUN_START_BODY_BYTES } from "@/lib/schemas/runs";
import { INNGEST_MAX_BODY_BYTES } from "@/server/jobs/inngest-serve";
import { callerFor, makeApiKey, outcome, rest, uniq } from "@/test/helpers";
import { TRIGGER_MAX_BODY_BYTES } from "@/lib/schemas/triggers";
import { IMPORT_MAX_BODY_BYTES } from "@/lib/schemas/datasets";
import { signUp } from "@/server/users/service";
import { resolveOAuthSignIn } from "@/server/auth/oauth-link";
import { GET as authGet, POST as authPost } from "@/app/api/auth/[...nextauth]/route";
import { addAgent, makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";

let rw: RunWorkspace;
let key: string;
beforeAll(async () => {
  rw = await makeRunWorkspace("limits");
  await addAgent(rw.ctx, "writer");
  key = (await makeApiKey(rw.ws, "owner")).raw;
});
afterEach(() => setEnv("CADRE_MAX_BODY_BYTES", String(1024 * 1024)));

// ---------------------------------------------------------------------------------------------------
// Body size

const APP = path.resolve(import.meta.dirname, "..", "app");

function routeFiles(dir = path.join(APP, "api")): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? routeFiles(path.join(dir, e.name)) : e.name === "route.ts" ? [path.join(dir, e.name)] : [],
  );
}

/** The URL path of a route file, with its dynamic segments filled in. */
function urlPath(file: string): string {
  const rel = path.relative(APP, path.dirname(file)).split(path.sep);
  return `/${rel.map((s) => (s === "[...nextauth]" ? "callback/credentials" : s === "[trpc]" ? "agents.create" : s.startsWith("[") ? "x1" : s)).join("/")}`;
}

const BODY_METHODS = ["POST", "PUT", "PATCH", "DELETE"] as const;
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const candidates = routeFiles().flatMap((file) => BODY_METHODS.map((method) => ({ file, method, url: urlPath(file) })));
const endpoints = (await Promise.all(candidates.map(async (e) => ((await import(e.file))[e.method] ? [e] : [])))).flat();

/** A body stream of `size` bytes in 1 KiB chunks (no Content-Length), counting what the server pulled. */
function streamOf(size: number) {
  const state = { pulled: 0 };
  const chunk = new Uint8Array(1024).fill(0x61);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (state.pulled >= size) return controller.close();
      const n = Math.min(chunk.length, size - state.pulled);
      state.pulled += n;
      controller.enqueue(chunk.subarray(0, n));
    },
  });
  return { stream, state };
}

async function send(file: string, method: string, url: string, body: { bytes?: number; stream?: ReadableStream<Uint8Array> }) {
  const mod = (await import(file)) as Partial<Record<string, Handler>>;
  const handler = mod[method]!;
  const headers: Record<string, string> = { authorization: `Bearer ${key}`, "content-type": "application/json", host: "localhost:3000" };
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (body.stream) {
    init.body = body.stream;
    init.duplex = "half";
  } else {
    init.body = "x".repeat(body.bytes!);
  }
  return handler(new Request(`http://localhost:3000${url}`, init), { params: Promise.resolve({}) });
}

function limitOf(url: string, method: string): number {
  if (url.startsWith("/api/inngest")) return INNGEST_MAX_BODY_BYTES;
  if (url === "/api/v1/runs" && method === "POST") return MAX_RUN_START_BODY_BYTES;
  if (url === "/api/v1/team-bundles" && method === "POST") return MAX_BUNDLE_TEXT;
  if (url === "/api/v1/memory-documents" && method === "POST") return DOCUMENT_MAX_BODY_BYTES;
  if (url === "/api/v1/openai/chat/completions") return MAX_RUN_START_BODY_BYTES;
  if (url.startsWith("/api/hooks/")) return TRIGGER_MAX_BODY_BYTES;
  if (/^\/api\/v1\/datasets\/[^/]+\/import$/.test(url) && method === "POST") return IMPORT_MAX_BODY_BYTES;
  return 4096;
}

describe("the request body limit (CADRE_MAX_BODY_BYTES)", () => {
  it("every route file that takes a body is covered (the walk finds them)", () => {
    const found = endpoints.map((e) => `${e.method} ${e.url}`);
    expect(found).toEqual(
      expect.arrayContaining(["POST /api/trpc/agents.create", "POST /api/auth/callback/credentials", "PUT /api/inngest", "POST /api/v1/agents"]),
    );
    expect(found.length).toBeGreaterThanOrEqual(25);
  });

  it.each(endpoints)("$method $url answers 413 over the limit, declared or streamed, and stops reading", async ({ file, method, url }) => {
    setEnv("CADRE_MAX_BODY_BYTES", "4096");
    const limit = limitOf(url, method);

    const declared = await send(file, method, url, { bytes: limit + 1 });
    expect(declared.status, `${method} ${url}`).toBe(413);
    const body = (await declared.json()) as
      | { error: { code: string | number; cadre_code?: string; data?: { code: string }; message: string; requestId?: string } }
      | { error: string; error_description: string }
      | { schemas: string[]; status: string; detail: string; error?: undefined };
    if ("schemas" in body) {
      // the SCIM endpoint answers in RFC 7644's error shape
      expect(body).toMatchObject({ status: "413", detail: expect.stringContaining(String(limit)) });
    } else if (typeof body.error === "string") {
      // OAuth's endpoints answer in RFC 6749's shape
      expect(body).toMatchObject({ error: "invalid_request", error_description: expect.stringContaining(String(limit)) });
    } else {
      // the OpenAI-compatible endpoint keeps Cadre's code as cadre_code; the MCP endpoint's JSON-RPC error as data.code
      expect(body.error.cadre_code ?? body.error.data?.code ?? body.error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(body.error.message).toContain(String(limit));
    }

    // a chunked body that never ends: refused once it passes the limit, not read to the end
    const endless = streamOf(limit * 64);
    const streamed = await send(file, method, url, { stream: endless.stream });
    expect(streamed.status, `${method} ${url} (streamed)`).toBe(413);
    expect(endless.state.pulled).toBeLessThan(limit + 64 * 1024);
  });

  it("sign-in through the body-limited next-auth route still works (the form body is handed over intact)", async () => {
    const email = `limit-${uniq()}@example.test`;
    await signUp({ name: "Limit", email, password: "Correct-horse-battery-9" });
    const csrf = await authGet(new Request("http://localhost:3000/api/auth/csrf") as never);
    const { csrfToken } = (await csrf.json()) as { csrfToken: string };
    const cookie = csrf.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const signIn = (password: string) =>
      authPost(
        new Request("http://localhost:3000/api/auth/callback/credentials", {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", cookie },
          body: new URLSearchParams({ csrfToken, email, password, callbackUrl: "/" }),
        }),
      );
    const ok = await signIn("Correct-horse-battery-9");
    expect(ok.status).toBe(302);
    expect(ok.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token="))).toBe(true);
    const wrong = await signIn("Wrong-horse-battery-9");
    expect(wrong.headers.getSetCookie().some((c) => c.startsWith("authjs.session-token="))).toBe(false);
  });

  it("a body within the limit is served (REST and tRPC limits are the same setting)", async () => {
    setEnv("CADRE_MAX_BODY_BYTES", "4096");
    const body = { slug: "within-limit", name: "Within", instructions: "i".repeat(3_800) };
    expect(JSON.stringify(body).length).toBeLessThan(4096);
    const res = await rest("POST", "/api/v1/agents", { key, body });
    expect(res.status).toBe(201);
    const over = await rest("POST", "/api/v1/agents", { key, body: { ...body, slug: "over-limit", instructions: "i".repeat(4_100) } });
    expect(over.status).toBe(413);
    expect(over.body.error.message).toContain("4096 bytes");
  });

  it("a run input at its documented maximum still fits under a small general limit", async () => {
    setEnv("CADRE_MAX_BODY_BYTES", "4096");
    const res = await rest("POST", "/api/v1/runs", { key, body: { agent: "writer", input: "\u00e9".repeat(100_000) } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const tooLong = await rest("POST", "/api/v1/runs", { key, body: { agent: "writer", input: "a".repeat(100_001) } });
    expect(tooLong.status).toBe(422);
  });
});

// ---------------------------------------------------------------------------------------------------
// Unknown keys, key counts, array lengths, integers

describe("bounded JSON", () => {
  it("unknown keys are refused with a 422 naming them (REST) and 422 UNPROCESSABLE_CONTENT naming them (tRPC); nothing is created", async () => {
    const res = await rest("POST", "/api/v1/agents", { key, body: { slug: "unknown-keys", name: "U", instuctions: "typo" } });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("VALIDATION_FAILED");
    expect(res.body.error.message).toContain("instuctions");
    const trpc = await outcome(callerFor(rw.ws.users.owner, rw.ws.slug).agents.create({ slug: "unknown-keys", name: "U", isAdmin: true } as never));
    expect(trpc).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(trpc.ok === false && trpc.message).toContain("isAdmin");
    expect((await rest("GET", "/api/v1/agents/{agentId}", { key, params: { agentId: "unknown-keys" } })).status).toBe(404);
    // a route without a body takes no fields either
    const cancel = await rest("POST", "/api/v1/runs/{runId}/cancel", { key, params: { runId: "run_abcdef123456" }, body: { force: true } });
    expect(cancel.status).toBe(422);
    expect(cancel.body.error.message).toContain("force");
  });

  it("an object with 100,000 keys is refused before the schema, also inside a field typed as any JSON", async () => {
    setEnv("CADRE_MAX_BODY_BYTES", String(8 * 1024 * 1024)); // the key count refuses it, not the size
    const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, 0]));
    const res = await rest("POST", "/api/v1/agents", { key, body: { slug: "many-keys", name: "M", ...many } });
    expect(res.status).toBe(422);
    expect(res.body.error.message).toMatch(/at most 1000 keys, got 100002/);
    const nested = await rest("POST", "/api/v1/teams", {
      key,
      body: { slug: "many-keys", name: "M", spec: { topology: "sequential", agents: ["writer"], extra: many } },
    });
    expect(nested.status).toBe(422);
    expect(nested.body.error.issues).toContainEqual({ path: "spec.extra", message: "An object has at most 1000 keys, got 100000" });
    const trpc = await outcome(callerFor(rw.ws.users.owner, rw.ws.slug).teams.validate({ spec: many }));
    expect(trpc).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    const long = await rest("POST", "/api/v1/teams", {
      key,
      body: { slug: "long-array", name: "L", spec: { topology: "sequential", agents: Array(20_000).fill("writer") } },
    });
    expect(long.status).toBe(422);
    expect(long.body.error.issues).toContainEqual({ path: "spec.agents", message: "An array has at most 10000 items, got 20000" });
    const deep = await rest("POST", "/api/v1/teams", { key, body: { slug: "deep", name: "D", spec: JSON.parse("[".repeat(100) + "]".repeat(100)) } });
    expect(deep.status).toBe(422);
    expect(deep.body.error.message).toContain("Nested deeper than 32 levels");
  });

  it("a number beyond its integer column is a validation error, never a 500", async () => {
    const caller = callerFor(rw.ws.users.owner, rw.ws.slug);
    const overflow = await outcome(caller.agents.diff({ agent: "writer", from: 2 ** 31, to: 1 }));
    expect(overflow).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(overflow.ok === false && overflow.message).toContain("2147483647");
    expect(await outcome(caller.agents.diff({ agent: "writer", from: 2 ** 31 - 1, to: 1 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(caller.teams.diff({ team: "nope", from: 1, to: 2 ** 31 }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    const run = await rest("POST", "/api/v1/runs", { key, body: { agent: "writer", input: "count" } });
    const events = await rest("GET", "/api/v1/runs/{runId}/events", { key, params: { runId: run.body.id }, query: { after: String(2 ** 31) } });
    expect(events.status).toBe(422);
    expect(await outcome(caller.runs.events({ runId: run.body.id, after: 2 ** 31 }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
  });
});

// ---------------------------------------------------------------------------------------------------
// Names shown to other people

describe("display names", () => {
  const SPOOFS = ["invoice\u202Efdp.exe", "\u2066admin\u2069", "ad\u200Bmin", "ad\u200Dmin", "a\u00ADdmin", "\uFEFFowner", "x\u2060y", "\u200Fright"];
  const FINE = ["Zoë Ω", "\u{1F469}\u200D\u{1F4BB} Coder", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "Ünïcödé — ok"];

  it("agent, team, workspace, member, provider and API key names refuse bidi and invisible characters", async () => {
    const caller = callerFor(rw.ws.users.owner, rw.ws.slug);
    for (const [i, name] of SPOOFS.entries()) {
      const attempts = {
        agent: () => caller.agents.create({ slug: `spoof-${i}`, name }),
        team: () => caller.teams.create({ slug: `spoof-${i}`, name, spec: { topology: "sequential", agents: ["writer"] } }),
        workspace: () => callerFor(rw.ws.users.owner).workspaces.create({ name, slug: `spoof-ws-${i}-${Date.now() % 1e6}` }),
        renamed: () => caller.workspaces.update({ name }),
        signUp: () => callerFor(null).auth.signUp({ name, email: `spoof${i}@example.test`, password: "Correct-horse-battery-9" }),
        apiKey: () => caller.apiKeys.create({ name, scopes: ["agents:read"] }),
        provider: () => caller.providers.create({ name, kind: "openai_compatible", baseUrl: "http://127.0.0.1:9/v1" }),
      };
      for (const [what, attempt] of Object.entries(attempts)) {
        const result = await outcome(attempt());
        expect(result, `${what} ${JSON.stringify(name)}`).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
        expect(result.ok === false && result.message, what).toContain("invisible or text-direction");
      }
      const viaRest = await rest("PATCH", "/api/v1/agents/{agentId}", { key, params: { agentId: "writer" }, body: { name } });
      expect(viaRest.status).toBe(422);
      expect(viaRest.body.error.issues).toContainEqual({ path: "name", message: "Contains an invisible or text-direction control character" });
    }
  });

  it("accepts names in any script, emoji sequences and joiners between non-Latin letters", async () => {
    const caller = callerFor(rw.ws.users.owner, rw.ws.slug);
    for (const [i, name] of FINE.entries()) {
      const agent = await caller.agents.create({ slug: `fine-${i}`, name });
      expect(agent.name).toBe(name);
    }
  });

  it("other text (instructions, descriptions) keeps such characters: only names are restricted", async () => {
    const agent = await callerFor(rw.ws.users.owner, rw.ws.slug).agents.create({ slug: "rtl-text", name: "RTL", instructions: "\u202Bمرحبا\u202C and \u200B" });
    expect(agent.instructions).toContain("\u202B");
  });

  it("an OAuth profile's name with NUL, a lone surrogate or a bidi override is not stored (the sign-in still works)", async () => {
    for (const name of ["Mallory\u0000", "Mallory\uD800", "Mallory\u202Egnp"]) {
      const outcome = await resolveOAuthSignIn({
        provider: "github",
        providerAccountId: `gh-${uniq()}`,
        email: `oauth-${uniq()}@example.test`,
        emailVerified: true,
        name,
      });
      expect(outcome).toMatchObject({ ok: true, user: { name: null } });
    }
    const fine = await resolveOAuthSignIn({
      provider: "github",
      providerAccountId: `gh-${uniq()}`,
      email: `oauth-${uniq()}@example.test`,
      emailVerified: true,
      name: " Zoë ",
    });
    expect(fine).toMatchObject({ ok: true, user: { name: "Zoë" } });
  });
});
