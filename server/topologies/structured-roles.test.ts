/**
 * structuredRoles against the topologies themselves: every topology runs on a recording runtime (plans as large as
 * allowed, never done, never approved) with one distinct agent per position, and the agents called with a schema are
 * exactly those at the positions structuredRoles names.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { nodeRefs, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { valueForSchema, type JsonSchemaLike } from "@/server/models/simulator";
import { runTopology } from "./index";
import type { AgentCall, AgentResult, TopologyRuntime } from "./types";
import { structuredRoles } from "./structured-roles";

function answer(call: AgentCall): AgentResult {
  if (!call.output) return { text: `${call.agent}@${call.stepId}` };
  const schema = z.toJSONSchema(call.output.schema) as JsonSchemaLike & { properties?: Record<string, { items?: { enum?: string[] } }> };
  const props = Object.keys(schema.properties ?? {});
  if (props.includes("subtasks")) {
    const limit = Number(/At most (\d+) subtasks/.exec(call.task)?.[1] ?? 1);
    const names = (/one assignee from: ([^;]+);/.exec(call.task)?.[1] ?? "").split(", ");
    const subtasks = Array.from({ length: Math.min(limit, names.length) }, (_, k) => ({
      id: `k${k}`,
      assignee: names[k % names.length]!,
      task: "part",
      dependsOn: [],
    }));
    return { text: "{}", object: { subtasks } };
  }
  if (props.includes("work")) return { text: "{}", object: { done: false, work: "w" } };
  if (props.includes("messages")) return { text: "{}", object: { done: false, answer: null, messages: null } };
  if (props.includes("verdict")) return { text: "{}", object: { verdict: "revise", reasons: ["r"] } };
  if (props.includes("finish") && props.includes("next")) {
    const names = schema.properties?.next?.items?.enum ?? [];
    return { text: "{}", object: { finish: false, next: names, message: null, reason: "r", answer: null } };
  }
  const object = valueForSchema(schema, { seed: call.stepId, topic: call.task });
  return { text: JSON.stringify(object), object };
}

class RecordingRuntime implements TopologyRuntime {
  readonly structured = new Set<string>();
  readonly plain = new Set<string>();
  async callAgent(call: AgentCall): Promise<AgentResult> {
    (call.output ? this.structured : this.plain).add(call.agent);
    return answer(call);
  }
  async runTeam(): Promise<string> {
    return "{}";
  }
  parallel<T>(tasks: (() => Promise<T>)[]): Promise<T[]> {
    return Promise.all(tasks.map((t) => t()));
  }
  async expectSteps(): Promise<void> {}
}

/** A spec whose every position is its own agent: `p` followed by the position's path. */
const specs: Record<string, unknown> = {
  sequential: { topology: "sequential", agents: ["a0", "a1"] },
  parallel: { topology: "parallel", agents: ["a0", "a1"], aggregator: "z" },
  dag: {
    topology: "dag",
    nodes: [
      { id: "x", agent: "a0" },
      { id: "y", agent: "a1", dependsOn: ["x"] },
    ],
  },
  debate: { topology: "debate", debaters: ["a0", "a1"], judge: "j", rounds: 2 },
  mesh: { topology: "mesh", agents: ["a0", "a1"], rounds: 2 },
  mesh_judged: { topology: "mesh", agents: ["a0", "a1"], rounds: 2, convergence: { by: "judge", judge: "j" } },
  star: { topology: "star", hub: "h", spokes: ["a0", "a1"], rounds: 2 },
  grid: { topology: "grid", rows: 1, columns: 2, cells: ["a0", "a1"], rounds: 2, aggregator: "z" },
  circular: { topology: "circular", agents: ["a0", "a1"], laps: 2 },
  mixture_of_agents: { topology: "mixture_of_agents", layers: [["a0"], ["a1"]], aggregator: "z" },
  maker_checker: { topology: "maker_checker", maker: "m", checkers: ["c0", "c1"], maxIterations: 2 },
  hierarchical: { topology: "hierarchical", manager: "m", workers: ["w0", "w1"] },
  hierarchical_depth2: { topology: "hierarchical", manager: "m", workers: ["w0", "w1"], depth: 2, maxSubtasks: 4 },
  forest: {
    topology: "forest",
    trees: [
      { manager: "m0", workers: ["w0"] },
      { manager: "m1", workers: ["w1"], depth: 2 },
    ],
    aggregator: "z",
  },
  supervisor: { topology: "supervisor", supervisor: "s", workers: ["a0", "a1"], maxTurns: 2, parallel: true },
};

describe("structuredRoles names exactly the positions called with a schema", () => {
  for (const [name, raw] of Object.entries(specs)) {
    it(name, async () => {
      const spec: TopologySpec = topologySpecSchema.parse(raw);
      const rt = new RecordingRuntime();
      await runTopology(rt, spec, "T").catch(() => undefined); // an unmet outcome may throw: the calls are what counts
      const named = new Set(structuredRoles(spec).map((r) => r.ref as string));
      expect([...named].sort()).toEqual([...rt.structured].sort());
      // every position was called at all (so a missing structured call would show)
      expect(new Set([...rt.structured, ...rt.plain])).toEqual(new Set(nodeRefs(spec).map((n) => n.ref as string)));
    });
  }

  it("hybrid: paths under arrangement, a nested team at a structured position is listed with its ref", () => {
    const spec = topologySpecSchema.parse({ topology: "hybrid", arrangement: { topology: "maker_checker", maker: "m", checkers: [{ team: "review" }, "c1"] } });
    expect(structuredRoles(spec)).toEqual([
      { path: "arrangement.checkers.0", ref: { team: "review" } },
      { path: "arrangement.checkers.1", ref: "c1" },
    ]);
  });
});
