import { INPUT_NODE_ID, OUTPUT_NODE_ID, type TopologyGraph } from "./topology-graph";

/**
 * A deterministic layered layout for a topology graph (left to right), without a layout library:
 * 1. back edges (found by a depth-first walk from `input`, in node order) and mutual edges between peers of the
 *    same role (mesh, grid neighbours) do not order nodes;
 * 2. each node's layer is its longest path from `input` over the remaining edges; grid cells take their column;
 *    aggregators come after every other node and `output` is always last;
 * 3. inside a layer, nodes keep the graph's order (grid cells: their row), centred vertically.
 * The same graph always gets the same positions.
 */
export interface LayoutOptions {
  layerGap?: number;
  rowGap?: number;
}

export interface NodePosition {
  x: number;
  y: number;
  layer: number;
}

const GRID_CELL = /^c(\d+)_(\d+)$/;

export function layoutTopology(graph: TopologyGraph, options: LayoutOptions = {}): Record<string, NodePosition> {
  const layerGap = options.layerGap ?? 220;
  const rowGap = options.rowGap ?? 90;
  const ids = graph.nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const role = new Map(graph.nodes.map((n) => [n.id, n.role]));
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  const edgeSet = new Set(graph.edges.map((e) => `${e.from}\u0000${e.to}`));
  for (const e of graph.edges) if (out.has(e.from) && out.has(e.to)) out.get(e.from)!.push(e.to);

  // 1. edges that order nodes
  const ordering = new Set<string>();
  const state = new Map<string, "active" | "done">();
  const visit = (id: string) => {
    state.set(id, "active");
    for (const to of out.get(id)!) {
      const key = `${id}\u0000${to}`;
      const peers = role.get(id) === role.get(to) && edgeSet.has(`${to}\u0000${id}`);
      if (peers || state.get(to) === "active") continue; // a mutual peer edge or a back edge
      ordering.add(key);
      if (!state.has(to)) visit(to);
    }
    state.set(id, "done");
  };
  if (index.has(INPUT_NODE_ID)) visit(INPUT_NODE_ID);
  for (const id of ids) if (!state.has(id)) visit(id);

  // 2. longest path layering over the ordering edges (a DAG now), in topological order
  const incoming = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const key of ordering) {
    const [from, to] = key.split("\u0000") as [string, string];
    incoming.get(to)!.push(from);
  }
  const layer = new Map<string, number>();
  const layerOf = (id: string, guard: Set<string>): number => {
    const known = layer.get(id);
    if (known !== undefined) return known;
    if (guard.has(id)) return 0;
    guard.add(id);
    const preds = incoming.get(id)!;
    const value = preds.length === 0 ? (id === INPUT_NODE_ID ? 0 : 1) : Math.max(...preds.map((p) => layerOf(p, guard) + 1));
    guard.delete(id);
    layer.set(id, value);
    return value;
  };
  for (const id of ids) layerOf(id, new Set());
  // grid cells: one layer per column, right after the input
  const gridRow = new Map<string, number>();
  for (const id of ids) {
    const m = role.get(id) === "cell" ? GRID_CELL.exec(id) : null;
    if (m) {
      layer.set(id, 1 + Number(m[2]));
      gridRow.set(id, Number(m[1]));
    }
  }
  // aggregators come after everything they could merge (forest workers, grid columns)
  const body = ids.filter((id) => id !== OUTPUT_NODE_ID && role.get(id) !== "aggregator").map((id) => layer.get(id)!);
  const aggLayer = (body.length ? Math.max(...body) : 0) + 1;
  for (const id of ids) if (role.get(id) === "aggregator") layer.set(id, aggLayer);
  if (index.has(OUTPUT_NODE_ID)) {
    const others = ids.filter((id) => id !== OUTPUT_NODE_ID).map((id) => layer.get(id)!);
    layer.set(OUTPUT_NODE_ID, (others.length ? Math.max(...others) : 0) + 1);
  }

  // 3. positions
  const byLayer = new Map<number, string[]>();
  for (const id of ids) {
    const l = layer.get(id)!;
    if (!byLayer.has(l)) byLayer.set(l, []);
    byLayer.get(l)!.push(id);
  }
  const positions: Record<string, NodePosition> = {};
  for (const [l, members] of byLayer) {
    members.sort((a, b) => (gridRow.get(a) ?? 0) - (gridRow.get(b) ?? 0) || index.get(a)! - index.get(b)!);
    members.forEach((id, i) => {
      positions[id] = { x: l * layerGap, y: (i - (members.length - 1) / 2) * rowGap, layer: l };
    });
  }
  return positions;
}
