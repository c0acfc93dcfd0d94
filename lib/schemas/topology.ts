import { z } from "zod";
import { text } from "./text";
import { teamOptionsShape } from "./team-options";
import { INPUT_NODE_ID, OUTPUT_NODE_ID, topologyGraph } from "@/lib/topology-graph";
import { modelPolicySchema } from "./model-policy";

/**
 * The team topology spec: one zod schema, discriminated by `topology`, shared by the UI, tRPC, REST and MCP.
 * Nodes name agents by slug. Only the `hybrid` topology may use nested teams (`{ team: "<team slug>" }`) as nodes:
 * its `arrangement` is any other topology whose nodes may be agents or teams, to any depth (cycles are refused
 * when the team is saved, see server/teams).
 * Structural rules zod cannot express (DAG cycles, grid size, duplicate ids...) are checked by
 * `topologyProblems`, which lists every problem at once.
 */
const slug = text().trim().min(1).max(64);
export const agentNodeSchema = slug.describe("An agent's slug");
export const teamNodeSchema = z.strictObject({ team: slug.describe("A team's slug (its current version runs as one node)") }).strict();
export const nodeRefSchema = z.union([agentNodeSchema, teamNodeSchema]);
export type NodeRef = z.infer<typeof nodeRefSchema>;

const rounds = (max: number, dflt: number) => z.number().int().min(1).max(max).default(dflt);

/**
 * What a gated topology does when its gate is not met (maker-checker not approved after its iterations, debate
 * without consensus, mesh not converged, circular not done): `fail` ends the run failed (OUTCOME_NOT_MET, the last
 * draft and the outcome kept), `succeed_flagged` ends it succeeded with `outcome.met = false`.
 */
export const ON_UNMET = ["fail", "succeed_flagged"] as const;
export const onUnmetSchema = z.enum(ON_UNMET).meta({ id: "OnUnmet" });
export type OnUnmet = z.infer<typeof onUnmetSchema>;
const onUnmet = (dflt: OnUnmet, gate: string) =>
  onUnmetSchema.default(dflt).describe(`when ${gate}: fail the run, or let it succeed flagged (outcome.met = false); default ${dflt}`);

export const DEFAULT_CONVERGENCE_THRESHOLD = 0.9;

/**
 * How a mesh decides that its agents converged (and stops before its last round):
 * - `similarity` (default): each round's answers are embedded (one costed step, with `embeddingPolicy`, default the
 *   "balanced" routing preset, the agents' default); converged when every agent's answer is at least `threshold`
 *   similar (cosine) to its own answer of the round before: the answers stopped changing. Never in round 1.
 * - `judge`: after each round a judge (an agent or a nested team) reads the round's answers (as untrusted data) and
 *   answers `{ converged, reason }`: the agents agree.
 */
export const meshConvergenceSchema = z
  .discriminatedUnion("by", [
    z.strictObject({
      by: z.literal("similarity"),
      threshold: z
        .number()
        .gt(0)
        .max(1)
        .default(DEFAULT_CONVERGENCE_THRESHOLD)
        .describe("cosine similarity in (0, 1] each agent's answer must reach with its previous one; default 0.9"),
      embeddingPolicy: modelPolicySchema.optional().describe("the model policy that embeds the answers; default the balanced preset"),
    }),
    z.strictObject({ by: z.literal("judge"), judge: nodeRefSchema.describe("decides after each round whether the agents agree") }),
  ])
  .meta({ id: "MeshConvergence" });
export type MeshConvergence = z.infer<typeof meshConvergenceSchema>;

