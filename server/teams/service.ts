/**
 * Teams: agents (or nested teams, in the hybrid topology) arranged in a topology spec, versioned like agents
 * (every save is a new immutable TeamVersion; an identical save writes nothing; archiving is a soft delete).
 *
 * Every save is validated, and a refused save lists every problem at once (AppError VALIDATION_FAILED,
 * `details.issues` = [{ path, message }], paths relative to the request body, e.g. `spec.nodes.2.dependsOn.0`):
 * the spec's schema issues, its structural problems (`topologyProblems`), unknown or archived agents and teams,
 * a team that includes itself through nested teams (followed through their current versions), and nesting
 * deeper than MAX_TEAM_NESTING levels (counting the teams that include this one).
 *
 * `pinTeam` resolves a team and everything it references at their current versions for a new run (with the
 * workspace's step limit per run, read in the same statement);
 * `pinnedTeamFromVersions` re-loads exactly the versions a run pinned.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { actorUserId, type TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { nodeRefs, topologyProblems, topologySpecSchema, type NodeRef, type TopologySpec } from "@/lib/schemas/topology";
import {
  createTeamInputSchema,
  listTeamsInputSchema,
  updateTeamInputSchema,
  validateTeamInputSchema,
  type TeamDiffOutput,
  type TeamOutput,
  type TeamProblem,
  type TeamVersionOutput,
} from "@/lib/schemas/teams";
import { canonicalJson, lineDiff, sameJson } from "@/lib/line-diff";
import { INPUT_NODE_ID, OUTPUT_NODE_ID } from "@/lib/topology-graph";
import {
  agentsBySlug,
  agentVersionsBySlug,
  currentAgentsFromJson,
  currentAgentsJsonSql,
  remembered,
  staleEdit,
  toAgentVersion,
  type AgentVersionOut,
  type CurrentAgent,
} from "@/server/agents/service";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { cacheTeamVersion, cachedTeamVersion, type CachedTeamVersion } from "@/server/runs/version-cache";
import { formatCount, worstCase, type WorstCase } from "@/server/topologies/worst-case";
import { effectiveRunStepLimit } from "@/server/workspaces/workspaces";
import { prismaCode } from "@/server/db/errors";

type Tx = Prisma.TransactionClient;

/** How many levels of nested teams a team may have below it (a team including a plain team is 1). */
export const MAX_TEAM_NESTING = 5;

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

type TeamWithCurrent = Prisma.TeamGetPayload<{ include: { versions: true } }>;
type TeamVersionRow = Prisma.TeamVersionGetPayload<object>;
const withCurrent = { versions: { orderBy: { version: "desc" }, take: 1 } } as const;

// ---------------------------------------------------------------------------------------------------
// Rows -> API objects

function refsOf(spec: TopologySpec): { agents: string[]; teams: string[] } {
  const agents = new Set<string>();
  const teams = new Set<string>();
  for (const { ref } of nodeRefs(spec)) {
    if (typeof ref === "string") agents.add(ref);
    else teams.add(ref.team);
  }
  return { agents: [...agents], teams: [...teams] };
}

function storedSpec(v: TeamVersionRow): TopologySpec {
  return topologySpecSchema.parse(v.spec);
}

function toTeam(row: TeamWithCurrent): TeamOutput {
  const v = row.versions[0];
  if (!v) throw new AppError("INTERNAL", `Team ${row.id} has no version`);
  const spec = storedSpec(v);
  return {
    id: row.id,
    slug: row.slug,
    name: v.name,
    description: v.description,
    currentVersion: row.currentVersion,
    versionCount: row.currentVersion,
    archivedAt: row.archivedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    topology: spec.topology,
    spec,
    ...refsOf(spec),
  };
}

function toTeamVersion(team: { id: string; slug: string }, v: TeamVersionRow): TeamVersionOutput {
  return { teamId: team.id, slug: team.slug, version: v.version, name: v.name, description: v.description, spec: storedSpec(v), createdAt: v.createdAt };
}

async function findTeam(ctx: TenantContext, ref: string, tx: Tx = db(ctx)): Promise<TeamWithCurrent> {
  const row = await tx.team.findFirst({ where: { workspaceId: ctx.workspaceId, OR: [{ id: ref }, { slug: ref }] }, include: withCurrent });
  if (!row) throw new AppError("NOT_FOUND", `Team "${ref}" not found`);
  return row;
}

// ---------------------------------------------------------------------------------------------------
// Validation

