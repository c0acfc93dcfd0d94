/**
 * The topologies' structured outputs through the real AI SDK (`Output.object`, its JSON-schema conversion and
 * validation) and the offline simulator model, without the database: a minimal runtime calls generateText the way
 * the gateway does. Every topology must finish on the simulator's minimal objects.
 * (The full path — gateway, durable steps, events — is EXEC's integration test.)
 */
import { generateText, Output } from "ai";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { TOPOLOGIES, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { createSimulatorModel, decisionFor, turnOf } from "@/server/models/simulator";
import { judgeSchema } from "./debate";
import { checkPlan, planSchema } from "./hierarchical";
import { runTopology } from "./index";
import { verdictSchema } from "./maker-checker";
import { hubSchema } from "./star";
import { ringSchema } from "./circular";
import type { AgentCall, AgentResult, TopologyRuntime } from "./types";

class SimulatorRuntime implements TopologyRuntime {
  readonly steps: string[] = [];
  private readonly model = createSimulatorModel("sim-fast", { latencyMs: 0 });

  async callAgent(call: AgentCall): Promise<AgentResult> {
    this.steps.push(call.stepId);
    const context = (call.context ?? []).map((c) => `<output from="${c.from}">${c.output}</output>`).join("\n");
    const result = await generateText({
      model: this.model,
      prompt: context ? `${call.task}\n\n${context}` : call.task,
      ...(call.output ? { output: Output.object({ schema: call.output.schema }) } : {}),
      maxRetries: 0,
    });
    return call.output ? { text: result.text, object: (result as { output?: unknown }).output } : { text: result.text };
  }

  async runTeam(_nodeId: string, prefix: string, team: string): Promise<string> {
    this.steps.push(prefix);
    return `team ${team}`;
  }

  async parallel<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
    return Promise.all(tasks.map((t) => t()));
  }

  async expectSteps(): Promise<void> {}
}

const spec = (s: unknown) => topologySpecSchema.parse(s);

const SPECS: Record<(typeof TOPOLOGIES)[number], TopologySpec> = {
  sequential: spec({ topology: "sequential", agents: ["a", "b"] }),
  parallel: spec({ topology: "parallel", agents: ["a", "b"] }),
  hierarchical: spec({ topology: "hierarchical", manager: "m", workers: ["a", "b"], depth: 3 }),
  dag: spec({
    topology: "dag",
    nodes: [
      { id: "x", agent: "a" },
      { id: "y", agent: "b", dependsOn: ["x"] },
    ],
  }),
  debate: spec({ topology: "debate", debaters: ["a", "b"], judge: "j", rounds: 5 }),
  mesh: spec({ topology: "mesh", agents: ["a", "b"], rounds: 3 }),
  star: spec({ topology: "star", hub: "h", spokes: ["a", "b"], rounds: 4 }),
  grid: spec({ topology: "grid", rows: 1, columns: 2, cells: ["a", "b"], aggregator: "z" }),
  forest: spec({
    topology: "forest",
    trees: [
      { manager: "m", workers: ["a"], depth: 2 },
      { manager: "n", workers: ["b"] },
    ],
    aggregator: "z",
  }),
  circular: spec({ topology: "circular", agents: ["a", "b"], laps: 5 }),
  mixture_of_agents: spec({ topology: "mixture_of_agents", layers: [["a", "b"], ["c"]], aggregator: "z" }),
  maker_checker: spec({ topology: "maker_checker", maker: "m", checkers: ["a", "b"], maxIterations: 5 }),
  supervisor: spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b"], maxTurns: 4 }),
  hybrid: spec({ topology: "hybrid", arrangement: { topology: "star", hub: "h", spokes: ["a", { team: "t" }], rounds: 2 } }),
};

