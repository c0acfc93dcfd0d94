/**
 * The settings of which model embeds a memory scope (./models.ts resolves them) and the re-embedding a change starts
 * (issue 14): list and set the settings, list and follow the jobs, and the body of the job, one batch at a time
 * (`reembedNextBatch`), which the in-process worker and the Inngest function both run (server/jobs/memory-reembeds*.ts).
 *
 * Setting (or removing) a target's policy is ONE message: the setting, the jobs of the same target still running
 * marked superseded, the new job (queued with the number of rows to re-embed; done at once when there are none) and
 * the audit entry. The job's rows are those of its target whose scope's policy (resolved in SQL) is still the job's
 * and whose `embeddingModel` is not yet the model the policy routes to (learnt by the first batch, `targetModel`). A
 * batch embeds the next REEMBED_BATCH_SIZE of them (one gateway call, costed as the job's creator), then one
 * statement updates their embedding, dims and embeddingModel (only rows whose content is still the one embedded and
 * whose scope still has the job's policy: a row edited meanwhile was re-embedded by its edit, and is picked again
 * if not) and the job's progress, both only while the caller still holds the job (`fence`: its lease). A batch done
 * twice does no harm (the rows already of the target model are not picked again). `updatedAt` is left alone:
 * re-embedding does not make a memory recent.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Page } from "@/lib/schemas/common";
import type { MemoryScopeType } from "@/lib/schemas/memory";
import {
  listMemoryModelsInputSchema,
  listMemoryReembedsInputSchema,
  REEMBED_BATCH_SIZE,
  setMemoryModelInputSchema,
  type MemoryModelSettingOutput,
  type MemoryReembedOutput,
  type MemoryReembedStatus,
  type SetMemoryModelInput,
  type SetMemoryModelResult,
} from "@/lib/schemas/memory-models";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { auditLogSql as auditSql } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { execute, executeBatch } from "@/server/db/execute";
import type { Prisma } from "@/server/db/generated/client";
import { sql, type Sql } from "@/server/db/sql";
import { invalidateCatalogCache } from "@/server/models/catalog-cache";
import { checkPolicyReferences } from "@/server/models/routing";
import { DB_NOW } from "./documents/service";
import { effectivePolicySql, MEMORY_DEFAULT_EMBEDDING_POLICY, policyKey, sameTargetSql, storedPolicy, targetFilterSql, type MemoryModelTarget } from "./models";
import { embedWithPolicy, vectorSql } from "./service";

type SettingRow = Prisma.MemoryModelSettingGetPayload<object>;
type ReembedRow = Prisma.MemoryReembedGetPayload<object>;

export function toMemoryModelSetting(row: SettingRow): MemoryModelSettingOutput {
  return {
    id: row.id,
    scopeType: row.scopeType as MemoryScopeType | null,
    scopeId: row.scopeId,
    policy: storedPolicy(row.policy),
    updatedByType: row.updatedByType as MemoryModelSettingOutput["updatedByType"],
    updatedById: row.updatedById,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

export function toMemoryReembed(row: ReembedRow): MemoryReembedOutput {
  return {
    id: row.id,
    scopeType: row.scopeType as MemoryScopeType | null,
    scopeId: row.scopeId,
    policy: storedPolicy(row.policy),
    targetModel: row.targetModel,
    status: row.status as MemoryReembedStatus,
    progress: { rowsDone: row.rowsDone, rowsTotal: row.rowsTotal },
    error: row.error,
    createdByType: row.createdByType as MemoryReembedOutput["createdByType"],
    createdById: row.createdById,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

/** One page of the workspace's settings, newest first. */
export async function listMemoryModels(ctx: TenantContext, input: z.input<typeof listMemoryModelsInputSchema> = {}): Promise<Page<MemoryModelSettingOutput>> {
  const { limit, cursor } = listMemoryModelsInputSchema.parse(input);
  const rows = await db(ctx).memoryModelSetting.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toMemoryModelSetting), nextCursor: page.nextCursor };
}

