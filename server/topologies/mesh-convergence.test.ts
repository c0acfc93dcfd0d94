/**
 * Mesh convergence (spec `convergence`): by similarity of each agent's answer with its previous one (embeddings, one
 * step per round), or by a judge's structured decision; the option's schema; the graph's judge node.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { decisionFor, valueForSchema, type JsonSchemaLike } from "@/server/models/simulator";
import { nodeRefs, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import { topologyGraph } from "@/lib/topology-graph";
import { FakeRuntime } from "./fake-runtime";
import { runTopology } from "./index";
import { convergenceJudgeSchema, type MeshResult } from "./mesh";
import { unmetReason } from "./outcome";
import { worstCase } from "./worst-case";

const spec = (s: unknown) => topologySpecSchema.parse(s);
const mesh = (over: Record<string, unknown> = {}) =>
  spec({ topology: "mesh", agents: ["a", "b"], rounds: 5, ...over }) as Extract<TopologySpec, { topology: "mesh" }>;

/** answers "<agent> draft <n>"; the vector of "x draft n" turns by `step` radians per round (cosine = cos(step)) */
const drifting = (step: number) =>
  new FakeRuntime({
    delay: 0,
    script: (call, nth) => (call.output ? undefined : `${call.agent} draft ${nth}`),
    embed: (text) => {
      const n = Number(/draft (\d+)/.exec(text)?.[1] ?? 0);
      return [Math.cos(n * step), Math.sin(n * step)];
    },
  });

