/**
 * Runs over tRPC, REST and SSE: the permission line (viewers read, cannot start or cancel), the tenant line (another
 * workspace's member or key gets NOT_FOUND / 404 on a run, by id, on every route), and the event streams (replay
 * from Last-Event-ID / ?after=, live until the terminal event, then the stream ends).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { settleObservations } from "@/server/models/gateway";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { callerFor, makeApiKey, outcome, rest } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { apiKeyRunEvents } from "@/server/rest/sse-routes";
import { configureRunStreams } from "./sse";
import { startRun } from "./service";
import { sessionRunEvents } from "@/server/rest/sse-session";
import { signInRequest } from "@/test/signed-in";

let a: RunWorkspace;
let b: RunWorkspace;
let keyA: { owner: string; viewer: string; member: string };
let keyB: string;
let executor: Executor;
let finishedRun: string;

beforeAll(async () => {
  configureRunStreams({ pollMs: 20 });
  a = await makeRunWorkspace("runapi-a");
  b = await makeRunWorkspace("runapi-b");
  keyA = { owner: (await makeApiKey(a.ws, "owner")).raw, viewer: (await makeApiKey(a.ws, "viewer")).raw, member: (await makeApiKey(a.ws, "member")).raw };
  keyB = (await makeApiKey(b.ws, "owner")).raw;
  await addAgent(a.ctx, "writer");
  await addAgent(a.ctx, "editor");
  await addTeam(a.ctx, "pair", { topology: "sequential", agents: ["writer", "editor"] });
  executor = startExecutor({ workspaceIds: [a.ws.id, b.ws.id], pollMs: 30 });
  const run = await startRun(a.ctx, { team: "pair", input: "A finished run." });
  finishedRun = run.id;
  await waitForRun(run.id);
});
afterAll(async () => {
  configureRunStreams();
  await executor.stop();
  await settleObservations();
});

const caller = (rw: RunWorkspace, role: "owner" | "admin" | "member" | "viewer") => callerFor(rw.ws.users[role], rw.ws.slug);

/** An SSE body as its events. */
function parseSse(text: string) {
  return text
    .split("\n\n")
    .filter((block) => block.includes("data: "))
    .map((block) => {
      const fields = Object.fromEntries(
        block
          .split("\n")
          .filter((l) => !l.startsWith(":"))
          .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
      );
      return {
        id: Number(fields.id),
        event: fields.event,
        body: JSON.parse(fields.data!) as { seq: number; type: string; data: Record<string, unknown>; createdAt: string },
      };
    });
}

function sseRequest(runId: string, opts: { key?: string; lastEventId?: string; after?: string; accept?: string; workspace?: string; web?: boolean } = {}) {
  const base = opts.web ? `http://localhost:3000/api/runs/${runId}/events` : `http://localhost:3000/api/v1/runs/${runId}/events`;
  const url = new URL(base);
  if (opts.after) url.searchParams.set("after", opts.after);
  if (opts.workspace) url.searchParams.set("workspace", opts.workspace);
  const headers: Record<string, string> = { accept: opts.accept ?? "text/event-stream" };
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  if (opts.lastEventId) headers["last-event-id"] = opts.lastEventId;
  return new Request(url, { headers });
}
const params = (runId: string) => ({ params: Promise.resolve({ runId }) });

