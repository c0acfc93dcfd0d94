/**
 * Evaluations (lib/schemas/evaluations.ts): create (pins the target version and the judges' current versions, one
 * EvaluationItem per dataset item), read with its aggregates, list, cancel, and `evaluationPassed` for promotion.
 * The work itself is ./run-items.ts, driven by the background job (server/jobs/evaluations.ts).
 *
 * Aggregates are computed from the item rows: itemsDone = scored + errored + skipped + cancelled; an item passes when
 * its judges' consensus is "pass" (score >= passThreshold, the gate's consensusOf), failed = scored and not passed;
 * meanScore and actualPassRate over the scored items; p50 latency over the scored items' run durations; costUsd is the
 * ledger of its runs (the runs' model calls and the judge calls, which are charged to the run they judge).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { paginationSchema, type Page } from "@/lib/schemas/common";
import { createEvaluationInputSchema, listEvaluationsInputSchema, type EvaluationItemOutput, type EvaluationOutput } from "@/lib/schemas/evaluations";
import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";
import { getAgentVersion } from "@/server/agents/service";
import { getTeam, getTeamVersion } from "@/server/teams/service";
import { getJudgeVersion } from "@/server/quality/judges/service";
import { cancelRun } from "@/server/runs/service";
import { allDatasetItems, findDataset } from "@/server/quality/datasets/service";

export type EvaluationRow = Prisma.EvaluationGetPayload<object>;
export type EvaluationItemRow = Prisma.EvaluationItemGetPayload<object>;
export interface PinnedJudge {
  id: string;
  slug: string;
  version: number;
}

export const TERMINAL_EVALUATION_STATUSES = ["succeeded", "failed", "cancelled"] as const;
const DONE_ITEM_STATUSES = ["scored", "errored", "skipped", "cancelled"];

export async function findEvaluation(ctx: TenantContext, id: string): Promise<EvaluationRow> {
  const row = await db(ctx).evaluation.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Evaluation "${id}" not found`);
  return row;
}

export const itemPassed = (item: Pick<EvaluationItemRow, "status" | "verdict">) => item.status === "scored" && item.verdict === "pass";

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

/** The cost of runs: the sum of their ledger rows. */
export async function costOfRuns(ctx: TenantContext, runIds: string[]): Promise<Map<string, number>> {
  if (runIds.length === 0) return new Map();
  const sums = await db(ctx).usageRecord.groupBy({ by: ["runId"], where: { workspaceId: ctx.workspaceId, runId: { in: runIds } }, _sum: { costUsd: true } });
  return new Map(sums.map((s) => [s.runId!, Number(s._sum.costUsd ?? 0)]));
}

export function aggregatesOf(items: Pick<EvaluationItemRow, "status" | "verdict" | "score" | "latencyMs">[]) {
  const scored = items.filter((i) => i.status === "scored");
  const passed = scored.filter(itemPassed).length;
  const scores = scored.map((i) => i.score ?? 0);
  return {
    itemsDone: items.filter((i) => DONE_ITEM_STATUSES.includes(i.status)).length,
    passed,
    failed: scored.length - passed,
    errored: items.filter((i) => i.status === "errored").length,
    skipped: items.filter((i) => i.status === "skipped").length,
    meanScore: scores.length ? round4(scores.reduce((a, b) => a + b, 0) / scores.length) : null,
    actualPassRate: scored.length ? round4(passed / scored.length) : null,
    p50LatencyMs: median(scored.flatMap((i) => (i.latencyMs === null ? [] : [i.latencyMs]))),
  };
}

export async function toEvaluation(ctx: TenantContext, row: EvaluationRow, items?: EvaluationItemRow[]): Promise<EvaluationOutput> {
  const rows = items ?? (await db(ctx).evaluationItem.findMany({ where: { evaluationId: row.id, workspaceId: ctx.workspaceId } }));
  const costs = await costOfRuns(
    ctx,
    rows.flatMap((i) => (i.runId ? [i.runId] : [])),
  );
  const { itemsDone, passed, failed, errored, skipped, ...figures } = aggregatesOf(rows);
  return {
    id: row.id,
    datasetId: row.datasetId,
    target: { type: row.targetType as "agent" | "team", id: row.targetId, slug: row.targetSlug, version: row.targetVersion },
    judges: row.judges as unknown as PinnedJudge[],
    passThreshold: row.passThreshold,
    failThreshold: row.failThreshold,
    passRate: row.passRate,
    budgetUsd: row.budgetUsd === null ? null : Number(row.budgetUsd),
    concurrency: row.concurrency,
    status: row.status as EvaluationOutput["status"],
    error: row.error,
    progress: { itemsDone, itemsTotal: row.itemsTotal, passed, failed, errored, skipped },
    costUsd: [...costs.values()].reduce((a, b) => a + b, 0),
    ...figures,
    passed: row.passed,
    promote: row.promote,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

export async function getEvaluation(ctx: TenantContext, id: string): Promise<EvaluationOutput> {
  return toEvaluation(ctx, await findEvaluation(ctx, id));
}

export async function listEvaluations(ctx: TenantContext, input: z.input<typeof listEvaluationsInputSchema> = {}): Promise<Page<EvaluationOutput>> {
  const { dataset, limit, cursor } = listEvaluationsInputSchema.parse(input);
  const datasetId = dataset ? (await findDataset(ctx, dataset)).id : undefined;
  const rows = await db(ctx).evaluation.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, ...(datasetId ? { datasetId } : {}) }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: await Promise.all(page.items.map((r) => toEvaluation(ctx, r))), nextCursor: page.nextCursor };
}

