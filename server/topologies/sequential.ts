/**
 * sequential: the agents run one after another (never overlapping), in spec order.
 * - Node/step ids: `s{i}` (step = node).
 * - Agent i sees the task plus, as context, the previous agent's output (`context: "last"`) or every previous
 *   output in order (`context: "all"`), attributed. The first agent sees the task only.
 * - Result: the last agent's output.
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, callNode, instruct, nodeLabel } from "./common";
import type { ContextItem, TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "sequential" }>;

export async function runSequential(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  await rt.expectSteps(agentCount(spec.agents));
  const previous: ContextItem[] = [];
  let output = "";
  for (const [i, ref] of spec.agents.entries()) {
    const nodeId = `s${i}`;
    const context = spec.context === "all" ? [...previous] : previous.slice(-1);
    const note =
      context.length === 0
        ? undefined
        : spec.context === "all"
          ? "The outputs of the previous agents are in the context: build on them."
          : "The previous agent's output is in the context: build on it.";
    const result = await callNode(rt, { ref, nodeId, stepId: nodeId, task: instruct(task, note), context });
    output = result.text;
    previous.push({ from: nodeLabel(ref, nodeId), output });
  }
  return { output };
}
