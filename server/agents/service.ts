/**
 * Agents and their immutable versions. An agent row holds the slug, the current version number and the
 * archived flag; every save writes a new AgentVersion (version 1, 2, ...), never changing an old one, so a run
 * can pin the version it started with. An update identical to the current version writes nothing.
 * Archiving is a soft delete: an archived agent cannot be used in new team versions or runs, but its versions
 * stay readable (old runs keep working) and its slug stays taken.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";
import { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { actorUserId, type TenantContext } from "@/server/context";
import { auditLogData, recordAudit } from "@/server/audit/service";
import { modelPolicySchema, type ModelPolicy } from "@/lib/schemas/model-policy";
import { contextBudgetSchema, type ContextBudget } from "@/lib/schemas/context-budget";
import { memoryPolicySchema, type MemoryPolicy } from "@/lib/schemas/memory-policy";
import { qualityGateSchema, type QualityGate } from "@/lib/schemas/quality-gate";
import { approvalPolicySchema, type ApprovalPolicy } from "@/lib/schemas/tools";
import {
  AGENT_VERSION_FIELDS,
  createAgentInputSchema,
  listAgentsInputSchema,
  restoreVersionInputSchema,
  updateAgentInputSchema,
  type AgentDiffOutput,
  type AgentOutput,
  type AgentVersionField,
} from "@/lib/schemas/agents";
import { lineDiff, sameJson } from "@/lib/line-diff";
import { cacheAgentVersion, cachedAgentVersion } from "./version-cache";
import { checkPolicyReferences } from "@/server/models/routing";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { prismaCode } from "@/server/db/errors";
import { addedTools, checkGrantApprovals, checkToolGrants } from "@/server/tools/grants";
import { checkGateJudges } from "@/server/quality/judges/service";
import { candidateSaved, storedPromotionRule } from "./candidates";

type Tx = Prisma.TransactionClient;

/** One version of an agent, as runs pin it (the contract of issue 4). */
export interface AgentVersionOut {
  agentId: string;
  slug: string;
  version: number;
  name: string;
  roleDescription: string;
  instructions: string;
  modelPolicy: ModelPolicy;
  maxOutputTokens: number;
  temperature: number;
  /** how long a step waits in all for its providers to recover (seconds) */
  outageWaitSeconds: number;
  /** one model call's timeout (seconds); null: scaled to its output budget */
  callTimeoutSeconds: number | null;
  /** how other agents' outputs are fitted into its context budget; null: the team's option */
  contextBudget: ContextBudget | null;
  allowedTools: string[];
  /** per granted tool, the grant's approval policy (it can only add approval: server/tools/approval-policy.ts) */
  toolApprovals: Record<string, ApprovalPolicy>;
  /** what its steps recall and its runs remember; null: no memory */
  memoryPolicy: MemoryPolicy | null;
  /** judges that score its output in its runs; null: none */
  qualityGate: QualityGate | null;
  createdAt: Date;
  /** when it became current (or was saved as current); null: a candidate awaiting its evaluation */
  releasedAt: Date | null;
}

type AgentRow = Prisma.AgentGetPayload<object>;
type VersionRow = Prisma.AgentVersionGetPayload<object>;
export type AgentWithCurrent = Prisma.AgentGetPayload<{ include: { versions: true } }>;

const jsonOrNull = (value: ContextBudget | MemoryPolicy | QualityGate | null | undefined) =>
  value ? (value as unknown as Prisma.InputJsonObject) : Prisma.DbNull;

/** A stored context budget option (null, or one that no longer parses: the team's). */
function parseContextBudget(value: unknown): ContextBudget | null {
  const parsed = contextBudgetSchema.nullable().safeParse(value ?? null);
  return parsed.success ? parsed.data : null;
}

/**
 * Stored grant approval policies: an entry that no longer parses reads as "always" (the safe side: a grant policy
 * only ever adds approval), one of a tool no longer granted is dropped.
 */