/** One page of an evaluation's items, in dataset order. */
export async function listEvaluationItems(
  ctx: TenantContext,
  id: string,
  pagination: z.input<typeof paginationSchema> = {},
): Promise<Page<EvaluationItemOutput>> {
  const { limit, cursor } = paginationSchema.parse(pagination);
  const evaluation = await findEvaluation(ctx, id);
  // the cursor is the last position of the previous page (items are in dataset order, not creation order)
  const decoded = cursor ? Buffer.from(cursor, "base64url").toString("utf8") : "-1";
  if (!/^-?\d{1,9}$/.test(decoded) || (cursor && Buffer.from(decoded).toString("base64url") !== cursor))
    throw new AppError("INVALID_CURSOR", "The cursor is not the nextCursor of a page of this list");
  const after = Number(decoded);
  const rows = await db(ctx).evaluationItem.findMany({
    where: { evaluationId: evaluation.id, workspaceId: ctx.workspaceId, position: { gt: after } },
    orderBy: { position: "asc" },
    take: limit + 1,
  });
  const page = rows.slice(0, limit);
  const inputs = await db(ctx).datasetItem.findMany({
    where: { workspaceId: ctx.workspaceId, id: { in: page.map((r) => r.datasetItemId) } },
    select: { id: true, input: true },
  });
  const inputOf = new Map(inputs.map((i) => [i.id, i.input]));
  return {
    items: page.map((r) => toItem(r, inputOf.get(r.datasetItemId) ?? "")),
    nextCursor: rows.length > limit ? Buffer.from(String(page.at(-1)!.position)).toString("base64url") : null,
  };
}

export function toItem(r: EvaluationItemRow, input: string): EvaluationItemOutput {
  return {
    id: r.id,
    datasetItemId: r.datasetItemId,
    position: r.position,
    input,
    status: r.status as EvaluationItemOutput["status"],
    runId: r.runId,
    score: r.score,
    verdict: r.verdict as JudgeVerdictLabel | null,
    latencyMs: r.latencyMs,
    costUsd: Number(r.costUsd),
    error: r.error,
  };
}

/** `promote` releases a candidate: the version must be one (saved under a rule, not released yet). */
async function assertCandidate(ctx: TenantContext, target: { targetType: string; targetId: string; targetSlug: string; targetVersion: number }) {
  const where = { workspaceId: ctx.workspaceId, version: target.targetVersion };
  const row =
    target.targetType === "agent"
      ? await db(ctx).agentVersion.findFirst({ where: { ...where, agentId: target.targetId }, select: { releasedAt: true } })
      : await db(ctx).teamVersion.findFirst({ where: { ...where, teamId: target.targetId }, select: { releasedAt: true } });
  if (row && row.releasedAt === null) return;
  const message = `Version ${target.targetVersion} of ${target.targetType} "${target.targetSlug}" is not a candidate: only a version saved under a promotion rule, not released yet, is promoted by an evaluation`;
  throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: "promote", message }] });
}

/** The target's id, slug and version: the given version, else the current one. */
async function pinTarget(ctx: TenantContext, data: z.output<typeof createEvaluationInputSchema>) {
  if (data.agent !== undefined) {
    const v = await getAgentVersion(ctx, data.agent, data.version);
    return { targetType: "agent", targetId: v.agentId, targetSlug: v.slug, targetVersion: v.version };
  }
  const team = await getTeam(ctx, data.team!);
  if (team.archivedAt) throw new AppError("CONFLICT", `Team "${team.slug}" is archived`);
  const version = data.version ?? team.currentVersion;
  if (data.version !== undefined) await getTeamVersion(ctx, team.id, version);
  return { targetType: "team", targetId: team.id, targetSlug: team.slug, targetVersion: version };
}

