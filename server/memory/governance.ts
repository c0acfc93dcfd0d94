/**
 * Memory governance (issue 14): the workspace's memory settings (TTL rules, importance decay, the cap; documented
 * on memorySettingsInputSchema in lib/schemas/memory.ts), the cap's check on remember, and a subject's erasure and
 * export. The TTL and the cap's eviction run in the retention purge (server/retention/purge.ts).
 */
import { AppError } from "@/lib/errors";
import {
  memorySettingsInputSchema,
  memorySubjectSchema,
  SUBJECT_EXPORT_MAX,
  type MemorySettingsInput,
  type MemorySettingsOutput,
  type MemoryTtlRule,
  type SubjectErasure,
  type SubjectExport,
} from "@/lib/schemas/memory";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { env } from "@/server/env";
import { auditSql, toMemory } from "./rows";

export interface MemoryPolicy {
  ttl: MemoryTtlRule[];
  decayHalfLifeDays: number | null;
  maxMemories: number | null;
}

/** The cap that applies: the workspace's own, else CADRE_MEMORY_LIMIT, never above CADRE_MEMORY_LIMIT_MAX. */
export function effectiveCap(own: number | null): number {
  const e = env();
  return Math.min(own ?? e.CADRE_MEMORY_LIMIT, e.CADRE_MEMORY_LIMIT_MAX);
}

interface PolicyRow extends Record<string, unknown> {
  ttl: unknown;
  decay: number | null;
  cap: number | null;
  total: string | number;
  pinned: string | number;
}

/** The policy and the counts in one statement: all memories (index-only) and the pinned ones (a partial index). */
function policySql(workspaceId: string): Sql {
  return sql`SELECT w."memoryTtl" AS "ttl", w."memoryDecayHalfLifeDays" AS "decay", w."memoryMaxCount" AS "cap",
      (SELECT count(*) FROM "Memory" WHERE "workspaceId" = w."id") AS "total",
      (SELECT count(*) FROM "Memory" WHERE "workspaceId" = w."id" AND "pinned") AS "pinned"
    FROM "Workspace" w WHERE w."id" = ${workspaceId}`;
}

async function readPolicy(ctx: TenantContext): Promise<{ policy: MemoryPolicy; total: number; pinned: number }> {
  const { rows } = await execute<PolicyRow>(ctx, policySql(ctx.workspaceId));
  const r = rows[0];
  if (!r) throw new AppError("NOT_FOUND", "Workspace not found");
  return {
    policy: { ttl: (r.ttl ?? []) as MemoryTtlRule[], decayHalfLifeDays: r.decay, maxMemories: r.cap },
    total: Number(r.total),
    pinned: Number(r.pinned),
  };
}

function settingsOf(p: { policy: MemoryPolicy; total: number; pinned: number }): MemorySettingsOutput {
  const e = env();
  return {
    ...p.policy,
    maxMemoriesDefault: e.CADRE_MEMORY_LIMIT,
    maxMemoriesLimit: e.CADRE_MEMORY_LIMIT_MAX,
    effectiveMaxMemories: effectiveCap(p.policy.maxMemories),
    usage: { memories: p.total, pinned: p.pinned },
  };
}

export async function getMemorySettings(ctx: TenantContext): Promise<MemorySettingsOutput> {
  return settingsOf(await readPolicy(ctx));
}

/** Replaces the settings (PUT: every field; null for the default). Owners and admins; audited before and after. */
export async function updateMemorySettings(ctx: TenantContext, input: MemorySettingsInput): Promise<MemorySettingsOutput> {
  const next = memorySettingsInputSchema.parse(input);
  const max = env().CADRE_MEMORY_LIMIT_MAX;
  if (next.maxMemories !== null && next.maxMemories > max) {
    throw new AppError("VALIDATION_FAILED", `The memory cap can be at most ${max} on this server (CADRE_MEMORY_LIMIT_MAX)`, {
      issues: [{ path: "maxMemories", message: `At most ${max}` }],
    });
  }
  const before = await readPolicy(ctx);
  await db(ctx).$transaction(async (tx) => {
    await tx.workspace.update({
      where: { id: ctx.workspaceId },
      data: { memoryTtl: next.ttl, memoryDecayHalfLifeDays: next.decayHalfLifeDays, memoryMaxCount: next.maxMemories },
    });
    await recordAudit(
      ctx,
      { action: "memory.settings.update", targetType: "workspace", targetId: ctx.workspaceId, metadata: { from: before.policy, to: next } },
      tx,
    );
  });
  return settingsOf({ ...before, policy: next });
}

/**
 * The cap's check before a remember (and before its embedding is paid for): the workspace's unpinned memories
 * below its cap (a pinned memory is exempt), and all its memories below CADRE_MEMORY_LIMIT_MAX. Returns the numbers
 * for the insert's own check (capGuardSql), which makes the refusal atomic.
 */
export async function assertRoomForMemory(ctx: TenantContext, pinned: boolean): Promise<MemoryCaps> {
  const { policy, total, pinned: pinnedCount } = await readPolicy(ctx);
  const caps = { cap: effectiveCap(policy.maxMemories), max: env().CADRE_MEMORY_LIMIT_MAX };
  refuseOverCap(caps, pinned, total, total - pinnedCount);
  return caps;
}

export interface MemoryCaps {
  cap: number;
  max: number;
}

