/**
 * Pinning (runs): `pinTeam` resolves a team and everything it references at their current versions for a new run
 * (with the workspace's step limit per run, read in the same statement); `pinnedTeamFromVersions` re-loads exactly
 * the versions a run pinned.
 */
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { nodeRefs, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import type { TeamProblem } from "@/lib/schemas/teams";
import {
  agentsBySlug,
  agentVersionsBySlug,
  currentAgentsFromJson,
  remembered,
  toAgentVersion,
  type AgentVersionOut,
  type CurrentAgent,
} from "@/server/agents/service";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { cacheTeamVersion, cachedTeamVersion, type CachedTeamVersion } from "@/server/agents/version-cache";
import { effectiveRunStepLimit } from "./run-step-limit";
import { refsOf, storedSpec, type TeamWithCurrent } from "@/server/teams/rows";
import { MAX_TEAM_NESTING, teamGraph, type TeamGraphEntry } from "@/server/teams/team-graph";

export interface PinnedTeam {
  teamId: string;
  slug: string;
  version: number;
  spec: TopologySpec;
  /** by agent slug: every agent the spec (and nested teams) reference */
  agents: Record<string, AgentVersionOut>;
  /** nested teams by slug (hybrid) */
  teams: Record<string, { teamId: string; version: number; spec: TopologySpec }>;
}

type TeamRow = {
  id: string;
  slug: string;
  name: string;
  archived: boolean;
  currentVersion: number;
  version: number | null;
  spec: unknown;
  qualityGate: unknown;
  agentGates: unknown;
  runStepLimit: number | null;
  piiPolicy: unknown;
};

/** What `pinTeam` read besides the pins, in the same statement: a new run needs it at its start. */
export interface PinnedTeamExtras {
  name: string;
  /** the workspace's step limit per run */
  stepLimit: number;
  /** the workspace's PII policy as stored (the run's execution pins it: RunRow.piiPolicy); absent: not read */
  piiPolicy?: { stored: unknown };
  /** the root version's gate columns (server/teams/gates.ts reads nested teams' itself); absent: not read */
  rootGate?: { teamId: string; version: number; qualityGate: unknown; agentGates: unknown };
}

/**
 * A team of the workspace by id or slug with its current version (or `version`), and the agents its spec may name
 * (every agent whose slug is a string anywhere in the spec) with their current versions: one call of
 * cadre_team_with_agents (migration 20261222_400_team_pinning_function), whose plan is kept per connection.
 */
async function teamWithItsAgents(ctx: TenantContext, ref: string, version?: number): Promise<TeamRow & { agents: Map<string, CurrentAgent> }> {
  const { rows } = await execute<TeamRow & { agents: unknown }>(
    ctx,
    sql`SELECT * FROM cadre_team_with_agents(${ctx.workspaceId}, ${ref}, ${version ?? null}::integer)`,
  );
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `Team "${ref}" not found`);
  return { ...row, agents: currentAgentsFromJson(row.agents) };
}

/**
 * Resolves a team (at its current version, or `version`) and everything it references (agents, nested teams, their
 * agents...) at their current versions, for a new run to pin. An archived team is refused (CONFLICT); archived or unknown agents and nested
 * teams anywhere below are refused together (VALIDATION_FAILED with every problem).
 */
