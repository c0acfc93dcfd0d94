/**
 * worstCase against the topologies themselves: for each topology a script that makes the run as long as it can be
 * (no consensus, no convergence, never approved, plans refused once then as large as allowed) runs on a counting
 * runtime that also runs nested teams for real; the steps it makes equal the computed worst case, and the most
 * steps in flight at once never exceed `peakParallel`.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { valueForSchema, type JsonSchemaLike } from "@/server/models/simulator";
import { runTopology } from "./index";
import type { AgentCall, AgentResult, TopologyRuntime } from "./types";
import { formatCount, worstCase } from "./worst-case";

const spec = (s: unknown) => topologySpecSchema.parse(s);

/** The longest answers: never done, never agreeing, plans refused once and then as large as the limit allows. */
function adversarial(call: AgentCall): AgentResult {
  const id = call.stepId;
  if (call.output) {
    const props = Object.keys((z.toJSONSchema(call.output.schema) as { properties?: Record<string, unknown> }).properties ?? {});
    if (props.includes("consensus")) return { text: "{}", object: { consensus: false, decision: `d@${id}`, reasoning: "r" } };
    if (props.includes("verdict")) return { text: "{}", object: { verdict: "revise", reasons: [`r@${id}`] } };
    if (props.includes("work")) return { text: "{}", object: { done: false, work: `w@${id}` } };
    if (props.includes("messages")) return { text: "{}", object: { done: false, answer: null, messages: null } };
    if (props.includes("finish") && props.includes("next")) {
      // a supervisor: every pick refused once, then every worker (parallel) or the last one, never finishing
      if (!id.endsWith(".retry")) return { text: "{}", object: { finish: false, next: ["nobody"], message: null, reason: "r", answer: null } };
      const schema = z.toJSONSchema(call.output.schema) as unknown as { properties: { next: { items: { enum: string[] } } } };
      const names = schema.properties.next.items.enum;
      const next = call.task.includes("several run at once") ? names : names.slice(-1);
      return { text: "{}", object: { finish: false, next, message: null, reason: "r", answer: null } };
    }
    if (props.includes("subtasks")) {
      if (!id.endsWith(".retry")) return { text: "no plan", object: { subtasks: "refused" } };
      const limit = Number(/At most (\d+) subtasks/.exec(call.task)?.[1] ?? 1);
      const names = (/one assignee from: ([^;]+);/.exec(call.task)?.[1] ?? "").split(", ");
      const n = planSize(limit);
      return {
        text: "{}",
        object: { subtasks: Array.from({ length: n }, (_, k) => ({ id: `k${k}`, assignee: names[k % names.length]!, task: `part ${k}`, dependsOn: [] })) },
      };
    }
    const object = valueForSchema(z.toJSONSchema(call.output.schema) as JsonSchemaLike, { seed: id, topic: call.task });
    return { text: JSON.stringify(object), object };
  }
  return { text: `${call.agent}@${id}` }; // outputs differ every round: a mesh never converges
}

/** The plan size that maximises the steps below a planner with `limit` (as worstCase reasons): set per test. */
let planSize: (limit: number) => number = (limit) => limit;

class CountingRuntime implements TopologyRuntime {
  steps = 0;
  active = 0;
  maxActive = 0;
  constructor(
    private readonly teams: Record<string, TopologySpec>,
    private readonly prefix = "",
    private readonly root?: CountingRuntime,
  ) {}
  private get top(): CountingRuntime {
    return this.root ?? this;
  }
  async callAgent(call: AgentCall): Promise<AgentResult> {
    const top = this.top;
    top.steps++;
    top.active++;
    top.maxActive = Math.max(top.maxActive, top.active);
    try {
      await new Promise((r) => setTimeout(r, 2));
      return adversarial({ ...call, stepId: `${this.prefix}${call.stepId}` });
    } finally {
      top.active--;
    }
  }
  async runTeam(_nodeId: string, stepIdPrefix: string, teamSlug: string, task: string): Promise<string> {
    const child = new CountingRuntime(this.teams, `${this.prefix}${stepIdPrefix}`, this.top);
    return (await runTopology(child, this.teams[teamSlug]!, task)).output;
  }
  parallel<T>(tasks: (() => Promise<T>)[], limit = Infinity): Promise<T[]> {
    const results = new Array<T>(tasks.length);
    let next = 0;
    const lane = async () => {
      while (next < tasks.length) {
        const i = next++;
        results[i] = await tasks[i]!();
      }
    };
    return Promise.all(Array.from({ length: Math.max(1, Math.min(limit, tasks.length)) }, lane)).then(() => results);
  }
  async expectSteps(): Promise<void> {}
}

