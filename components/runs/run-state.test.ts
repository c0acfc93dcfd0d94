import { describe, expect, it } from "vitest";
import {
  applyEvents,
  EMPTY_LIVE_STATE,
  elapsedMs,
  formatDuration,
  graphNodeState,
  progressPercent,
  runningSteps,
  unknownNodeIds,
  waitingLabel,
  type LiveEvent,
} from "./run-state";
import { parseSseMessage } from "./use-run-events";
import { runGraph, runGraphDetails, runGraphStates } from "./run-graph-model";

const t0 = new Date("2026-01-01T10:00:00.000Z");
const at = (ms: number) => new Date(t0.getTime() + ms).toISOString();

function sequentialRun(): LiveEvent[] {
  return [
    { seq: 1, type: "run.queued", data: {}, createdAt: at(0) },
    { seq: 2, type: "run.started", data: { stepsExpected: 2 }, createdAt: at(10) },
    { seq: 3, type: "node.started", data: { nodeId: "s0", stepId: "s0", agent: "writer", attempt: 1 }, createdAt: at(11) },
    { seq: 4, type: "node.delta", data: { nodeId: "s0", stepId: "s0", text: "Hel" }, createdAt: at(50) },
    { seq: 5, type: "node.delta", data: { nodeId: "s0", stepId: "s0", text: "lo" }, createdAt: at(150) },
    {
      seq: 6,
      type: "node.finished",
      data: { nodeId: "s0", stepId: "s0", agent: "writer", output: "Hello", inputTokens: 5, outputTokens: 2, costUsd: 0.001, model: "Sim", latencyMs: 200 },
      createdAt: at(200),
    },
    { seq: 7, type: "run.progress", data: { stepsDone: 1, stepsExpected: 2, costUsd: 0.001, inputTokens: 5, outputTokens: 2 }, createdAt: at(201) },
    { seq: 8, type: "node.started", data: { nodeId: "s1", stepId: "s1", agent: "editor", attempt: 1 }, createdAt: at(202) },
  ];
}

const finish: LiveEvent[] = [
  {
    seq: 9,
    type: "node.finished",
    data: { nodeId: "s1", stepId: "s1", agent: "editor", output: "Hello!", inputTokens: 7, outputTokens: 3, costUsd: 0.002, model: "Sim", latencyMs: 150 },
    createdAt: at(400),
  },
  { seq: 10, type: "run.progress", data: { stepsDone: 2, stepsExpected: 2, costUsd: 0.003, inputTokens: 12, outputTokens: 5 }, createdAt: at(401) },
  { seq: 11, type: "run.succeeded", data: { output: "Hello!" }, createdAt: at(402) },
];

