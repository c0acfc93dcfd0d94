/**
 * What a team's options add to its nodes' prompts, in one place for every topology (and for a nested team's node):
 * - a node's brief (`briefs[nodeId]`, lib/schemas/node-briefs.ts) goes into every call of that node, and no other:
 *   "Your part: ..." and "Expected output: ...", after the task and the topology's instruction;
 * - with an `outputSchema`, the nodes that produce the team's final answer (those with an edge to the graph's
 *   `output` node, lib/topology-graph.ts) are told the schema it must match.
 * Both are written by people of the workspace: instructions, outside the untrusted blocks. This wraps the runtime
 * the topology talks to, so that the topologies stay unaware of it and the node ids are the spec's own (the engine
 * adds a nested team's prefix below this layer).
 */
import type { BaseTopologySpec } from "@/lib/schemas/topology";
import type { NodeBrief } from "@/lib/schemas/node-briefs";
import { OUTPUT_NODE_ID, topologyGraph } from "@/lib/topology-graph";
import type { AgentCall, AgentResult, TopologyRuntime } from "./types";

export function briefSection(brief: NodeBrief | undefined): string {
  if (!brief) return "";
  const lines = [];
  if (brief.task?.trim()) lines.push(`Your part: ${brief.task.trim()}`);
  if (brief.expectedOutput?.trim()) lines.push(`Expected output: ${brief.expectedOutput.trim()}`);
  return lines.join("\n");
}

/** The output schema, for the nodes producing the final answer; `structured`: the call answers a JSON object of its own. */
export function outputHint(schema: Record<string, unknown>, structured: boolean): string {
  const json = JSON.stringify(schema);
  return structured
    ? `The team's final answer must be one JSON object matching this JSON Schema: ${json}. When you give the final answer, write it as that JSON object.`
    : `Your answer is the team's final answer: write one JSON object only, matching this JSON Schema: ${json}`;
}

/** The nodes with an edge to the graph's output node. */
export function finalNodes(spec: BaseTopologySpec): Set<string> {
  return new Set(
    topologyGraph(spec)
      .edges.filter((e) => e.to === OUTPUT_NODE_ID)
      .map((e) => e.from),
  );
}

/** The runtime with the team's briefs and output hint added to its nodes' tasks (the runtime itself when none). */
export function withTeamOptions(rt: TopologyRuntime, spec: BaseTopologySpec): TopologyRuntime {
  const briefs = spec.briefs ?? {};
  const schema = spec.outputSchema;
  if (Object.keys(briefs).length === 0 && !schema) return rt;
  const finals = schema ? finalNodes(spec) : new Set<string>();
  const taskOf = (nodeId: string, task: string, structured: boolean) => {
    const sections = [briefSection(briefs[nodeId]), schema && finals.has(nodeId) ? outputHint(schema, structured) : ""].filter(Boolean);
    return sections.length ? `${task}\n\n---\n${sections.join("\n")}` : task;
  };
  const wrapped: TopologyRuntime = {
    callAgent: (call: AgentCall): Promise<AgentResult> => rt.callAgent({ ...call, task: taskOf(call.nodeId, call.task, Boolean(call.output)) }),
    runTeam: (nodeId, prefix, team, task) => rt.runTeam(nodeId, prefix, team, taskOf(nodeId, task, false)),
    parallel: (tasks, limit) => rt.parallel(tasks, limit),
    expectSteps: (n) => rt.expectSteps(n),
  };
  if (rt.describeAgent) wrapped.describeAgent = (agent) => rt.describeAgent!(agent);
  if (rt.describeTeam) wrapped.describeTeam = (team) => rt.describeTeam!(team);
  return wrapped;
}
