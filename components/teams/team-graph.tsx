"use client";

import "@xyflow/react/dist/style.css";
import { type DragEvent, memo, useMemo } from "react";
import { Background, type Connection, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from "@xyflow/react";
import { edgeClass, GRAPH_BOX, NODE_LABEL, NODE_META, nodeClass } from "@/components/graph/node-styles";
import { cn } from "@/lib/cn";
import { READ_ONLY_FLOW_PROPS } from "@/components/graph/flow-props";
import { topologyGraph, type TopologyGraph } from "@/lib/topology-graph";
import { groupedLayout } from "@/lib/topology-groups";
import type { TopologySpec } from "@/lib/schemas/topology";

const NODE_WIDTH = 160;
const NODE_HEIGHT = 48;
const LAYER_GAP = NODE_WIDTH + 70;
const ROW_GAP = NODE_HEIGHT + 26;
const BOX = { width: NODE_WIDTH, height: NODE_HEIGHT, layerGap: LAYER_GAP, rowGap: ROW_GAP };

type TopoNodeData = { label: string; role: string; nested: boolean; selected: boolean; connectable: boolean; draggable: boolean };

/** The drag-and-drop payloads of the canvas: an agent or team from the palette ("team:<slug>" or a slug), or a node of the graph. */
export const REF_MIME = "application/x-cadre-ref";
export const NODE_MIME = "application/x-cadre-node";
type TopoNode = Node<TopoNodeData, "topo">;

/** The roles that lead the others (drawn with the primary colour). */
const LEAD_ROLES = new Set(["aggregator", "judge", "manager", "hub", "maker", "supervisor"]);

const TopoNodeView = memo(function TopoNodeView({ id, data }: NodeProps<TopoNode>) {
  const virtual = data.role === "input" || data.role === "output";
  return (
    <div
      className={cn(
        nodeClass({ virtual, lead: LEAD_ROLES.has(data.role), team: data.nested }),
        virtual && "flex items-center justify-center",
        data.selected && "ring-2 ring-ring",
        data.draggable && "nodrag nopan cursor-grab",
      )}
      data-testid="team-graph-node"
      data-node-id={id}
      data-role={data.role}
      data-selected={data.selected || undefined}
      // the browser's own drag and drop, which React Flow leaves alone on "nodrag nopan" elements
      {...(data.draggable
        ? {
            draggable: true,
            onDragStart: (e: DragEvent<HTMLDivElement>) => {
              e.dataTransfer.setData(NODE_MIME, id);
              e.dataTransfer.effectAllowed = "move";
            },
          }
        : {})}
      title={virtual ? data.label : `${data.label} — ${data.role} (${id})`}
    >
      {data.role !== "input" ? <Handle type="target" position={Position.Left} isConnectable={data.connectable} /> : null}
      <div className={NODE_LABEL}>{data.label}</div>
      {virtual ? null : (
        <div className={NODE_META}>
          {data.role} · {id}
        </div>
      )}
      {data.role !== "output" ? <Handle type="source" position={Position.Right} isConnectable={data.connectable} data-testid="team-graph-source" /> : null}
    </div>
  );
});

type GroupNodeData = { label: string; team: string };
type GroupNode = Node<GroupNodeData, "teamGroup">;

/** A nested team opened up: a box titled with the team, holding its own graph (React Flow sub-flow). */
const TeamGroupView = memo(function TeamGroupView({ id, data }: NodeProps<GroupNode>) {
  return (
    <div
      className="h-full w-full rounded-lg border-2 border-dashed border-primary/40 bg-primary/5"
      data-testid="team-graph-group"
      data-node-id={id}
      data-team={data.team}
      title={`${data.label}: the nested team's own graph`}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <div className="truncate px-3 pt-1.5 text-xs font-semibold text-primary">
        {data.label} <span className="font-normal text-muted-foreground">· {id}</span>
      </div>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

const NODE_TYPES = { topo: TopoNodeView, teamGroup: TeamGroupView };

/** What the canvas of the team editor adds to the drawing (components/teams/team-canvas.tsx). */
export interface GraphEditing {
  selectedId: string | null;
  onNodeClick(id: string): void;
  /** edges may be drawn between member nodes (a DAG's dependencies) */
  connectable: boolean;
  onConnect(from: string, to: string): void;
  /** an agent or team (a node-ref value) dropped on a node (null: on the canvas) */
  onDropRef(nodeId: string | null, ref: string): void;
  /** a node dropped on another: they trade places */
  onSwap(from: string, to: string): void;
}

/** The node (of this team) under a drop, from the element it landed on. */
function droppedOn(target: EventTarget | null): string | null {
  const el = target instanceof Element ? target.closest('[data-testid="team-graph-node"], [data-testid="team-graph-group"]') : null;
  const id = el?.getAttribute("data-node-id") ?? null;
  return isMember(id) ? id : null;
}

/** A node of this team (not the virtual input/output, not a node inside a nested team's group). */
const isMember = (id: string | null | undefined) => !!id && id !== "input" && id !== "output" && !id.includes("/");

/**
 * A team's topology drawn with React Flow from `topologyGraph` (lib/topology-graph.ts), laid out in deterministic
 * layers, left to right (`groupedLayout`, lib/topology-groups.ts). A nested team whose spec is in `nested` (team slug
 * -> spec) is opened as a group holding its own graph. Read-only unless `editing` is given (the team editor's
 * canvas: nodes are picked by click, and a DAG's dependencies drawn from a node's right handle to another node).
 * Page scrolling is never captured.
 */
export function TeamGraph({
  graph,
  height,
  editing,
  nested,
}: {
  graph: TopologyGraph;
  height?: number;
  editing?: GraphEditing;
  nested?: Record<string, TopologySpec>;
}) {
  const selectedId = editing?.selectedId ?? null;
  const connectable = editing?.connectable ?? false;
  const dragging = editing !== undefined;
  const layout = useMemo(() => {
    const inner: Record<string, TopologyGraph> = {};
    for (const n of graph.nodes) {
      const spec = n.ref !== null && typeof n.ref !== "string" ? nested?.[n.ref.team] : undefined;
      if (spec) inner[n.id] = topologyGraph(spec);
    }
    return groupedLayout(graph, inner, BOX);
  }, [graph, nested]);
  const nodes = useMemo<(TopoNode | GroupNode)[]>(
    () =>
      layout.nodes.map((p): TopoNode | GroupNode => {
        const placement = {
          id: p.id,
          position: { x: p.x, y: p.y },
          width: p.width,
          height: p.height,
          draggable: false,
          selectable: false,
          ...(p.parentId ? { parentId: p.parentId, extent: "parent" as const } : {}),
        };
        if (p.group && p.node.ref !== null && typeof p.node.ref !== "string")
          return { ...placement, type: "teamGroup", connectable: false, data: { label: p.node.label, team: p.node.ref.team } };
        return {
          ...placement,
          type: "topo",
          connectable: connectable && isMember(p.id),
          data: {
            label: p.node.label,
            role: p.node.role,
            nested: p.node.ref !== null && typeof p.node.ref !== "string",
            selected: p.id === selectedId,
            connectable: connectable && isMember(p.id),
            draggable: dragging && isMember(p.id),
          },
        };
      }),
    [layout, selectedId, connectable, dragging],
  );
  const edges = useMemo<Edge[]>(() => {
    const pairs = new Set(layout.edges.map((e) => `${e.from}->${e.to}`));
    return layout.edges.map((e) => {
      const mutual = pairs.has(`${e.to}->${e.from}`);
      return {
        id: `${e.from}->${e.to}`,
        source: e.from,
        target: e.to,
        // a pair of opposite edges is drawn as curves so that both stay visible
        type: mutual ? "default" : "smoothstep",
        markerEnd: { type: MarkerType.ArrowClosed, width: 14, height: 14 },
        className: edgeClass({ mutual }),
        selectable: false,
        focusable: false,
      };
    });
  }, [layout]);
  const boxHeight = height ?? Math.min(640, Math.max(220, layout.height + 90));

  return (
    <div
      className={GRAPH_BOX}
      data-testid="team-graph"
      data-node-count={graph.nodes.length}
      style={{ height: boxHeight }}
      {...(editing
        ? {
            onDragOver: (e: DragEvent<HTMLDivElement>) => {
              const node = e.dataTransfer.types.includes(NODE_MIME);
              if (node || e.dataTransfer.types.includes(REF_MIME)) {
                e.preventDefault();
                // as the source allows (a palette item is copied, a node moved): else the browser drops nothing
                e.dataTransfer.dropEffect = node ? "move" : "copy";
              }
            },
            onDrop: (e: DragEvent<HTMLDivElement>) => {
              const on = droppedOn(e.target);
              const node = e.dataTransfer.getData(NODE_MIME);
              const ref = e.dataTransfer.getData(REF_MIME);
              if (!node && !ref) return;
              e.preventDefault();
              if (node) {
                if (on && on !== node) editing.onSwap(node, on);
              } else editing.onDropRef(on, ref);
            },
          }
        : {})}
    >
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={NODE_TYPES}
        {...READ_ONLY_FLOW_PROPS}
        {...(editing
          ? {
              nodesConnectable: connectable,
              onNodeClick: (_: unknown, node: TopoNode | GroupNode) => editing.onNodeClick(node.id),
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