/** A policy that can embed: its preset or model exists here, and a pinned model has the `embeddings` capability. */
async function checkEmbeddingPolicy(ctx: TenantContext, policy: ModelPolicy): Promise<void> {
  await checkPolicyReferences(ctx, policy);
  if (policy.type !== "pinned") return;
  const model = await db(ctx).model.findFirst({
    where: { id: policy.modelId, workspaceId: ctx.workspaceId },
    select: { displayName: true, capabilities: true },
  });
  if (!model?.capabilities.includes("embeddings")) {
    const message = `${model?.displayName ?? policy.modelId} cannot embed (it does not have the embeddings capability)`;
    throw new AppError("VALIDATION_FAILED", `Model policy: ${message}`, { issues: [{ path: "policy.modelId", message }] });
  }
}

/**
 * Sets (or, with policy null, removes) the model policy of a target, and starts re-embedding the target's memories
 * when that changes the policy its scopes are embedded with. Audited (`memory_model.update`, `memory_model.delete`).
 * The caller hands the job to the worker (server/jobs/memory-reembeds.ts).
 */
export async function setMemoryModel(ctx: TenantContext, input: SetMemoryModelInput): Promise<SetMemoryModelResult> {
  const data = setMemoryModelInputSchema.parse(input);
  const target: MemoryModelTarget = { scopeType: data.scopeType ?? null, scopeId: data.scopeId ?? null };
  const policy = data.policy;
  if (policy) await checkEmbeddingPolicy(ctx, policy);
  // the settings that cover the target: its own and the less specific ones (the fallback when it is removed)
  const covering = await db(ctx).memoryModelSetting.findMany({
    where: {
      workspaceId: ctx.workspaceId,
      OR: [
        { scopeType: null },
        ...(target.scopeType ? [{ scopeType: target.scopeType, scopeId: null }] : []),
        ...(target.scopeType && target.scopeId ? [{ scopeType: target.scopeType, scopeId: target.scopeId }] : []),
      ],
    },
  });
  const current = covering.find((s) => s.scopeType === target.scopeType && s.scopeId === target.scopeId);
  const fallbackRow = covering.filter((s) => s !== current).sort((a, b) => Number(b.scopeType !== null) - Number(a.scopeType !== null))[0];
  const fallback = fallbackRow ? storedPolicy(fallbackRow.policy) : MEMORY_DEFAULT_EMBEDDING_POLICY;
  const before = current ? storedPolicy(current.policy) : fallback;
  if (!policy && !current) return { setting: null, reembed: null };
  if (policy && current && policyKey(policy) === policyKey(before)) return { setting: toMemoryModelSetting(current), reembed: null };
  const after = policy ?? fallback;

  const settingId = current?.id ?? newId("mmod");
  const updatedById = ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId;
  const write = policy
    ? sql`INSERT INTO "MemoryModelSetting" ("id", "workspaceId", "scopeType", "scopeId", "policy", "updatedByType", "updatedById")
        VALUES (${settingId}, ${ctx.workspaceId}, ${target.scopeType}, ${target.scopeId}, ${sql.json(policy)}, ${ctx.actor.type}, ${updatedById})
        ON CONFLICT ("workspaceId", (coalesce("scopeType", '')), (coalesce("scopeId", '')))
        DO UPDATE SET "policy" = EXCLUDED."policy", "updatedByType" = EXCLUDED."updatedByType", "updatedById" = EXCLUDED."updatedById", "updatedAt" = ${DB_NOW}`
    : sql`DELETE FROM "MemoryModelSetting" WHERE "workspaceId" = ${ctx.workspaceId} AND ${sameTargetSql(target)}`;
  const changed = policyKey(before) !== policyKey(after);
  const reembedId = changed ? newId("remb") : null;
  const statements: Sql[] = [write];
  if (reembedId) {
    const rows = sql`SELECT count(*)::int AS "n" FROM "Memory" m WHERE m."workspaceId" = ${ctx.workspaceId} AND ${targetFilterSql(target)} AND ${effectivePolicySql()} = ${sql.json(after)}`;
    statements.push(
      sql`UPDATE "MemoryReembed" SET "status" = 'superseded', "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW}
        WHERE "workspaceId" = ${ctx.workspaceId} AND ${sameTargetSql(target)} AND "status" IN ('queued', 'processing')`,
      sql`INSERT INTO "MemoryReembed" ("id", "workspaceId", "scopeType", "scopeId", "policy", "status", "rowsTotal", "createdByType", "createdById", "finishedAt")
        SELECT ${reembedId}, ${ctx.workspaceId}, ${target.scopeType}, ${target.scopeId}, ${sql.json(after)}, CASE WHEN c."n" = 0 THEN 'done' ELSE 'queued' END, c."n",
          ${ctx.actor.type}, ${updatedById}, CASE WHEN c."n" = 0 THEN ${DB_NOW} END
        FROM (${rows}) c`,
    );
  }
  statements.push(
    auditSql(ctx, {
      action: policy ? "memory_model.update" : "memory_model.delete",
      targetType: "memory_model",
      targetId: settingId,
      metadata: { scopeType: target.scopeType, scopeId: target.scopeId, policy, previous: current ? storedPolicy(current.policy) : null, reembedId },
    }),
  );
  await executeBatch(ctx, statements);
  // recall resolves its scopes' policies from the catalog cache: this process sees the change from now on
  invalidateCatalogCache(ctx.workspaceId);
  const setting = policy ? await db(ctx).memoryModelSetting.findFirst({ where: { workspaceId: ctx.workspaceId, id: settingId } }) : null;
  return {
    setting: setting ? toMemoryModelSetting(setting) : null,
    reembed: reembedId ? await getMemoryReembed(ctx, reembedId) : null,
  };
}