export async function pinTeam(ctx: TenantContext, idOrSlug: string, version?: number): Promise<PinnedTeam & PinnedTeamExtras> {
  const root = await teamWithItsAgents(ctx, idOrSlug, version);
  if (root.archived) throw new AppError("CONFLICT", `Team "${root.slug}" is archived`);
  if (root.version === null) {
    if (version !== undefined) throw new AppError("NOT_FOUND", `Team "${root.slug}" has no version ${version}`);
    throw new AppError("INTERNAL", `Team ${root.id} has no version`);
  }
  const rootSpec = topologySpecSchema.parse(root.spec);
  // the workspace's team graph only for a team that nests teams
  const rootRefs = refsOf(rootSpec);
  const graph = rootRefs.teams.length ? await teamGraph(ctx, db(ctx)) : new Map<string, TeamGraphEntry & { row: TeamWithCurrent }>();
  const issues: TeamProblem[] = [];
  const teams: PinnedTeam["teams"] = {};
  const agentPaths = new Map<string, string>();

  const visit = (slug: string, spec: TopologySpec, at: string, depth: number) => {
    for (const { path, ref } of nodeRefs(spec)) {
      const where = `${at}${path}`;
      if (typeof ref === "string") {
        if (!agentPaths.has(ref)) agentPaths.set(ref, where);
        continue;
      }
      if (ref.team === root.slug || ref.team === slug) {
        issues.push({ path: where, message: `Nested teams form a cycle through "${ref.team}"` });
        continue;
      }
      if (teams[ref.team]) continue;
      const entry = graph.get(ref.team);
      if (!entry) {
        issues.push({ path: where, message: `Unknown team "${ref.team}"` });
        continue;
      }
      if (entry.archived) issues.push({ path: where, message: `Team "${ref.team}" is archived` });
      if (depth >= MAX_TEAM_NESTING) {
        issues.push({ path: where, message: `Teams nest deeper than ${MAX_TEAM_NESTING} levels` });
        continue;
      }
      const v = entry.row.versions[0]!;
      const nestedSpec = storedSpec(v);
      teams[ref.team] = { teamId: entry.row.id, version: v.version, spec: nestedSpec };
      visit(ref.team, nestedSpec, `teams.${ref.team}.spec.`, depth + 1);
    }
  };
  visit(root.slug, rootSpec, "spec.", 0);

  const rows = root.agents;
  const nestedOnly = [...agentPaths.keys()].filter((slug) => !rows.has(slug) && !rootRefs.agents.includes(slug));
  if (nestedOnly.length) {
    for (const [slug, row] of await agentsBySlug(ctx, nestedOnly))
      rows.set(slug, { archived: row.archivedAt !== null, current: toAgentVersion(row, row.versions[0]!) });
  }
  const agents: Record<string, AgentVersionOut> = {};
  for (const [slug, where] of agentPaths) {
    const row = rows.get(slug);
    if (!row) issues.push({ path: where, message: `Unknown agent "${slug}"` });
    else if (row.archived) issues.push({ path: where, message: `Agent "${slug}" is archived` });
    else agents[slug] = row.current;
  }
  if (issues.length > 0) {
    const list = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new AppError("VALIDATION_FAILED", `Team "${root.slug}" cannot run: ${list}`, { issues });
  }
  // what was pinned is immutable: the run's executor finds it in this process's version cache
  cacheTeamVersion(ctx.workspaceId, { teamId: root.id, slug: root.slug, version: root.version, spec: rootSpec });
  for (const [slug, t] of Object.entries(teams)) cacheTeamVersion(ctx.workspaceId, { teamId: t.teamId, slug, version: t.version, spec: t.spec });
  for (const agent of Object.values(agents)) remembered(ctx, agent);
  // the workspace's step limit per run and PII policy, and the version's gates, read with the team (same statement)
  const stepLimit = effectiveRunStepLimit(root.runStepLimit);
  const rootGate = { teamId: root.id, version: root.version, qualityGate: root.qualityGate, agentGates: root.agentGates };
  return {
    ...{ teamId: root.id, slug: root.slug, name: root.name, version: version ?? root.currentVersion, spec: rootSpec, agents, teams, stepLimit },
    ...{ piiPolicy: { stored: root.piiPolicy }, rootGate },
  };
}

/** A team's version by team id (NOT_FOUND for another workspace's team), from the version cache or the database. */
async function teamVersionById(ctx: TenantContext, teamId: string, version: number): Promise<CachedTeamVersion> {
  const cached = cachedTeamVersion(ctx.workspaceId, { id: teamId }, version);
  if (cached) return cached;
  // both reads at once; errors are reported team first
  const teamRead = db(ctx).team.findFirst({ where: { id: teamId, workspaceId: ctx.workspaceId }, select: { id: true, slug: true } });
  const versionRead = db(ctx).teamVersion.findFirst({ where: { teamId, workspaceId: ctx.workspaceId, version } });
  versionRead.catch(() => undefined); // awaited below
  const team = await teamRead;
  if (!team) throw new AppError("NOT_FOUND", "Team not found");
  const v = await versionRead;
  if (!v) throw new AppError("NOT_FOUND", `Team "${team.slug}" has no version ${version}`);
  const out = { teamId: team.id, slug: team.slug, version: v.version, spec: storedSpec(v) };
  cacheTeamVersion(ctx.workspaceId, out);
  return out;
}

