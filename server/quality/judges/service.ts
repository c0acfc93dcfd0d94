/**
 * Judges and their immutable versions, like agents (server/agents/service.ts): a Judge row holds the slug, the
 * current version and the archived flag; every save appends a JudgeVersion, so a verdict can pin the version it used.
 * An update identical to the current version writes nothing; a save based on an older version is a CONFLICT.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { actorUserId, type TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { modelPolicySchema, type ModelPolicy } from "@/lib/schemas/model-policy";
import {
  createJudgeInputSchema,
  fewShotExampleSchema,
  JUDGE_VERSION_FIELDS,
  listJudgesInputSchema,
  rubricSchema,
  updateJudgeInputSchema,
  type JudgeOutput,
  type Rubric,
} from "@/lib/schemas/judges";
import { sameJson } from "@/lib/line-diff";
import { qualityGateSchema, type PinnedGate, type QualityGate } from "@/lib/schemas/quality-gate";
import { checkPolicyReferences } from "@/server/models/routing";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { prismaCode } from "@/server/db/errors";
import { assertJudgesRoutable } from "./feasibility";

type Tx = Prisma.TransactionClient;

/** The 409 of a save based on a version that is no longer the current one (as agents and teams answer it). */
function staleEdit(slug: string, base: number, current: number | null): AppError {
  const since = current === null ? "was saved by someone else at the same time" : `is at version ${current} now (someone else saved)`;
  return new AppError("CONFLICT", `Judge "${slug}" ${since}; this edit started from version ${base}. Reload to see their changes, then save again.`, {
    baseVersion: base,
    currentVersion: current,
  });
}
type JudgeRow = Prisma.JudgeGetPayload<{ include: { versions: true } }>;
type VersionRow = Prisma.JudgeVersionGetPayload<object>;

/** One version of a judge, as a run's quality gate pins it. */
export interface JudgeVersionOut {
  judgeId: string;
  slug: string;
  version: number;
  name: string;
  instructions: string;
  modelPolicy: ModelPolicy;
  rubric: Rubric;
  referenceAnswer: string | null;
  examples: z.output<typeof fewShotExampleSchema>[];
  labelledSetId: null;
  maxOutputTokens: number;
  createdAt: Date;
}
type VersionFields = Pick<JudgeVersionOut, (typeof JUDGE_VERSION_FIELDS)[number]>;

const withCurrent = { versions: { orderBy: { version: "desc" }, take: 1 } } as const;

export function toJudgeVersion(judge: { id: string; slug: string }, v: VersionRow): JudgeVersionOut {
  return {
    judgeId: judge.id,
    slug: judge.slug,
    version: v.version,
    name: v.name,
    instructions: v.instructions,
    modelPolicy: modelPolicySchema.parse(v.modelPolicy),
    rubric: rubricSchema.parse(v.rubric),
    referenceAnswer: v.referenceAnswer,
    examples: fewShotExampleSchema.array().parse(v.examples),
    labelledSetId: null,
    maxOutputTokens: v.maxOutputTokens,
    createdAt: v.createdAt,
  };
}

function toJudge(row: JudgeRow): JudgeOutput {
  const v = row.versions[0];
  if (!v) throw new AppError("INTERNAL", `Judge ${row.id} has no version`);
  const { judgeId: _id, slug: _slug, version: _version, createdAt: _created, ...fields } = toJudgeVersion(row, v);
  return {
    id: row.id,
    slug: row.slug,
    currentVersion: row.currentVersion,
    archivedAt: row.archivedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    ...fields,
  };
}

/** A judge of the workspace by id or slug; another workspace's judge is NOT_FOUND. */
async function findJudge(ctx: TenantContext, ref: string, tx: Tx = db(ctx)): Promise<JudgeRow> {
  const row = await tx.judge.findFirst({ where: { workspaceId: ctx.workspaceId, OR: [{ id: ref }, { slug: ref }] }, include: withCurrent });
  if (!row) throw new AppError("NOT_FOUND", `Judge "${ref}" not found`);
  return row;
}

