"use client";

import "@xyflow/react/dist/style.css";
import { memo, useMemo } from "react";
import { Background, type Connection, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import { READ_ONLY_FLOW_PROPS } from "@/components/graph/flow-props";
import type { TopologyGraph } from "@/lib/topology-graph";
import { useTopologyLayout } from "@/components/graph/use-topology-layout";

const NODE_WIDTH = 160;
const NODE_HEIGHT = 48;
const LAYER_GAP = NODE_WIDTH + 70;
const ROW_GAP = NODE_HEIGHT + 26;
const BOX = { width: NODE_WIDTH, height: NODE_HEIGHT, layerGap: LAYER_GAP, rowGap: ROW_GAP };

type TopoNodeData = { label: string; role: string; nested: boolean; selected: boolean; connectable: boolean };
type TopoNode = Node<TopoNodeData, "topo">;

const TopoNodeView = memo(function TopoNodeView({ id, data }: NodeProps<TopoNode>) {
  const virtual = data.role === "input" || data.role === "output";
  return (
    <div
      className={`topo-node topo-node-${data.role}${virtual ? " topo-node-virtual" : ""}${data.nested ? " topo-node-team" : ""}${data.selected ? " ring-2 ring-ring" : ""}`}
      data-testid="team-graph-node"
      data-node-id={id}
      data-role={data.role}
      data-selected={data.selected || undefined}
      title={virtual ? data.label : `${data.label} — ${data.role} (${id})`}
    >
      {data.role !== "input" ? <Handle type="target" position={Position.Left} isConnectable={data.connectable} /> : null}
      <div className="topo-node-label">{data.label}</div>
      {virtual ? null : (
        <div className="topo-node-meta">
          {data.role} · {id}
        </div>
      )}
      {data.role !== "output" ? <Handle type="source" position={Position.Right} isConnectable={data.connectable} data-testid="team-graph-source" /> : null}
    </div>
  );
});

const NODE_TYPES = { topo: TopoNodeView };

/** What the canvas of the team editor adds to the drawing (components/teams/team-canvas.tsx). */
export interface GraphEditing {
  selectedId: string | null;
  onNodeClick(id: string): void;
  /** edges may be drawn between member nodes (a DAG's dependencies) */
  connectable: boolean;
  onConnect(from: string, to: string): void;
}

const isMember = (id: string | null | undefined) => !!id && id !== "input" && id !== "output";

/**
 * A team's topology drawn with React Flow from `topologyGraph` (lib/topology-graph.ts), laid out by
 * `layoutTopology` (deterministic layers, left to right). Read-only unless `editing` is given (the team editor's
 * canvas: nodes are picked by click, and a DAG's dependencies drawn from a node's right handle to another node).
 * Page scrolling is never captured.
 */
export function TeamGraph({ graph, height, editing }: { graph: TopologyGraph; height?: number; editing?: GraphEditing }) {
  const layout = useTopologyLayout(graph, BOX);
  const selectedId = editing?.selectedId ?? null;
  const connectable = editing?.connectable ?? false;
  const nodes = useMemo<TopoNode[]>(
    () =>
      graph.nodes.map((n) => ({
        id: n.id,
        type: "topo",
        ...layout.placement(n.id),
        connectable: connectable && isMember(n.id),
        data: {
          label: n.label,
          role: n.role,
          nested: n.ref !== null && typeof n.ref !== "string",
          selected: n.id === selectedId,
          connectable: connectable && isMember(n.id),
        },
      })),
    [graph, layout, selectedId, connectable],
  );
  const edges = useMemo<Edge[]>(() => {
    const pairs = new Set(graph.edges.map((e) => `${e.from}->${e.to}`));
    return graph.edges.map((e) => {
      const mutual = pairs.has(`${e.to}->${e.from}`);
      return {
        id: `${e.from}->${e.to}`,
        source: e.from,
        target: e.to,
        // a pair of opposite edges is drawn as curves so that both stay visible
        type: mutual ? "default" : "smoothstep",
        markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14 },
        className: mutual ? "topo-edge topo-edge-mutual" : "topo-edge",
        selectable: false,
        focusable: false,
      };
    });
  }, [graph]);
  const boxHeight = height ?? Math.min(560, Math.max(220, layout.rows * ROW_GAP + 90));

  return (
    <div className="team-graph" data-testid="team-graph" data-node-count={graph.nodes.length} style={{ height: boxHeight }}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        {...READ_ONLY_FLOW_PROPS}
        {...(editing
          ? {
              nodesConnectable: connectable,
              onNodeClick: (_: unknown, node: TopoNode) => editing.onNodeClick(node.id),
              isValidConnection: (c: Connection | Edge) => isMember(c.source) && isMember(c.target) && c.source !== c.target,
              onConnect: (c: Connection) => editing.onConnect(c.source, c.target),
            }
          : {})}
        proOptions={{ hideAttribution: true }}
      >
        <Background gap={18} size={1} />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