describe("the live run state", () => {
  it("follows a sequential run: node states, streamed output, progress, totals, output", () => {
    const mid = applyEvents(EMPTY_LIVE_STATE, sequentialRun());
    expect(mid.status).toBe("running");
    expect(mid.lastSeq).toBe(8);
    expect(graphNodeState(mid, "s0")).toBe("done");
    expect(graphNodeState(mid, "s1")).toBe("running");
    expect(graphNodeState(mid, "input", "input")).toBe("done");
    expect(graphNodeState(mid, "output", "output")).toBe("waiting");
    expect(mid.steps.s0!.text).toBe("Hello");
    expect(runningSteps(mid).map((s) => s.stepId)).toEqual(["s1"]);
    expect(progressPercent(mid.stepsDone, mid.stepsExpected, mid.status)).toBe(50);
    expect(elapsedMs(mid.startedAt, mid.finishedAt, t0.getTime() + 1010)).toBe(1000);

    const end = applyEvents(mid, finish);
    expect(end.status).toBe("succeeded");
    expect(end.output).toBe("Hello!");
    expect(end.costUsd).toBe(0.003);
    expect(end.inputTokens).toBe(12);
    expect(graphNodeState(end, "s1")).toBe("done");
    expect(graphNodeState(end, "output", "output")).toBe("done");
    expect(progressPercent(end.stepsDone, end.stepsExpected, end.status)).toBe(100);
    expect(elapsedMs(end.startedAt, end.finishedAt, Date.now())).toBe(392);
  });

  it("streamed text of the running step grows with each delta; a reset delta (a retried model call) starts it again", () => {
    const events: LiveEvent[] = [
      { seq: 1, type: "node.started", data: { nodeId: "s0", stepId: "s0", agent: "writer", attempt: 1 }, createdAt: at(0) },
      { seq: 2, type: "node.delta", data: { nodeId: "s0", stepId: "s0", text: "Half an ans" }, createdAt: at(10) },
      { seq: 3, type: "node.delta", data: { nodeId: "s0", stepId: "s0", text: "Fresh", reset: true }, createdAt: at(20) },
      { seq: 4, type: "node.delta", data: { nodeId: "s0", stepId: "s0", text: " start" }, createdAt: at(30) },
    ];
    expect(applyEvents(EMPTY_LIVE_STATE, events.slice(0, 2)).steps.s0!.text).toBe("Half an ans");
    expect(applyEvents(EMPTY_LIVE_STATE, events).steps.s0!.text).toBe("Fresh start");
  });

  it("replaying, duplicated or out-of-order events give the same state", () => {
    const all = [...sequentialRun(), ...finish];
    const once = applyEvents(EMPTY_LIVE_STATE, all);
    const twice = applyEvents(applyEvents(EMPTY_LIVE_STATE, all.slice(0, 6)), all);
    const shuffled = applyEvents(EMPTY_LIVE_STATE, [...all].reverse());
    expect(twice).toEqual(once);
    expect(shuffled).toEqual(once);
    expect(once.steps.s0!.text).toBe("Hello");
  });

  it("a retried attempt keeps the node running; a final failure fails node and run with the step", () => {
    const events: LiveEvent[] = [
      { seq: 1, type: "run.started", data: { stepsExpected: 1 }, createdAt: at(0) },
      { seq: 2, type: "node.started", data: { nodeId: "p0", stepId: "p0", agent: "a", attempt: 1 }, createdAt: at(1) },
      { seq: 3, type: "node.failed", data: { nodeId: "p0", stepId: "p0", agent: "a", error: "429", attempt: 1, willRetry: true }, createdAt: at(2) },
    ];
    const retrying = applyEvents(EMPTY_LIVE_STATE, events);
    expect(graphNodeState(retrying, "p0")).toBe("running");
    const failed = applyEvents(retrying, [
      { seq: 4, type: "node.started", data: { nodeId: "p0", stepId: "p0", agent: "a", attempt: 2 }, createdAt: at(3) },
      { seq: 5, type: "node.failed", data: { nodeId: "p0", stepId: "p0", agent: "a", error: "boom", attempt: 2, willRetry: false }, createdAt: at(4) },
      { seq: 6, type: "run.failed", data: { error: "Step p0 failed: boom", stepId: "p0" }, createdAt: at(5) },
    ]);
    expect(graphNodeState(failed, "p0")).toBe("failed");
    expect(failed.steps.p0!.attempt).toBe(2);
    expect(failed.error).toEqual({ message: "Step p0 failed: boom", stepId: "p0" });
    expect(graphNodeState(failed, "output", "output")).toBe("failed");
  });

  it("a step waiting for a provider stays running and says what it waits for, until it resumes", () => {
    const retryAt = "2026-12-05T10:42:07.000Z";
    const waiting = applyEvents(EMPTY_LIVE_STATE, [
      { seq: 1, type: "run.started", data: { stepsExpected: 1 }, createdAt: at(0) },
      { seq: 2, type: "node.started", data: { nodeId: "agent", stepId: "agent", agent: "a", attempt: 1 }, createdAt: at(1) },
      {
        seq: 3,
        type: "node.waiting",
        data: { nodeId: "agent", stepId: "agent", agent: "a", waitingFor: "Flaky AI", retryAt, reason: "All 3 model calls failed" },
        createdAt: at(2),
      },
    ]);
    expect(graphNodeState(waiting, "agent")).toBe("running");
    expect(runningSteps(waiting).map((s) => s.stepId)).toEqual(["agent"]);
    const w = waiting.steps.agent!.waiting!;
    expect(w).toEqual({ waitingFor: "Flaky AI", retryAt: new Date(retryAt), reason: "All 3 model calls failed" });
    expect(waitingLabel(w, "UTC")).toBe("waiting for Flaky AI (retry at 10:42:07)");
    const resumed = applyEvents(waiting, [
      { seq: 4, type: "node.resumed", data: { nodeId: "agent", stepId: "agent", agent: "a", waitedMs: 400 }, createdAt: at(3) },
      { seq: 5, type: "node.started", data: { nodeId: "agent", stepId: "agent", agent: "a", attempt: 1 }, createdAt: at(3) },
    ]);
    expect(resumed.steps.agent!.waiting).toBeNull();
    expect(resumed.steps.agent!.status).toBe("running");
  });

  it("a nested team's inner nodes colour the team's node; unknown nodes are reported", () => {
    const s = applyEvents(EMPTY_LIVE_STATE, [
      { seq: 1, type: "node.started", data: { nodeId: "s1/p0", stepId: "s1.p0", agent: "a" }, createdAt: at(0) },
      { seq: 2, type: "node.finished", data: { nodeId: "s1/p1", stepId: "s1.p1", agent: "b", output: "x" }, createdAt: at(1) },
      { seq: 3, type: "node.started", data: { nodeId: "solo", stepId: "agent", agent: "c" }, createdAt: at(2) },
    ]);
    expect(graphNodeState(s, "s1")).toBe("running");
    expect(graphNodeState(s, "s10")).toBe("waiting");
    expect(unknownNodeIds(s, new Set(["input", "s0", "s1", "output"]))).toEqual(["solo"]);
  });

  it("a nested team's own events: its node runs between its inner steps, then is done (or failed) with its outcome", () => {
    const outcome = { topology: "maker_checker", met: true, onUnmet: "fail", approved: true, iterations: 1, maxIterations: 2, verdicts: [] };
    const started: LiveEvent[] = [
      { seq: 1, type: "node.started", data: { nodeId: "s0", stepId: "s0", team: "review" }, createdAt: at(0) },
      { seq: 2, type: "node.started", data: { nodeId: "s0/maker", stepId: "s0/i1.maker", agent: "a", attempt: 1 }, createdAt: at(1) },
      { seq: 3, type: "node.finished", data: { nodeId: "s0/maker", stepId: "s0/i1.maker", agent: "a", output: "draft" }, createdAt: at(2) },
    ];
    const between = applyEvents(EMPTY_LIVE_STATE, started);
    // between its inner steps the team's node still runs
    expect(graphNodeState(between, "s0")).toBe("running");
    expect(runningSteps(between).map((s) => [s.stepId, s.team])).toEqual([["s0", "review"]]);
    const done = applyEvents(between, [
      { seq: 4, type: "node.finished", data: { nodeId: "s0", stepId: "s0", team: "review", outcome, output: "draft" }, createdAt: at(3) },
    ]);
    expect(graphNodeState(done, "s0")).toBe("done");
    expect(done.steps.s0!.outcome).toMatchObject({ topology: "maker_checker", met: true });
    expect(runGraphDetails(done)).toEqual({ s0: "approved after 1 iteration" });
    const failed = applyEvents(between, [
      { seq: 4, type: "node.failed", data: { nodeId: "s0", stepId: "s0", team: "review", error: "Outcome not met", willRetry: false }, createdAt: at(3) },
    ]);
    expect(graphNodeState(failed, "s0")).toBe("failed");
    expect(runningSteps(failed)).toEqual([]);
  });

  it("formats durations", () => {
    expect(formatDuration(null)).toBe("—");
    expect(formatDuration(320)).toBe("320 ms");
    expect(formatDuration(4200)).toBe("4.2 s");
    expect(formatDuration(65_000)).toBe("1m 05s");
  });
});