describe("tRPC", () => {
  it("a member starts, reads and cancels; the run is visible to a viewer", async () => {
    const started = await caller(a, "member").runs.start({ agent: "writer", input: "Hello from tRPC" });
    expect(started).toMatchObject({ status: "queued", agent: { slug: "writer" } });
    await waitForRun(started.id);
    const viewer = caller(a, "viewer");
    expect((await viewer.runs.get({ runId: started.id })).status).toBe("succeeded");
    expect((await viewer.runs.list({})).items.map((r) => r.id)).toContain(started.id);
    const events = await viewer.runs.events({ runId: started.id, after: 0 });
    expect(events.at(-1)?.type).toBe("run.succeeded");
    expect((await viewer.runs.events({ runId: started.id, after: events.length - 1 })).map((e) => e.seq)).toEqual([events.length]);
  });

  it("a viewer can neither start nor cancel a run", async () => {
    const viewer = caller(a, "viewer");
    expect(await outcome(viewer.runs.start({ agent: "writer", input: "no" }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(viewer.runs.cancel({ runId: finishedRun }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
  });

  it("another workspace's owner gets NOT_FOUND on the run, its events and its cancel; listings are separate", async () => {
    const other = caller(b, "owner");
    expect(await outcome(other.runs.get({ runId: finishedRun }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(other.runs.events({ runId: finishedRun, after: 0 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(other.runs.cancel({ runId: finishedRun }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await other.runs.list({})).items.map((r) => r.id)).not.toContain(finishedRun);
    // and cannot run A's team or agent by slug or id
    expect(await outcome(other.runs.start({ team: "pair", input: "x" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const teamId = (await db().team.findFirstOrThrow({ where: { workspaceId: a.ws.id, slug: "pair" } })).id;
    expect(await outcome(other.runs.start({ team: teamId, input: "x" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("REST", () => {
  it("POST /api/v1/runs (201) returns at once; GET returns status, output, totals and steps", async () => {
    const created = await rest("POST", "/api/v1/runs", { key: keyA.member, body: { team: "pair", input: "Hello from REST" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: "queued", targetType: "team", team: { slug: "pair", version: 1 } });
    await waitForRun(created.body.id);
    const got = await rest("GET", "/api/v1/runs/{runId}", { key: keyA.viewer, params: { runId: created.body.id } });
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ status: "succeeded", stepsDone: 2, failedStepId: null, pins: { agents: { writer: 1, editor: 1 } } });
    expect(got.body.steps.map((s: { stepId: string }) => s.stepId)).toEqual(["s0", "s1"]);
    expect(got.body.output).toBe(got.body.steps[1].output);
    expect(got.body.costUsd).toBeCloseTo(
      got.body.steps.reduce((sum: number, s: { costUsd: number }) => sum + s.costUsd, 0),
      10,
    );

    const list = await rest("GET", "/api/v1/runs", { key: keyA.viewer, query: { team: "pair", status: "succeeded", limit: "100" } });
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: { id: string }) => r.id)).toContain(created.body.id);

    const events = await rest("GET", "/api/v1/runs/{runId}/events", { key: keyA.viewer, params: { runId: created.body.id }, query: { after: "2" } });
    expect(events.status).toBe(200);
    expect(events.body.data[0].seq).toBe(3);
    expect(events.body.data.at(-1).type).toBe("run.succeeded");
  });

  it("a viewer's key reads but gets 403 on start and cancel", async () => {
    expect((await rest("POST", "/api/v1/runs", { key: keyA.viewer, body: { agent: "writer", input: "x" } })).status).toBe(403);
    expect((await rest("POST", "/api/v1/runs/{runId}/cancel", { key: keyA.viewer, params: { runId: finishedRun } })).status).toBe(403);
    expect((await rest("GET", "/api/v1/runs/{runId}", { key: keyA.viewer, params: { runId: finishedRun } })).status).toBe(200);
  });

  it("refuses invalid input with 422 and cancelling a finished run with 409", async () => {
    const bad = await rest("POST", "/api/v1/runs", { key: keyA.owner, body: { team: "pair" } });
    expect(bad.status).toBe(422);
    const both = await rest("POST", "/api/v1/runs", { key: keyA.owner, body: { team: "pair", agent: "writer", input: "x" } });
    expect(both.status).toBe(422);
    const done = await rest("POST", "/api/v1/runs/{runId}/cancel", { key: keyA.owner, params: { runId: finishedRun } });
    expect(done.status).toBe(409);
  });

  it("another workspace's key gets 404 on GET, cancel and events of the run (JSON and SSE)", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/runs/{runId}"],
      ["POST", "/api/v1/runs/{runId}/cancel"],
      ["GET", "/api/v1/runs/{runId}/events"],
    ] as const) {
      const res = await rest(method, path, { key: keyB, params: { runId: finishedRun } });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body.error.code).toBe("NOT_FOUND");
    }
    const sse = await apiKeyRunEvents(sseRequest(finishedRun, { key: keyB }), params(finishedRun));
    expect(sse.status).toBe(404);
    const list = await rest("GET", "/api/v1/runs", { key: keyB });
    expect(list.body.data.map((r: { id: string }) => r.id)).not.toContain(finishedRun);
    expect((await db().run.findUniqueOrThrow({ where: { id: finishedRun } })).status).toBe("succeeded");
  });
});

describe("SSE", () => {
  it("streams a finished run's events from the start and ends after the terminal event", async () => {
    const res = await apiKeyRunEvents(sseRequest(finishedRun, { key: keyA.viewer }), params(finishedRun));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const events = parseSse(await res.text());
    const stored = await db().runEvent.findMany({ where: { runId: finishedRun }, orderBy: { seq: "asc" } });
    expect(events.map((e) => e.id)).toEqual(stored.map((e) => e.seq));
    expect(events.map((e) => e.event)).toEqual(stored.map((e) => e.type));
    expect(events.at(-1)!.body).toMatchObject({ type: "run.succeeded", seq: stored.length });
    expect(events[0]!.body.data).toHaveProperty("pins");
  });

  it("resumes after Last-Event-ID (or ?after=) and ends at once when resumed after the end", async () => {
    const fromHeader = parseSse(await (await apiKeyRunEvents(sseRequest(finishedRun, { key: keyA.viewer, lastEventId: "3" }), params(finishedRun))).text());
    expect(fromHeader[0]!.id).toBe(4);
    const fromQuery = parseSse(await (await apiKeyRunEvents(sseRequest(finishedRun, { key: keyA.viewer, after: "5" }), params(finishedRun))).text());
    expect(fromQuery[0]!.id).toBe(6);
    const last = (await db().run.findUniqueOrThrow({ where: { id: finishedRun } })).lastEventSeq;
    const after = await apiKeyRunEvents(sseRequest(finishedRun, { key: keyA.viewer, lastEventId: String(last) }), params(finishedRun));
    expect(parseSse(await after.text())).toEqual([]);
  });

  it("follows a live run until its terminal event; a client that goes away ends the stream", async () => {
    const run = await startRun(a.ctx, { team: "pair", input: "Watch me live." });
    const res = await apiKeyRunEvents(sseRequest(run.id, { key: keyA.owner }), params(run.id));
    const events = parseSse(await res.text());
    expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.body.type)).toEqual([
      "run.queued",
      "run.started",
      "node.started",
      "node.finished",
      "run.progress",
      "node.started",
      "node.finished",
      "run.progress",
      "run.succeeded",
    ]);

    // a stream of a run that never ends (no executor for B): aborting the request closes it
    await addAgent(b.ctx, "idle");
    await executor.stop();
    const stuck = await startRun(b.ctx, { agent: "idle", input: "nobody runs me" });
    const abort = new AbortController();
    const req = new Request(sseRequest(stuck.id, { key: keyB }), { signal: abort.signal });
    const live = await apiKeyRunEvents(req, params(stuck.id));
    const reader = live.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain("retry:");
    abort.abort();
    for (;;) if ((await reader.read()).done) break;
    executor = startExecutor({ workspaceIds: [a.ws.id, b.ws.id], pollMs: 30 });
    await waitForRun(stuck.id);
  });

  it("is woken by the events this process writes: a live run streams to its end without waiting for the poll", async () => {
    configureRunStreams({ pollMs: 60_000 }); // only the in-process wake-up (server/jobs/notify.ts) can move it on
    try {
      const run = await startRun(a.ctx, { team: "pair", input: "Wake me." });
      const t0 = Date.now();
      const res = await apiKeyRunEvents(sseRequest(run.id, { key: keyA.owner }), params(run.id));
      const events = parseSse(await res.text());
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(events.map((e) => e.id)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)!.body.type).toBe("run.succeeded");
    } finally {
      configureRunStreams({ pollMs: 20 });
    }
  });

  it("answers a JSON page instead with Accept: application/json", async () => {
    const res = await apiKeyRunEvents(sseRequest(finishedRun, { key: keyA.viewer, accept: "application/json" }), params(finishedRun));
    expect(res.headers.get("content-type")).toMatch(/application\/json/);
    expect((await res.json()).data.length).toBeGreaterThan(3);
  });

  it("refuses a request without a key (401) or with an invalid run id (422)", async () => {
    expect((await apiKeyRunEvents(sseRequest(finishedRun), params(finishedRun))).status).toBe(401);
    expect((await apiKeyRunEvents(sseRequest("nope", { key: keyA.owner }), params("nope"))).status).toBe(422);
  });

  it("the web app's stream: members of the workspace only (404 for others, 401 signed out)", async () => {
    await signInRequest(a.ws.users.viewer);
    const res = await sessionRunEvents(sseRequest(finishedRun, { web: true, workspace: a.ws.slug }), params(finishedRun));
    expect(res.status).toBe(200);
    expect(parseSse(await res.text()).at(-1)!.body.type).toBe("run.succeeded");

    await signInRequest(b.ws.users.owner);
    expect((await sessionRunEvents(sseRequest(finishedRun, { web: true, workspace: b.ws.slug }), params(finishedRun))).status).toBe(404);
    expect((await sessionRunEvents(sseRequest(finishedRun, { web: true, workspace: a.ws.slug }), params(finishedRun))).status).toBe(404);
    await signInRequest(null);
    expect((await sessionRunEvents(sseRequest(finishedRun, { web: true, workspace: a.ws.slug }), params(finishedRun))).status).toBe(401);
  });
});
