/**
 * mixture_of_agents: layers of proposers, then an aggregator.
 * - Node/step ids: `l{layer}_{i}` (layers and proposers from 0), `agg`.
 * - Layer 0 answers the task; every later layer sees ALL outputs of the layer before (attributed), and no other.
 *   The proposers of a layer run in parallel; layers one after another.
 * - Result: the aggregator's synthesis of the last layer's outputs.
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel, refName } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "mixture_of_agents" }>;

export async function runMixtureOfAgents(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  await rt.expectSteps(spec.layers.reduce((n, layer) => n + agentCount(layer), 0) + agentCount([spec.aggregator]));
  let previous: ContextItem[] = [];
  for (const [l, layer] of spec.layers.entries()) {
    const context = previous;
    const note = l === 0 ? undefined : "Answers proposed by the previous layer of agents are in the context: use them to write a better answer.";
    const outputs = await rt.parallel(
      layer.map((ref, i) => async () => {
        const nodeId = `l${l}_${i}`;
        const result = await callNode(rt, { ref, nodeId, stepId: nodeId, task: instruct(task, note), context, spreadGroup: `l${l}` });
        return { nodeId, agent: refName(ref), output: result.text };
      }),
    );
    previous = outputs.map((a, i) => ({ from: nodeLabel(layer[i]!, a.nodeId), output: a.output }));
  }
  const merged = await callNode(rt, {
    ref: spec.aggregator,
    nodeId: "agg",
    stepId: "agg",
    task: instruct(task, "The proposals of the final layer of agents are in the context. Synthesise them into one final answer."),
    context: previous,
  });
  return { output: merged.text };
}
