"use client";

import "@xyflow/react/dist/style.css";
import { memo, useMemo } from "react";
import { Background, Handle, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import { edgeClass, GRAPH_BOX, NODE_LABEL, NODE_META, nodeClass, nodeDotClass } from "@/components/graph/node-styles";
import { READ_ONLY_FLOW_PROPS } from "@/components/graph/flow-props";
import type { TopologyGraph } from "@/lib/topology-graph";
import { useTopologyLayout } from "@/components/graph/use-topology-layout";
import type { NodeState } from "./run-state";

const NODE_WIDTH = 168;
const NODE_HEIGHT = 64;
const LAYER_GAP = NODE_WIDTH + 60;
const ROW_GAP = NODE_HEIGHT + 22;
const BOX = { width: NODE_WIDTH, height: NODE_HEIGHT, layerGap: LAYER_GAP, rowGap: ROW_GAP };

export interface RunGraphProps {
  graph: TopologyGraph;
  /** the live state of each node id; a node without one is waiting */
  states: Record<string, NodeState>;
  /** a label under the node, e.g. the agent it ran or the attempt */
  details?: Record<string, string>;
  /** the node's tool calls, e.g. "3 tool calls, 1 awaiting approval" (./run-graph-tools.ts) */
  tools?: Record<string, string>;
  height?: number;
}

type RunNodeData = { label: string; role: string; state: NodeState; detail: string | null; tools: string | null };
type RunNode = Node<RunNodeData, "run">;

const STATE_LABELS: Record<NodeState, string> = { waiting: "waiting", running: "running", done: "done", failed: "failed" };

const RunNodeView = memo(function RunNodeView({ id, data }: NodeProps<RunNode>) {
  const virtual = data.role === "input" || data.role === "output";
  return (
    <div
      className={nodeClass({ virtual, state: data.state })}
      data-testid="run-graph-node"
      data-node-id={id}
      data-state={data.state}
      data-role={data.role}
      title={`${data.label} (${data.role}): ${STATE_LABELS[data.state]}`}
    >
      {data.role !== "input" ? <Handle type="target" position={Position.Left} isConnectable={false} /> : null}
      <div className="flex items-center gap-1.5">
        <span className={nodeDotClass(data.state)} aria-hidden="true" />
        <span className={NODE_LABEL}>{data.label}</span>
      </div>
      <div className={NODE_META}>
        {virtual ? STATE_LABELS[data.state] : `${data.role} · ${STATE_LABELS[data.state]}`}
        {data.detail ? ` · ${data.detail}` : ""}
      </div>
      {data.tools ? (
        <div className={NODE_META} data-testid="run-graph-node-tools">
          {data.tools}
        </div>
      ) : null}
      {data.role !== "output" ? <Handle type="source" position={Position.Right} isConnectable={false} /> : null}
    </div>
  );
});

const NODE_TYPES = { run: RunNodeView };

/**
 * The topology of a run as a graph (React Flow), each node coloured by its live state. Read-only: no dragging,
 * connecting or selecting; scrolling the page is never captured.
 */
export function RunGraph({ graph, states, details, tools, height }: RunGraphProps) {
  const layout = useTopologyLayout(graph, BOX);
  const flowNodes = useMemo<RunNode[]>(
    () =>
      graph.nodes.map((n) => ({
        id: n.id,
        type: "run",
        ...layout.placement(n.id),
        data: { label: n.label, role: n.role, state: states[n.id] ?? "waiting", detail: details?.[n.id] ?? null, tools: tools?.[n.id] ?? null },
      })),
    [graph, layout, states, details, tools],
  );
  const flowEdges = useMemo<Edge[]>(() => {
    const seen = new Set<string>();
    const out: Edge[] = [];
    for (const e of graph.edges) {
      const id = `${e.from}->${e.to}`;
      if (seen.has(id) || e.from === e.to) continue;
      seen.add(id);
      const target = states[e.to] ?? "waiting";
      out.push({
        id,
        source: e.from,
        target: e.to,
        animated: target === "running",
        className: edgeClass({ state: target }),
        selectable: false,
        focusable: false,
      });
    }
    return out;
  }, [graph, states]);
  const boxHeight = height ?? Math.min(520, Math.max(200, layout.rows * ROW_GAP + 80));

  return (
    <div className={GRAPH_BOX} data-testid="run-graph" style={{ height: boxHeight }}>
      <ReactFlow nodes={flowNodes} edges={flowEdges} nodeTypes={NODE_TYPES} {...READ_ONLY_FLOW_PROPS}>
        <Background gap={18} size={1} />
      </ReactFlow>
    </div>
  );
}