function parseToolApprovals(value: unknown, allowedTools: readonly string[]): Record<string, ApprovalPolicy> {
  const out: Record<string, ApprovalPolicy> = {};
  if (!value || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [name, policy] of Object.entries(value as Record<string, unknown>)) {
    if (!allowedTools.includes(name)) continue;
    const parsed = approvalPolicySchema.safeParse(policy);
    out[name] = parsed.success ? parsed.data : { mode: "always" };
  }
  return out;
}

/** A stored memory policy (null, or one that no longer parses: no memory). */
function parseMemoryPolicy(value: unknown): MemoryPolicy | null {
  const parsed = memoryPolicySchema.nullable().safeParse(value ?? null);
  return parsed.success ? parsed.data : null;
}

/** A stored quality gate (null, or one that no longer parses: none). */
function parseQualityGate(value: unknown): QualityGate | null {
  const parsed = qualityGateSchema.nullable().safeParse(value ?? null);
  return parsed.success ? parsed.data : null;
}

/**
 * The current version is the highest released one: versions are only ever appended, a candidate (saved under an
 * evaluation rule) is released only if it is newer than the current one, and a restore is a new version.
 */
export const withCurrent = { versions: { where: { releasedAt: { not: null } }, orderBy: { version: "desc" }, take: 1 } } as const;

export function toAgentVersion(agent: Pick<AgentRow, "id" | "slug">, v: VersionRow): AgentVersionOut {
  return {
    agentId: agent.id,
    slug: agent.slug,
    version: v.version,
    name: v.name,
    roleDescription: v.roleDescription,
    instructions: v.instructions,
    modelPolicy: modelPolicySchema.parse(v.modelPolicy),
    maxOutputTokens: v.maxOutputTokens,
    temperature: v.temperature,
    outageWaitSeconds: v.outageWaitSeconds,
    callTimeoutSeconds: v.callTimeoutSeconds ?? null,
    contextBudget: parseContextBudget(v.contextBudget),
    allowedTools: [...v.allowedTools],
    toolApprovals: parseToolApprovals(v.toolApprovals, v.allowedTools),
    memoryPolicy: parseMemoryPolicy(v.memoryPolicy),
    qualityGate: parseQualityGate(v.qualityGate),
    createdAt: v.createdAt,
    releasedAt: v.releasedAt ?? null,
  };
}

export function toAgent(row: AgentWithCurrent): AgentOutput {
  const v = row.versions[0];
  if (!v) throw new AppError("INTERNAL", `Agent ${row.id} has no version`);
  const current = toAgentVersion(row, v);
  return {
    id: row.id,
    slug: row.slug,
    currentVersion: row.currentVersion,
    latestVersion: row.latestVersion,
    versionCount: row.latestVersion,
    promotionRule: storedPromotionRule(row.promotionRule),
    archivedAt: row.archivedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    mcpExposed: row.mcpExposed,
    mcpSharePrompt: row.mcpSharePrompt,
    name: current.name,
    roleDescription: current.roleDescription,
    instructions: current.instructions,
    modelPolicy: current.modelPolicy,
    maxOutputTokens: current.maxOutputTokens,
    temperature: current.temperature,
    outageWaitSeconds: current.outageWaitSeconds,
    callTimeoutSeconds: current.callTimeoutSeconds,
    contextBudget: current.contextBudget,
    allowedTools: current.allowedTools,
    toolApprovals: current.toolApprovals,
    memoryPolicy: current.memoryPolicy,
    qualityGate: current.qualityGate,
  };
}

/** An agent of the workspace by id or slug; another workspace's agent is NOT_FOUND. */
async function findAgent(ctx: TenantContext, ref: string, tx: Tx = db(ctx)): Promise<AgentWithCurrent> {
  const row = await tx.agent.findFirst({ where: { workspaceId: ctx.workspaceId, OR: [{ id: ref }, { slug: ref }] }, include: withCurrent });
  if (!row) throw new AppError("NOT_FOUND", `Agent "${ref}" not found`);
  return row;
}

/** One page of the workspace's agents, newest first (keyset on createdAt, id: server/db/cursor.ts). */
export async function listAgents(ctx: TenantContext, input: z.input<typeof listAgentsInputSchema> = {}): Promise<Page<AgentOutput>> {
  const { includeArchived, limit, cursor } = listAgentsInputSchema.parse(input);
  const rows = await db(ctx).agent.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...(includeArchived ? {} : { archivedAt: null }) }, keysetWhere(cursor)] },
    include: withCurrent,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toAgent), nextCursor: page.nextCursor };
}