const shapes = {
  sequential: {
    agents: z.array(nodeRefSchema).min(1).max(32),
    context: z.enum(["last", "all"]).default("last").describe("what each agent sees besides the task: the previous output, or all of them"),
  },
  parallel: {
    agents: z.array(nodeRefSchema).min(1).max(32),
    aggregator: nodeRefSchema.optional().describe("merges the outputs; without it the outputs are returned attributed"),
  },
  hierarchical: {
    manager: nodeRefSchema,
    workers: z.array(nodeRefSchema).min(1).max(32),
    depth: z.number().int().min(1).max(3).default(1).describe("levels of delegation: a worker may split its subtask again while depth remains"),
    maxSubtasks: z.number().int().min(1).max(20).default(8),
  },
  dag: {
    nodes: z
      .array(z.object({ id: text().regex(/^[A-Za-z0-9_-]{1,40}$/), agent: nodeRefSchema, dependsOn: z.array(text().max(40)).max(64).default([]) }).strict())
      .min(1)
      .max(64),
    maxParallel: z.number().int().min(1).max(16).default(4),
  },
  debate: {
    debaters: z.array(nodeRefSchema).min(2).max(8),
    judge: nodeRefSchema,
    rounds: rounds(10, 3),
    onUnmet: onUnmet("succeed_flagged", "the judge finds no consensus"),
  },
  mesh: {
    agents: z.array(nodeRefSchema).min(2).max(12),
    rounds: rounds(10, 3),
    onUnmet: onUnmet("succeed_flagged", "the outputs do not converge"),
    convergence: meshConvergenceSchema
      .default({ by: "similarity", threshold: DEFAULT_CONVERGENCE_THRESHOLD })
      .describe("how convergence is decided: answers similar to the previous round's (embeddings), or a judge; default similarity 0.9"),
  },
  star: {
    hub: nodeRefSchema,
    spokes: z.array(nodeRefSchema).min(1).max(16),
    rounds: rounds(10, 2),
  },
  grid: {
    rows: z.number().int().min(1).max(8),
    columns: z.number().int().min(1).max(8),
    cells: z.array(nodeRefSchema).min(1).max(64).describe("row by row: rows x columns entries"),
    rounds: rounds(10, 2),
    aggregator: nodeRefSchema,
  },
  forest: {
    trees: z
      .array(z.object({ manager: nodeRefSchema, workers: z.array(nodeRefSchema).min(1).max(16), depth: z.number().int().min(1).max(3).default(1) }).strict())
      .min(2)
      .max(8),
    aggregator: nodeRefSchema,
  },
  circular: {
    agents: z.array(nodeRefSchema).min(2).max(16),
    laps: rounds(10, 2),
    onUnmet: onUnmet("succeed_flagged", "no agent says done"),
  },
  mixture_of_agents: {
    layers: z.array(z.array(nodeRefSchema).min(1).max(16)).min(1).max(6),
    aggregator: nodeRefSchema,
  },
  maker_checker: {
    maker: nodeRefSchema,
    checkers: z.array(nodeRefSchema).min(1).max(8),
    maxIterations: rounds(10, 3),
    onUnmet: onUnmet("fail", "the checkers do not approve"),
  },
  supervisor: {
    supervisor: nodeRefSchema.describe("the router: each turn it picks the next worker(s), or finishes with the answer"),
    workers: z.array(nodeRefSchema).min(1).max(16).describe("the workers it may pick, by name (distinct names)"),
    maxTurns: rounds(20, 8).describe("turns at most (a turn = the supervisor's pick and the workers it picked)"),
    parallel: z.boolean().default(false).describe("may pick several workers per turn, which then run at once"),
  },
} as const;

export const BASE_TOPOLOGIES = Object.keys(shapes) as (keyof typeof shapes)[];
export type BaseTopology = keyof typeof shapes;
export const TOPOLOGIES = [...BASE_TOPOLOGIES, "hybrid"] as const;
export type TopologyKind = (typeof TOPOLOGIES)[number];

const base = <K extends BaseTopology>(k: K) => z.object({ topology: z.literal(k), ...shapes[k], ...teamOptionsShape }).strict();

export const baseTopologySpecSchema = z.discriminatedUnion("topology", [
  base("sequential"),
  base("parallel"),
  base("hierarchical"),
  base("dag"),
  base("debate"),
  base("mesh"),
  base("star"),
  base("grid"),
  base("forest"),
  base("circular"),
  base("mixture_of_agents"),
  base("maker_checker"),
  base("supervisor"),
]);

export const topologySpecSchema = z
  .discriminatedUnion("topology", [
    ...baseTopologySpecSchema.options,
    z.object({ topology: z.literal("hybrid"), arrangement: baseTopologySpecSchema }).strict(),
  ])
  .meta({ id: "TopologySpec" });

export type BaseTopologySpec = z.infer<typeof baseTopologySpecSchema>;
export type TopologySpec = z.infer<typeof topologySpecSchema>;