/** Re-loads exactly the versions a run pinned (archived agents and teams included: old runs keep working). */
export async function pinnedTeamFromVersions(
  ctx: TenantContext,
  teamId: string,
  teamVersion: number,
  pins: { agents: Record<string, number>; teams: Record<string, number> },
): Promise<PinnedTeam> {
  // versions never change: those this process has seen (pinned here, or read before) come from the version cache;
  // the other reads are sent at once (a run's start waits for them), errors are reported root team first
  const teamSlugs = Object.keys(pins.teams);
  const cachedNested = new Map<string, CachedTeamVersion>();
  for (const slug of teamSlugs) {
    const hit = cachedTeamVersion(ctx.workspaceId, { slug }, pins.teams[slug]!);
    if (hit) cachedNested.set(slug, hit);
  }
  const missing = teamSlugs.filter((slug) => !cachedNested.has(slug));
  const rootRead = teamVersionById(ctx, teamId, teamVersion);
  const nestedRead = missing.length
    ? db(ctx).team.findMany({ where: { workspaceId: ctx.workspaceId, slug: { in: missing } }, select: { id: true, slug: true } })
    : Promise.resolve([]);
  const agentsRead = agentVersionsBySlug(ctx, pins.agents);
  for (const read of [rootRead, nestedRead, agentsRead]) read.catch(() => undefined); // each is awaited below
  const root = await rootRead;
  const nestedTeams = await nestedRead;
  const nestedVersions = nestedTeams.length
    ? await db(ctx).teamVersion.findMany({
        where: { workspaceId: ctx.workspaceId, OR: nestedTeams.map((t) => ({ teamId: t.id, version: pins.teams[t.slug]! })) },
      })
    : [];
  const teams: PinnedTeam["teams"] = {};
  for (const slug of teamSlugs) {
    const hit = cachedNested.get(slug);
    if (hit) {
      teams[slug] = { teamId: hit.teamId, version: hit.version, spec: hit.spec };
      continue;
    }
    const t = nestedTeams.find((x) => x.slug === slug);
    const tv = t && nestedVersions.find((x) => x.teamId === t.id && x.version === pins.teams[slug]);
    if (!t || !tv) throw new AppError("NOT_FOUND", `Team "${slug}" version ${pins.teams[slug]} not found`);
    teams[slug] = { teamId: t.id, version: tv.version, spec: storedSpec(tv) };
    cacheTeamVersion(ctx.workspaceId, { teamId: t.id, slug, version: tv.version, spec: teams[slug].spec });
  }
  const agents = await agentsRead;
  return { teamId: root.teamId, slug: root.slug, version: root.version, spec: root.spec, agents, teams };
}

/**
 * The versions an earlier run pinned, for a new run of them (a re-run "with the same versions"): like
 * `pinnedTeamFromVersions`, but the team must still exist unarchived (as for any new run), and the workspace's
 * step limit is today's.
 */
export async function repinTeam(
  ctx: TenantContext,
  pins: { team: { id: string; version: number }; agents: Record<string, number>; teams: Record<string, number> },
): Promise<PinnedTeam & PinnedTeamExtras> {
  const [team, workspace] = await Promise.all([
    db(ctx).team.findFirst({ where: { id: pins.team.id, workspaceId: ctx.workspaceId }, select: { slug: true, name: true, archivedAt: true } }),
    db(ctx).workspace.findUnique({ where: { id: ctx.workspaceId }, select: { runStepLimit: true } }),
  ]);
  if (!team) throw new AppError("NOT_FOUND", "Team not found");
  if (team.archivedAt) throw new AppError("CONFLICT", `Team "${team.slug}" is archived`);
  const pinned = await pinnedTeamFromVersions(ctx, pins.team.id, pins.team.version, pins);
  return { ...pinned, name: team.name, stepLimit: effectiveRunStepLimit(workspace?.runStepLimit ?? null) };
}