export function versionData(ctx: TenantContext, judgeId: string, version: number, f: VersionFields): Prisma.JudgeVersionUncheckedCreateInput {
  return {
    id: newId("jdv"),
    workspaceId: ctx.workspaceId,
    judgeId,
    version,
    name: f.name,
    instructions: f.instructions,
    modelPolicy: f.modelPolicy as Prisma.InputJsonValue,
    rubric: f.rubric as unknown as Prisma.InputJsonValue,
    referenceAnswer: f.referenceAnswer,
    examples: f.examples as unknown as Prisma.InputJsonValue,
    labelledSetId: null,
    maxOutputTokens: f.maxOutputTokens,
    createdById: actorUserId(ctx),
  };
}

/** One page of the workspace's judges, newest first. */
export async function listJudges(ctx: TenantContext, input: z.input<typeof listJudgesInputSchema> = {}): Promise<Page<JudgeOutput>> {
  const { includeArchived, limit, cursor } = listJudgesInputSchema.parse(input);
  const rows = await db(ctx).judge.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...(includeArchived ? {} : { archivedAt: null }) }, keysetWhere(cursor)] },
    include: withCurrent,
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toJudge), nextCursor: page.nextCursor };
}

export async function getJudge(ctx: TenantContext, ref: string): Promise<JudgeOutput> {
  return toJudge(await findJudge(ctx, ref));
}

export async function createJudge(ctx: TenantContext, input: z.input<typeof createJudgeInputSchema>): Promise<JudgeOutput> {
  const data = createJudgeInputSchema.parse(input);
  await checkPolicyReferences(ctx, data.modelPolicy);
  const judgeId = newId("jdg");
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      await tx.judge.create({ data: { id: judgeId, workspaceId: ctx.workspaceId, slug: data.slug, name: data.name, currentVersion: 1 } });
      await tx.judgeVersion.create({ data: versionData(ctx, judgeId, 1, data) });
      await recordAudit(
        ctx,
        { action: "judge.create", targetType: "judge", targetId: judgeId, metadata: { slug: data.slug, name: data.name, version: 1 } },
        tx,
      );
      return tx.judge.findFirstOrThrow({ where: { id: judgeId }, include: withCurrent });
    });
    return toJudge(row);
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `A judge with the slug "${data.slug}" already exists in this workspace`);
    throw error;
  }
}

/** Saves a new version with the given fields changed (see the module comment). An archived judge cannot be changed. */
export async function updateJudge(ctx: TenantContext, ref: string, patch: z.input<typeof updateJudgeInputSchema>): Promise<JudgeOutput> {
  const data = updateJudgeInputSchema.parse(patch);
  const row = await findJudge(ctx, ref);
  if (row.archivedAt) throw new AppError("CONFLICT", `Judge "${row.slug}" is archived and cannot be changed`);
  if (data.baseVersion !== undefined && data.baseVersion !== row.currentVersion) throw staleEdit(row.slug, data.baseVersion, row.currentVersion);
  const current = toJudgeVersion(row, row.versions[0]!);
  const next: VersionFields = { ...current };
  for (const f of JUDGE_VERSION_FIELDS) if (data[f] !== undefined) (next as Record<string, unknown>)[f] = data[f];
  const changed = JUDGE_VERSION_FIELDS.filter((f) => !sameJson(current[f], next[f]));
  if (changed.length === 0) return toJudge(row);
  await checkPolicyReferences(ctx, next.modelPolicy);
  const version = row.currentVersion + 1;
  const updated = await db(ctx).$transaction(async (tx) => {
    const bumped = await tx.judge.updateMany({
      where: { id: row.id, workspaceId: ctx.workspaceId, currentVersion: row.currentVersion, archivedAt: null },
      data: { currentVersion: version, name: next.name },
    });
    if (bumped.count !== 1) throw staleEdit(row.slug, row.currentVersion, null);
    await tx.judgeVersion.create({ data: versionData(ctx, row.id, version, next) });
    await recordAudit(ctx, { action: "judge.update", targetType: "judge", targetId: row.id, metadata: { slug: row.slug, version, changed } }, tx);
    return tx.judge.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
  });
  return toJudge(updated);
}