/** zod issues as problems, paths prefixed (e.g. "spec."). */
function zodProblems(error: z.ZodError, prefix: string): TeamProblem[] {
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

interface TeamGraphEntry {
  archived: boolean;
  nested: string[];
}

/** slug -> (archived, nested team slugs of its current version) for every team of the workspace. */
async function teamGraph(ctx: TenantContext, tx: Tx): Promise<Map<string, TeamGraphEntry & { row: TeamWithCurrent }>> {
  const rows = await tx.team.findMany({ where: { workspaceId: ctx.workspaceId }, include: withCurrent });
  const out = new Map<string, TeamGraphEntry & { row: TeamWithCurrent }>();
  for (const row of rows) {
    const v = row.versions[0];
    const parsed = v ? topologySpecSchema.safeParse(v.spec) : undefined;
    out.set(row.slug, { archived: row.archivedAt !== null, nested: parsed?.success ? refsOf(parsed.data).teams : [], row });
  }
  return out;
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
): Promise<{ spec: TopologySpec | null; issues: TeamProblem[] }> {
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
  if (teamRefs.length > 0 || self.slug) {
    const graph = await teamGraph(ctx, tx);
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
  return { spec: parsed.success ? parsed.data : null, issues };
}

// ---------------------------------------------------------------------------------------------------
// The step limit: the worst case of one run (server/topologies/worst-case.ts) against the workspace's limit

/** The workspace's step limit per run, read with `tx` (inside a save's transaction). */
async function stepLimitOf(ctx: TenantContext, tx: Tx): Promise<number> {
  const w = await tx.workspace.findFirst({ where: { id: ctx.workspaceId }, select: { runStepLimit: true } });
  return effectiveRunStepLimit(w?.runStepLimit ?? null);
}

/** What a team over the limit is told (422): the count and the limit. */
export function stepLimitMessage(slug: string, worst: WorstCase, limit: number, through?: string): string {
  const who = through ? `Team "${through}" (which includes "${slug}")` : `Team "${slug}"`;
  return (
    `${who} may make up to ${formatCount(worst.steps)} steps in one run (worst case, up to ${formatCount(worst.peakParallel)} at once), ` +
    `above this workspace's limit of ${formatCount(limit)} steps per run. Lower its rounds, iterations, fan-out or nesting, ` +
    `or ask an owner or admin to raise the limit in the workspace settings.`
  );
}

export class StepLimitError extends AppError {
  constructor(message: string, details: { team: string; worstCase: WorstCase; limit: number; through?: string }) {
    super("VALIDATION_FAILED", message, { ...details, issues: [{ path: "spec", message }] });
    this.name = "StepLimitError";
  }
}

/**
 * A save of `spec` for team `slug` within the step limit: the team's own worst case, and that of every team whose
 * current version includes it (through nested teams), as they would be with this spec. Null when all fit.
 */
async function stepLimitProblem(ctx: TenantContext, tx: Tx, slug: string, spec: TopologySpec): Promise<StepLimitError | null> {
  const limit = await stepLimitOf(ctx, tx);
  const graph = await teamGraph(ctx, tx);
  const specs = new Map<string, TopologySpec>();
  for (const [s, entry] of graph) {
    const v = entry.row.versions[0];
    const parsed = v ? topologySpecSchema.safeParse(v.spec) : undefined;
    if (parsed?.success) specs.set(s, parsed.data);
  }
  specs.set(slug, spec);
  const lookup = (s: string) => specs.get(s);
  const own = worstCase(spec, lookup);
  if (own.steps > limit) return new StepLimitError(stepLimitMessage(slug, own, limit), { team: slug, worstCase: own, limit });
  // the teams that include this one, transitively (their worst case grows with it)
  const parents = new Map<string, string[]>();
  for (const [s, entry] of graph) for (const child of entry.nested) parents.set(child, [...(parents.get(child) ?? []), s]);
  const seen = new Set<string>([slug]);
  const queue = [...(parents.get(slug) ?? [])];
  while (queue.length > 0) {
    const s = queue.shift()!;
    if (seen.has(s)) continue;
    seen.add(s);
    queue.push(...(parents.get(s) ?? []));
    const entry = graph.get(s);
    const parentSpec = specs.get(s);
    if (!entry || entry.archived || !parentSpec) continue;
    const worst = worstCase(parentSpec, lookup);
    if (worst.steps > limit) return new StepLimitError(stepLimitMessage(slug, worst, limit, s), { team: slug, worstCase: worst, limit, through: s });
  }
  return null;
}

/** A run of the pinned team within the workspace's step limit (checked when a run starts), else StepLimitError. */
export function assertRunWithinStepLimit(pinned: Pick<PinnedTeam, "slug" | "spec" | "teams">, limit: number): WorstCase {
  const worst = worstCase(pinned.spec, (slug) => pinned.teams[slug]?.spec);
  if (worst.steps > limit) throw new StepLimitError(stepLimitMessage(pinned.slug, worst, limit), { team: pinned.slug, worstCase: worst, limit });
  return worst;
}

function validationError(issues: TeamProblem[]): AppError {
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

/** One save at a time per workspace, so that two saves cannot together create a nested-team cycle. */
async function lockTeamGraph(ctx: TenantContext, tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`cadre:team-graph:${ctx.workspaceId}`}))) AS l`;
}

// ---------------------------------------------------------------------------------------------------
// CRUD

/** One page of the workspace's teams, newest first (keyset on createdAt, id: server/db/cursor.ts). */
export async function listTeams(ctx: TenantContext, input: z.input<typeof listTeamsInputSchema> = {}): Promise<Page<TeamOutput>> {
  const { includeArchived, limit, cursor } = listTeamsInputSchema.parse(input);
  const rows = await db(ctx).team.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...(includeArchived ? {} : { archivedAt: null }) }, keysetWhere(cursor)] },
    include: withCurrent,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toTeam), nextCursor: page.nextCursor };
}

export async function getTeam(ctx: TenantContext, ref: string): Promise<TeamOutput> {
  return toTeam(await findTeam(ctx, ref));
}

export async function createTeam(ctx: TenantContext, input: z.input<typeof createTeamInputSchema>): Promise<TeamOutput> {
  const envelope = createTeamInputSchema.safeParse(input);
  if (!envelope.success) {
    const raw = (input ?? {}) as { spec?: unknown; slug?: unknown };
    const { issues } = await specProblems(ctx, raw.spec, { slug: typeof raw.slug === "string" ? raw.slug : null });
    throw validationError([...zodProblems(envelope.error, ""), ...issues]);
  }
  const data = envelope.data;
  const teamId = newId("team");
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      await lockTeamGraph(ctx, tx);
      if (await tx.team.findFirst({ where: { workspaceId: ctx.workspaceId, slug: data.slug }, select: { id: true } })) {
        throw new AppError("CONFLICT", `A team with the slug "${data.slug}" already exists in this workspace (archived teams keep their slugs)`);
      }
      const { spec, issues } = await specProblems(ctx, data.spec, { slug: data.slug }, tx);
      if (issues.length > 0 || !spec) throw validationError(issues);
      const tooLarge = await stepLimitProblem(ctx, tx, data.slug, spec);
      if (tooLarge) throw tooLarge;
      await tx.team.create({ data: { id: teamId, workspaceId: ctx.workspaceId, slug: data.slug, name: data.name, currentVersion: 1 } });
      await tx.teamVersion.create({
        data: {
          id: newId("tmv"),
          workspaceId: ctx.workspaceId,
          teamId,
          version: 1,
          name: data.name,
          description: data.description,
          spec: spec as Prisma.InputJsonValue,
          createdById: actorUserId(ctx),
        },
      });
      await recordAudit(
        ctx,
        { action: "team.create", targetType: "team", targetId: teamId, metadata: { slug: data.slug, name: data.name, topology: spec.topology, version: 1 } },
        tx,
      );
      return tx.team.findFirstOrThrow({ where: { id: teamId }, include: withCurrent });
    });
    return toTeam(row);
  } catch (error) {
    if (prismaCode(error) === "P2002")
      throw new AppError("CONFLICT", `A team with the slug "${data.slug}" already exists in this workspace (archived teams keep their slugs)`);
    throw error;
  }
}

/**
 * Saves a new version with the given fields changed (the rest carried over), validated like a create.
 * Identical to the current version: nothing is written. An archived team cannot be changed. With `baseVersion`, a
 * save not based on the current version is a CONFLICT (checked again by the conditional update that writes it).
 */
export async function updateTeam(ctx: TenantContext, ref: string, patch: z.input<typeof updateTeamInputSchema>): Promise<TeamOutput> {
  const envelope = updateTeamInputSchema.safeParse(patch);
  if (!envelope.success) {
    const raw = (patch ?? {}) as { spec?: unknown };
    const existing = await findTeam(ctx, ref);
    const { issues } = raw.spec === undefined ? { issues: [] } : await specProblems(ctx, raw.spec, { slug: existing.slug });
    throw validationError([...zodProblems(envelope.error, ""), ...issues]);
  }
  const data = envelope.data;
  const row = await findTeam(ctx, ref);
  if (row.archivedAt) throw new AppError("CONFLICT", `Team "${row.slug}" is archived and cannot be changed`);
  if (data.baseVersion !== undefined && data.baseVersion !== row.currentVersion) throw staleEdit("Team", row.slug, data.baseVersion, row.currentVersion);
  const current = row.versions[0]!;
  const currentSpec = storedSpec(current);
  // identical to the current version: nothing to write (and nothing to validate)
  const incoming = data.spec === undefined ? { success: true as const, data: currentSpec } : topologySpecSchema.safeParse(data.spec);
  const nameChanged = data.name !== undefined && data.name !== current.name;
  const descriptionChanged = data.description !== undefined && data.description !== current.description;
  const specChanged = !incoming.success || !sameJson(incoming.data, currentSpec);
  if (!nameChanged && !descriptionChanged && !specChanged) return toTeam(row);
  const updated = await db(ctx).$transaction(async (tx) => {
    await lockTeamGraph(ctx, tx);
    // every save is validated, a carried-over spec too (an agent may have been archived since)
    const checked = await specProblems(ctx, data.spec !== undefined ? data.spec : currentSpec, { slug: row.slug }, tx);
    if (checked.issues.length > 0 || !checked.spec) throw validationError(checked.issues);
    if (specChanged) {
      const tooLarge = await stepLimitProblem(ctx, tx, row.slug, checked.spec);
      if (tooLarge) throw tooLarge;
    }
    const next = { name: data.name ?? current.name, description: data.description ?? current.description, spec: checked.spec };
    const changed = [nameChanged && "name", descriptionChanged && "description", specChanged && "spec"].filter(Boolean);
    const version = row.currentVersion + 1;
    const bumped = await tx.team.updateMany({
      where: { id: row.id, workspaceId: ctx.workspaceId, currentVersion: row.currentVersion, archivedAt: null },
      data: { currentVersion: version, name: next.name },
    });
    if (bumped.count !== 1) throw staleEdit("Team", row.slug, row.currentVersion, null);
    await tx.teamVersion.create({
      data: {
        id: newId("tmv"),
        workspaceId: ctx.workspaceId,
        teamId: row.id,
        version,
        name: next.name,
        description: next.description,
        spec: next.spec as Prisma.InputJsonValue,
        createdById: actorUserId(ctx),
      },
    });
    await recordAudit(
      ctx,
      { action: "team.update", targetType: "team", targetId: row.id, metadata: { slug: row.slug, version, changed, topology: next.spec.topology } },
      tx,
    );
    return tx.team.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
  });
  return toTeam(updated);
}

/** One page of a team's versions, newest first (keyset on createdAt, id). */
export async function listTeamVersions(ctx: TenantContext, ref: string, pagination: z.input<typeof paginationSchema> = {}): Promise<Page<TeamVersionOutput>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const where = keysetWhere(cursor);
  const team = await findTeam(ctx, ref);
  const rows = await db(ctx).teamVersion.findMany({
    where: { AND: [{ teamId: team.id, workspaceId: ctx.workspaceId }, where] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map((v) => toTeamVersion(team, v)), nextCursor: page.nextCursor };
}

export async function getTeamVersion(ctx: TenantContext, ref: string, version: number): Promise<TeamVersionOutput> {
  const team = await findTeam(ctx, ref);
  const row = await db(ctx).teamVersion.findFirst({ where: { teamId: team.id, workspaceId: ctx.workspaceId, version } });
  if (!row) throw new AppError("NOT_FOUND", `Team "${team.slug}" has no version ${version}`);
  return toTeamVersion(team, row);
}

/** Field by field, what changed from version `from` to `to`; the description and the spec (as JSON) as line diffs. */
export async function diffTeamVersions(ctx: TenantContext, ref: string, from: number, to: number): Promise<TeamDiffOutput> {
  const team = await findTeam(ctx, ref);
  const rows = await db(ctx).teamVersion.findMany({ where: { teamId: team.id, workspaceId: ctx.workspaceId, version: { in: [from, to] } } });
  const a = rows.find((r) => r.version === from);
  const b = rows.find((r) => r.version === to);
  if (!a || !b) throw new AppError("NOT_FOUND", `Team "${team.slug}" has no version ${!a ? from : to}`);
  const before = { name: a.name, description: a.description, spec: storedSpec(a) };
  const after = { name: b.name, description: b.description, spec: storedSpec(b) };
  const changes: TeamDiffOutput["changes"] = [];
  if (before.name !== after.name) changes.push({ field: "name", before: before.name, after: after.name });
  if (before.description !== after.description) {
    changes.push({ field: "description", before: before.description, after: after.description, lines: lineDiff(before.description, after.description) });
  }
  if (!sameJson(before.spec, after.spec)) {
    changes.push({ field: "spec", before: before.spec, after: after.spec, lines: lineDiff(canonicalJson(before.spec, 2), canonicalJson(after.spec, 2)) });
  }
  return { teamId: team.id, from, to, changes };
}

/** Soft delete: readable with all versions; new runs and new team versions cannot use it. */
export async function archiveTeam(ctx: TenantContext, ref: string): Promise<TeamOutput> {
  const row = await findTeam(ctx, ref);
  if (row.archivedAt) return toTeam(row);
  const updated = await db(ctx).$transaction(async (tx) => {
    await tx.team.update({ where: inWorkspace(ctx, row.id), data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "team.archive", targetType: "team", targetId: row.id, metadata: { slug: row.slug, version: row.currentVersion } }, tx);
    return tx.team.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
  });
  return toTeam(updated);
}

// ---------------------------------------------------------------------------------------------------
// Pinning (runs)

/**
 * A team of the workspace by id or slug with its current version, and the agents its spec may name (every agent
 * whose slug is a string anywhere in the spec) with their current versions, in one statement.
 */
async function teamWithItsAgents(
  ctx: TenantContext,
  ref: string,
): Promise<{
  id: string;
  slug: string;
  name: string;
  archived: boolean;
  currentVersion: number;
  version: number | null;
  spec: unknown;
  runStepLimit: number | null;
  agents: Map<string, CurrentAgent>;
}> {
  const { rows } = await execute<{
    id: string;
    slug: string;
    name: string;
    archived: boolean;
    currentVersion: number;
    version: number | null;
    spec: unknown;
    runStepLimit: number | null;
    agents: unknown;
  }>(
    ctx,
    sql`WITH t AS (
       SELECT t.id, t.slug, t.name, t."archivedAt" IS NOT NULL AS archived, t."currentVersion", v.version, v.spec
       FROM "Team" t
       LEFT JOIN LATERAL (SELECT x.version, x.spec FROM "TeamVersion" x WHERE x."teamId" = t.id ORDER BY x.version DESC LIMIT 1) v ON TRUE
       WHERE t."workspaceId" = ${ctx.workspaceId} AND (t.id = ${ref} OR t.slug = ${ref})
       LIMIT 1)
     SELECT t.*, (SELECT w."runStepLimit" FROM "Workspace" w WHERE w.id = ${ctx.workspaceId}) AS "runStepLimit", ${currentAgentsJsonSql(ctx.workspaceId, sql`SELECT s #>> '{}' FROM jsonb_path_query(t.spec, 'strict $.**') AS s WHERE jsonb_typeof(s) = 'string'`)} AS agents
     FROM t`,
  );
  const row = rows[0];
  if (!row) throw new AppError("NOT_FOUND", `Team "${ref}" not found`);
  return { ...row, agents: currentAgentsFromJson(row.agents) };
}

/**
 * Resolves a team and everything it references (agents, nested teams, their agents...) at their current
 * versions, for a new run to pin. An archived team is refused (CONFLICT); archived or unknown agents and nested
 * teams anywhere below are refused together (VALIDATION_FAILED with every problem).
 */
export async function pinTeam(ctx: TenantContext, idOrSlug: string): Promise<PinnedTeam & { name: string; stepLimit: number }> {
  const root = await teamWithItsAgents(ctx, idOrSlug);
  if (root.archived) throw new AppError("CONFLICT", `Team "${root.slug}" is archived`);
  if (root.version === null) throw new AppError("INTERNAL", `Team ${root.id} has no version`);
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
  // the workspace's step limit per run, read with the team (same statement)
  const stepLimit = effectiveRunStepLimit(root.runStepLimit);
  return { teamId: root.id, slug: root.slug, name: root.name, version: root.currentVersion, spec: rootSpec, agents, teams, stepLimit };
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
