/**
 * The synchronous mode of POST /api/v1/runs (`?wait=`), through the real executor and provider code against the LLM
 * stub: a run that ends within the wait answers 200 with its output; one that does not (the stub holds the model call)
 * answers 202 with the run still queued or running; a replay with the same Idempotency-Key starts nothing and waits
 * for the same run; the wait is woken by the run's events (one subscription while it waits, none after).
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { createAgent } from "@/server/agents/service";
import { executeRoute } from "@/server/rest/define";
import { startRunRoute } from "@/server/rest/routes/runs";
import { runEventSubscriberCount } from "@/server/jobs/notify";
import { waitForRun, type RunWorkspace } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { makeApiKey } from "@/test/helpers";
import { startRun } from "./service";
import { waitForRunEnd } from "./wait";

vi.setConfig({ testTimeout: 60_000 });

const h = useStubRuns("sync-start", {}, async (h) => {
  await createAgent(h.rw.ctx, { slug: "helper", name: "Helper", modelPolicy: { type: "pinned", modelId: h.modelId }, maxOutputTokens: 128, temperature: 0 });
});
let stub: LlmStub;
let rw: RunWorkspace;
let key: string;
beforeEach(async () => {
  ({ stub, rw } = h);
  key = (await makeApiKey(rw.ws, "member")).raw;
});

async function post(query: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await executeRoute(
    startRunRoute,
    new Request(`http://localhost:3000/api/v1/runs${query}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${key}`, ...headers },
      body: JSON.stringify(body),
    }),
    {},
  );
  return { status: res.status, body: await res.json(), headers: res.headers };
}

describe("POST /api/v1/runs?wait=", () => {
  it("answers 200 with the finished run and its output when it ends within the wait", async () => {
    h.executor();
    stub.reply({ content: "Forty-two." });
    const res = await post("?wait=30", { agent: "helper", input: "What is six times seven?" });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: "succeeded", output: "Forty-two.", agent: { slug: "helper" } });
    expect(res.body.outputTokens).toBeGreaterThan(0);
  });

  it("answers 202 with the run still under way when the wait ends first; a replay of the key waits for the same run", async () => {
    h.executor();
    stub.hold();
    const first = await post("?wait=1", { agent: "helper", input: "Take your time." }, { "idempotency-key": "sync-1" });
    expect(first.status).toBe(202);
    expect(["queued", "running"]).toContain(first.body.status);
    expect(first.body.output).toBeNull();
    const runId: string = first.body.id;

    stub.reply({ content: "Done now." });
    stub.release();
    const replay = await post("?wait=1", { agent: "helper", input: "Take your time." }, { "idempotency-key": "sync-1" });
    // the same run (nothing new started), in its state after the wait
    expect(replay.body.id).toBe(runId);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    await waitForRun(runId);
    const again = await post("?wait=1", { agent: "helper", input: "Take your time." }, { "idempotency-key": "sync-1" });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: runId, status: "succeeded", output: "Done now." });
    expect(await db().run.count({ where: { workspaceId: rw.ws.id } })).toBe(1);
  });

  it("without wait answers 201 at once, as before; a wait beyond 60 seconds is refused (422)", async () => {
    stub.hold();
    const res = await post("", { agent: "helper", input: "No waiting." });
    expect(res.status).toBe(201);
    expect(res.body.status).toBe("queued");
    const tooLong = await post("?wait=61", { agent: "helper", input: "No waiting." });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.code).toBe("VALIDATION_FAILED");
  });
});

describe("waitForRunEnd", () => {
  it("holds one run-events subscription while it waits, is woken by the run's end, and closes it after", async () => {
    stub.hold();
    const run = await startRun(rw.ctx, { agent: "helper", input: "Wake me." });
    const waiting = waitForRunEnd(rw.ctx, run.id, 30_000);
    await vi.waitFor(() => expect(runEventSubscriberCount(run.id)).toBe(1));
    stub.release();
    h.executor();
    expect(await waiting).toBe("succeeded");
    expect(runEventSubscriberCount(run.id)).toBe(0);
  });

  it("answers null for another workspace's run", async () => {
    const run = await startRun(rw.ctx, { agent: "helper", input: "Mine." });
    expect(await waitForRunEnd({ workspaceId: "ws_other" }, run.id, 10)).toBeNull();
  });
});
