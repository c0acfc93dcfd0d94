/**
 * `runTopology`: runs a team's topology against a TopologyRuntime (EXEC provides it on top of the durable step API
 * and the model gateway). Each topology's exact semantics, node ids and step ids are documented at the top of its
 * file; the shared conventions in ./common.ts.
 *
 * hybrid: runs its `arrangement` (any other topology) with the same semantics, where a node may be a nested team:
 * that node calls `rt.runTeam(nodeId, "<its step id>/", teamSlug, task)` (context written into the task) and the
 * nested team runs its own topology under that step prefix, to any depth (cycles are refused when a team is saved).
 */
import { topologyProblems, topologySpecSchema, type BaseTopologySpec, type TopologySpec } from "@/lib/schemas/topology";
import { runCircular } from "./circular";
import { runDag } from "./dag";
import { runDebate } from "./debate";
import { runForest } from "./forest";
import { runGrid } from "./grid";
import { runHierarchical } from "./hierarchical";
import { runMakerChecker } from "./maker-checker";
import { runMesh } from "./mesh";
import { runMixtureOfAgents } from "./mixture-of-agents";
import { runParallel } from "./parallel";
import { runSequential } from "./sequential";
import { runStar } from "./star";
import { runSupervisor } from "./supervisor";
import { failsRun, topologyOutcome } from "./outcome";
import { withTeamOptions } from "./briefs";
import { checkOutput, OutputInvalidError } from "./output-check";
import { TopologyError, type TopologyResult, type TopologyRuntime } from "./types";
import type { RunOutcome } from "@/lib/schemas/run-outcome";

export * from "./types";

/** A topology's result with its outcome (for a hybrid spec, its arrangement's). */
export type TopologyRunResult = TopologyResult & { outcome: RunOutcome };

function runArrangement(rt: TopologyRuntime, spec: BaseTopologySpec, task: string): Promise<TopologyResult> {
  switch (spec.topology) {
    case "sequential":
      return runSequential(rt, spec, task);
    case "parallel":
      return runParallel(rt, spec, task);
    case "hierarchical":
      return runHierarchical(rt, spec, task);
    case "dag":
      return runDag(rt, spec, task);
    case "debate":
      return runDebate(rt, spec, task);
    case "mesh":
      return runMesh(rt, spec, task);
    case "star":
      return runStar(rt, spec, task);
    case "grid":
      return runGrid(rt, spec, task);
    case "forest":
      return runForest(rt, spec, task);
    case "circular":
      return runCircular(rt, spec, task);
    case "mixture_of_agents":
      return runMixtureOfAgents(rt, spec, task);
    case "maker_checker":
      return runMakerChecker(rt, spec, task);
    case "supervisor":
      return runSupervisor(rt, spec, task);
  }
}

/**
 * Runs `spec` on `task`. The spec is re-validated first (defaults applied); an invalid one throws a TopologyError.
 * The result carries the topology's outcome (server/topologies/outcome.ts); applying its gate is the caller's.
 * The team's briefs and output hint reach its nodes' prompts (./briefs.ts); with an output schema, the final answer
 * is validated (./output-check.ts): valid, the output is its JSON; invalid, OutputInvalidError (OUTPUT_INVALID).
 */
export async function runTopology(rt: TopologyRuntime, spec: TopologySpec, task: string): Promise<TopologyRunResult> {
  const parsed = topologySpecSchema.safeParse(spec);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "spec"}: ${i.message}`);
    throw new TopologyError(`Invalid topology spec: ${problems.join("; ")}`, { problems });
  }
  const problems = topologyProblems(parsed.data).map((p) => `${p.path}: ${p.message}`);
  if (problems.length > 0) throw new TopologyError(`Invalid topology spec: ${problems.join("; ")}`, { problems });
  const valid = parsed.data;
  const arrangement = valid.topology === "hybrid" ? valid.arrangement : valid;
  const result = await runArrangement(withTeamOptions(rt, arrangement), arrangement, task);
  const done = { ...result, outcome: topologyOutcome(arrangement, result) };
  // a gate that fails the run says more than the shape of its last draft: the caller applies it first
  if (!arrangement.outputSchema || failsRun(done.outcome)) return done;
  const check = checkOutput(arrangement.outputSchema, done.output);
  if (!check.ok) throw new OutputInvalidError(check.problems, done);
  return { ...done, output: check.output };
}
