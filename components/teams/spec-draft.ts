import {
  BASE_TOPOLOGIES,
  DEFAULT_CONVERGENCE_THRESHOLD,
  nodeRefs,
  TOPOLOGIES,
  type BaseTopology,
  type NodeRef,
  type TopologyKind,
  type TopologySpec,
} from "@/lib/schemas/topology";

/**
 * The team editor's draft spec: plain JSON that may be incomplete or invalid while someone edits it (the server
 * says what is wrong, see teams.validate). Pure helpers, no React.
 */
export type Draft = Record<string, unknown>;

export const TOPOLOGY_LABELS: Record<TopologyKind, string> = {
  sequential: "Sequential",
  parallel: "Parallel",
  hierarchical: "Hierarchical",
  dag: "DAG",
  debate: "Debate",
  mesh: "Mesh",
  star: "Star",
  grid: "Grid",
  forest: "Forest",
  circular: "Circular",
  mixture_of_agents: "Mixture of agents",
  maker_checker: "Maker-checker",
  supervisor: "Supervisor",
  hybrid: "Hybrid (nested teams)",
};

export const TOPOLOGY_HINTS: Record<TopologyKind, string> = {
  sequential: "Agents in order; each sees the task and the previous output (or all of them).",
  parallel: "All agents at once on the task; an optional aggregator merges their outputs.",
  hierarchical: "A manager splits the task into subtasks for the workers, then synthesises.",
  dag: "Explicit nodes with dependencies; a node runs when its dependencies are done.",
  debate: "Debaters argue for up to R rounds; a judge decides, or stops early on consensus.",
  mesh: "Every agent sees every other agent's previous output, for up to R rounds; stops early once converged (answers stop changing, or a judge says they agree).",
  star: "A hub sends to spokes and iterates on their answers for up to R rounds.",
  grid: "Rows x columns of agents, each seeing its neighbours; an aggregator merges.",
  forest: "Several independent hierarchies in parallel; an aggregator merges their roots.",
  circular: "A ring passes the work around for K laps or until an agent says it is done.",
  mixture_of_agents: "Layers of proposers, each seeing the previous layer; an aggregator synthesises.",
  maker_checker: "A maker produces, checkers approve or ask for revisions, until approved.",
  supervisor: "A supervisor picks the next worker(s) each turn, or finishes, within a maximum of turns.",
  hybrid: "Any other topology whose nodes may be whole teams.",
};

export const isTopology = (v: unknown): v is TopologyKind => typeof v === "string" && (TOPOLOGIES as readonly string[]).includes(v);
export const isBaseTopology = (v: unknown): v is BaseTopology => typeof v === "string" && (BASE_TOPOLOGIES as readonly string[]).includes(v);

export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const num = (v: unknown, fallback: number): number => (typeof v === "number" && Number.isFinite(v) ? v : fallback);

/** A node reference as a select value: the agent slug, or "team:<slug>". */
export function refValue(ref: unknown): string {
  if (typeof ref === "string") return ref;
  if (ref && typeof ref === "object" && typeof (ref as { team?: unknown }).team === "string") return `team:${(ref as { team: string }).team}`;
  return "";
}

export function valueRef(value: string): NodeRef {
  return value.startsWith("team:") ? { team: value.slice(5) } : value;
}

/** The node references of a draft in slot order (as far as they can be read). */
export function draftRefs(draft: Draft): NodeRef[] {
  try {
    return nodeRefs(draft as unknown as TopologySpec)
      .map((n) => n.ref)
      .filter((r) => refValue(r) !== "");
  } catch {
    return [];
  }
}

/**
 * A starter spec of a topology, filled from `refs` (the agents already chosen, then the workspace's agents):
 * switching topology keeps the people on the team as far as the new shape allows.
 */
export function starterSpec(topology: TopologyKind, refs: NodeRef[], inner?: BaseTopology): Draft {
  if (topology === "hybrid") return { topology: "hybrid", arrangement: starterSpec(inner ?? "sequential", refs) };
  const pick = (i: number): NodeRef => (refs.length ? refs[i % refs.length]! : "");
  const list = (n: number, from = 0) => Array.from({ length: n }, (_, i) => pick(from + i));
  const count = Math.max(2, Math.min(refs.length, 4));
  switch (topology) {
    case "sequential":
      return { topology, agents: list(Math.max(1, Math.min(refs.length, 4)) || 1), context: "last" };
    case "parallel":
      return { topology, agents: list(count) };
    case "hierarchical":
      return { topology, manager: pick(0), workers: list(Math.max(1, count - 1), 1), depth: 1, maxSubtasks: 8 };
    case "dag": {
      const n = Math.max(1, Math.min(refs.length, 3));
      return {
        topology,
        nodes: Array.from({ length: n }, (_, i) => ({ id: `n${i + 1}`, agent: pick(i), dependsOn: i === 0 ? [] : [`n${i}`] })),
        maxParallel: 4,
      };
    }
    case "debate":
      return { topology, debaters: list(2), judge: pick(2), rounds: 3, onUnmet: "succeed_flagged" };
    case "mesh":
      return {
        topology,
        agents: list(count),
        rounds: 3,
        onUnmet: "succeed_flagged",
        convergence: { by: "similarity", threshold: DEFAULT_CONVERGENCE_THRESHOLD },
      };
    case "star":
      return { topology, hub: pick(0), spokes: list(Math.max(1, count - 1), 1), rounds: 2 };
    case "grid":
      return { topology, rows: 2, columns: 2, cells: list(4), rounds: 2, aggregator: pick(4) };
    case "forest":
      return {
        topology,
        trees: [
          { manager: pick(0), workers: [pick(1)], depth: 1 },
          { manager: pick(2), workers: [pick(3)], depth: 1 },
        ],
        aggregator: pick(4),
      };
    case "circular":
      return { topology, agents: list(count), laps: 2, onUnmet: "succeed_flagged" };
    case "mixture_of_agents":
      return { topology, layers: [list(2), list(2, 2)], aggregator: pick(4) };
    case "maker_checker":
      return { topology, maker: pick(0), checkers: [pick(1)], maxIterations: 3, onUnmet: "fail" };
    case "supervisor": {
      // distinct workers: the supervisor picks them by name
      const workers = [...new Map(list(Math.max(1, count - 1), 1).map((r) => [refValue(r), r])).values()];
      return { topology, supervisor: pick(0), workers, maxTurns: 8, parallel: false };
    }
  }
}

/** Resizes a grid's cells to rows x columns, keeping the cells that stay in place. */
export function resizeGrid(draft: Draft, rows: number, columns: number, filler: NodeRef): Draft {
  const oldColumns = Math.max(1, num(draft.columns, 1));
  const old = arr(draft.cells);
  const cells: unknown[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const prev = c < oldColumns ? old[r * oldColumns + c] : undefined;
      cells.push(prev ?? filler);
    }
  }
  return { ...draft, rows, columns, cells };
}

/** Sets a value at a path of a JSON value, copying along the way. */
export function setIn(value: unknown, path: (string | number)[], next: unknown): unknown {
  if (path.length === 0) return next;
  const [head, ...rest] = path;
  if (typeof head === "number") {
    const copy = [...arr(value)];
    copy[head] = setIn(copy[head], rest, next);
    return copy;
  }
  const obj = value && typeof value === "object" && !Array.isArray(value) ? (value as Draft) : {};
  return { ...obj, [head!]: setIn(obj[head!], rest, next) };
}

export function getIn(value: unknown, path: (string | number)[]): unknown {
  let cur = value;
  for (const p of path) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}
