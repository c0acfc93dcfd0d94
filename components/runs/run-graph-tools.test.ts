import { describe, expect, it } from "vitest";
import type { RunStepOut } from "@/lib/schemas/runs";
import { nodeToolActivity, TOOL_EXCERPT_CHARS, toolCallsSummary } from "./run-graph-tools";

const T0 = Date.parse("2026-12-21T10:00:00.000Z");
function step(stepId: string, at: number, extra: Partial<RunStepOut> = {}): RunStepOut {
  return {
    id: `stp_${stepId}`,
    stepId,
    kind: "agent",
    nodeId: stepId.replace(/~.*$/, ""),
    status: "succeeded",
    attempts: 1,
    error: null,
    agent: { id: "agt_1", slug: "shipper", version: 1 },
    model: null,
    routeReason: null,
    inputSeen: null,
    inputSeenTruncated: false,
    output: null,
    outputTruncated: false,
    outcome: null,
    finishReason: null,
    finishReasons: null,
    answerProblem: null,
    toolCall: null,
    turn: null,
    memories: null,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    latencyMs: 0,
    startedAt: new Date(T0 + at * 1000),
    finishedAt: new Date(T0 + at * 1000 + 500),
    ...extra,
  };
}
const turn = (stepId: string, at: number, inputTokens: number, outputTokens: number, costUsd: number, toolCalls: number) =>
  step(stepId, at, { kind: "turn", model: { ref: "mdl_1", name: "gpt-stub" }, turn: { inputTokens, outputTokens, costUsd, toolCalls } });
const call = (stepId: string, at: number, extra: Partial<RunStepOut> = {}) =>
  step(stepId, at, { kind: "tool", toolCall: { name: "lookup_order", isError: false, approval: null }, ...extra });

describe("a node's tool activity in the run graph", () => {
  it("an agent step's turns (tokens and cost each) and calls (name, args, result, duration, approval), in order, on its node", () => {
    const steps = [
      // listed out of order on purpose: the agent step's row comes first (it started 1 ms before its first turn)
      step("agent", 0, { inputTokens: 30, outputTokens: 12, costUsd: 0.05 }),
      turn("agent~turn2", 3, 20, 8, 0.03, 0),
      call("agent~tool1.2", 2, {
        toolCall: { name: "http_request", isError: true, approval: { id: "apr_1", status: "denied" } },
        inputSeen: '{"method":"POST"}',
        output: "A person denied this call of http_request.",
        latencyMs: 1200,
      }),
      call("agent~tool1.1", 1, { inputSeen: '{"order":"A-17"}', output: '{"status":"shipped"}', latencyMs: 80 }),
      turn("agent~turn1", 0, 10, 4, 0.02, 2),
    ];
    const activity = nodeToolActivity(steps);
    expect(Object.keys(activity)).toEqual(["agent"]);
    const [s] = activity.agent!;
    expect(s).toMatchObject({ stepId: "agent", agent: "shipper", status: "succeeded", inputTokens: 30, outputTokens: 12, costUsd: 0.05 });
    expect(s!.turns.map((t) => [t.n, t.inputTokens, t.outputTokens, t.costUsd, t.toolCalls, t.model])).toEqual([
      [1, 10, 4, 0.02, 2, "gpt-stub"],
      [2, 20, 8, 0.03, 0, "gpt-stub"],
    ]);
    // the turns add up to the agent step's share
    expect(s!.turns.reduce((n, t) => n + t.inputTokens, 0)).toBe(s!.inputTokens);
    expect(s!.calls).toEqual([
      {
        id: "stp_agent~tool1.1",
        stepId: "agent~tool1.1",
        name: "lookup_order",
        status: "succeeded",
        approval: "none",
        isError: false,
        args: '{"order":"A-17"}',
        result: '{"status":"shipped"}',
        durationMs: 80,
      },
      {
        id: "stp_agent~tool1.2",
        stepId: "agent~tool1.2",
        name: "http_request",
        status: "succeeded",
        approval: "denied",
        isError: true,
        args: '{"method":"POST"}',
        result: "A person denied this call of http_request.",
        durationMs: 1200,
      },
    ]);
    expect(toolCallsSummary(activity)).toEqual({ agent: "2 tool calls" });
  });

  it("a call waiting for approval: pending, no duration yet; the node says so", () => {
    const steps = [
      turn("agent~turn1", 0, 10, 4, 0.02, 1),
      call("agent~tool1.1", 1, {
        status: "waiting",
        finishedAt: null,
        toolCall: { name: "lookup_order", isError: false, approval: { id: "apr_1", status: "pending" } },
      }),
    ];
    const [s] = nodeToolActivity(steps).agent!;
    expect(s!.status).toBeNull(); // the agent step's own row is not written until its loop ends
    expect(s!.calls[0]).toMatchObject({ status: "waiting", approval: "pending", durationMs: null, result: null });
    expect(toolCallsSummary(nodeToolActivity(steps))).toEqual({ agent: "1 tool call, 1 awaiting approval" });
  });

  it("every approval state reads as recorded; a call without an approval reads none", () => {
    const states = ["pending", "approved", "denied", "expired"] as const;
    const steps = states.map((status, i) => call(`agent~tool1.${i + 1}`, i, { toolCall: { name: "t", isError: false, approval: { id: `apr_${i}`, status } } }));
    steps.push(call("agent~tool1.5", 5));
    expect(nodeToolActivity(steps).agent![0]!.calls.map((c) => c.approval)).toEqual([...states, "none"]);
  });

  it("a team's agents on their own nodes; a nested team's inner agent on the team's node; steps without tools are left out", () => {
    const steps = [
      step("writer", 0),
      turn("writer~turn1", 0, 1, 1, 0, 1),
      call("writer~tool1.1", 1),
      step("reviewer", 2),
      step("sub/inner", 3, { nodeId: "sub/inner" }),
      turn("sub/inner~turn1", 3, 1, 1, 0, 1),
      call("sub/inner~tool1.1", 4, { nodeId: "sub/inner" }),
      call("sub/inner~tool10.2", 5, { nodeId: "sub/inner" }),
    ];
    const activity = nodeToolActivity(steps);
    expect(Object.keys(activity).sort()).toEqual(["sub", "writer"]);
    expect(activity.sub![0]!.stepId).toBe("sub/inner");
    // numeric order, not string order: tool1.1 before tool10.2
    expect(activity.sub![0]!.calls.map((c) => c.stepId)).toEqual(["sub/inner~tool1.1", "sub/inner~tool10.2"]);
    expect(toolCallsSummary(activity)).toEqual({ writer: "1 tool call", sub: "2 tool calls" });
  });

  it("long arguments and results are cut to an excerpt", () => {
    const long = "x".repeat(TOOL_EXCERPT_CHARS * 3);
    const [c] = nodeToolActivity([call("agent~tool1.1", 0, { inputSeen: long, output: long })]).agent![0]!.calls;
    expect(c!.args).toHaveLength(TOOL_EXCERPT_CHARS);
    expect(c!.args!.endsWith("…")).toBe(true);
    expect(c!.result).toHaveLength(TOOL_EXCERPT_CHARS);
  });
});