export async function getAgent(ctx: TenantContext, ref: string): Promise<AgentOutput> {
  return toAgent(await findAgent(ctx, ref));
}

export async function createAgent(ctx: TenantContext, input: z.input<typeof createAgentInputSchema>): Promise<AgentOutput> {
  const data = createAgentInputSchema.parse(input);
  await checkPolicyReferences(ctx, data.modelPolicy);
  await checkToolGrants(ctx, data.allowedTools);
  checkGrantApprovals(ctx, data);
  await checkGateJudges(ctx, data.qualityGate);
  try {
    const row = await db(ctx).$transaction((tx) => insertAgent(ctx, tx, data));
    return toAgent(row);
  } catch (error) {
    throw agentSlugTaken(error, data.slug);
  }
}

/** A P2002 on an agent's insert as the CONFLICT people read; any other error as it was. */
export function agentSlugTaken(error: unknown, slug: string): unknown {
  if (prismaCode(error) === "P2002")
    return new AppError("CONFLICT", `An agent with the slug "${slug}" already exists in this workspace (archived agents keep their slugs)`);
  return error;
}

/**
 * Writes a new agent with its version 1 and the `agent.create` audit entry in the caller's transaction (the input
 * parsed and its model policy's references checked by the caller).
 */
/**
 * The rows of a new agent at version 1 and its audit entry: insertAgent writes them one by one; a batch of agents
 * (a marketplace install) writes each kind with one createMany. `installId` links the agent to its install.
 */
export function newAgentRows(ctx: TenantContext, data: z.output<typeof createAgentInputSchema>, extra: { installId?: string } = {}) {
  const agentId = newId("agt");
  return {
    agent: {
      id: agentId,
      workspaceId: ctx.workspaceId,
      slug: data.slug,
      name: data.name,
      currentVersion: 1,
      latestVersion: 1,
      ...(extra.installId ? { installId: extra.installId } : {}),
    } satisfies Prisma.AgentUncheckedCreateInput,
    version: {
      id: newId("agv"),
      workspaceId: ctx.workspaceId,
      agentId,
      version: 1,
      name: data.name,
      roleDescription: data.roleDescription,
      instructions: data.instructions,
      modelPolicy: data.modelPolicy as Prisma.InputJsonValue,
      maxOutputTokens: data.maxOutputTokens,
      temperature: data.temperature,
      outageWaitSeconds: data.outageWaitSeconds,
      callTimeoutSeconds: data.callTimeoutSeconds,
      contextBudget: jsonOrNull(data.contextBudget),
      allowedTools: data.allowedTools,
      toolApprovals: data.toolApprovals as Prisma.InputJsonObject,
      memoryPolicy: jsonOrNull(data.memoryPolicy),
      qualityGate: jsonOrNull(data.qualityGate),
      createdById: actorUserId(ctx),
    } satisfies Prisma.AgentVersionUncheckedCreateInput,
    audit: auditLogData(ctx, {
      action: "agent.create",
      targetType: "agent",
      targetId: agentId,
      metadata: { slug: data.slug, name: data.name, version: 1, ...toolChanges([], data.allowedTools) },
    }),
  };
}

export async function insertAgent(ctx: TenantContext, tx: Prisma.TransactionClient, data: z.output<typeof createAgentInputSchema>) {
  const rows = newAgentRows(ctx, data);
  await tx.agent.create({ data: rows.agent });
  await tx.agentVersion.create({ data: rows.version });
  await tx.auditLog.create({ data: rows.audit });
  return tx.agent.findFirstOrThrow({ where: { id: rows.agent.id }, include: withCurrent });
}

/** The tools a save grants and takes away, for its audit entry (nothing when the grants stay). */
function toolChanges(before: readonly string[], after: readonly string[]): { toolsGranted?: string[]; toolsRevoked?: string[] } {
  const granted = addedTools(after, before);
  const revoked = addedTools(before, after);
  return { ...(granted.length > 0 ? { toolsGranted: granted } : {}), ...(revoked.length > 0 ? { toolsRevoked: revoked } : {}) };
}

