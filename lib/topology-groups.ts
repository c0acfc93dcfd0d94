import { layoutTopology } from "./topology-layout";
import type { TopologyGraph, TopologyGraphEdge, TopologyGraphNode } from "./topology-graph";

/**
 * A topology laid out with its nested teams opened as groups: a node that is a nested team (hybrid) becomes a box
 * holding its team's own graph (ids `<nodeId>/<innerId>`, positions relative to the box), and the layers and rows
 * around it make room for it. Pure: the team page draws it with React Flow sub-flows (`parentId`). One level deep:
 * a team nested inside a nested team stays one node.
 */
export interface NodeBox {
  width: number;
  height: number;
  layerGap: number;
  rowGap: number;
}

export interface PlacedNode {
  id: string;
  node: TopologyGraphNode;
  /** the group (nested team node) it is drawn in; its position is relative to that group */
  parentId?: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** a nested team opened as a box of its own graph */
  group: boolean;
}

export interface GroupedLayout {
  /** in the graph's order, each group followed by its children (React Flow wants parents first) */
  nodes: PlacedNode[];
  edges: TopologyGraphEdge[];
  width: number;
  height: number;
}

/** Inner padding of a group box, and the room its title takes above its nodes. */
export const GROUP_PADDING = 16;
export const GROUP_HEADER = 30;

/** Lays out `graph`, opening each node of `inner` (node id -> the graph of the team it names) as a group. */
export function groupedLayout(graph: TopologyGraph, inner: Record<string, TopologyGraph>, box: NodeBox): GroupedLayout {
  const gaps = { layerGap: box.layerGap, rowGap: box.rowGap };
  const sizes = new Map<string, { width: number; height: number }>();
  const children = new Map<string, PlacedNode[]>();
  for (const node of graph.nodes) {
    const nested = inner[node.id];
    if (!nested || nested.nodes.length === 0) continue;
    const positions = layoutTopology(nested, gaps);
    const xs = nested.nodes.map((n) => positions[n.id]?.x ?? 0);
    const ys = nested.nodes.map((n) => positions[n.id]?.y ?? 0);
    const minX = Math.min(...xs);
    const minY = Math.min(...ys);
    sizes.set(node.id, {
      width: Math.max(...xs) - minX + box.width + 2 * GROUP_PADDING,
      height: Math.max(...ys) - minY + box.height + GROUP_HEADER + GROUP_PADDING,
    });
    children.set(
      node.id,
      nested.nodes.map((n) => ({
        id: `${node.id}/${n.id}`,
        node: { ...n, id: `${node.id}/${n.id}` },
        parentId: node.id,
        x: (positions[n.id]?.x ?? 0) - minX + GROUP_PADDING,
        y: (positions[n.id]?.y ?? 0) - minY + GROUP_HEADER,
        width: box.width,
        height: box.height,
        group: false,
      })),
    );
  }

  // the outer layers and rows, each as wide and tall as its largest member
  const outer = layoutTopology(graph, gaps);
  const size = (id: string) => sizes.get(id) ?? { width: box.width, height: box.height };
  const layers = new Map<number, TopologyGraphNode[]>();
  for (const node of graph.nodes) {
    const layer = outer[node.id]?.layer ?? 0;
    layers.set(layer, [...(layers.get(layer) ?? []), node]);
  }
  const gapX = box.layerGap - box.width;
  const gapY = box.rowGap - box.height;
  const placed = new Map<string, PlacedNode>();
  let x = 0;
  let top = 0;
  let bottom = 0;
  for (const layer of [...layers.keys()].sort((a, b) => a - b)) {
    const members = layers.get(layer)!.sort((a, b) => (outer[a.id]?.y ?? 0) - (outer[b.id]?.y ?? 0));
    const total = members.reduce((sum, n) => sum + size(n.id).height, 0) + gapY * (members.length - 1);
    let y = -total / 2;
    for (const node of members) {
      const { width, height } = size(node.id);
      placed.set(node.id, { id: node.id, node, x, y, width, height, group: sizes.has(node.id) });
      y += height + gapY;
    }
    top = Math.min(top, -total / 2);
    bottom = Math.max(bottom, total / 2);
    x += Math.max(...members.map((n) => size(n.id).width)) + gapX;
  }
  const edges = [...graph.edges];
  for (const [groupId, nested] of Object.entries(inner)) {
    if (!sizes.has(groupId)) continue;
    for (const e of nested.edges) edges.push({ from: `${groupId}/${e.from}`, to: `${groupId}/${e.to}` });
  }
  // in the graph's order, each group followed by its own nodes
  const nodes = graph.nodes.flatMap((n) => [placed.get(n.id)!, ...(children.get(n.id) ?? [])]);
  return { nodes, edges, width: Math.max(0, x - gapX), height: bottom - top };
}