/** Archives a judge (soft delete): gates that name it refuse new runs; its versions and verdicts stay readable. */
export async function archiveJudge(ctx: TenantContext, ref: string): Promise<JudgeOutput> {
  const row = await findJudge(ctx, ref);
  if (row.archivedAt) return toJudge(row);
  const updated = await db(ctx).$transaction(async (tx) => {
    await tx.judge.updateMany({ where: { id: row.id, workspaceId: ctx.workspaceId }, data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "judge.archive", targetType: "judge", targetId: row.id, metadata: { slug: row.slug } }, tx);
    return tx.judge.findFirstOrThrow({ where: { id: row.id }, include: withCurrent });
  });
  return toJudge(updated);
}

/** One page of a judge's versions, newest first. */
export async function listJudgeVersions(ctx: TenantContext, ref: string, pagination: z.input<typeof paginationSchema> = {}): Promise<Page<JudgeVersionOut>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const judge = await findJudge(ctx, ref);
  const rows = await db(ctx).judgeVersion.findMany({
    where: { AND: [{ judgeId: judge.id, workspaceId: ctx.workspaceId }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map((v) => toJudgeVersion(judge, v)), nextCursor: page.nextCursor };
}

/** A pinned version (any, archived or not: a run that pinned it keeps working), or the current one of a live judge. */
export async function getJudgeVersion(ctx: TenantContext, ref: string, version?: number): Promise<JudgeVersionOut> {
  const judge = await findJudge(ctx, ref);
  if (version === undefined) {
    if (judge.archivedAt) throw new AppError("CONFLICT", `Judge "${judge.slug}" is archived`);
    return toJudgeVersion(judge, judge.versions[0]!);
  }
  const row = await db(ctx).judgeVersion.findFirst({ where: { judgeId: judge.id, workspaceId: ctx.workspaceId, version } });
  if (!row) throw new AppError("NOT_FOUND", `Judge "${judge.slug}" has no version ${version}`);
  return toJudgeVersion(judge, row);
}

/**
 * The gate a run pins: the agent's (or team's, `owner`) gate, with its judges replaced by `runJudges` when the start
 * names some (default settings when the agent has no gate); each judge at its current version (an archived one is a
 * CONFLICT), and each able to route to a model with the json capability (RUN_INFEASIBLE otherwise: ./feasibility.ts).
 * Undefined: no gate.
 */
export async function pinGate(
  ctx: TenantContext,
  agentGate: QualityGate | null,
  runJudges?: readonly string[],
  owner: "agent" | "team" = "agent",
): Promise<PinnedGate | undefined> {
  const judges = runJudges ?? agentGate?.judges;
  if (!judges?.length) return undefined;
  const settings = agentGate ?? qualityGateSchema.parse({ judges });
  const pinned = await Promise.all(judges.map((ref) => getJudgeVersion(ctx, ref)));
  await assertJudgesRoutable(ctx, pinned);
  return {
    judges: pinned.map((j) => ({ id: j.judgeId, slug: j.slug, version: j.version })),
    maxRevisions: settings.maxRevisions,
    onFail: settings.onFail,
    passThreshold: settings.passThreshold,
    failThreshold: settings.failThreshold,
    source: runJudges ? "run" : owner,
  };
}

/**
 * Refuses a gate (an agent or team version's; `client`: the caller's transaction) that names a judge the workspace does not have, or an archived one:
 * VALIDATION_FAILED at `path`.judges, naming them.
 */
export async function checkGateJudges(
  ctx: TenantContext,
  gate: QualityGate | null | undefined,
  path = "qualityGate",
  client: Pick<ReturnType<typeof db>, "judge"> = db(ctx),
): Promise<void> {
  if (!gate?.judges.length) return;
  const rows = await client.judge.findMany({
    where: { workspaceId: ctx.workspaceId, archivedAt: null, OR: [{ id: { in: gate.judges } }, { slug: { in: gate.judges } }] },
    select: { id: true, slug: true },
  });
  const unknown = gate.judges.filter((ref) => !rows.some((r) => r.id === ref || r.slug === ref));
  if (unknown.length === 0) return;
  const message = `No judge ${unknown.map((u) => `"${u}"`).join(", ")} in this workspace (or archived): create it on the Judges page, or remove it`;
  throw new AppError("VALIDATION_FAILED", `${path}.judges: ${message}`, { issues: [{ path: `${path}.judges`, message }] });
}