export type VersionFields = Pick<AgentVersionOut, AgentVersionField>;

export function fieldsOf(v: AgentVersionOut): VersionFields {
  return Object.fromEntries(AGENT_VERSION_FIELDS.map((f) => [f, v[f]])) as VersionFields;
}

/** The fields that differ between two versions. */
export function changedFields(a: VersionFields, b: VersionFields): AgentVersionField[] {
  return AGENT_VERSION_FIELDS.filter((f) => !sameJson(a[f], b[f]));
}

/**
 * The 409 of a save based on a version that is no longer the current one (someone else saved in between).
 * `current` is null when the other save committed while this one was being written.
 */
export function staleEdit(kind: "Agent" | "Team", slug: string, base: number, current: number | null): AppError {
  const since = current === null ? "was saved by someone else at the same time" : `is at version ${current} now (someone else saved)`;
  return new AppError("CONFLICT", `${kind} "${slug}" ${since}; this edit started from version ${base}. Reload to see their changes, then save again.`, {
    baseVersion: base,
    currentVersion: current,
  });
}

/** The version an edit builds on: the latest (the current one, or a candidate newer than it). */
async function latestOf(ctx: TenantContext, row: AgentWithCurrent, tx: Tx = db(ctx)): Promise<AgentVersionOut> {
  if (row.latestVersion === row.currentVersion && row.versions[0]) return toAgentVersion(row, row.versions[0]);
  const latest = await tx.agentVersion.findFirst({ where: { agentId: row.id, workspaceId: ctx.workspaceId, version: row.latestVersion } });
  if (!latest) throw new AppError("INTERNAL", `Agent ${row.id} has no version ${row.latestVersion}`);
  return toAgentVersion(row, latest);
}

/**
 * Saves a new version with the given fields changed (the rest carried over from the latest version). With
 * `baseVersion` (the version the edit started from), a save that is not based on the latest version is refused with
 * CONFLICT; the check and the write are one conditional update, so of two saves based on the same version exactly one
 * wins. Identical to the latest version: nothing is written and the agent is returned as it is. An archived agent
 * cannot be changed. The model policy must name a preset and a model of this workspace (`checkPolicyReferences`).
 */
export async function updateAgent(ctx: TenantContext, ref: string, patch: z.input<typeof updateAgentInputSchema>): Promise<AgentOutput> {
  const data = updateAgentInputSchema.parse(patch);
  const row = await findAgent(ctx, ref);
  if (row.archivedAt) throw new AppError("CONFLICT", `Agent "${row.slug}" is archived and cannot be changed`);
  if (data.baseVersion !== undefined && data.baseVersion !== row.latestVersion) throw staleEdit("Agent", row.slug, data.baseVersion, row.latestVersion);
  const current = fieldsOf(await latestOf(ctx, row));
  const next: VersionFields = { ...current };
  for (const f of AGENT_VERSION_FIELDS) if (data[f] !== undefined) (next as Record<string, unknown>)[f] = data[f];
  // grant policies carried over keep only the tools the save keeps (ones the patch gives are checked as they are)
  if (data.toolApprovals === undefined)
    next.toolApprovals = Object.fromEntries(Object.entries(current.toolApprovals).filter(([name]) => next.allowedTools.includes(name)));
  const changed = changedFields(current, next);
  if (changed.length === 0) return toAgent(row);
  // the policy being saved, changed or carried over: a stored one that has gone stale (its model deleted since,
  // say) must be replaced before anything else can be saved
  await checkPolicyReferences(ctx, next.modelPolicy);
  // the tools being saved must exist; the ones added need tools:grant
  await checkToolGrants(ctx, next.allowedTools, current.allowedTools);
  checkGrantApprovals(ctx, next, current);
  if (changed.includes("qualityGate")) await checkGateJudges(ctx, next.qualityGate);
  const updated = await db(ctx).$transaction((tx) => appendAgentVersion(ctx, tx, row, next, changed, current.allowedTools));
  const rule = storedPromotionRule(row.promotionRule);
  // under a promotion rule the new version is a candidate: its evaluation releases it
  if (rule) await candidateSaved(ctx, { kind: "agent", id: row.id, slug: row.slug, version: updated.latestVersion, rule });
  return toAgent(updated);
}