async function check(s: TopologySpec, teams: Record<string, TopologySpec> = {}, exactWidth = true) {
  const computed = worstCase(s, (slug) => teams[slug]);
  const rt = new CountingRuntime(teams);
  await runTopology(rt, s, "T");
  expect(rt.steps).toBe(computed.steps);
  expect(computed.modelCalls).toBe(computed.steps);
  expect(rt.maxActive).toBeLessThanOrEqual(computed.peakParallel);
  if (exactWidth) expect(rt.maxActive).toBe(computed.peakParallel);
  return computed;
}

describe("worstCase per topology (the adversarial run makes exactly that many steps)", () => {
  it("sequential", async () => {
    expect(await check(spec({ topology: "sequential", agents: ["a", "b", "c"] }))).toEqual({ steps: 3, modelCalls: 3, peakParallel: 1 });
  });
  it("parallel, with and without an aggregator", async () => {
    expect((await check(spec({ topology: "parallel", agents: ["a", "b", "c"], aggregator: "z" }))).steps).toBe(4);
    expect((await check(spec({ topology: "parallel", agents: ["a", "b"] }))).peakParallel).toBe(2);
  });
  it("dag: every node once, at most maxParallel at once", async () => {
    const c = await check(
      spec({
        topology: "dag",
        nodes: [
          { id: "x", agent: "a" },
          { id: "y", agent: "b" },
          { id: "w", agent: "c" },
          { id: "v", agent: "d", dependsOn: ["x"] },
        ],
        maxParallel: 2,
      }),
    );
    expect(c).toMatchObject({ steps: 4, peakParallel: 2 });
  });
  it("debate: rounds x (debaters + judge) without consensus", async () => {
    expect(await check(spec({ topology: "debate", debaters: ["a", "b", "c"], judge: "j", rounds: 4 }))).toMatchObject({ steps: 16, peakParallel: 3 });
  });
  it("mesh: rounds x agents without convergence", async () => {
    expect(await check(spec({ topology: "mesh", agents: ["a", "b", "c", "d"], rounds: 5 }))).toMatchObject({ steps: 20, peakParallel: 4 });
  });
  it("star: rounds x (hub + spokes) + the final hub", async () => {
    expect(await check(spec({ topology: "star", hub: "h", spokes: ["a", "b", "c"], rounds: 3 }))).toMatchObject({ steps: 13, peakParallel: 3 });
  });
  it("grid: rounds x cells + the aggregator", async () => {
    expect(await check(spec({ topology: "grid", rows: 2, columns: 3, cells: ["a", "b", "c", "d", "e", "f"], rounds: 3, aggregator: "z" }))).toMatchObject({
      steps: 19,
      peakParallel: 6,
    });
  });
  it("circular: laps x agents, never done", async () => {
    expect(await check(spec({ topology: "circular", agents: ["a", "b", "c"], laps: 4 }))).toMatchObject({ steps: 12, peakParallel: 1 });
  });
  it("mixture of agents: every layer + the aggregator", async () => {
    expect(
      await check(
        spec({
          topology: "mixture_of_agents",
          layers: [
            ["a", "b"],
            ["c", "d", "e"],
          ],
          aggregator: "z",
        }),
      ),
    ).toMatchObject({ steps: 6, peakParallel: 3 });
  });
  it("maker-checker: iterations x (maker + checkers), never approved", async () => {
    expect(await check(spec({ topology: "maker_checker", maker: "m", checkers: ["a", "b"], maxIterations: 4 }))).toMatchObject({ steps: 12, peakParallel: 2 });
  });
  it("supervisor: maxTurns x (pick + retry + every worker when parallel, else the costliest), never finishing", async () => {
    expect(await check(spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b", "c"], maxTurns: 4 }))).toEqual({
      steps: 12,
      modelCalls: 12,
      peakParallel: 1,
    });
    expect(await check(spec({ topology: "supervisor", supervisor: "s", workers: ["a", "b", "c"], maxTurns: 4, parallel: true }))).toMatchObject({
      steps: 20,
      peakParallel: 3,
    });
    const inner = spec({ topology: "parallel", agents: ["x", "y"], aggregator: "z" });
    const hybrid = spec({ topology: "hybrid", arrangement: { topology: "supervisor", supervisor: "s", workers: ["a", { team: "inner" }], maxTurns: 2 } });
    expect(await check(hybrid, { inner })).toMatchObject({ steps: 10, peakParallel: 2 });
  });
  it("hierarchical depth 1: plan + retry + maxSubtasks + synthesis", async () => {
    planSize = (limit) => limit;
    expect(await check(spec({ topology: "hierarchical", manager: "m", workers: ["a", "b"], maxSubtasks: 5 }))).toMatchObject({ steps: 8, peakParallel: 5 });
  });
  it("hierarchical depth 2: the split that maximises the steps (4 subtasks of 2 for a limit of 8)", async () => {
    // n subtasks of share floor(8/n): n x (plan + retry + share + synthesis) is largest at n = 4 (4 x 5 = 20)
    planSize = (limit) => (limit === 8 ? 4 : limit);
    expect(await check(spec({ topology: "hierarchical", manager: "m", workers: ["a"], depth: 2, maxSubtasks: 8 }), {}, false)).toMatchObject({ steps: 23 });
  });
  it("hierarchical depth 3 is bounded and larger than depth 2", () => {
    const d2 = worstCase(spec({ topology: "hierarchical", manager: "m", workers: ["a"], depth: 2, maxSubtasks: 20 }));
    const d3 = worstCase(spec({ topology: "hierarchical", manager: "m", workers: ["a"], depth: 3, maxSubtasks: 20 }));
    expect(d3.steps).toBeGreaterThan(d2.steps);
    expect(d3.steps).toBeLessThan(1000);
  });
  it("forest: each tree's hierarchy (at most 8 subtasks) + the aggregator", async () => {
    planSize = (limit) => limit;
    expect(
      await check(
        spec({
          topology: "forest",
          trees: [
            { manager: "m", workers: ["a"] },
            { manager: "n", workers: ["b", "c"] },
          ],
          aggregator: "z",
        }),
      ),
    ).toMatchObject({ steps: 2 * (2 + 8 + 1) + 1, peakParallel: 16 });
  });
  it("hybrid: nested teams count with their own worst case, recursively (and run that way)", async () => {
    planSize = (limit) => limit;
    const teams = {
      inner: spec({ topology: "maker_checker", maker: "m", checkers: ["a"], maxIterations: 2 }),
      middle: spec({ topology: "hybrid", arrangement: { topology: "mesh", agents: [{ team: "inner" }, "x"], rounds: 2 } }),
    };
    const c = await check(
      spec({ topology: "hybrid", arrangement: { topology: "parallel", agents: [{ team: "middle" }, { team: "inner" }], aggregator: "z" } }),
      teams,
    );
    // inner 4 steps (width 1); middle = 2 rounds x (4 + 1) = 10 (width 2); root = 10 + 4 + 1
    expect(c).toEqual({ steps: 15, modelCalls: 15, peakParallel: 3 });
  });
});

