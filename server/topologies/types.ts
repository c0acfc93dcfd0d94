import type { z } from "zod";
import { AppError } from "@/lib/errors";
import type { RunOutcome } from "@/lib/schemas/run-outcome";
import type { ModelPolicy } from "@/lib/schemas/model-policy";

/**
 * The interface between the topology semantics (server/topologies/*, pure orchestration logic) and the execution
 * engine (EXEC: durable steps, model gateway, events). A topology only ever talks to a `TopologyRuntime`.
 */

export interface AgentCall {
  nodeId: string; // graph node id (see lib/topology-graph.ts)
  stepId: string; // stable, deterministic, unique within the run, e.g. "s1", "debate.r2.d0", "h.w3.sub2"
  agent: string; // agent slug
  task: string; // the task/instructions for this call
  context?: { from: string; output: string }[]; // other nodes' outputs this agent sees (from = nodeId or label)
  output?: { schema: z.ZodType }; // structured output (manager plans, checker verdicts, judge decisions)
  /**
   * Participants of one topology step (a debate round's debaters, a mixture-of-agents layer) share a group: an agent
   * whose policy asks for diversity then prefers a model the group does not use yet (server/models/objective.ts).
   */
  spreadGroup?: string;
}

/** Texts to embed as one step (mesh convergence by similarity). */
export interface EmbedCall {
  nodeId: string; // the node the step belongs to in the run's record (not a graph node: e.g. "convergence")
  stepId: string; // stable, like an agent step's, e.g. "r2.embed"
  texts: string[];
  policy: ModelPolicy; // the model policy that routes the embedding call
}

/** The vectors of an EmbedCall (one per text, in order), or why there are none: no model of the workspace can embed. */
export type Embedded = { vectors: number[][] } | { vectors: null; unavailable: string };

export interface AgentResult {
  text: string;
  object?: unknown;
  /** the catalog model that answered (a quality gate's judges avoid it), when the runtime knows it */
  model?: string;
}

export interface TopologyRuntime {
  callAgent(call: AgentCall): Promise<AgentResult>; // one memoised, retried, recorded, event-emitting step
  runTeam(nodeId: string, stepIdPrefix: string, teamSlug: string, task: string): Promise<string>; // nested team (hybrid), recursion
  parallel<T>(tasks: (() => Promise<T>)[], limit?: number): Promise<T[]>; // bounded concurrency, preserves order
  expectSteps(additional: number): Promise<void>; // progress: more steps are coming
  /**
   * One memoised, costed step that embeds the texts (one vector each, in order; a replay returns the stored vectors);
   * `unavailable` when no model the policy allows can embed (nothing to wait for: the step succeeds without a call).
   * Optional: a runtime without it (counting the worst case) never sees a mesh converge by similarity.
   */
  embed?(call: EmbedCall): Promise<Embedded>;
  /** an agent's display name and role description (for planners, hubs and routers choosing among agents); optional */
  describeAgent?(agent: string): { name: string; description: string } | undefined;
  /** a nested team's name and what it is (hybrid), for the same; optional */
  describeTeam?(team: string): { name: string; description: string } | undefined;
}

export interface TopologyResult {
  output: string;
  attributed?: { nodeId: string; agent: string; output: string }[];
  /** what the topology reached: set by runTopology (server/topologies/outcome.ts), not by each topology */
  outcome?: RunOutcome;
}

// ---- helper types (additions) ----

/** One piece of context an agent sees: another node's output, attributed. */
export type ContextItem = { from: string; output: string };

/**
 * A topology could not go on: an invalid spec, or a structured answer (a manager's plan) that stayed invalid after
 * one retry. `stepId`/`nodeId` name the step whose answer was refused (the run fails "at" that step). Not worth
 * retrying: the same inputs give the same refusal.
 */
export class TopologyError extends AppError {
  readonly stepId?: string;
  readonly nodeId?: string;
  readonly problems: string[];

  constructor(message: string, options: { stepId?: string; nodeId?: string; problems?: string[] } = {}) {
    super("VALIDATION_FAILED", message, { stepId: options.stepId, nodeId: options.nodeId, problems: options.problems ?? [] });
    this.name = "TopologyError";
    this.stepId = options.stepId;
    this.nodeId = options.nodeId;
    this.problems = options.problems ?? [];
  }
}