/** One page of the workspace's re-embedding jobs, newest first, optionally of one target or status. */
export async function listMemoryReembeds(ctx: TenantContext, input: z.input<typeof listMemoryReembedsInputSchema> = {}): Promise<Page<MemoryReembedOutput>> {
  const { scopeType, scopeId, status, limit, cursor } = listMemoryReembedsInputSchema.parse(input);
  const rows = await db(ctx).memoryReembed.findMany({
    where: {
      AND: [
        { workspaceId: ctx.workspaceId, ...(scopeType ? { scopeType } : {}), ...(scopeId ? { scopeId } : {}), ...(status ? { status } : {}) },
        keysetWhere(cursor),
      ],
    },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toMemoryReembed), nextCursor: page.nextCursor };
}

export async function getMemoryReembed(ctx: TenantContext, id: string): Promise<MemoryReembedOutput> {
  const row = await db(ctx).memoryReembed.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Re-embedding "${id}" not found`);
  return toMemoryReembed(row);
}

/** What a batch did: `done` once the job is done, failed, superseded or gone (nothing left for this caller to do). */
export interface ReembedOutcome {
  done: boolean;
  status: MemoryReembedStatus | "gone" | "lost";
  rowsDone: number;
  rowsTotal: number;
}

/** The policy routed to another model than the job's first batch did (a fallback, or the preset changed): retried. */
export class ReembedModelChangedError extends Error {
  constructor(targetModel: string, got: string) {
    super(`The policy now routes to ${got} instead of ${targetModel}; re-embedding waits for ${targetModel} (set the model again to use ${got})`);
    this.name = "ReembedModelChangedError";
  }
}

/**
 * Processes the next batch of a job that is `processing`: picks the rows still to re-embed, embeds them (one gateway
 * call), then updates them and commits the progress in one statement under the fence; no row left marks it done.
 */
export async function reembedNextBatch(ctx: TenantContext, id: string, options: { fence?: Sql; leaseMs?: number } = {}): Promise<ReembedOutcome> {
  const job = await db(ctx).memoryReembed.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!job) return { done: true, status: "gone", rowsDone: 0, rowsTotal: 0 };
  if (job.status !== "processing") return { done: true, status: job.status as MemoryReembedStatus, rowsDone: job.rowsDone, rowsTotal: job.rowsTotal };
  const ws = ctx.workspaceId;
  const fence = sql`"status" = 'processing' AND ${options.fence ?? sql`TRUE`}`;
  const holds = sql`EXISTS (SELECT 1 FROM "MemoryReembed" WHERE "id" = ${id} AND "workspaceId" = ${ws} AND ${fence})`;
  const lease = options.leaseMs ? sql`, "leaseExpiresAt" = ${DB_NOW} + ${Math.floor(options.leaseMs)} * INTERVAL '1 millisecond'` : sql.empty;
  const ofJob = sql`m."workspaceId" = ${ws} AND ${targetFilterSql({ scopeType: job.scopeType, scopeId: job.scopeId })} AND ${effectivePolicySql()} = ${sql.json(job.policy)}`;
  const notYet = (model: string | null) => (model ? sql` AND m."embeddingModel" <> ${model}` : sql.empty);
  const { rows } = await execute<{ id: string; content: string }>(
    ctx,
    sql`SELECT m."id", m."content" FROM "Memory" m WHERE ${ofJob}${notYet(job.targetModel)} ORDER BY m."id" LIMIT ${REEMBED_BATCH_SIZE}`,
  );
  if (rows.length === 0) {
    const [r] = await executeBatch(ctx, [
      sql`UPDATE "MemoryReembed" SET "status" = 'done', "rowsTotal" = "rowsDone", "attempts" = 0, "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
        "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW} WHERE "id" = ${id} AND "workspaceId" = ${ws} AND ${fence} RETURNING "rowsDone"`,
    ]);
    if (r!.rowCount === 0) return { done: true, status: "lost", rowsDone: job.rowsDone, rowsTotal: job.rowsTotal };
    return { done: true, status: "done", rowsDone: job.rowsDone, rowsTotal: job.rowsDone };
  }
  const embeddings = await embedWithPolicy(
    ctx,
    storedPolicy(job.policy),
    rows.map((r) => r.content),
  );
  const model = embeddings[0]!.model;
  if (job.targetModel && model !== job.targetModel) throw new ReembedModelChangedError(job.targetModel, model);
  const values = sql.join(rows.map((r, i) => sql`(${r.id}, ${r.content}, ${vectorSql(embeddings[i]!.vector)})`));
  const batchIds = sql.array(
    rows.map((r) => r.id),
    "text",
  );
  const [r] = await executeBatch(ctx, [
    sql`WITH v ("id", "content", "embedding") AS (VALUES ${values}),
      upd AS (
        UPDATE "Memory" m SET "embedding" = v."embedding", "dims" = ${embeddings[0]!.vector.length}, "embeddingModel" = ${model}
        FROM v WHERE m."id" = v."id" AND m."content" = v."content" AND ${ofJob} AND ${holds}
        RETURNING m."id")
      UPDATE "MemoryReembed" SET "rowsDone" = "rowsDone" + (SELECT count(*) FROM upd)::int, "targetModel" = ${model},
        "rowsTotal" = "rowsDone" + (SELECT count(*) FROM upd)::int + (SELECT count(*) FROM "Memory" m WHERE ${ofJob}${notYet(model)} AND m."id" <> ALL (${batchIds}))::int,
        "attempts" = 0, "updatedAt" = ${DB_NOW}${lease}
      WHERE "id" = ${id} AND "workspaceId" = ${ws} AND ${fence} RETURNING "rowsDone", "rowsTotal"`,
  ]);
  const progress = r!.rows[0] as { rowsDone: number; rowsTotal: number } | undefined;
  if (!progress) return { done: true, status: "lost", rowsDone: job.rowsDone, rowsTotal: job.rowsTotal };
  return { done: false, status: "processing", rowsDone: Number(progress.rowsDone), rowsTotal: Number(progress.rowsTotal) };
}

