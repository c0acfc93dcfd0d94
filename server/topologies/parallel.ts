/**
 * parallel: every agent works on the task at the same time (`rt.parallel`, no limit), seeing only the task.
 * - Node/step ids: `p{i}`, aggregator `agg`.
 * - With an aggregator: it sees every output (attributed, in spec order) and its answer is the result.
 * - Without: the result is the outputs attributed (`attributed`), `output` their concatenation under headings.
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { agentCount, attributedResult, callNode, instruct, nodeLabel, refName } from "./common";
import type { TopologyResult, TopologyRuntime } from "./types";

type Spec = Extract<BaseTopologySpec, { topology: "parallel" }>;

export async function runParallel(rt: TopologyRuntime, spec: Spec, task: string): Promise<TopologyResult> {
  await rt.expectSteps(agentCount(spec.agents) + (spec.aggregator ? agentCount([spec.aggregator]) : 0));
  const outputs = await rt.parallel(
    spec.agents.map((ref, i) => async () => {
      const nodeId = `p${i}`;
      const result = await callNode(rt, { ref, nodeId, stepId: nodeId, task });
      return { nodeId, agent: refName(ref), label: nodeLabel(ref, nodeId), output: result.text };
    }),
  );
  if (!spec.aggregator) return attributedResult(outputs.map(({ nodeId, agent, output }) => ({ nodeId, agent, output })));
  const merged = await callNode(rt, {
    ref: spec.aggregator,
    nodeId: "agg",
    stepId: "agg",
    task: instruct(task, "Several agents answered this task independently (their answers are in the context). Merge them into one final answer."),
    context: outputs.map((o) => ({ from: o.label, output: o.output })),
  });
  return { output: merged.text };
}