function refuseOverCap(caps: MemoryCaps, pinned: boolean, total: number, unpinned: number): void {
  if (total >= caps.max) {
    throw new AppError("MEMORY_LIMIT_REACHED", `This workspace holds ${total} memories, the most this server allows (CADRE_MEMORY_LIMIT_MAX ${caps.max})`, {
      memories: total,
      limit: caps.max,
    });
  }
  if (!pinned && unpinned >= caps.cap) {
    throw new AppError(
      "MEMORY_LIMIT_REACHED",
      `This workspace holds ${unpinned} memories (not pinned), its cap: delete some, or raise the cap in the memory settings`,
      { memories: unpinned, limit: caps.cap },
    );
  }
}

/**
 * The insert's guard, for `INSERT ... SELECT ... WHERE <guard>` in the same message as a transaction-scoped lock on
 * the workspace's memory count: two remembers at the cap cannot both pass.
 */
export function capGuardSql(workspaceId: string, caps: MemoryCaps, pinned: boolean): { lock: Sql; guard: Sql } {
  const all = sql`(SELECT count(*) FROM "Memory" WHERE "workspaceId" = ${workspaceId})`;
  const pinnedCount = sql`(SELECT count(*) FROM "Memory" WHERE "workspaceId" = ${workspaceId} AND "pinned")`;
  return {
    lock: sql`SELECT 1 AS locked FROM (SELECT pg_advisory_xact_lock(hashtext(${`cadre:memory-cap:${workspaceId}`}))) AS l`,
    guard: pinned ? sql`${all} < ${caps.max}` : sql`${all} < ${caps.max} AND ${all} - ${pinnedCount} < ${caps.cap}`,
  };
}

/** The refusal after the guarded insert wrote nothing (the workspace filled up between the check and the insert). */
export function capReached(caps: MemoryCaps): AppError {
  return new AppError("MEMORY_LIMIT_REACHED", "This workspace reached its memory cap while this memory was being embedded: nothing was written", {
    limit: caps.cap,
  });
}

/**
 * What erasing a subject removes, one entry per kind of data: each gives a statement deleting the subject's rows in
 * the workspace (its row count is the number removed). All of them and the audit entry run in one transaction.
 * Sessions and their messages (a later change) add their eraser here.
 */
export interface SubjectEraser {
  kind: string;
  statement(workspaceId: string, subject: string): Sql;
}

export const SUBJECT_ERASERS: SubjectEraser[] = [
  {
    kind: "memories",
    statement: (workspaceId, subject) => sql`DELETE FROM "Memory" WHERE "workspaceId" = ${workspaceId} AND "scopeType" = 'subject' AND "scopeId" = ${subject}`,
  },
  // the subject's sessions (server/sessions): their own memories (scope session), their messages, and the sessions
  {
    kind: "sessionMemories",
    statement: (workspaceId, subject) =>
      sql`DELETE FROM "Memory" WHERE "workspaceId" = ${workspaceId} AND "scopeType" = 'session'
        AND "scopeId" IN (SELECT id FROM "Session" WHERE "workspaceId" = ${workspaceId} AND subject = ${subject})`,
  },
  {
    kind: "messages",
    statement: (workspaceId, subject) =>
      sql`DELETE FROM "SessionMessage" m USING "Session" s
        WHERE m."workspaceId" = ${workspaceId} AND s."workspaceId" = ${workspaceId} AND m."sessionId" = s.id AND s.subject = ${subject}`,
  },
  {
    kind: "sessions",
    statement: (workspaceId, subject) => sql`DELETE FROM "Session" WHERE "workspaceId" = ${workspaceId} AND subject = ${subject}`,
  },
];

/**
 * Erases everything of a subject in the workspace (pinned memories too) and says what it removed: every eraser's
 * DELETE is a CTE of ONE statement whose audit entry records the counts, so the rows and the entry commit together.
 */
export async function eraseSubject(ctx: TenantContext, subjectInput: string): Promise<SubjectErasure> {
  const subject = memorySubjectSchema.parse(subjectInput);
  const name = (i: number) => sql.ident(`erased${i}`);
  const ctes = SUBJECT_ERASERS.map((e, i) => sql`${name(i)} AS (${e.statement(ctx.workspaceId, subject)} RETURNING 1)`);
  const counts = sql`jsonb_build_object(${sql.join(SUBJECT_ERASERS.map((e, i) => sql`${e.kind}::text, (SELECT count(*) FROM ${name(i)})`))})`;
  const entry = auditSql(
    ctx,
    { action: "memory.subject.erase", targetType: "subject", targetId: subject },
    { metadata: sql`jsonb_build_object('removed', ${counts})` },
  );
  const { rows } = await execute<{ metadata: { removed: Record<string, number> } }>(ctx, sql`WITH ${sql.join(ctes)} ${entry} RETURNING "metadata"`);
  return { subject, removed: rows[0]!.metadata.removed };
}

/** A subject's memories as one JSON document, newest first (at most SUBJECT_EXPORT_MAX; `truncated` says when more). */
export async function exportSubject(ctx: TenantContext, subjectInput: string): Promise<SubjectExport> {
  const subject = memorySubjectSchema.parse(subjectInput);
  const rows = await db(ctx).memory.findMany({
    where: { workspaceId: ctx.workspaceId, scopeType: "subject", scopeId: subject },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: SUBJECT_EXPORT_MAX + 1,
  });
  return {
    format: "cadre.subject-export.v1",
    subject,
    exportedAt: new Date(),
    memories: rows.slice(0, SUBJECT_EXPORT_MAX).map(toMemory),
    truncated: rows.length > SUBJECT_EXPORT_MAX,
  };
}
