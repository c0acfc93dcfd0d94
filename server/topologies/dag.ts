/**
 * dag: explicit nodes with `dependsOn` edges.
 * - Node/step ids: the node's own id.
 * - A node starts as soon as all its dependencies finished (ready nodes start in spec order), with at most
 *   `maxParallel` nodes running at once; it sees the task plus its dependencies' outputs (attributed, in its
 *   `dependsOn` order). Roots see the task only.
 * - Result: the sink node's output (a node nobody depends on); several sinks: attributed, in spec order.
 * The spec is validated beforehand (unknown ids, cycles: see topologyProblems).
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, attributedResult, callNode, instruct, nodeLabel, refName, runGraph } from "./common";
import type { TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "dag" }>;

export async function runDag(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  await rt.expectSteps(agentCount(spec.nodes.map((n) => n.agent)));
  const byId = new Map(spec.nodes.map((n) => [n.id, n]));
  const outputs = await runGraph<string>(spec.nodes, spec.maxParallel, async (id, deps) => {
    const node = byId.get(id)!;
    const context = node.dependsOn.map((d) => ({ from: nodeLabel(byId.get(d)!.agent, d), output: deps.get(d)! }));
    const note = context.length > 0 ? "The outputs of the steps this one depends on are in the context: build on them." : undefined;
    const result = await callNode(rt, { ref: node.agent, nodeId: id, stepId: id, task: instruct(task, note), context });
    return result.text;
  });
  const used = new Set(spec.nodes.flatMap((n) => n.dependsOn));
  const sinks = spec.nodes.filter((n) => !used.has(n.id));
  if (sinks.length === 1) return { output: outputs.get(sinks[0]!.id)! };
  return attributedResult(sinks.map((n) => ({ nodeId: n.id, agent: refName(n.agent), output: outputs.get(n.id)! })));
}
