/**
 * Teams: agents (or nested teams, in the hybrid topology) arranged in a topology spec, versioned like agents
 * (every save is a new immutable TeamVersion; an identical save writes nothing; archiving is a soft delete).
 * Every save is validated (server/teams/validate-spec.ts) and kept within the step limit (server/teams/step-limit.ts).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { Prisma } from "@/server/db/generated/client";
import type { AgentGatesSetting, QualityGate } from "@/lib/schemas/quality-gate";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { actorUserId, type TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { topologySpecSchema } from "@/lib/schemas/topology";
import {
  createTeamInputSchema,
  listTeamsInputSchema,
  updateTeamInputSchema,
  type SavedTeamOutput,
  type TeamDiffOutput,
  type TeamOutput,
  type TeamVersionOutput,
} from "@/lib/schemas/teams";
import { canonicalJson, lineDiff, sameJson } from "@/lib/line-diff";
import { staleEdit } from "@/server/agents/service";
import { candidateSaved, storedPromotionRule } from "@/server/agents/candidates";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { prismaCode } from "@/server/db/errors";
import { checkGateJudges } from "@/server/quality/judges/service";
import {
  findTeam,
  storedAgentGates,
  storedSpec,
  storedQualityGate,
  toTeam,
  toTeamVersion,
  type TeamVersionRow,
  type TeamWithCurrent,
  type Tx,
  withCurrent,
} from "@/server/teams/rows";
import { restoreVersionInputSchema } from "@/lib/schemas/agents";
import { specProblems, validationError, zodProblems } from "@/server/teams/validate-spec";
import { stepLimitProblem } from "@/server/teams/step-limit";
import { specPreflight } from "@/server/teams/preflight";
import { routingSnapshot } from "@/server/models/routing";
import type { RunEstimate } from "@/server/topologies/estimate";

/** One save at a time per workspace, so that two saves cannot together create a nested-team cycle. */
async function lockTeamGraph(ctx: TenantContext, tx: Tx): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`cadre:team-graph:${ctx.workspaceId}`}))) AS l`;
}

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

export async function createTeam(ctx: TenantContext, input: z.input<typeof createTeamInputSchema>): Promise<SavedTeamOutput> {
  const envelope = createTeamInputSchema.safeParse(input);
  if (!envelope.success) {
    const raw = (input ?? {}) as { spec?: unknown; slug?: unknown };
    const { issues } = await specProblems(ctx, raw.spec, { slug: typeof raw.slug === "string" ? raw.slug : null });
    throw validationError([...zodProblems(envelope.error, ""), ...issues]);
  }
  const data = envelope.data;
  const routing = await routingSnapshot(ctx); // read before the transaction (the save checks its structured roles)
  try {
    const { row, estimate } = await db(ctx).$transaction((tx) => insertTeam(ctx, tx, data, routing));
    return { ...toTeam(row), estimate };
  } catch (error) {
    throw teamSlugTaken(error, data.slug);
  }
}

/** A P2002 on a team's insert as the CONFLICT people read; any other error as it was. */
export function teamSlugTaken(error: unknown, slug: string): unknown {
  if (prismaCode(error) === "P2002")
    return new AppError("CONFLICT", `A team with the slug "${slug}" already exists in this workspace (archived teams keep their slugs)`);
  return error;
}

/**
 * Validates and writes a new team with its version 1 and the `team.create` audit entry in the caller's transaction:
 * agents written earlier in the same transaction count as existing (a bundle's import).
 */
export async function insertTeam(
  ctx: TenantContext,
  tx: Tx,
  data: Omit<z.output<typeof createTeamInputSchema>, "qualityGate" | "agentGates"> &
    Partial<Pick<z.output<typeof createTeamInputSchema>, "qualityGate" | "agentGates">>,
  routing: Awaited<ReturnType<typeof routingSnapshot>>,
  pathPrefix = "spec.",
  extra: { installId?: string } = {},
) {
  await lockTeamGraph(ctx, tx);
  if (await tx.team.findFirst({ where: { workspaceId: ctx.workspaceId, slug: data.slug }, select: { id: true } })) {
    throw new AppError("CONFLICT", `A team with the slug "${data.slug}" already exists in this workspace (archived teams keep their slugs)`);
  }
  const checked = await specProblems(ctx, data.spec, { slug: data.slug }, tx, pathPrefix, routing);
  const spec = checked.spec;
  if (checked.issues.length > 0 || !spec) throw validationError(checked.issues);
  const tooLarge = await stepLimitProblem(ctx, tx, data.slug, spec);
  if (tooLarge) throw tooLarge;
  await checkGateJudges(ctx, data.qualityGate, "qualityGate", tx);
  const teamId = newId("team");
  await tx.team.create({
    data: {
      id: teamId,
      workspaceId: ctx.workspaceId,
      slug: data.slug,
      name: data.name,
      currentVersion: 1,
      latestVersion: 1,
      ...(extra.installId ? { installId: extra.installId } : {}),
    },
  });
  await tx.teamVersion.create({
    data: {
      id: newId("tmv"),
      workspaceId: ctx.workspaceId,
      teamId,
      version: 1,
      name: data.name,
      description: data.description,
      spec: spec as Prisma.InputJsonValue,
      qualityGate: gateJson(data.qualityGate ?? null),
      agentGates: data.agentGates ?? "off",
      createdById: actorUserId(ctx),
    },
  });
  await recordAudit(
    ctx,
    { action: "team.create", targetType: "team", targetId: teamId, metadata: { slug: data.slug, name: data.name, topology: spec.topology, version: 1 } },
    tx,
  );
  const row = await tx.team.findFirstOrThrow({ where: { id: teamId }, include: withCurrent });
  return { row, estimate: checked.estimate as RunEstimate };
}

/**
 * Saves a new version with the given fields changed (the rest carried over), validated like a create.
 * Identical to the current version: nothing is written. An archived team cannot be changed. With `baseVersion`, a
 * save not based on the current version is a CONFLICT (checked again by the conditional update that writes it).
 */
export async function updateTeam(ctx: TenantContext, ref: string, patch: z.input<typeof updateTeamInputSchema>): Promise<SavedTeamOutput> {
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
  if (data.baseVersion !== undefined && data.baseVersion !== row.latestVersion) throw staleEdit("Team", row.slug, data.baseVersion, row.latestVersion);
  const current = await latestTeamVersion(ctx, row);
  const currentSpec = storedSpec(current);
  // identical to the current version: nothing to write (and nothing to validate)
  const incoming = data.spec === undefined ? { success: true as const, data: currentSpec } : topologySpecSchema.safeParse(data.spec);
  const nameChanged = data.name !== undefined && data.name !== current.name;
  const descriptionChanged = data.description !== undefined && data.description !== current.description;
  const specChanged = !incoming.success || !sameJson(incoming.data, currentSpec);
  const gateChanged = data.qualityGate !== undefined && !sameJson(data.qualityGate, storedQualityGate(current));
  const agentGatesChanged = data.agentGates !== undefined && data.agentGates !== storedAgentGates(current);
  if (!nameChanged && !descriptionChanged && !specChanged && !gateChanged && !agentGatesChanged)
    return { ...toTeam(row), estimate: (await specPreflight(ctx, currentSpec)).estimate };
  const routing = await routingSnapshot(ctx); // read before the transaction (the save checks its structured roles)
  const { row: updated, estimate } = await db(ctx).$transaction((tx) =>
    appendTeamVersion(
      ctx,
      tx,
      row,
      { name: data.name, description: data.description, spec: data.spec, qualityGate: data.qualityGate, agentGates: data.agentGates },
      routing,
    ),
  );
  const rule = storedPromotionRule(row.promotionRule);
  // under a promotion rule the new version is a candidate: its evaluation releases it
  if (rule) await candidateSaved(ctx, { kind: "team", id: row.id, slug: row.slug, version: updated.latestVersion, rule });
  return { ...toTeam(updated), estimate };
}

/**
 * Validates and writes the next version of a team (the given fields changed, the rest carried over) with its
 * `team.update` audit entry in the caller's transaction; a save since `row` was read is the stale-edit CONFLICT.
 * The caller has found that something changed.
 */
export async function appendTeamVersion(
  ctx: TenantContext,
  tx: Tx,
  row: TeamWithCurrent,
  patch: { name?: string; description?: string; spec?: unknown; qualityGate?: QualityGate | null; agentGates?: AgentGatesSetting },
  routing: Awaited<ReturnType<typeof routingSnapshot>>,
  extra: { restoredFrom?: number } = {},
): Promise<{ row: TeamWithCurrent; estimate: RunEstimate }> {
  const current = await latestTeamVersion(ctx, row, tx);
  const currentSpec = storedSpec(current);
  const nameChanged = patch.name !== undefined && patch.name !== current.name;
  const descriptionChanged = patch.description !== undefined && patch.description !== current.description;
  const incoming = patch.spec === undefined ? { success: true as const, data: currentSpec } : topologySpecSchema.safeParse(patch.spec);
  const specChanged = !incoming.success || !sameJson(incoming.data, currentSpec);
  const currentGate = storedQualityGate(current);
  const gateChanged = patch.qualityGate !== undefined && !sameJson(patch.qualityGate, currentGate);
  const agentGatesChanged = patch.agentGates !== undefined && patch.agentGates !== storedAgentGates(current);
  await lockTeamGraph(ctx, tx);
  // every save is validated, a carried-over spec too (an agent may have been archived since)
  const checked = await specProblems(ctx, patch.spec !== undefined ? patch.spec : currentSpec, { slug: row.slug }, tx, "spec.", routing);
  if (checked.issues.length > 0 || !checked.spec) throw validationError(checked.issues);
  if (specChanged) {
    const tooLarge = await stepLimitProblem(ctx, tx, row.slug, checked.spec);
    if (tooLarge) throw tooLarge;
  }
  const next = {
    name: patch.name ?? current.name,
    description: patch.description ?? current.description,
    spec: checked.spec,
    qualityGate: patch.qualityGate !== undefined ? patch.qualityGate : currentGate,
    agentGates: patch.agentGates ?? storedAgentGates(current),
  };
  // a changed gate's judges must exist and be live (a carried-over gate keeps working: runs pin what they find)
  if (gateChanged) await checkGateJudges(ctx, next.qualityGate, "qualityGate", tx);
  const changed = [
    nameChanged && "name",
    descriptionChanged && "description",
    specChanged && "spec",
    gateChanged && "qualityGate",
    agentGatesChanged && "agentGates",
  ].filter(Boolean);
  const version = row.latestVersion + 1;
  // a restore is released at once (it was released before); any other save under a promotion rule is a candidate
  const release = extra.restoredFrom !== undefined || !storedPromotionRule(row.promotionRule);
  const bumped = await tx.team.updateMany({
    where: { id: row.id, workspaceId: ctx.workspaceId, latestVersion: row.latestVersion, archivedAt: null },
    data: release ? { currentVersion: version, latestVersion: version, name: next.name } : { latestVersion: version },
  });
  if (bumped.count !== 1) throw staleEdit("Team", row.slug, row.latestVersion, null);
  await tx.teamVersion.create({
    data: {
      id: newId("tmv"),
      workspaceId: ctx.workspaceId,
      teamId: row.id,
      version,
      name: next.name,
      description: next.description,
      spec: next.spec as Prisma.InputJsonValue,
      qualityGate: gateJson(next.qualityGate),
      agentGates: next.agentGates,
      createdById: actorUserId(ctx),
      releasedAt: release ? new Date() : null,
    },
  });
  await recordAudit(
    ctx,
    {
      action: "team.update",
      targetType: "team",
      targetId: row.id,
      metadata: { slug: row.slug, version, changed, topology: next.spec.topology, ...extra, ...(release ? {} : { candidate: true }) },
    },
    tx,
  );
  const saved = await tx.team.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
  return { row: saved, estimate: checked.estimate as RunEstimate };
}

/** The version an edit builds on: the latest (the current one, or a candidate newer than it). */
async function latestTeamVersion(ctx: TenantContext, row: TeamWithCurrent, tx: Tx = db(ctx)): Promise<TeamVersionRow> {
  if (row.latestVersion === row.currentVersion && row.versions[0]) return row.versions[0];
  const latest = await tx.teamVersion.findFirst({ where: { teamId: row.id, workspaceId: ctx.workspaceId, version: row.latestVersion } });
  if (!latest) throw new AppError("INTERNAL", `Team ${row.id} has no version ${row.latestVersion}`);
  return latest;
}

/**
 * Makes an earlier released version current again as a new version with its name, description and spec (a rollback
 * that keeps the history), validated like any save (its agents must still exist). Audited as `team.update` with
 * `restoredFrom`; restoring what the latest version already is writes nothing.
 */
export async function restoreTeamVersion(ctx: TenantContext, ref: string, input: z.input<typeof restoreVersionInputSchema>): Promise<SavedTeamOutput> {
  const { version, baseVersion } = restoreVersionInputSchema.parse(input);
  const row = await findTeam(ctx, ref);
  if (row.archivedAt) throw new AppError("CONFLICT", `Team "${row.slug}" is archived and cannot be changed`);
  if (baseVersion !== undefined && baseVersion !== row.latestVersion) throw staleEdit("Team", row.slug, baseVersion, row.latestVersion);
  const source = await db(ctx).teamVersion.findFirst({ where: { teamId: row.id, workspaceId: ctx.workspaceId, version } });
  if (!source) throw new AppError("NOT_FOUND", `Team "${row.slug}" has no version ${version}`);
  if (!source.releasedAt)
    throw new AppError("CONFLICT", `Version ${version} of team "${row.slug}" was never released: a candidate becomes current only by passing its evaluation`);
  const latest = await latestTeamVersion(ctx, row);
  const spec = storedSpec(source);
  const gate = storedQualityGate(source);
  const agentGates = storedAgentGates(source);
  const same =
    source.name === latest.name &&
    source.description === latest.description &&
    sameJson(spec, storedSpec(latest)) &&
    sameJson(gate, storedQualityGate(latest)) &&
    agentGates === storedAgentGates(latest);
  if (same && row.latestVersion === row.currentVersion) return { ...toTeam(row), estimate: (await specPreflight(ctx, spec)).estimate };
  const routing = await routingSnapshot(ctx);
  const { row: updated, estimate } = await db(ctx).$transaction((tx) =>
    appendTeamVersion(ctx, tx, row, { name: source.name, description: source.description, spec, qualityGate: gate, agentGates }, routing, {
      restoredFrom: version,
    }),
  );
  return { ...toTeam(updated), estimate };
}

function gateJson(gate: QualityGate | null): Prisma.InputJsonValue | typeof Prisma.DbNull {
  return gate === null ? Prisma.DbNull : (gate as unknown as Prisma.InputJsonValue);
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
  const [gateA, gateB] = [storedQualityGate(a), storedQualityGate(b)];
  if (!sameJson(gateA, gateB)) changes.push({ field: "qualityGate", before: gateA, after: gateB });
  if (storedAgentGates(a) !== storedAgentGates(b)) changes.push({ field: "agentGates", before: storedAgentGates(a), after: storedAgentGates(b) });
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
