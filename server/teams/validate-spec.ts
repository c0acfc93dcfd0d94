/**
 * Validation of a team's spec, run on every save: a refused save lists every problem at once (AppError
 * VALIDATION_FAILED, `details.issues` = [{ path, message }], paths relative to the request body, e.g.
 * `spec.nodes.2.dependsOn.0`): the spec's schema issues, its structural problems (`topologyProblems`), unknown or
 * archived agents and teams, a team that includes itself through nested teams (followed through their current
 * versions), and nesting deeper than MAX_TEAM_NESTING levels (counting the teams that include this one).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { nodeRefs, topologyProblems, topologySpecSchema, type NodeRef, type TopologySpec } from "@/lib/schemas/topology";
import { validateTeamInputSchema, type TeamProblem } from "@/lib/schemas/teams";
import { INPUT_NODE_ID, OUTPUT_NODE_ID } from "@/lib/topology-graph";
import { agentsBySlug } from "@/server/agents/service";
import { findTeam, type Tx } from "@/server/teams/rows";
import { MAX_TEAM_NESTING, teamGraph } from "@/server/teams/team-graph";
import { stepLimitProblem } from "@/server/teams/step-limit";
import { specPreflight } from "@/server/teams/preflight";
import type { RoutingSnapshot } from "@/server/models/routing";
import type { RunEstimate } from "@/server/topologies/estimate";

/** zod issues as problems, paths prefixed (e.g. "spec."). */
export function zodProblems(error: z.ZodError, prefix: string): TeamProblem[] {
  return error.issues.map((i) => ({ path: prefix + i.path.map(String).join("."), message: i.message }));
}

/** Node references of a spec that failed its schema, as far as they can be read (so unknown agents still show). */
function looseRefs(raw: unknown): { path: string; ref: NodeRef }[] {
  try {
    return nodeRefs(raw as TopologySpec).filter(({ ref }) =>
      typeof ref === "string" ? ref.length > 0 : !!ref && typeof ref === "object" && typeof (ref as { team?: unknown }).team === "string",
    );
  } catch {
    return [];
  }
}

/**
 * Every problem of a spec for the team `self` (its slug: existing or about to be created; null when unknown).
 * Returns the parsed spec when it passed its schema.
 */