describe("mesh convergence by similarity", () => {
  it("stops at the first round whose answers are all at least `threshold` similar to their previous ones", async () => {
    const rt = drifting(0.3); // cos 0.3 ≈ 0.955 >= 0.9 (the default)
    const result = (await runTopology(rt, mesh(), "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 2, converged: true });
    expect(rt.embeds.map((e) => e.stepId)).toEqual(["r1.embed", "r2.embed"]);
    expect(rt.embeds[1]).toMatchObject({ nodeId: "convergence", texts: ["a draft 2", "b draft 2"], policy: { type: "preset", preset: "balanced" } });
    expect(result.outcome).toMatchObject({
      topology: "mesh",
      met: true,
      converged: true,
      rounds: 2,
      convergence: {
        by: "similarity",
        threshold: 0.9,
        similarities: [
          { nodeId: "m0", agent: "a", similarity: 0.9553 },
          { nodeId: "m1", agent: "b", similarity: 0.9553 },
        ],
      },
    });
    expect(rt.expected).toBe(5 * 2); // the bound in agent steps (embedding steps are not)
  });

  it("answers that keep changing more than the threshold allows run every round, not converged; the reason names them", async () => {
    const rt = drifting(0.6); // cos 0.6 ≈ 0.825 < 0.9
    const result = (await runTopology(rt, mesh({ rounds: 3 }), "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 3, converged: false });
    expect(rt.calls).toHaveLength(6);
    expect(result.outcome).toMatchObject({ met: false, convergence: { by: "similarity", similarities: [{ similarity: 0.8253 }, { similarity: 0.8253 }] } });
    expect(unmetReason(result.outcome!)).toBe("the agents did not converge after 3 rounds (below the similarity threshold 0.9: a (m0) 0.8253, b (m1) 0.8253)");
  });

  it("takes the spec's threshold and embedding policy", async () => {
    const rt = drifting(0.6);
    const policy = { type: "preset", preset: "fast" };
    const result = (await runTopology(rt, mesh({ convergence: { by: "similarity", threshold: 0.8, embeddingPolicy: policy } }), "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 2, converged: true });
    expect(rt.embeds[0]!.policy).toEqual(policy);
  });

  it("one agent still changing keeps the mesh going", async () => {
    const rt = new FakeRuntime({
      delay: 0,
      script: (call, nth) => (call.agent === "a" ? "a stays" : `b draft ${nth}`),
      embed: (text) => (text === "a stays" ? [1, 0] : [Number(/\d+/.exec(text)![0]) % 2, 1]),
    });
    const result = (await runTopology(rt, mesh({ rounds: 4 }), "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 4, converged: false });
    expect(result.outcome).toMatchObject({ convergence: { similarities: [{ agent: "a", similarity: 1 }, { agent: "b" }] } });
  });

  it("no model may embed: only unchanged answers count as similar, and the outcome says why", async () => {
    const rt = new FakeRuntime({ delay: 0, script: (_call, nth) => (nth >= 2 ? "settled" : "first"), embed: () => null });
    const result = (await runTopology(rt, mesh({ rounds: 5 }), "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 3, converged: true });
    expect(result.convergence).toEqual({
      by: "similarity",
      threshold: 0.9,
      similarities: [
        { nodeId: "m0", agent: "a", similarity: 1 },
        { nodeId: "m1", agent: "b", similarity: 1 },
      ],
      unavailable: "No model can embed (scripted)",
    });
  });

  it("one round: nothing to compare, no embedding step; a runtime that cannot embed never converges", async () => {
    const one = drifting(0);
    expect(await runTopology(one, mesh({ rounds: 1 }), "T")).toMatchObject({ rounds: 1, converged: false, convergence: { similarities: [] } });
    expect(one.embeds).toEqual([]);
    const blind = drifting(0);
    Object.defineProperty(blind, "embed", { value: undefined });
    expect(await runTopology(blind, mesh({ rounds: 3 }), "T")).toMatchObject({ rounds: 3, converged: false });
    expect(blind.expected).toBe(6);
  });
});

describe("mesh convergence by a judge", () => {
  const judged = mesh({ agents: ["a", "b", "c"], rounds: 4, convergence: { by: "judge", judge: "j" } });

  it("the judge sees each round's answers and decides; its reason is the outcome's", async () => {
    const rt = new FakeRuntime({
      delay: 0,
      script: { j: (_call, nth) => ({ object: { converged: nth === 2, reason: `reason ${nth}` } }) },
    });
    const result = (await runTopology(rt, judged, "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 2, converged: true });
    expect(rt.stepIds().filter((id) => id.endsWith("judge"))).toEqual(["r1.judge", "r2.judge"]);
    expect(rt.before("r2.m2", "r2.judge")).toBe(true);
    const call = rt.call("r2.judge");
    expect(call.output).toBeDefined();
    expect(call.task).toContain("round 2 of at most 4");
    expect(call.context).toEqual([
      { from: "a (m0)", output: "a@r2.m0" },
      { from: "b (m1)", output: "b@r2.m1" },
      { from: "c (m2)", output: "c@r2.m2" },
    ]);
    expect(rt.embeds).toEqual([]);
    expect(rt.expected).toBe(4 * 4);
    expect(result.outcome).toMatchObject({ met: true, convergence: { by: "judge", reason: "reason 2" } });
  });

  it("an unreadable judge counts as not converged, its text kept as the reason", async () => {
    const rt = new FakeRuntime({ delay: 0, script: { j: () => "they look alike to me" } });
    const result = (await runTopology(rt, judged, "T")) as MeshResult;
    expect(result).toMatchObject({ rounds: 4, converged: false, convergence: { by: "judge", reason: "they look alike to me" } });
    expect(unmetReason(result.outcome!)).toBe("the agents did not converge after 4 rounds (the judge: they look alike to me)");
  });
});

describe("the convergence option", () => {
  it("defaults to similarity 0.9; threshold in (0, 1]; a judge is required by `judge`", () => {
    expect(mesh().convergence).toEqual({ by: "similarity", threshold: 0.9 });
    expect(mesh({ convergence: { by: "similarity" } }).convergence).toEqual({ by: "similarity", threshold: 0.9 });
    expect(mesh({ convergence: { by: "similarity", threshold: 1 } }).convergence).toMatchObject({ threshold: 1 });
    for (const bad of [
      { by: "similarity", threshold: 0 },
      { by: "similarity", threshold: 1.1 },
      { by: "judge" },
      { by: "equality" },
      { by: "similarity", judge: "j" },
      { by: "similarity", embeddingPolicy: { type: "preset" } },
    ]) {
      expect(topologySpecSchema.safeParse({ topology: "mesh", agents: ["a", "b"], convergence: bad }).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it("the judge is a node of the spec and of the graph", () => {
    const s = mesh({ convergence: { by: "judge", judge: { team: "panel" } } });
    expect(nodeRefs(s)).toContainEqual({ path: "convergence.judge", ref: { team: "panel" } });
    const graph = topologyGraph(s);
    expect(graph.nodes).toContainEqual(expect.objectContaining({ id: "judge", role: "judge" }));
    expect(graph.edges).toContainEqual({ from: "m1", to: "judge" });
    expect(topologyGraph(mesh()).nodes.some((n) => n.id === "judge")).toBe(false);
  });
});

describe("the worst case of a mesh", () => {
  it("counts the judge's step of every round (not the embedding steps, which are not agent steps)", async () => {
    expect(worstCase(mesh({ agents: ["a", "b", "c"], rounds: 4 })).steps).toBe(12);
    const judged = mesh({ agents: ["a", "b", "c"], rounds: 4, convergence: { by: "judge", judge: "j" } });
    expect(worstCase(judged)).toMatchObject({ steps: 16, peakParallel: 3 });
    // checked against the topology itself, never converging
    const rt = new FakeRuntime({ delay: 0, script: { j: () => ({ object: { converged: false, reason: "no" } }) } });
    await runTopology(rt, judged, "T");
    expect(rt.calls).toHaveLength(16);
  });
});

describe("the offline simulator as a convergence judge", () => {
  it("follows the decision schedule: not converged in round 1, converged from round 2", () => {
    const schema = z.toJSONSchema(convergenceJudgeSchema) as JsonSchemaLike;
    const at = (round: number) => valueForSchema(schema, { seed: "s", topic: "t", decision: decisionFor(`round ${round} of at most 3 answers`) });
    expect(at(1)).toMatchObject({ converged: false });
    expect(at(2)).toMatchObject({ converged: true });
  });
});
