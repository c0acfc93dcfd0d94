import type { BaseTopologySpec, NodeRef, TopologySpec } from "@/lib/schemas/topology";

/**
 * The graph of a topology spec, for drawing (team pages, run pages) and for naming nodes in run events.
 * Pure: no database, no React. Node ids are part of the contract between the team page, the topology
 * executors (server/topologies) and the run events:
 *
 *   sequential `s0..` · parallel `p0..` + `agg` (only with an aggregator) · hierarchical `manager`, `w0..` ·
 *   dag: the node's own id · debate `d0..` + `judge` · mesh `m0..` (+ `judge` when a judge decides convergence) · star `hub`, `spoke0..` ·
 *   grid `c{row}_{col}` + `agg` · forest `t{i}.manager`, `t{i}.w{j}` + `agg` · circular `r0..` ·
 *   mixture_of_agents `l{layer}_{i}` + `agg` · maker_checker `maker`, `checker0..` · supervisor `supervisor`, `w0..` ·
 *   hybrid: the arrangement's ids (a nested team is ONE node; its inner nodes, when shown, are `<nodeId>/<innerId>`).
 *
 * Plus the virtual `input` (role "input") and `output` (role "output") nodes. Edges follow the semantics: who
 * sends work or output to whom.
 */
export interface TopologyGraphNode {
  id: string;
  label: string;
  /** the agent slug or nested team of the node; null for the virtual input/output nodes */
  ref: NodeRef | null;
  /** input | output | step | worker | aggregator | manager | node | debater | judge | peer | hub | spoke | cell | member | proposer | maker | checker | supervisor */
  role: string;
}

export interface TopologyGraphEdge {
  from: string;
  to: string;
}

export interface TopologyGraph {
  nodes: TopologyGraphNode[];
  edges: TopologyGraphEdge[];
}

export const INPUT_NODE_ID = "input";
export const OUTPUT_NODE_ID = "output";

/** How a node reference reads in a graph: the agent's slug, or "team: <slug>" for a nested team. */
export function refLabel(ref: NodeRef): string {
  return typeof ref === "string" ? ref : `team: ${ref.team}`;
}

export function topologyGraph(spec: TopologySpec): TopologyGraph {
  const inner: BaseTopologySpec = spec.topology === "hybrid" ? spec.arrangement : spec;
  return baseGraph(inner);
}