export async function specProblems(
  ctx: TenantContext,
  raw: unknown,
  self: { slug: string | null },
  tx: Tx = db(ctx),
  prefix = "spec.",
  routing?: RoutingSnapshot,
): Promise<{ spec: TopologySpec | null; issues: TeamProblem[]; estimate?: RunEstimate }> {
  const issues: TeamProblem[] = [];
  const parsed = topologySpecSchema.safeParse(raw);
  let refs: { path: string; ref: NodeRef }[];
  if (parsed.success) {
    const spec = parsed.data;
    issues.push(...topologyProblems(spec).map((p) => ({ path: prefix + p.path, message: p.message })));
    const inner = spec.topology === "hybrid" ? spec.arrangement : spec;
    if (inner.topology === "dag") {
      inner.nodes.forEach((n, i) => {
        if (n.id === INPUT_NODE_ID || n.id === OUTPUT_NODE_ID) {
          issues.push({
            path: `${prefix}${spec.topology === "hybrid" ? "arrangement." : ""}nodes.${i}.id`,
            message: `"${n.id}" is reserved: choose another node id`,
          });
        }
      });
    }
    refs = nodeRefs(spec);
  } else {
    issues.push(...zodProblems(parsed.error, prefix));
    refs = looseRefs(raw);
  }

  // agents: known and not archived
  const agentRefs = refs.filter((r): r is { path: string; ref: string } => typeof r.ref === "string");
  const agents = await agentsBySlug(
    ctx,
    agentRefs.map((r) => r.ref),
    tx,
  );
  for (const { path, ref } of agentRefs) {
    const agent = agents.get(ref);
    if (!agent) issues.push({ path: prefix + path, message: `Unknown agent "${ref}"` });
    else if (agent.archivedAt) issues.push({ path: prefix + path, message: `Agent "${ref}" is archived` });
  }

  // nested teams: known, not archived, no cycle back to this team, not too deep
  const teamRefs = refs.filter((r): r is { path: string; ref: { team: string } } => typeof r.ref !== "string");
  let loadedGraph: Awaited<ReturnType<typeof teamGraph>> | undefined;
  if (teamRefs.length > 0 || self.slug) {
    const graph = await teamGraph(ctx, tx);
    loadedGraph = graph;
    const nestedOf = (slug: string): string[] => (slug === self.slug ? teamRefs.map((r) => r.ref.team) : (graph.get(slug)?.nested ?? []));

    // a path of nested teams from `from` back to `self`, or null
    const pathToSelf = (from: string): string[] | null => {
      if (!self.slug) return null;
      const seen = new Set<string>();
      const walk = (slug: string, trail: string[]): string[] | null => {
        if (slug === self.slug) return trail;
        if (seen.has(slug)) return null;
        seen.add(slug);
        for (const next of graph.get(slug)?.nested ?? []) {
          const found = walk(next, [...trail, next]);
          if (found) return found;
        }
        return null;
      };
      return walk(from, [from]);
    };
    // levels of nesting below a team (memoised; cycles count as too deep)
    const below = new Map<string, number>();
    const depthBelow = (slug: string, stack: Set<string>): number => {
      if (below.has(slug)) return below.get(slug)!;
      if (stack.has(slug)) return MAX_TEAM_NESTING + 1;
      stack.add(slug);
      const children = nestedOf(slug).filter((c) => c === self.slug || graph.has(c));
      const d = children.length === 0 ? 0 : 1 + Math.max(...children.map((c) => depthBelow(c, stack)));
      stack.delete(slug);
      below.set(slug, Math.min(d, MAX_TEAM_NESTING + 1));
      return below.get(slug)!;
    };
    // levels of teams above this one (teams whose current version includes it, transitively)
    let above = 0;
    if (self.slug) {
      const parents = new Map<string, string[]>();
      for (const [slug, entry] of graph) {
        if (slug === self.slug) continue;
        for (const child of entry.nested) parents.set(child, [...(parents.get(child) ?? []), slug]);
      }
      const up = (slug: string, stack: Set<string>): number => {
        if (stack.has(slug) || stack.size > MAX_TEAM_NESTING + 1) return 0;
        stack.add(slug);
        const ps = parents.get(slug) ?? [];
        const d = ps.length === 0 ? 0 : 1 + Math.max(...ps.map((p) => up(p, stack)));
        stack.delete(slug);
        return d;
      };
      above = up(self.slug, new Set());
    }

    for (const { path, ref } of teamRefs) {
      const slug = ref.team;
      if (slug === self.slug) {
        issues.push({ path: prefix + path, message: "A team cannot include itself" });
        continue;
      }
      const entry = graph.get(slug);
      if (!entry) {
        issues.push({ path: prefix + path, message: `Unknown team "${slug}"` });
        continue;
      }
      if (entry.archived) issues.push({ path: prefix + path, message: `Team "${slug}" is archived` });
      const cycle = pathToSelf(slug);
      if (cycle) {
        issues.push({ path: prefix + path, message: `Nested teams form a cycle: ${[self.slug, ...cycle].join(" -> ")}` });
        continue;
      }
      const depth = above + 1 + depthBelow(slug, new Set());
      if (depth > MAX_TEAM_NESTING) {
        issues.push({
          path: prefix + path,
          message: `Teams nest too deep through "${slug}": ${depth} levels${above ? ` (counting ${above} team level${above === 1 ? "" : "s"} that include this team)` : ""}, at most ${MAX_TEAM_NESTING}`,
        });
      }
    }
  }
  // structured roles reach a model that answers JSON (checked for a minimal prompt: the task is not known yet)
  let estimate: RunEstimate | undefined;
  if (parsed.success && issues.length === 0) {
    const checked = await specPreflight(ctx, parsed.data, { tx, graph: loadedGraph, problemTaskTokens: 0, prefix, routing });
    for (const p of checked.problems) if (p.kind === "json") issues.push({ path: p.path, message: p.message });
    estimate = checked.estimate;
  }
  return { spec: parsed.success ? parsed.data : null, issues, ...(estimate ? { estimate } : {}) };
}

export function validationError(issues: TeamProblem[]): AppError {
  const list = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
  return new AppError("VALIDATION_FAILED", `The team has ${issues.length} problem${issues.length === 1 ? "" : "s"}: ${list}`, { issues });
}

/** What a save of this spec would report, without saving (for the editor). */
export async function validateTeam(ctx: TenantContext, input: z.input<typeof validateTeamInputSchema>): Promise<{ valid: boolean; issues: TeamProblem[] }> {
  const data = validateTeamInputSchema.parse(input);
  let selfSlug: string | null = data.slug || null;
  if (data.team) selfSlug = (await findTeam(ctx, data.team)).slug;
  const { spec, issues } = await specProblems(ctx, data.spec, { slug: selfSlug });
  if (issues.length === 0 && spec) {
    const tooLarge = await stepLimitProblem(ctx, db(ctx), selfSlug ?? "(new team)", spec);
    if (tooLarge) issues.push({ path: "spec", message: tooLarge.message });
  }
  return { valid: issues.length === 0, issues };
}
