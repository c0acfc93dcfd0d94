/** estimateRun: exact figures from the formula in estimate.ts for small specs. */
import { describe, expect, it } from "vitest";
import { topologySpecSchema } from "@/lib/schemas/topology";
import { estimateRun, type EstimateAgent, type EstimateModel, ITEM_OVERHEAD_TOKENS as ITEM, STEP_OVERHEAD_TOKENS as STEP } from "./estimate";

const spec = (s: unknown) => topologySpecSchema.parse(s);
const model = (contextWindow: number, inputPrice = 1, outputPrice = 2): EstimateModel => ({
  id: "m",
  displayName: "m",
  contextWindow,
  inputPrice,
  outputPrice,
});

describe("estimateRun", () => {
  const agents: Record<string, EstimateAgent> = {
    a: { systemTokens: 100, maxOutputTokens: 200 },
    b: { systemTokens: 50, maxOutputTokens: 300 },
    m: { systemTokens: 100, maxOutputTokens: 400 },
    c: { systemTokens: 80, maxOutputTokens: 100 },
  };
  const agent = (slug: string) => agents[slug];

  it("sequential: the second step sees the first one's answer", () => {
    const e = estimateRun({ spec: spec({ topology: "sequential", agents: ["a", "b"] }), agent, model: () => model(100_000), taskTokens: 1000 });
    const a = 100 + 1000 + STEP; // 1356
    const b = 50 + 1000 + STEP + 200 + ITEM; // 1522
    expect([a, b]).toEqual([1356, 1522]);
    expect(e).toEqual({
      steps: 2,
      modelCalls: 2,
      peakParallel: 1,
      inputTokens: 2878,
      outputTokens: 500,
      costUsd: expect.closeTo((2878 * 1 + 500 * 2) / 1e6, 12),
      taskTokens: 1000,
      unrouted: [],
    });
  });

  it("a prompt is fitted to its model's window minus the output budget", () => {
    const e = estimateRun({
      spec: spec({ topology: "sequential", agents: ["a", "b"] }),
      agent,
      model: (slug) => (slug === "b" ? model(1500) : model(100_000)),
      taskTokens: 1000,
    });
    expect(e.inputTokens).toBe(1356 + (1500 - 300));
  });

  it("maker-checker: every step of every iteration may see every node's answer of every iteration; checkers route for JSON", () => {
    const asked: string[] = [];
    const e = estimateRun({
      spec: spec({ topology: "maker_checker", maker: "m", checkers: ["c"], maxIterations: 2 }),
      agent,
      model: (slug, json) => {
        asked.push(`${slug}:${json}`);
        return model(100_000);
      },
      taskTokens: 1000,
    });
    const seen = 2 * (400 + ITEM + (100 + ITEM)); // 1064
    const maker = 100 + 1000 + STEP + seen; // 2420
    const checker = 80 + 1000 + STEP + seen; // 2400
    expect([seen, maker, checker]).toEqual([1064, 2420, 2400]);
    expect(e).toMatchObject({ steps: 4, modelCalls: 4, inputTokens: 9640, outputTokens: 1000 });
    expect(e.costUsd).toBeCloseTo((9640 + 1000 * 2) / 1e6, 12);
    expect(new Set(asked)).toEqual(new Set(["m:false", "c:true"]));
  });

  it("a nested team reads the parent's task with what its node sees; an agent with no model is listed and counted without a window", () => {
    const inner = spec({ topology: "sequential", agents: ["c"] });
    const e = estimateRun({
      spec: spec({ topology: "hybrid", arrangement: { topology: "sequential", agents: ["a", { team: "inner" }] } }),
      teamSpec: (slug) => (slug === "inner" ? inner : undefined),
      agent,
      model: (slug) => (slug === "c" ? null : model(100_000, 0, 0)),
      taskTokens: 10,
    });
    const a = 100 + 10 + STEP;
    const c = 80 + (10 + 200 + ITEM + STEP) + STEP; // the nested task: the task, a's answer in its block, the topology's words
    expect(e).toMatchObject({ steps: 2, inputTokens: a + c, outputTokens: 300, costUsd: 0, unrouted: ["c"] });
  });
});