describe("SSE messages", () => {
  it("accept a whole event or its data with the type as the event name", () => {
    expect(parseSseMessage("message", "3", JSON.stringify({ seq: 3, type: "node.started", data: { nodeId: "s0" }, createdAt: at(0) }))).toEqual({
      seq: 3,
      type: "node.started",
      data: { nodeId: "s0" },
      createdAt: at(0),
    });
    expect(parseSseMessage("node.delta", "4", JSON.stringify({ nodeId: "s0", stepId: "s0", text: "a" }))).toEqual({
      seq: 4,
      type: "node.delta",
      data: { nodeId: "s0", stepId: "s0", text: "a" },
      createdAt: null,
    });
    expect(parseSseMessage("message", "", "not json")).toBeNull();
    expect(parseSseMessage("message", "5", JSON.stringify({ nodeId: "s0" }))).toBeNull();
  });
});

describe("the run graph", () => {
  it("draws the team's topology, adds nodes only the events name, and takes states from fetched steps until events arrive", () => {
    const spec = { topology: "parallel" as const, agents: ["a", "b"] };
    const live = applyEvents(EMPTY_LIVE_STATE, [
      { seq: 1, type: "node.started", data: { nodeId: "p0", stepId: "p0", agent: "a" }, createdAt: at(0) },
      { seq: 2, type: "node.started", data: { nodeId: "extra", stepId: "x", agent: "zed" }, createdAt: at(1) },
    ]);
    const graph = runGraph(spec, live, null);
    expect(graph.nodes.map((n) => n.id)).toEqual(["input", "p0", "p1", "extra", "output"]);
    expect(graph.nodes.find((n) => n.id === "extra")!.label).toBe("zed");
    const states = runGraphStates(graph, live, { status: "running", steps: [{ nodeId: "p1", status: "succeeded" }] });
    expect(states).toEqual({ input: "done", p0: "running", p1: "done", extra: "running", output: "waiting" });

    const single = runGraph(null, EMPTY_LIVE_STATE, "writer");
    expect(single.nodes.map((n) => [n.id, n.label])).toEqual([
      ["input", "Input"],
      ["agent", "writer"],
      ["output", "Output"],
    ]);
    expect(runGraphStates(single, EMPTY_LIVE_STATE, { status: "failed", steps: [{ nodeId: "agent", status: "failed" }] })).toEqual({
      input: "done",
      agent: "failed",
      output: "failed",
    });
  });
});
