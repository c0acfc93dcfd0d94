/**
 * Open event streams re-check access while they stay open: a stream opened before its member is removed, before its
 * user signs out everywhere, or before its API key is revoked stops (": access ended") and delivers no event of the
 * run after that, although the run goes on to finish.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { generate, settleObservations } from "@/server/models/gateway";
import { startExecutor, type Executor } from "@/server/jobs/executor";
import { signOutEverywhere } from "@/server/users/account";
import { removeMember } from "@/server/workspaces/members";
import { revokeApiKey } from "@/server/auth/api-keys";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { addMember, makeApiKey } from "@/test/helpers";
import { addAgent, addTeam, makeRunWorkspace, sleep, waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { apiKeyRunEvents } from "@/server/rest/sse-routes";
import { configureRunStreams } from "./sse";
import { startRun } from "./service";
import { sessionRunEvents } from "@/server/rest/sse-session";
import { signInRequest } from "@/test/signed-in";

let rw: RunWorkspace;
let executor: Executor;
/** model calls wait until released */
let release: () => void = () => undefined;
let gate: Promise<void> = Promise.resolve();
function closeGate() {
  gate = new Promise((resolve) => (release = resolve));
}

beforeAll(async () => {
  configureRunStreams({ pollMs: 20, recheckMs: 100 });
  rw = await makeRunWorkspace("sse-access");
  await addAgent(rw.ctx, "first");
  await addAgent(rw.ctx, "second");
  await addTeam(rw.ctx, "duo", { topology: "sequential", agents: ["first", "second"] });
  executor = startExecutor({
    workspaceIds: [rw.ws.id],
    pollMs: 30,
    deps: {
      generate: async (ctx, req) => {
        await gate;
        return generate(ctx, req);
      },
    },
  });
});
afterEach(async () => {
  release();
  await signInRequest(null);
});
afterAll(async () => {
  configureRunStreams();
  await executor.stop();
  await settleObservations();
});

/** Reads a stream as it comes. */
function reader(res: Response) {
  const r = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let done = false;
  const pump = (async () => {
    for (;;) {
      const chunk = await r.read();
      if (chunk.done) break;
      text += decoder.decode(chunk.value, { stream: true });
    }
    done = true;
  })();
  return {
    text: () => text,
    done: () => done,
    async until(check: (text: string) => boolean, timeoutMs = 10_000) {
      await vi.waitFor(
        () => {
          if (!check(text)) throw new Error(`the stream never showed what was expected; it has: ${text}`);
        },
        { timeout: timeoutMs, interval: 10 },
      );
    },
    /** resolves when the stream ends, or rejects after timeoutMs */
    async ended(timeoutMs = 3_000) {
      await Promise.race([pump, sleep(timeoutMs).then(() => Promise.reject(new Error(`the stream is still open after ${timeoutMs} ms: ${text}`)))]);
    },
    cancel: () => r.cancel().catch(() => undefined),
  };
}

const eventTypes = (text: string) => [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
const params = (runId: string) => ({ params: Promise.resolve({ runId }) });

/** Starts a run whose model calls wait, opens `open()` on it once it has started its first step. */
async function openOnRunningRun(open: (runId: string) => Promise<Response>) {
  closeGate();
  const run = await startRun(rw.ctx, { team: "duo", input: "Access checks." });
  const res = await open(run.id);
  expect(res.status).toBe(200);
  const stream = reader(res);
  await stream.until((t) => eventTypes(t).includes("node.started"));
  return { run, stream };
}

/** After access ended: the stream closes by itself, the run then finishes, and none of its later events came. */
async function expectCutOff(runId: string, stream: ReturnType<typeof reader>) {
  await stream.ended();
  expect(stream.text()).toContain(": access ended");
  const seen = eventTypes(stream.text());
  release();
  expect((await waitForRun(runId)).status).toBe("succeeded");
  expect(seen).not.toContain("run.succeeded");
  expect(seen).not.toContain("node.finished");
}

describe("an open event stream re-checks access", () => {
  it("web app: the stream of a member who is removed ends", async () => {
    const { user, memberId } = await addMember(rw.ws, "member", "sse-removed");
    await signInRequest(user);
    const request = (runId: string) =>
      new Request(`http://localhost:3000/api/runs/${runId}/events?workspace=${rw.ws.slug}`, { headers: { accept: "text/event-stream" } });
    const { run, stream } = await openOnRunningRun((runId) => sessionRunEvents(request(runId), params(runId)));
    await sleep(250);
    expect(stream.done(), "still a member: the stream stays open").toBe(false);
    await removeMember(rw.ctx, memberId);
    await expectCutOff(run.id, stream);
    // reconnecting is refused
    const again = await sessionRunEvents(request(run.id), params(run.id));
    expect(again.status).toBe(404);
  });

  it("web app: the stream of a user who signs out everywhere ends", async () => {
    const { user } = await addMember(rw.ws, "viewer", "sse-signout");
    await signInRequest(user);
    const request = (runId: string) =>
      new Request(`http://localhost:3000/api/runs/${runId}/events?workspace=${rw.ws.slug}`, { headers: { accept: "text/event-stream" } });
    const { run, stream } = await openOnRunningRun((runId) => sessionRunEvents(request(runId), params(runId)));
    await signOutEverywhere(user.id);
    await expectCutOff(run.id, stream);
  });

  it("REST: the stream of an API key that is revoked ends", async () => {
    const key = await makeApiKey(rw.ws, "admin");
    const request = (runId: string) =>
      new Request(`http://localhost:3000/api/v1/runs/${runId}/events`, { headers: { accept: "text/event-stream", authorization: `Bearer ${key.raw}` } });
    const { run, stream } = await openOnRunningRun((runId) => apiKeyRunEvents(request(runId), params(runId)));
    const admin = await resolveUserTenant(rw.ws.users.admin, rw.ws.slug);
    await revokeApiKey(admin, key.id);
    await expectCutOff(run.id, stream);
    expect((await apiKeyRunEvents(request(run.id), params(run.id))).status).toBe(401);
  });

  it("REST: the stream of a key whose creator is removed ends", async () => {
    const { memberId } = await addMember(rw.ws, "member", "sse-keycreator");
    const member = await db().membership.findUniqueOrThrow({ where: { id: memberId } });
    const key = await makeApiKey({ ...rw.ws, users: { ...rw.ws.users, member: { id: member.userId, email: "x", name: null } } }, "member");
    const request = (runId: string) =>
      new Request(`http://localhost:3000/api/v1/runs/${runId}/events`, { headers: { accept: "text/event-stream", authorization: `Bearer ${key.raw}` } });
    const { run, stream } = await openOnRunningRun((runId) => apiKeyRunEvents(request(runId), params(runId)));
    // the key is checked anew (its creator's membership is part of the key's check), not only its revocation
    await db().membership.delete({ where: { id: memberId } });
    await expectCutOff(run.id, stream);
  });
});
