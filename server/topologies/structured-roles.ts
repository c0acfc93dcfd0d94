/**
 * The node positions of a spec whose calls ask for structured output (`callNode` with a schema): the model of an
 * agent there must answer JSON (the gateway requires the "json" capability for a request with `output`). Pure.
 *
 * - hierarchical: the manager (its plan), and each agent worker when it may split its subtask again (depth > 1 and
 *   maxSubtasks >= 2: it plans too); forest: the same per tree (at most 8 subtasks per plan);
 * - debate: the judge; mesh: its convergence judge (when a judge decides); star: the hub; circular: every agent; maker-checker: every checker; supervisor: the supervisor.
 *
 * A nested team at such a position is asked for JSON in its task text instead (no capability needed): its own
 * structured roles are found by looking into its spec. `server/topologies/structured-roles.test.ts` runs every
 * topology and checks that exactly these positions are called with a schema.
 */
import { type BaseTopologySpec, type NodeRef, nodeRefs, type TopologySpec } from "@/lib/schemas/topology";
import { FOREST_MAX_SUBTASKS } from "./forest";

export interface StructuredRole {
  /** the node's path in the spec, as in `nodeRefs` (e.g. "checkers.0", "arrangement.judge") */
  path: string;
  ref: NodeRef;
}

/** The paths (relative to the arrangement) whose calls carry a schema. */
function structuredPaths(s: BaseTopologySpec): Set<string> {
  const paths = new Set<string>();
  const all = (prefix: string, n: number) => {
    for (let i = 0; i < n; i++) paths.add(`${prefix}.${i}`);
  };
  const hierarchy = (prefix: string, workers: NodeRef[], depth: number, limit: number) => {
    paths.add(`${prefix}manager`);
    if (depth > 1 && limit >= 2) workers.forEach((w, i) => typeof w === "string" && paths.add(`${prefix}workers.${i}`));
  };
  switch (s.topology) {
    case "hierarchical":
      hierarchy("", s.workers, s.depth, s.maxSubtasks);
      break;
    case "forest":
      s.trees.forEach((t, i) => hierarchy(`trees.${i}.`, t.workers, t.depth, FOREST_MAX_SUBTASKS));
      break;
    case "debate":
      paths.add("judge");
      break;
    case "mesh":
      if (s.convergence?.by === "judge") paths.add("convergence.judge");
      break;
    case "star":
      paths.add("hub");
      break;
    case "circular":
      all("agents", s.agents.length);
      break;
    case "maker_checker":
      all("checkers", s.checkers.length);
      break;
    case "supervisor":
      paths.add("supervisor");
      break;
    default:
      break;
  }
  return paths;
}

/** The structured positions of `spec` (its own arrangement; nested teams are not looked into). */
export function structuredRoles(spec: TopologySpec): StructuredRole[] {
  const inner = spec.topology === "hybrid" ? spec.arrangement : spec;
  const prefix = spec.topology === "hybrid" ? "arrangement." : "";
  const paths = structuredPaths(inner);
  return nodeRefs(spec).filter(({ path }) => paths.has(path.slice(prefix.length)));
}
