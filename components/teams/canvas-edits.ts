import type { NodeRef } from "@/lib/schemas/topology";
import { INPUT_NODE_ID, OUTPUT_NODE_ID } from "@/lib/topology-graph";
import { arr, type Draft, getIn, num, setIn } from "./spec-draft";

/**
 * Edits made on the team canvas, as changes of the editor's draft spec (so the form and the JSON follow). Pure, no
 * React. A graph node id (lib/topology-graph.ts) is mapped back to the place in the spec that names its agent or
 * team; a hybrid team's arrangement is edited under `arrangement`.
 */

type Path = (string | number)[];

export interface NodeSlot {
  /** where the node's reference is in the draft */
  path: Path;
  /** the list it belongs to and its index there, when removing it is removing that entry */
  list?: { path: Path; index: number };
  /** the spec key to delete when removing it (an optional aggregator) */
  optionalKey?: Path;
  /** a DAG node: removing it also removes it from the others' dependencies */
  dagIndex?: number;
}

/** The base spec of a draft (a hybrid team's arrangement) and where it is. */
function base(draft: Draft): { spec: Draft; at: Path } {
  if (draft.topology === "hybrid" && draft.arrangement && typeof draft.arrangement === "object")
    return { spec: draft.arrangement as Draft, at: ["arrangement"] };
  return { spec: draft, at: [] };
}

const inList = (at: Path, key: string, index: number): NodeSlot => ({ path: [...at, key, index], list: { path: [...at, key], index } });

/** Where the graph node `id` is named in the draft, or null (the virtual input/output nodes, an unknown id). */
export function nodeSlot(draft: Draft, id: string): NodeSlot | null {
  if (id === INPUT_NODE_ID || id === OUTPUT_NODE_ID) return null;
  const { spec, at } = base(draft);
  const indexed = (prefix: string): number | null => {
    const m = new RegExp(`^${prefix}(\\d+)$`).exec(id);
    return m ? Number(m[1]) : null;
  };
  const aggregator = (optional: boolean): NodeSlot | null =>
    id === "agg" ? { path: [...at, "aggregator"], ...(optional ? { optionalKey: [...at, "aggregator"] } : {}) } : null;
  let i: number | null;
  switch (spec.topology) {
    case "sequential":
      return (i = indexed("s")) !== null ? inList(at, "agents", i) : null;
    case "parallel":
      return (i = indexed("p")) !== null ? inList(at, "agents", i) : aggregator(true);
    case "hierarchical":
      if (id === "manager") return { path: [...at, "manager"] };
      return (i = indexed("w")) !== null ? inList(at, "workers", i) : null;
    case "supervisor":
      if (id === "supervisor") return { path: [...at, "supervisor"] };
      return (i = indexed("w")) !== null ? inList(at, "workers", i) : null;
    case "dag": {
      const index = arr(spec.nodes).findIndex((n) => (n as Draft | null)?.id === id);
      return index < 0 ? null : { path: [...at, "nodes", index, "agent"], list: { path: [...at, "nodes"], index }, dagIndex: index };
    }
    case "debate":
      if (id === "judge") return { path: [...at, "judge"] };
      return (i = indexed("d")) !== null ? inList(at, "debaters", i) : null;
    case "mesh":
      if (id === "judge") return { path: [...at, "convergence", "judge"] };
      return (i = indexed("m")) !== null ? inList(at, "agents", i) : null;
    case "star":
      if (id === "hub") return { path: [...at, "hub"] };
      return (i = indexed("spoke")) !== null ? inList(at, "spokes", i) : null;
    case "grid": {
      const m = /^c(\d+)_(\d+)$/.exec(id);
      if (!m) return aggregator(false);
      const index = Number(m[1]) * Math.max(1, num(spec.columns, 1)) + Number(m[2]);
      // a grid keeps rows x columns cells: a cell is replaced, not removed
      return { path: [...at, "cells", index] };
    }
    case "forest": {
      const m = /^t(\d+)\.(manager|w(\d+))$/.exec(id);
      if (!m) return aggregator(false);
      const tree = Number(m[1]);
      if (m[2] === "manager") return { path: [...at, "trees", tree, "manager"] };
      const worker = Number(m[3]);
      return { path: [...at, "trees", tree, "workers", worker], list: { path: [...at, "trees", tree, "workers"], index: worker } };
    }
    case "circular":
      return (i = indexed("r")) !== null ? inList(at, "agents", i) : null;
    case "mixture_of_agents": {
      const m = /^l(\d+)_(\d+)$/.exec(id);
      if (!m) return aggregator(false);
      const layer = Number(m[1]);
      const index = Number(m[2]);
      return { path: [...at, "layers", layer, index], list: { path: [...at, "layers", layer], index } };
    }
    case "maker_checker":
      if (id === "maker") return { path: [...at, "maker"] };
      return (i = indexed("checker")) !== null ? inList(at, "checkers", i) : null;
    default:
      return null;
  }
}

/** The reference (agent slug or nested team) the node names now. */
export function nodeRefAt(draft: Draft, id: string): unknown {
  const slot = nodeSlot(draft, id);
  return slot ? getIn(draft, slot.path) : undefined;
}

/** The node names another agent or team. */
export function replaceNodeRef(draft: Draft, id: string, ref: NodeRef): Draft {
  const slot = nodeSlot(draft, id);
  return slot ? (setIn(draft, slot.path, ref) as Draft) : draft;
}

