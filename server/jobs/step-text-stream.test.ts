/**
 * Streamed output of a running step: node.delta events between the step's node.started and node.finished, at most
 * one per interval, a reset when the gateway starts another model call, none after the step ended.
 */
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { generate, settleObservations } from "@/server/models/gateway";
import { startRun } from "@/server/runs/service";
import { addAgent, addTeam, eventRows, makeRunWorkspace, sleep, type RunWorkspace } from "@/test/fixtures/runs";
import { executeRun, type ExecuteDeps } from "./run-function";
import { createPostgresStep } from "./step";
import { DELTA_INTERVAL_MS, EVENT_TEXT_MAX } from "./step-text-stream";

let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("stream");
  await addAgent(rw.ctx, "talker");
  await addTeam(rw.ctx, "solo", { topology: "sequential", agents: ["talker"] });
});
afterEach(() => settleObservations());

async function runWith(generateFn: ExecuteDeps["generate"]) {
  const run = await startRun(rw.ctx, { team: "solo", input: "Talk to me." });
  const outcome = await executeRun({ runId: run.id, workspaceId: rw.ws.id }, createPostgresStep({ runId: run.id, workspaceId: rw.ws.id }), { deps: { generate: generateFn } });
  expect(outcome).toBe("succeeded");
  return eventRows(run.id);
}

describe("streamed step output", () => {
  it("writes the deltas as node.delta events, coalesced per interval, with a reset when the model call starts again", async () => {
    const events = await runWith(async (ctx, req) => {
      expect(req.onTextDelta).toBeTypeOf("function");
      req.onTextDelta!("Hel");
      req.onTextDelta!("lo, ");
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onStreamRestart!(); // the gateway fell back to another model
      req.onTextDelta!("Second");
      req.onTextDelta!(" try");
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onTextDelta!(" (never shown: the call ends first)");
      return generate(ctx, { ...req, onTextDelta: undefined, onStreamRestart: undefined });
    });
    const types = events.map((e) => e.type);
    const deltas = events.filter((e) => e.type === "node.delta").map((e) => e.data as { text: string; reset?: boolean; stepId: string; nodeId: string });
    expect(deltas.map((d) => [d.text, d.reset ?? false])).toEqual([["Hello, ", false], ["Second try", true]]);
    expect(deltas.every((d) => d.stepId === "s0" && d.nodeId === "s0")).toBe(true);
    const started = types.indexOf("node.started");
    const finished = types.indexOf("node.finished");
    expect(types.slice(started + 1, finished)).toEqual(["node.delta", "node.delta"]);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
  });

  it("a step that ends within the interval writes no delta; the streamed text is capped like node.finished's output", async () => {
    const quick = await runWith(async (ctx, req) => {
      req.onTextDelta!("fast");
      return generate(ctx, { ...req, onTextDelta: undefined });
    });
    expect(quick.filter((e) => e.type === "node.delta")).toHaveLength(0);

    const long = await runWith(async (ctx, req) => {
      for (let i = 0; i < 10; i++) req.onTextDelta!("x".repeat(1000));
      await sleep(DELTA_INTERVAL_MS + 100);
      req.onTextDelta!("more");
      await sleep(DELTA_INTERVAL_MS + 100);
      return generate(ctx, { ...req, onTextDelta: undefined });
    });
    const texts = long.filter((e) => e.type === "node.delta").map((e) => (e.data as { text: string }).text);
    expect(texts.join("").length).toBe(EVENT_TEXT_MAX);
  });
});
