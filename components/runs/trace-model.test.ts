import { describe, expect, it } from "vitest";
import type { RunStepOut } from "@/lib/schemas/runs";
import { axisMarks, buildTrace } from "./trace-model";

const T0 = Date.parse("2026-12-05T10:00:00.000Z");
function step(stepId: string, startS: number, endS: number | null, extra: Partial<RunStepOut> = {}): RunStepOut {
  return {
    id: `stp_${stepId}`,
    stepId,
    kind: "agent",
    nodeId: stepId,
    status: endS === null ? "running" : "succeeded",
    attempts: 1,
    error: null,
    agent: { id: "agt_1", slug: stepId, version: 1 },
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
    latencyMs: endS === null ? 0 : (endS - startS) * 1000,
    startedAt: new Date(T0 + startS * 1000),
    finishedAt: endS === null ? null : new Date(T0 + endS * 1000),
    ...extra,
  };
}

describe("the trace of a run", () => {
  it("places steps on the run's span: parallel ones overlap, sequential ones follow", () => {
    const trace = buildTrace([step("p1", 0, 4), step("p0", 0, 2), step("agg", 4, 5)], T0 + 9000);
    expect(trace.spanMs).toBe(5000);
    expect(trace.rows.map((r) => [r.step.stepId, r.offset, r.width, r.durationMs])).toEqual([
      ["p0", 0, 0.4, 2000],
      ["p1", 0, 0.8, 4000],
      ["agg", 0.8, 0.2, 1000],
    ]);
  });

  it("puts a nested team's steps under its node, indented, in tree order", () => {
    const trace = buildTrace(
      [step("s0", 0, 1), step("s1", 1, 6, { kind: "team" }), step("s1/s1", 3, 6), step("s1/s0", 1, 3), step("s1/s0/x", 1, 2), step("s2", 6, 7)],
      T0,
    );
    expect(trace.rows.map((r) => [r.step.stepId, r.depth])).toEqual([
      ["s0", 0],
      ["s1", 0],
      ["s1/s0", 1],
      ["s1/s0/x", 2],
      ["s1/s1", 1],
      ["s2", 0],
    ]);
  });

  it("puts an agent step's model turns and tool calls under it, also inside a nested team", () => {
    const trace = buildTrace(
      [
        step("a", 0, 5),
        step("a~turn1", 0, 1, { kind: "turn" }),
        step("a~tool1.1", 1, 2, { kind: "tool" }),
        step("a~turn2", 2, 5, { kind: "turn" }),
        step("t", 5, 9, { kind: "team" }),
        step("t/w", 5, 9),
        step("t/w~turn1", 5, 6, { kind: "turn" }),
        step("t/w~tool1.1", 6, 9, { kind: "tool" }),
      ],
      T0,
    );
    expect(trace.rows.map((r) => [r.step.stepId, r.depth])).toEqual([
      ["a", 0],
      ["a~turn1", 1],
      ["a~tool1.1", 1],
      ["a~turn2", 1],
      ["t", 0],
      ["t/w", 1],
      ["t/w~turn1", 2],
      ["t/w~tool1.1", 2],
    ]);
  });

  it("grows a running step to now, and hangs a nested step whose node is not recorded under its nearest ancestor", () => {
    const trace = buildTrace([step("s0", 0, 2), step("t/inner", 1, null)], T0 + 4000);
    expect(trace.spanMs).toBe(4000);
    const inner = trace.rows.find((r) => r.step.stepId === "t/inner")!;
    expect(inner).toMatchObject({ running: true, offset: 0.25, width: 0.75, durationMs: 3000, depth: 1 });
  });

  it("handles no steps and a zero-length run", () => {
    expect(buildTrace([], T0).rows).toEqual([]);
    const zero = buildTrace([step("a", 0, 0)], T0);
    expect(zero.rows[0]).toMatchObject({ offset: 0, width: 1, durationMs: 0 });
    expect(axisMarks(0)).toEqual([0]);
    expect(axisMarks(4000)).toEqual([0, 1000, 2000, 3000, 4000]);
  });
});