/**
 * Writes the next version of an agent (the fields already checked by the caller) with its `agent.update` audit entry
 * in the caller's transaction; a save since `row` was read is the stale-edit CONFLICT.
 */
export async function appendAgentVersion(
  ctx: TenantContext,
  tx: Tx,
  row: AgentWithCurrent,
  next: VersionFields,
  changed: AgentVersionField[],
  previousTools: readonly string[],
  extra: { restoredFrom?: number } = {},
): Promise<AgentWithCurrent> {
  const version = row.latestVersion + 1;
  // a restore is released at once (it was released before); any other save under a promotion rule is a candidate
  const release = extra.restoredFrom !== undefined || !storedPromotionRule(row.promotionRule);
  // optimistic: another save since we read the latest version makes this one a conflict, not a lost update
  const bumped = await tx.agent.updateMany({
    where: { id: row.id, workspaceId: ctx.workspaceId, latestVersion: row.latestVersion, archivedAt: null },
    data: release ? { currentVersion: version, latestVersion: version, name: next.name } : { latestVersion: version },
  });
  if (bumped.count !== 1) throw staleEdit("Agent", row.slug, row.latestVersion, null);
  await tx.agentVersion.create({
    data: {
      id: newId("agv"),
      workspaceId: ctx.workspaceId,
      agentId: row.id,
      version,
      name: next.name,
      roleDescription: next.roleDescription,
      instructions: next.instructions,
      modelPolicy: next.modelPolicy as Prisma.InputJsonValue,
      maxOutputTokens: next.maxOutputTokens,
      temperature: next.temperature,
      outageWaitSeconds: next.outageWaitSeconds,
      callTimeoutSeconds: next.callTimeoutSeconds,
      contextBudget: jsonOrNull(next.contextBudget),
      allowedTools: next.allowedTools,
      toolApprovals: next.toolApprovals as Prisma.InputJsonObject,
      memoryPolicy: jsonOrNull(next.memoryPolicy),
      qualityGate: jsonOrNull(next.qualityGate),
      createdById: actorUserId(ctx),
      releasedAt: release ? new Date() : null,
    },
  });
  await recordAudit(
    ctx,
    {
      action: "agent.update",
      targetType: "agent",
      targetId: row.id,
      metadata: { slug: row.slug, version, changed, ...toolChanges(previousTools, next.allowedTools), ...extra, ...(release ? {} : { candidate: true }) },
    },
    tx,
  );
  return tx.agent.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
}

/**
 * Makes an earlier version current again as a new version with its fields (a rollback that keeps the history: the
 * versions in between stay as they were). Only a version that was released can be restored; restoring the current
 * version writes nothing. Audited as `agent.update` with `restoredFrom`. Grants: as any save (tools it adds back
 * need tools:grant), and its model policy must still name this workspace's models.
 */
export async function restoreAgentVersion(ctx: TenantContext, ref: string, input: z.input<typeof restoreVersionInputSchema>): Promise<AgentOutput> {
  const { version, baseVersion } = restoreVersionInputSchema.parse(input);
  const row = await findAgent(ctx, ref);
  if (row.archivedAt) throw new AppError("CONFLICT", `Agent "${row.slug}" is archived and cannot be changed`);
  if (baseVersion !== undefined && baseVersion !== row.latestVersion) throw staleEdit("Agent", row.slug, baseVersion, row.latestVersion);
  const source = await db(ctx).agentVersion.findFirst({ where: { agentId: row.id, workspaceId: ctx.workspaceId, version } });
  if (!source) throw new AppError("NOT_FOUND", `Agent "${row.slug}" has no version ${version}`);
  if (!source.releasedAt)
    throw new AppError("CONFLICT", `Version ${version} of agent "${row.slug}" was never released: a candidate becomes current only by passing its evaluation`);
  const latest = fieldsOf(await latestOf(ctx, row));
  const next = fieldsOf(toAgentVersion(row, source));
  const changed = changedFields(latest, next);
  if (changed.length === 0 && row.latestVersion === row.currentVersion) return toAgent(row);
  await checkPolicyReferences(ctx, next.modelPolicy);
  await checkToolGrants(ctx, next.allowedTools, latest.allowedTools);
  checkGrantApprovals(ctx, next, latest);
  if (next.qualityGate) await checkGateJudges(ctx, next.qualityGate);
  const updated = await db(ctx).$transaction((tx) => appendAgentVersion(ctx, tx, row, next, changed, latest.allowedTools, { restoredFrom: version }));
  return toAgent(updated);
}