/** Every node reference of a spec, with a path for error messages. */
export function nodeRefs(spec: TopologySpec): { path: string; ref: NodeRef }[] {
  if (spec.topology === "hybrid") return nodeRefs(spec.arrangement).map((n) => ({ ...n, path: `arrangement.${n.path}` }));
  const out: { path: string; ref: NodeRef }[] = [];
  const add = (path: string, ref: NodeRef | undefined) => ref !== undefined && out.push({ path, ref });
  const addAll = (path: string, refs: NodeRef[]) => refs.forEach((r, i) => add(`${path}.${i}`, r));
  switch (spec.topology) {
    case "sequential":
    case "circular":
      addAll("agents", spec.agents);
      break;
    case "mesh":
      addAll("agents", spec.agents);
      // `?.`: callers also read the refs of drafts that did not parse (no defaults filled in)
      if (spec.convergence?.by === "judge") add("convergence.judge", spec.convergence.judge);
      break;
    case "parallel":
      addAll("agents", spec.agents);
      add("aggregator", spec.aggregator);
      break;
    case "hierarchical":
      add("manager", spec.manager);
      addAll("workers", spec.workers);
      break;
    case "dag":
      spec.nodes.forEach((n, i) => add(`nodes.${i}.agent`, n.agent));
      break;
    case "debate":
      addAll("debaters", spec.debaters);
      add("judge", spec.judge);
      break;
    case "star":
      add("hub", spec.hub);
      addAll("spokes", spec.spokes);
      break;
    case "grid":
      addAll("cells", spec.cells);
      add("aggregator", spec.aggregator);
      break;
    case "forest":
      spec.trees.forEach((t, i) => {
        add(`trees.${i}.manager`, t.manager);
        addAll(`trees.${i}.workers`, t.workers);
      });
      add("aggregator", spec.aggregator);
      break;
    case "mixture_of_agents":
      spec.layers.forEach((l, i) => addAll(`layers.${i}`, l));
      add("aggregator", spec.aggregator);
      break;
    case "maker_checker":
      add("maker", spec.maker);
      addAll("checkers", spec.checkers);
      break;
    case "supervisor":
      add("supervisor", spec.supervisor);
      addAll("workers", spec.workers);
      break;
  }
  return out;
}

export interface TopologyProblem {
  path: string;
  message: string;
}

/** Structural problems of a parsed spec (no database): every one of them, not just the first. */
export function topologyProblems(spec: TopologySpec): TopologyProblem[] {
  const problems: TopologyProblem[] = [];
  const inner = spec.topology === "hybrid" ? spec.arrangement : spec;
  const prefix = spec.topology === "hybrid" ? "arrangement." : "";
  if (spec.topology !== "hybrid") {
    for (const n of nodeRefs(spec)) {
      if (typeof n.ref !== "string") problems.push({ path: n.path, message: "Nested teams are only allowed in the hybrid topology" });
    }
  }
  if (inner.topology === "grid" && inner.cells.length !== inner.rows * inner.columns) {
    problems.push({
      path: `${prefix}cells`,
      message: `A ${inner.rows} x ${inner.columns} grid needs ${inner.rows * inner.columns} cells, got ${inner.cells.length}`,
    });
  }
  if (inner.topology === "supervisor") {
    // the supervisor names its workers: two workers with one name could not be told apart
    const names = new Set<string>();
    inner.workers.forEach((w, i) => {
      const name = typeof w === "string" ? w : w.team;
      if (names.has(name)) problems.push({ path: `${prefix}workers.${i}`, message: `Duplicate worker "${name}": the supervisor picks workers by name` });
      names.add(name);
    });
  }
  if (inner.briefs) {
    // a brief names a node of the graph (lib/topology-graph.ts), never the virtual input/output nodes
    const nodeIds = new Set(topologyGraph(inner).nodes.map((n) => n.id));
    nodeIds.delete(INPUT_NODE_ID);
    nodeIds.delete(OUTPUT_NODE_ID);
    for (const id of Object.keys(inner.briefs)) {
      if (!nodeIds.has(id)) problems.push({ path: `${prefix}briefs.${id}`, message: `Unknown node "${id}" (this team's nodes: ${[...nodeIds].join(", ")})` });
    }
  }
  if (inner.topology === "dag") {
    const ids = new Set<string>();
    inner.nodes.forEach((n, i) => {
      if (ids.has(n.id)) problems.push({ path: `${prefix}nodes.${i}.id`, message: `Duplicate node id "${n.id}"` });
      ids.add(n.id);
    });
    inner.nodes.forEach((n, i) =>
      n.dependsOn.forEach((d, j) => {
        if (!ids.has(d)) problems.push({ path: `${prefix}nodes.${i}.dependsOn.${j}`, message: `Unknown node "${d}"` });
        if (d === n.id) problems.push({ path: `${prefix}nodes.${i}.dependsOn.${j}`, message: `Node "${n.id}" depends on itself` });
      }),
    );
    const cycle = findCycle(inner.nodes);
    if (cycle) problems.push({ path: `${prefix}nodes`, message: `The graph has a cycle: ${cycle.join(" -> ")}` });
  }
  return problems;
}

/** A cycle in a dependsOn graph, as the node ids along it, or null. */
export function findCycle(nodes: { id: string; dependsOn: string[] }[]): string[] | null {
  const deps = new Map(nodes.map((n) => [n.id, n.dependsOn.filter((d) => d !== n.id)]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === "done" || !deps.has(id)) return null;
    if (state.get(id) === "visiting") return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, "visiting");
    stack.push(id);
    for (const d of deps.get(id)!) {
      const found = visit(d);
      if (found) return found;
    }
    stack.pop();
    state.set(id, "done");
    return null;
  };
  for (const n of nodes) {
    const found = visit(n.id);
    if (found) return found;
  }
  return null;
}