/** A failure for people: the AppError codes whose message is Cadre's own, else a generic sentence (the log has the rest). */
export function reembedErrorMessage(error: unknown): string {
  if (error instanceof ReembedModelChangedError) return error.message;
  if (error instanceof AppError) {
    if (error.code === "BUDGET_EXCEEDED") return `The workspace's budget does not allow re-embedding the rest of these memories: ${error.message}`;
    if (error.code === "NO_FEASIBLE_MODEL") return `The model policy cannot embed these memories: ${error.message}`;
    if (error.code === "UPSTREAM_ERROR") return "The embedding model could not be reached (its provider failed after retries)";
    if (error.code === "NOT_FOUND") return `The model policy cannot be used: ${error.message}`;
  }
  return "Re-embedding failed because of an internal error (the server's log has the details)";
}

/** Ends a job as failed, with a message for people; only while `fence` holds. Whether it was written. */
export async function failReembed(scope: { workspaceId: string }, id: string, message: string, fence?: Sql): Promise<boolean> {
  const [r] = await executeBatch(scope, [
    sql`UPDATE "MemoryReembed" SET "status" = 'failed', "error" = ${message}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "retryAt" = NULL,
      "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW}
      WHERE "id" = ${id} AND "workspaceId" = ${scope.workspaceId} AND "status" IN ('queued', 'processing') AND ${fence ?? sql`TRUE`}`,
  ]);
  return r!.rowCount > 0;
}