/** Creates an evaluation, queued, with one item per dataset item (the caller hands it to the worker). */
export async function createEvaluation(ctx: TenantContext, input: z.input<typeof createEvaluationInputSchema>): Promise<EvaluationOutput> {
  if (!ctx.permissions.has("runs:create")) throw new AppError("FORBIDDEN", "Your role does not allow runs:create (an evaluation starts runs)");
  const data = createEvaluationInputSchema.parse(input);
  const dataset = await findDataset(ctx, data.dataset);
  if (dataset.archivedAt) throw new AppError("CONFLICT", `Dataset "${dataset.slug}" is archived`);
  const items = await allDatasetItems(ctx, dataset.id);
  if (items.length === 0)
    throw new AppError("VALIDATION_FAILED", `Dataset "${dataset.slug}" has no items`, { issues: [{ path: "dataset", message: "The dataset has no items" }] });
  const target = await pinTarget(ctx, data);
  if (data.promote) await assertCandidate(ctx, target);
  const judges: PinnedJudge[] = (await Promise.all(data.judges.map((ref) => getJudgeVersion(ctx, ref)))).map((j) => ({
    id: j.judgeId,
    slug: j.slug,
    version: j.version,
  }));
  const id = newId("evl");
  const createdById = ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId;
  const row = await db(ctx).$transaction(async (tx) => {
    const created = await tx.evaluation.create({
      data: {
        id,
        workspaceId: ctx.workspaceId,
        datasetId: dataset.id,
        ...target,
        judges: judges as unknown as Prisma.InputJsonValue,
        passThreshold: data.passThreshold,
        failThreshold: data.failThreshold,
        passRate: data.passRate,
        promote: data.promote,
        budgetUsd: data.budgetUsd ?? null,
        concurrency: data.concurrency,
        itemsTotal: items.length,
        createdByType: ctx.actor.type,
        createdById,
      },
    });
    await tx.evaluationItem.createMany({
      data: items.map((item, position) => ({ id: newId("evi"), workspaceId: ctx.workspaceId, evaluationId: id, datasetItemId: item.id, position })),
    });
    await recordAudit(
      ctx,
      {
        action: "evaluation.create",
        targetType: "evaluation",
        targetId: id,
        metadata: { dataset: dataset.slug, target: `${target.targetType}:${target.targetSlug}@${target.targetVersion}`, judges: judges.map((j) => j.slug) },
      },
      tx,
    );
    return created;
  });
  return toEvaluation(ctx, row);
}

/** Cancels an unfinished evaluation: its pending items are cancelled, its running runs cancelled. */
export async function cancelEvaluation(ctx: TenantContext, id: string): Promise<EvaluationOutput> {
  const row = await findEvaluation(ctx, id);
  if (row.status === "cancelled") return toEvaluation(ctx, row);
  if ((TERMINAL_EVALUATION_STATUSES as readonly string[]).includes(row.status)) throw new AppError("CONFLICT", `The evaluation has already ${row.status}`);
  const running = await db(ctx).$transaction(async (tx) => {
    const now = new Date();
    const changed = await tx.evaluation.updateMany({
      where: { id, workspaceId: ctx.workspaceId, status: { in: ["queued", "running"] } },
      data: { status: "cancelled", finishedAt: now, updatedAt: now, error: "Cancelled", leaseOwner: null, leaseExpiresAt: null },
    });
    if (changed.count !== 1) throw new AppError("CONFLICT", "The evaluation has just finished");
    const runs = await tx.evaluationItem.findMany({ where: { evaluationId: id, workspaceId: ctx.workspaceId, status: "running" }, select: { runId: true } });
    await tx.evaluationItem.updateMany({
      where: { evaluationId: id, workspaceId: ctx.workspaceId, status: { in: ["pending", "running"] } },
      data: { status: "cancelled", updatedAt: now },
    });
    await recordAudit(ctx, { action: "evaluation.cancel", targetType: "evaluation", targetId: id, metadata: { runs: runs.length } }, tx);
    return runs.flatMap((r) => (r.runId ? [r.runId] : []));
  });
  for (const runId of running)
    await cancelRun(ctx, runId).catch(() => {
      // finished meanwhile: nothing to cancel
    });
  return getEvaluation(ctx, id);
}

/**
 * For promotion gates: whether a finished evaluation passed (its pass rate reached the one given at creation), with
 * its pass rate and mean score; null while it is unfinished or when it was cancelled. Another workspace's is NOT_FOUND.
 */
export async function evaluationPassed(ctx: TenantContext, evaluationId: string): Promise<{ passed: boolean; passRate: number; meanScore: number } | null> {
  const row = await findEvaluation(ctx, evaluationId);
  if (row.status !== "succeeded" && row.status !== "failed") return null;
  const items = await db(ctx).evaluationItem.findMany({ where: { evaluationId, workspaceId: ctx.workspaceId } });
  const a = aggregatesOf(items);
  return { passed: row.passed === true, passRate: a.actualPassRate ?? 0, meanScore: a.meanScore ?? 0 };
}
