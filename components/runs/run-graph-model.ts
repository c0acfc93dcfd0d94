import { INPUT_NODE_ID, OUTPUT_NODE_ID, topologyGraph, type TopologyGraph } from "@/lib/topology-graph";
import type { TopologySpec } from "@/lib/schemas/topology";
import type { StepStatus } from "@/lib/schemas/runs";
import { outcomeLabel } from "./outcome";
import { graphNodeState, unknownNodeIds, type NodeState, type RunLiveState } from "./run-state";

/** The node a single-agent run is drawn with before its first event names it. */
export const SINGLE_AGENT_NODE_ID = "agent";

/**
 * The graph a run page draws: the pinned team version's topology (lib/topology-graph.ts), or for a single agent
 * input -> agent -> output. Nodes the events name that the graph does not have are added between input and output,
 * so nothing that ran is ever invisible.
 */
export function runGraph(spec: TopologySpec | null, live: RunLiveState, agentLabel: string | null): TopologyGraph {
  const base: TopologyGraph = spec
    ? topologyGraph(spec)
    : {
        nodes: [
          { id: INPUT_NODE_ID, label: "Input", ref: null, role: "input" },
          { id: OUTPUT_NODE_ID, label: "Output", ref: null, role: "output" },
        ],
        edges: [],
      };
  const ids = new Set(base.nodes.map((n) => n.id));
  const extras = unknownNodeIds(live, ids);
  if (!spec && extras.length === 0) extras.push(SINGLE_AGENT_NODE_ID);
  if (extras.length === 0) return base;
  const agentOf = (nodeId: string) => {
    for (const stepId of live.stepOrder) {
      const step = live.steps[stepId]!;
      if ((step.nodeId === nodeId || step.nodeId.startsWith(`${nodeId}/`)) && step.agent) return step.agent;
    }
    return null;
  };
  const nodes = base.nodes.filter((n) => n.id !== OUTPUT_NODE_ID);
  const edges = [...base.edges];
  for (const id of extras) {
    const label = agentOf(id) ?? (id === SINGLE_AGENT_NODE_ID && agentLabel ? agentLabel : id);
    nodes.push({ id, label, ref: null, role: spec ? "node" : "agent" });
    edges.push({ from: INPUT_NODE_ID, to: id }, { from: id, to: OUTPUT_NODE_ID });
  }
  const output = base.nodes.find((n) => n.id === OUTPUT_NODE_ID);
  if (output) nodes.push(output);
  return { nodes, edges };
}

const STEP_STATES: Record<StepStatus, NodeState> = {
  pending: "waiting",
  running: "running",
  retrying: "running",
  waiting: "waiting",
  sleeping: "running",
  succeeded: "done",
  failed: "failed",
};

/**
 * Each graph node's state: from the live events, or (before the events are replayed, e.g. just after a reload)
 * from the run as fetched: its status and its recorded steps.
 */
export function runGraphStates(
  graph: TopologyGraph,
  live: RunLiveState,
  fetched?: { status: string; steps: { nodeId: string | null; status: StepStatus }[] },
): Record<string, NodeState> {
  const out: Record<string, NodeState> = {};
  for (const n of graph.nodes) {
    let state = graphNodeState(live, n.id, n.role);
    if (state === "waiting" && fetched) {
      if (n.role === "input") state = fetched.status === "queued" ? "waiting" : "done";
      else if (n.role === "output") state = fetched.status === "succeeded" ? "done" : fetched.status === "failed" ? "failed" : "waiting";
      else {
        const states = fetched.steps
          .filter((s) => s.nodeId !== null && (s.nodeId === n.id || s.nodeId.startsWith(`${n.id}/`)))
          .map((s) => STEP_STATES[s.status]);
        state = states.includes("running") ? "running" : states.includes("failed") ? "failed" : states.includes("done") ? "done" : "waiting";
      }
    }
    out[n.id] = state;
  }
  return out;
}

/**
 * Under a node: how many of its steps finished when more than one (rounds, laps), a nested team's outcome once it
 * ended ("approved after 2 iterations"), or the attempt it is on.
 */
export function runGraphDetails(live: RunLiveState): Record<string, string> {
  const finished = new Map<string, number>();
  const attempt = new Map<string, number>();
  const outcomes = new Map<string, string>();
  for (const stepId of live.stepOrder) {
    const s = live.steps[stepId]!;
    const top = s.nodeId.split("/")[0]!;
    if (s.team !== null) {
      // the team's node is not a step of its own: its inner steps are counted
      const label = s.nodeId === top ? outcomeLabel(s.outcome) : null;
      if (label) outcomes.set(top, label.text);
      continue;
    }
    if (s.status === "done") finished.set(top, (finished.get(top) ?? 0) + 1);
    if (s.status === "running" && s.attempt > 1) attempt.set(top, s.attempt);
  }
  const out: Record<string, string> = {};
  for (const [id, n] of finished) if (n > 1) out[id] = `${n} steps`;
  for (const [id, text] of outcomes) out[id] = text;
  for (const [id, a] of attempt) out[id] = `attempt ${a}`;
  return out;
}
