/**
 * forest: several independent hierarchies at once, then an aggregator.
 * - Node ids: `t{i}.manager`, `t{i}.w{j}`, `agg`. Step ids: the hierarchical ones prefixed by `t{i}.`
 *   (`t0.manager.plan`, `t0.sub1`, `t0.manager.synth`, ...), and `agg`.
 * - Every tree runs like `hierarchical` (its own depth, at most 8 subtasks per plan), all trees in parallel.
 * - Result: the aggregator's merge of the trees' syntheses (each attributed to its `t{i}.manager` in the context).
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, refName } from "./common";
import { runHierarchy } from "./hierarchical";
import type { TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "forest" }>;

export const FOREST_MAX_SUBTASKS = 8;

export async function runForest(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  await rt.expectSteps(agentCount([spec.aggregator]));
  const roots = await rt.parallel(
    spec.trees.map((tree, i) => async () => {
      const output = await runHierarchy(rt, { ...tree, maxSubtasks: FOREST_MAX_SUBTASKS }, task, `t${i}.`);
      return { nodeId: `t${i}.manager`, agent: refName(tree.manager), output };
    }),
  );
  const merged = await callNode(rt, {
    ref: spec.aggregator,
    nodeId: "agg",
    stepId: "agg",
    task: instruct(task, "Several independent teams answered this task; their answers are in the context. Merge them into one final answer."),
    context: roots.map((r, i) => ({ from: nodeLabel(spec.trees[i]!.manager, r.nodeId), output: r.output })),
  });
  return { output: merged.text };
}