describe("the attack: nested hybrid meshes at their schema limits", () => {
  const mesh = (node: unknown) => spec({ topology: "hybrid", arrangement: { topology: "mesh", agents: Array.from({ length: 12 }, () => node), rounds: 10 } });
  const teams = {
    l3: spec({ topology: "mesh", agents: Array.from({ length: 12 }, (_, i) => `a${i}`), rounds: 10 }),
    l2: mesh({ team: "l3" }),
    l1: mesh({ team: "l2" }),
  };

  it("three levels: 120^3 steps, 12^3 at once", () => {
    expect(worstCase(teams.l1, (slug) => teams[slug as keyof typeof teams])).toEqual({ steps: 1_728_000, modelCalls: 1_728_000, peakParallel: 1_728 });
  });
  it("an unknown nested team counts as nothing; a cycle as unbounded", () => {
    expect(worstCase(teams.l2).steps).toBe(0);
    const loop = spec({ topology: "hybrid", arrangement: { topology: "sequential", agents: [{ team: "loop" }] } });
    const w = worstCase(loop, () => loop);
    expect(w.steps).toBe(Number.MAX_SAFE_INTEGER);
    expect(formatCount(w.steps)).toBe("an unbounded number of");
    expect(formatCount(1_728_000)).toBe("1,728,000");
  });
  it("saturates instead of overflowing (5 levels of 12 x 10 x 64-cell grids)", () => {
    const grid = (node: unknown) =>
      spec({
        topology: "hybrid",
        arrangement: { topology: "grid", rows: 8, columns: 8, cells: Array.from({ length: 64 }, () => node), rounds: 10, aggregator: "z" },
      });
    const lookup: Record<string, TopologySpec> = {
      g0: spec({ topology: "grid", rows: 8, columns: 8, cells: Array.from({ length: 64 }, () => "a"), rounds: 10, aggregator: "z" }),
    };
    for (let i = 1; i <= 6; i++) lookup[`g${i}`] = grid({ team: `g${i - 1}` });
    const w = worstCase(lookup.g6!, (slug) => lookup[slug]);
    expect(w.steps).toBe(Number.MAX_SAFE_INTEGER);
    expect(Number.isFinite(w.peakParallel)).toBe(true);
  });
});