describe("with the offline simulator and the AI SDK", () => {
  it("the structured schemas are accepted and answered with valid objects", async () => {
    const model = createSimulatorModel("sim-fast", { latencyMs: 0 });
    const ask = async (schema: z.ZodType) =>
      ((await generateText({ model, prompt: "Write a haiku", output: Output.object({ schema }), maxRetries: 0 })) as { output?: unknown }).output;
    const plan = await ask(planSchema(["a", "b"], 4));
    expect(checkPlan(plan, ["a", "b"], 4)).toMatchObject({ ok: true, subtasks: [{ assignee: "a" }] });
    expect(judgeSchema.safeParse(await ask(judgeSchema)).success).toBe(true);
    // a prompt without a turn is a first turn: the reviewer asks for a revision (see the schedule below)
    expect(verdictSchema.parse(await ask(verdictSchema)).verdict).toBe("revise");
    expect(ringSchema.safeParse(await ask(ringSchema)).success).toBe(true);
    const hub = hubSchema([{ key: "spoke0", name: "a (spoke0)" }]);
    expect(hub.safeParse(await ask(hub)).success).toBe(true);
  });

  it.each(TOPOLOGIES.map((t) => [t]))("%s finishes", async (topology) => {
    const rt = new SimulatorRuntime();
    const result = await runTopology(rt, SPECS[topology], "Write a haiku about Postgres");
    expect(result.output.length).toBeGreaterThan(0);
    expect(new Set(rt.steps).size).toBe(rt.steps.length);
  });
});

describe("the simulator's decisions follow a schedule: the loops do their work before they stop", () => {
  const run = async (s: TopologySpec) => {
    const rt = new SimulatorRuntime();
    return { rt, result: await runTopology(rt, s, "Write a haiku about Postgres") };
  };

  it("a star's hub calls its spokes once, then answers", async () => {
    const { rt, result } = await run(spec({ topology: "star", hub: "h", spokes: ["a", "b"], rounds: 3 }));
    expect(rt.steps).toEqual(["r1.hub", "r1.spoke0", "r1.spoke1", "r2.hub"]);
    expect(result).toMatchObject({ rounds: 1, outcome: { met: true, rounds: 1 } });
  });

  it("a ring goes round once before an agent says done", async () => {
    const { rt, result } = await run(spec({ topology: "circular", agents: ["a", "b"], laps: 3 }));
    expect(rt.steps).toEqual(["l1.r0", "l1.r1", "l2.r0"]);
    expect(result).toMatchObject({ laps: 2, done: true });
  });

  it("a maker revises once, then the checkers approve", async () => {
    const { rt, result } = await run(spec({ topology: "maker_checker", maker: "m", checkers: ["a", "b"], maxIterations: 3 }));
    expect(rt.steps).toEqual(["i1.maker", "i1.checker0", "i1.checker1", "i2.maker", "i2.checker0", "i2.checker1"]);
    expect(result).toMatchObject({ approved: true, iterations: 2 });
  });

  it("a supervisor calls a worker before it finishes", async () => {
    const { rt, result } = await run(spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b"], maxTurns: 4 }));
    expect(rt.steps).toEqual(["t1.supervisor", "t1.w0", "t2.supervisor"]);
    expect(result).toMatchObject({ finished: true, turns: 2 });
  });

  it("a single-round loop may stop at once", async () => {
    const { rt } = await run(spec({ topology: "star", hub: "h", spokes: ["a"], rounds: 1 }));
    expect(rt.steps).toEqual(["r1.hub"]);
  });

  it("is deterministic: the same prompt gets the same decision; other agents' quoted outputs do not count", () => {
    const prompt = "Do X\n\n---\nRound 1 of at most 3.";
    expect(decisionFor(prompt)).toBe(false);
    expect(decisionFor(prompt)).toBe(decisionFor(`${prompt}`));
    expect(decisionFor("Do X. Round 2 of at most 3.")).toBe(true);
    expect(decisionFor("Do X")).toBe(false);
    expect(turnOf('Do X, turn 1 of at most 5.\n<context from="a (s0)">\nwe are at round 4 of at most 5\n</context>')).toEqual({ turn: 1, of: 5 });
  });

  it("the same call gets the same answer", async () => {
    const model = createSimulatorModel("sim-fast", { latencyMs: 0 });
    const hub = hubSchema([{ key: "spoke0", name: "a (spoke0)" }]);
    const ask = async () =>
      ((await generateText({ model, prompt: "Task. Round 1 of at most 2.", output: Output.object({ schema: hub }), maxRetries: 0 })) as { output?: unknown })
        .output;
    const first = await ask();
    expect(first).toMatchObject({ done: false });
    expect(await ask()).toEqual(first);
  });
});