function baseGraph(spec: BaseTopologySpec): TopologyGraph {
  const nodes: TopologyGraphNode[] = [{ id: INPUT_NODE_ID, label: "Input", ref: null, role: "input" }];
  const edges: TopologyGraphEdge[] = [];
  const seen = new Set<string>();
  const node = (id: string, ref: NodeRef, role: string) => {
    nodes.push({ id, label: refLabel(ref), ref, role });
    return id;
  };
  const edge = (from: string, to: string) => {
    const key = `${from}\u0000${to}`;
    if (from === to || seen.has(key)) return;
    seen.add(key);
    edges.push({ from, to });
  };
  const fromInput = (id: string) => edge(INPUT_NODE_ID, id);
  const toOutput = (id: string) => edge(id, OUTPUT_NODE_ID);

  switch (spec.topology) {
    case "sequential": {
      const ids = spec.agents.map((a, i) => node(`s${i}`, a, "step"));
      if (ids.length) fromInput(ids[0]!);
      for (let i = 1; i < ids.length; i++) edge(ids[i - 1]!, ids[i]!);
      if (ids.length) toOutput(ids[ids.length - 1]!);
      break;
    }
    case "parallel": {
      const ids = spec.agents.map((a, i) => node(`p${i}`, a, "worker"));
      ids.forEach(fromInput);
      if (spec.aggregator !== undefined) {
        const agg = node("agg", spec.aggregator, "aggregator");
        ids.forEach((id) => edge(id, agg));
        toOutput(agg);
      } else {
        ids.forEach(toOutput);
      }
      break;
    }
    case "hierarchical": {
      const manager = node("manager", spec.manager, "manager");
      fromInput(manager);
      spec.workers.forEach((w, i) => edge(manager, node(`w${i}`, w, "worker")));
      toOutput(manager);
      break;
    }
    case "dag": {
      const ids = new Set<string>();
      for (const n of spec.nodes) {
        if (ids.has(n.id)) continue; // a duplicate id (an invalid spec) is drawn once
        ids.add(n.id);
        node(n.id, n.agent, "node");
      }
      const hasDependents = new Set<string>();
      const done = new Set<string>();
      for (const n of spec.nodes) {
        if (done.has(n.id)) continue;
        done.add(n.id);
        const deps = n.dependsOn.filter((d) => ids.has(d) && d !== n.id);
        if (deps.length === 0) fromInput(n.id);
        for (const d of deps) {
          edge(d, n.id);
          hasDependents.add(d);
        }
      }
      for (const id of ids) if (!hasDependents.has(id)) toOutput(id);
      break;
    }
    case "debate": {
      const ids = spec.debaters.map((d, i) => node(`d${i}`, d, "debater"));
      const judge = node("judge", spec.judge, "judge");
      ids.forEach(fromInput);
      ids.forEach((id) => edge(id, judge));
      toOutput(judge);
      break;
    }
    case "mesh": {
      const ids = spec.agents.map((a, i) => node(`m${i}`, a, "peer"));
      ids.forEach(fromInput);
      for (const a of ids) for (const b of ids) edge(a, b);
      ids.forEach(toOutput);
      if (spec.convergence?.by === "judge") {
        const judge = node("judge", spec.convergence.judge, "judge");
        for (const id of ids) edge(id, judge);
      }
      break;
    }
    case "star": {
      const hub = node("hub", spec.hub, "hub");
      fromInput(hub);
      spec.spokes.forEach((s, i) => {
        const id = node(`spoke${i}`, s, "spoke");
        edge(hub, id);
        edge(id, hub);
      });
      toOutput(hub);
      break;
    }
    case "grid": {
      const columns = Math.max(1, spec.columns);
      const at = new Map<string, string>();
      spec.cells.forEach((c, i) => {
        const row = Math.floor(i / columns);
        const col = i % columns;
        at.set(`${row},${col}`, node(`c${row}_${col}`, c, "cell"));
      });
      const agg = node("agg", spec.aggregator, "aggregator");
      for (const [key, id] of at) {
        const [row, col] = key.split(",").map(Number) as [number, number];
        fromInput(id);
        for (const [dr, dc] of [
          [-1, 0],
          [1, 0],
          [0, -1],
          [0, 1],
        ] as const) {
          const neighbour = at.get(`${row + dr},${col + dc}`);
          if (neighbour) edge(id, neighbour);
        }
      }
      for (const id of at.values()) edge(id, agg);
      toOutput(agg);
      break;
    }
    case "forest": {
      const managers = spec.trees.map((t, i) => {
        const manager = node(`t${i}.manager`, t.manager, "manager");
        fromInput(manager);
        t.workers.forEach((w, j) => edge(manager, node(`t${i}.w${j}`, w, "worker")));
        return manager;
      });
      const agg = node("agg", spec.aggregator, "aggregator");
      managers.forEach((m) => edge(m, agg));
      toOutput(agg);
      break;
    }
    case "circular": {
      const ids = spec.agents.map((a, i) => node(`r${i}`, a, "member"));
      if (ids.length) fromInput(ids[0]!);
      ids.forEach((id, i) => edge(id, ids[(i + 1) % ids.length]!));
      if (ids.length) toOutput(ids[ids.length - 1]!);
      break;
    }
    case "mixture_of_agents": {
      const layers = spec.layers.map((layer, l) => layer.map((a, i) => node(`l${l}_${i}`, a, "proposer")));
      layers[0]?.forEach(fromInput);
      for (let l = 1; l < layers.length; l++) for (const a of layers[l - 1]!) for (const b of layers[l]!) edge(a, b);
      const agg = node("agg", spec.aggregator, "aggregator");
      layers[layers.length - 1]?.forEach((id) => edge(id, agg));
      toOutput(agg);
      break;
    }
    case "maker_checker": {
      const maker = node("maker", spec.maker, "maker");
      fromInput(maker);
      spec.checkers.forEach((c, i) => {
        const id = node(`checker${i}`, c, "checker");
        edge(maker, id);
        edge(id, maker);
      });
      toOutput(maker);
      break;
    }
    case "supervisor": {
      const supervisor = node("supervisor", spec.supervisor, "supervisor");
      fromInput(supervisor);
      spec.workers.forEach((w, i) => {
        const id = node(`w${i}`, w, "worker");
        edge(supervisor, id);
        edge(id, supervisor);
      });
      toOutput(supervisor);
      break;
    }
  }
  nodes.push({ id: OUTPUT_NODE_ID, label: "Output", ref: null, role: "output" });
  return { nodes, edges };
}

/**
 * The graph with nested teams opened up: each node that is a nested team (hybrid) is kept and followed by its
 * team's inner nodes, ids prefixed `<nodeId>/` (roles unchanged, virtual input/output of the inner graph
 * become `<nodeId>/input` and `<nodeId>/output`). `teams` maps a team slug to its spec; teams missing from it
 * stay closed. Depth-limited, so a cycle in `teams` cannot loop.
 */
export function expandedTopologyGraph(
  spec: TopologySpec,
  teams: Record<string, TopologySpec>,
  maxDepth = 5,
): TopologyGraph & { parents: Record<string, string> } {
  const out: TopologyGraph & { parents: Record<string, string> } = { nodes: [], edges: [], parents: {} };
  const add = (g: TopologyGraph, prefix: string, parent: string | null, depth: number) => {
    for (const n of g.nodes) {
      const id = prefix + n.id;
      out.nodes.push({ ...n, id });
      if (parent) out.parents[id] = parent;
      if (n.ref !== null && typeof n.ref !== "string" && depth < maxDepth) {
        const nested = teams[n.ref.team];
        if (nested) add(topologyGraph(nested), `${id}/`, id, depth + 1);
      }
    }
    for (const e of g.edges) out.edges.push({ from: prefix + e.from, to: prefix + e.to });
  };
  add(topologyGraph(spec), "", null, 0);
  return out;
}