/** The two nodes trade places: each takes the other's agent or team (a worker dragged onto the manager becomes the manager). */
export function swapNodes(draft: Draft, a: string, b: string): Draft {
  const slotA = nodeSlot(draft, a);
  const slotB = nodeSlot(draft, b);
  if (!slotA || !slotB || a === b) return draft;
  const refA = getIn(draft, slotA.path);
  const refB = getIn(draft, slotB.path);
  return setIn(setIn(draft, slotA.path, refB), slotB.path, refA) as Draft;
}

/** Whether the node can be taken out of the team (a list member, a DAG node, an optional aggregator). */
export function canRemoveNode(draft: Draft, id: string): boolean {
  const slot = nodeSlot(draft, id);
  return slot !== null && (slot.list !== undefined || slot.optionalKey !== undefined);
}

/** Takes the node out of the team; a DAG node is also removed from the other nodes' dependencies. */
export function removeNode(draft: Draft, id: string): Draft {
  const slot = nodeSlot(draft, id);
  if (!slot) return draft;
  if (slot.optionalKey) {
    const parentPath = slot.optionalKey.slice(0, -1);
    const key = slot.optionalKey[slot.optionalKey.length - 1] as string;
    const parent = { ...((getIn(draft, parentPath) as Draft | undefined) ?? {}) };
    delete parent[key];
    return setIn(draft, parentPath, parent) as Draft;
  }
  if (!slot.list) return draft;
  const list = arr(getIn(draft, slot.list.path)).filter((_, i) => i !== slot.list!.index);
  if (slot.dagIndex === undefined) return setIn(draft, slot.list.path, list) as Draft;
  const nodes = list.map((n) => {
    if (!n || typeof n !== "object") return n;
    const node = n as Draft;
    return { ...node, dependsOn: arr(node.dependsOn).filter((d) => d !== id) };
  });
  return setIn(draft, slot.list.path, nodes) as Draft;
}

/** Where a new member joins the team, or null when the topology has no list to grow (grid: resize it in the form). */
function growList(spec: Draft): string | null {
  switch (spec.topology) {
    case "sequential":
    case "parallel":
    case "mesh":
    case "circular":
      return "agents";
    case "hierarchical":
    case "supervisor":
      return "workers";
    case "debate":
      return "debaters";
    case "star":
      return "spokes";
    case "maker_checker":
      return "checkers";
    default:
      return null;
  }
}

/** Whether `addNode` can add a member to this draft. */
export function canAddNode(draft: Draft): boolean {
  const { spec } = base(draft);
  return growList(spec) !== null || ["dag", "mixture_of_agents", "forest"].includes(spec.topology as string);
}

function dagId(nodes: unknown[], ref: NodeRef): string {
  const stem = (typeof ref === "string" ? ref : ref.team).replace(/[^a-z0-9_-]/g, "").slice(0, 40) || "node";
  const taken = new Set(nodes.map((n) => (n as Draft | null)?.id));
  if (!taken.has(stem)) return stem;
  for (let i = 2; ; i++) if (!taken.has(`${stem}-${i}`)) return `${stem}-${i}`;
}

/** Adds a member naming `ref`: to the topology's list, as a new DAG node with no dependencies, to the last layer or tree. */
export function addNode(draft: Draft, ref: NodeRef): Draft {
  const { spec, at } = base(draft);
  const key = growList(spec);
  if (key) return setIn(draft, [...at, key], [...arr(spec[key]), ref]) as Draft;
  if (spec.topology === "dag") {
    const nodes = arr(spec.nodes);
    return setIn(draft, [...at, "nodes"], [...nodes, { id: dagId(nodes, ref), agent: ref, dependsOn: [] }]) as Draft;
  }
  if (spec.topology === "mixture_of_agents") {
    const layers = arr(spec.layers);
    const last = Math.max(0, layers.length - 1);
    return setIn(draft, [...at, "layers", last], [...arr(layers[last]), ref]) as Draft;
  }
  if (spec.topology === "forest") {
    const trees = arr(spec.trees);
    const last = Math.max(0, trees.length - 1);
    return setIn(draft, [...at, "trees", last, "workers"], [...arr(getIn(trees[last], ["workers"])), ref]) as Draft;
  }
  return draft;
}

/** Whether edges can be drawn and removed on the canvas: only a DAG's dependencies are free. */
export function edgesEditable(draft: Draft): boolean {
  return base(draft).spec.topology === "dag";
}

/** `to` depends on `from` from now on (a DAG). Connections to or from the virtual nodes, and loops on one node, change nothing. */
export function addDependency(draft: Draft, from: string, to: string): Draft {
  const target = nodeSlot(draft, to);
  if (!edgesEditable(draft) || from === to || target?.dagIndex === undefined || nodeSlot(draft, from)?.dagIndex === undefined) return draft;
  const { at } = base(draft);
  const depsPath = [...at, "nodes", target.dagIndex, "dependsOn"];
  const deps = arr(getIn(draft, depsPath));
  return deps.includes(from) ? draft : (setIn(draft, depsPath, [...deps, from]) as Draft);
}

/** `to` no longer depends on `from` (a DAG). */
export function removeDependency(draft: Draft, from: string, to: string): Draft {
  const target = nodeSlot(draft, to);
  if (!edgesEditable(draft) || target?.dagIndex === undefined) return draft;
  const { at } = base(draft);
  const depsPath = [...at, "nodes", target.dagIndex, "dependsOn"];
  const deps = arr(getIn(draft, depsPath));
  return deps.includes(from)
    ? (setIn(
        draft,
        depsPath,
        deps.filter((d) => d !== from),
      ) as Draft)
    : draft;
}