/** One page of an agent's versions, newest first (keyset on createdAt, id). */
export async function listAgentVersions(ctx: TenantContext, ref: string, pagination: z.input<typeof paginationSchema> = {}): Promise<Page<AgentVersionOut>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const where = keysetWhere(cursor);
  const agent = await findAgent(ctx, ref);
  const rows = await db(ctx).agentVersion.findMany({
    where: { AND: [{ agentId: agent.id, workspaceId: ctx.workspaceId }, where] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map((v) => toAgentVersion(agent, v)), nextCursor: page.nextCursor };
}

/**
 * One version of an agent (NOT_FOUND across tenants). With a version number: that version, archived or not
 * (old runs keep working). Without one: the current version for a new use, so an archived agent is refused.
 */
export async function getAgentVersion(ctx: TenantContext, idOrSlug: string, version?: number): Promise<AgentVersionOut> {
  if (version !== undefined) {
    // a version never changes: one this process has seen in this workspace needs no read
    const cached = cachedAgentVersion(ctx.workspaceId, { id: idOrSlug }, version) ?? cachedAgentVersion(ctx.workspaceId, { slug: idOrSlug }, version);
    // (a candidate's release is the one change a version sees: one cached unreleased is read again)
    if (cached && cached.releasedAt !== null) return cached;
  }
  const agent = await findAgent(ctx, idOrSlug);
  if (version === undefined) {
    if (agent.archivedAt) throw new AppError("CONFLICT", `Agent "${agent.slug}" is archived`);
    return remembered(ctx, toAgentVersion(agent, agent.versions[0]!));
  }
  const row = await db(ctx).agentVersion.findFirst({ where: { agentId: agent.id, workspaceId: ctx.workspaceId, version } });
  if (!row) throw new AppError("NOT_FOUND", `Agent "${agent.slug}" has no version ${version}`);
  return remembered(ctx, toAgentVersion(agent, row));
}

/** Puts a version read from the database in the in-process version cache (server/agents/version-cache.ts). */
export function remembered(ctx: TenantContext, v: AgentVersionOut): AgentVersionOut {
  cacheAgentVersion(ctx.workspaceId, v);
  return v;
}

/** Field by field, what changed from version `from` to version `to` (either order); instructions as a line diff. */
export async function diffAgentVersions(ctx: TenantContext, ref: string, from: number, to: number): Promise<AgentDiffOutput> {
  const agent = await findAgent(ctx, ref);
  const rows = await db(ctx).agentVersion.findMany({ where: { agentId: agent.id, workspaceId: ctx.workspaceId, version: { in: [from, to] } } });
  const a = rows.find((r) => r.version === from);
  const b = rows.find((r) => r.version === to);
  if (!a || !b) throw new AppError("NOT_FOUND", `Agent "${agent.slug}" has no version ${!a ? from : to}`);
  const before = fieldsOf(toAgentVersion(agent, a));
  const after = fieldsOf(toAgentVersion(agent, b));
  return {
    agentId: agent.id,
    from,
    to,
    changes: changedFields(before, after).map((field) => ({
      field,
      before: before[field],
      after: after[field],
      ...(field === "instructions" || field === "roleDescription" ? { lines: lineDiff(before[field], after[field]) } : {}),
    })),
  };
}

/** Soft delete: the agent stays readable with all its versions; new teams and runs cannot use it. */
export async function archiveAgent(ctx: TenantContext, ref: string): Promise<AgentOutput> {
  const row = await findAgent(ctx, ref);
  if (row.archivedAt) return toAgent(row);
  const updated = await db(ctx).$transaction(async (tx) => {
    await tx.agent.update({ where: inWorkspace(ctx, row.id), data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "agent.archive", targetType: "agent", targetId: row.id, metadata: { slug: row.slug, version: row.currentVersion } }, tx);
    return tx.agent.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
  });
  return toAgent(updated);
}

/** The workspace's agents with these slugs (for team validation and pinning): slug -> row with its current version. */
export async function agentsBySlug(ctx: TenantContext, slugs: string[], tx: Tx = db(ctx)): Promise<Map<string, AgentWithCurrent>> {
  if (slugs.length === 0) return new Map();
  const rows = await tx.agent.findMany({ where: { workspaceId: ctx.workspaceId, slug: { in: [...new Set(slugs)] } }, include: withCurrent });
  return new Map(rows.map((r) => [r.slug, r]));
}

export interface CurrentAgent {
  archived: boolean;
  current: AgentVersionOut;
}

/**
 * slug -> agent with its current version, from the jsonb array that cadre_team_with_agents builds (migration
 * 20261222_400_team_pinning_function: a column added to AgentVersion that pinning must carry is added there too).
 */
export function currentAgentsFromJson(value: unknown): Map<string, CurrentAgent> {
  const out = new Map<string, CurrentAgent>();
  for (const a of (Array.isArray(value) ? value : []) as Record<string, unknown>[]) {
    const version = {
      version: a.version,
      name: a.name,
      roleDescription: a.roleDescription,
      instructions: a.instructions,
      modelPolicy: a.modelPolicy,
      maxOutputTokens: a.maxOutputTokens,
      temperature: Number(a.temperature),
      outageWaitSeconds: a.outageWaitSeconds,
      callTimeoutSeconds: a.callTimeoutSeconds ?? null,
      contextBudget: a.contextBudget ?? null,
      allowedTools: a.allowedTools,
      toolApprovals: a.toolApprovals ?? {},
      memoryPolicy: a.memoryPolicy,
      qualityGate: a.qualityGate ?? null,
      createdAt: new Date(a.createdAt as string),
      releasedAt: a.releasedAt ? new Date(a.releasedAt as string) : null,
    } as VersionRow;
    out.set(a.slug as string, { archived: a.archived === true, current: toAgentVersion({ id: a.id as string, slug: a.slug as string }, version) });
  }
  return out;
}

/** Exact versions of agents by slug (a run's pins): slug -> version. Missing ones are NOT_FOUND. */
export async function agentVersionsBySlug(ctx: TenantContext, pins: Record<string, number>): Promise<Record<string, AgentVersionOut>> {
  const out: Record<string, AgentVersionOut> = {};
  const slugs: string[] = [];
  for (const [slug, version] of Object.entries(pins)) {
    const cached = cachedAgentVersion(ctx.workspaceId, { slug }, version);
    if (cached) out[slug] = cached;
    else slugs.push(slug);
  }
  if (slugs.length === 0) return out;
  const agents = await db(ctx).agent.findMany({ where: { workspaceId: ctx.workspaceId, slug: { in: slugs } }, select: { id: true, slug: true } });
  const bySlug = new Map(agents.map((a) => [a.slug, a]));
  const missing = slugs.filter((s) => !bySlug.has(s));
  if (missing.length) throw new AppError("NOT_FOUND", `Agent "${missing[0]}" not found`);
  const rows = await db(ctx).agentVersion.findMany({
    where: { workspaceId: ctx.workspaceId, OR: slugs.map((s) => ({ agentId: bySlug.get(s)!.id, version: pins[s]! })) },
  });
  for (const slug of slugs) {
    const agent = bySlug.get(slug)!;
    const row = rows.find((r) => r.agentId === agent.id && r.version === pins[slug]);
    if (!row) throw new AppError("NOT_FOUND", `Agent "${slug}" has no version ${pins[slug]}`);
    out[slug] = remembered(ctx, toAgentVersion(agent, row));
  }
  // in the order of the pins, cached or not
  return Object.fromEntries(Object.keys(pins).map((slug) => [slug, out[slug]!]));
}
