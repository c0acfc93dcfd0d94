/**
 * Preflight of a team spec against the workspace's catalog (through the router, server/models/routing.ts, on the
 * cached catalog): which model each agent's policy routes to, the run's estimate (server/topologies/estimate.ts),
 * and the nodes that fit no model:
 * - `json`: a structured role (server/topologies/structured-roles.ts) whose policy reaches no model that answers
 *   JSON while it reaches others (a save is refused for it);
 * - `route`: a node whose minimal prompt (system + task + output budget) fits no model the policy allows (a run is
 *   refused for it, or for a `json` problem, before anything is spent).
 * Nested teams are looked into, each once; their problems are reported at the node that includes them.
 */
import { AppError } from "@/lib/errors";
import { db } from "@/server/db/client";
import type { TenantContext } from "@/server/context";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { nodeRefs, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import type { TeamProblem } from "@/lib/schemas/teams";
import { agentsBySlug, toAgentVersion, type AgentVersionOut } from "@/server/agents/service";
import type { Tx } from "@/server/teams/rows";
import { teamGraph } from "@/server/teams/team-graph";
import { type ResolvedPolicy, routeFor, type RoutingSnapshot, routingSnapshot } from "@/server/models/routing";
import type { CatalogEntry } from "@/server/models/router";
import { estimateRun, type EstimateModel, type RunEstimate } from "@/server/topologies/estimate";
import { structuredRoles } from "@/server/topologies/structured-roles";

/** The task an estimate assumes when there is none yet (at save, in the editor): about 4,000 characters. */
export const DEFAULT_TASK_TOKENS = 1_000;

export type PreflightAgent = Pick<AgentVersionOut, "name" | "roleDescription" | "instructions" | "modelPolicy" | "maxOutputTokens">;

export interface PreflightInput {
  spec: TopologySpec;
  /** nested teams' specs by slug */
  teams: Record<string, TopologySpec | undefined>;
  agents: Record<string, PreflightAgent | undefined>;
  /** the run's override of every agent's policy */
  policyOverride?: ModelPolicy | null;
  /** the task's size for the estimate */
  taskTokens: number;
  /** the task's size the problems are checked for (default `taskTokens`; a save checks a minimal prompt: 0) */
  problemTaskTokens?: number;
  /** prefixed to problem paths (e.g. "spec.") */
  prefix?: string;
  /** the catalog as read before (a save reads it before its transaction); read now when absent */
  routing?: RoutingSnapshot;
}

export interface PreflightProblem extends TeamProblem {
  kind: "json" | "route";
}

export interface Preflight {
  estimate: RunEstimate;
  problems: PreflightProblem[];
}

/** Tokens of a text, as the gateway estimates them (characters / 4). */
export const tokensOf = (text: string) => Math.ceil(text.length / 4);

/**
 * The system prompt's tokens: the agent's name, role and instructions and the frame around them (server/jobs/prompts.ts:
 * "You are …", the note on untrusted blocks), counted as SYSTEM_FRAME_CHARS (a little more than it is).
 */
export const SYSTEM_FRAME_CHARS = 320;
export const systemTokensOf = (agent: Pick<PreflightAgent, "name" | "roleDescription" | "instructions">) =>
  tokensOf(agent.name + agent.roleDescription + agent.instructions) + Math.ceil(SYSTEM_FRAME_CHARS / 4);

type Routed = { model: EstimateModel; reason?: undefined } | { model: null; reason: string };

function describePolicy(policy: ModelPolicy, catalog: CatalogEntry[]): string {
  switch (policy.type) {
    case "preset":
      return `policy preset ${policy.preset}`;
    case "pinned":
      return `policy pinned to ${catalog.find((e) => e.id === policy.modelId)?.displayName ?? policy.modelId}`;
    case "constraints":
      return "policy constraints";
  }
}

export async function preflight(ctx: TenantContext, input: PreflightInput): Promise<Preflight> {
  const routing = input.routing ?? (await routingSnapshot(ctx));
  const catalog = routing.entries;
  const prefix = input.prefix ?? "";
  const slugs = Object.keys(input.agents).filter((s) => input.agents[s]);
  const resolved = new Map<string, ResolvedPolicy | string>();
  for (const slug of slugs) {
    try {
      resolved.set(slug, routing.resolve(input.policyOverride ?? input.agents[slug]!.modelPolicy));
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      resolved.set(slug, error.message);
    }
  }
  const systemTokens = new Map(slugs.map((s) => [s, systemTokensOf(input.agents[s]!)]));

  const memo = new Map<string, Routed>();
  /** the model `slug`'s policy routes to for a prompt of system + task tokens (JSON when asked) */
  const routeOf = (slug: string, json: boolean, taskTokens: number): Routed => {
    const key = `${slug}\u0000${json}\u0000${taskTokens}`;
    const hit = memo.get(key);
    if (hit) return hit;
    const agent = input.agents[slug]!;
    const policy = resolved.get(slug)!;
    let out: Routed;
    if (typeof policy === "string") out = { model: null, reason: policy };
    else {
      try {
        const { chosen } = routeFor(catalog, {
          resolved: policy,
          promptTokens: systemTokens.get(slug)! + taskTokens,
          maxOutputTokens: agent.maxOutputTokens,
          needs: json ? ["json"] : [],
        });
        out = { model: chosen };
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        out = { model: null, reason: error.message };
      }
    }
    memo.set(key, out);
    return out;
  };

  const estimate = estimateRun({
    spec: input.spec,
    teamSpec: (slug) => input.teams[slug],
    agent: (slug) => (input.agents[slug] ? { systemTokens: systemTokens.get(slug)!, maxOutputTokens: input.agents[slug]!.maxOutputTokens } : undefined),
    model: (slug, json) => routeOf(slug, json, input.taskTokens).model,
    taskTokens: input.taskTokens,
  });

  const problems: PreflightProblem[] = [];
  const visited = new Set<string>();
  const checkTokens = input.problemTaskTokens ?? input.taskTokens;
  const visit = (spec: TopologySpec, at: string | null, team: string | null) => {
    const structured = new Set(structuredRoles(spec).map((r) => r.path));
    for (const { path, ref } of nodeRefs(spec)) {
      const where = at ?? `${prefix}${path}`;
      if (typeof ref !== "string") {
        const nested = input.teams[ref.team];
        if (nested && !visited.has(ref.team)) {
          visited.add(ref.team);
          visit(nested, where, ref.team);
        }
        continue;
      }
      const agent = input.agents[ref];
      if (!agent) continue;
      const json = structured.has(path);
      const routed = routeOf(ref, json, checkTokens);
      if (routed.model) continue;
      const who = `${team ? `in team "${team}", ${path}: ` : ""}agent \`${ref}\` (${describePolicy(input.policyOverride ?? agent.modelPolicy, catalog)})`;
      if (json && routeOf(ref, false, checkTokens).model) {
        problems.push({ kind: "json", path: where, message: `${who} can reach no model that answers JSON: ${routed.reason}` });
      } else {
        problems.push({ kind: "route", path: where, message: `${who} can reach no model for a task of ${checkTokens} tokens: ${routed.reason}` });
      }
    }
  };
  visit(input.spec, null, null);
  return { estimate, problems };
}

/** A run refused before anything is spent: every problem named (RUN_INFEASIBLE, 422). */
export function infeasibleRunError(what: string, problems: TeamProblem[], estimate: RunEstimate): AppError {
  const list = problems.map((p) => `${p.path}: ${p.message}`).join("; ");
  return new AppError("RUN_INFEASIBLE", `${what} cannot run: ${list}`, {
    issues: problems.map(({ path, message }) => ({ path, message })),
    estimate,
  });
}

type Graph = Awaited<ReturnType<typeof teamGraph>>;

export interface SpecPreflightOptions {
  tx?: Tx;
  /** the workspace's team graph, when the caller has read it */
  graph?: Graph;
  taskTokens?: number;
  problemTaskTokens?: number;
  prefix?: string;
  routing?: RoutingSnapshot;
}

/**
 * Preflight of `spec` with its nested teams (current versions) and agents (current versions) read with `tx` (for a save, a saved team and an editor's draft).
 */
export async function specPreflight(ctx: TenantContext, spec: TopologySpec, options: SpecPreflightOptions = {}): Promise<Preflight> {
  const tx = options.tx ?? db(ctx);
  const teams: Record<string, TopologySpec | undefined> = {};
  const agentSlugs = new Set<string>();
  let graph = options.graph;
  const collect = async (s: TopologySpec) => {
    for (const { ref } of nodeRefs(s)) {
      if (typeof ref === "string") {
        agentSlugs.add(ref);
        continue;
      }
      if (ref.team in teams) continue;
      graph ??= await teamGraph(ctx, tx);
      const v = graph.get(ref.team)?.row.versions[0];
      const parsed = v ? topologySpecSchema.safeParse(v.spec) : undefined;
      teams[ref.team] = parsed?.success ? parsed.data : undefined;
      if (teams[ref.team]) await collect(teams[ref.team]!);
    }
  };
  await collect(spec);
  const agents: Record<string, PreflightAgent | undefined> = {};
  for (const [slug, row] of await agentsBySlug(ctx, [...agentSlugs], tx)) if (row.versions[0]) agents[slug] = toAgentVersion(row, row.versions[0]);
  return preflight(ctx, {
    spec,
    teams,
    agents,
    taskTokens: options.taskTokens ?? DEFAULT_TASK_TOKENS,
    problemTaskTokens: options.problemTaskTokens,
    prefix: options.prefix,
    routing: options.routing,
  });
}
