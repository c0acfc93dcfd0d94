/** A Memory row as the API returns it, and the audit INSERT that memory writes put in their own message. */
import type { MemoryOutput, MemoryScopeType } from "@/lib/schemas/memory";
import { auditLogData, type AuditEntryInput } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import type { Prisma } from "@/server/db/generated/client";
import { sql, type Sql } from "@/server/db/sql";

export type MemoryRow = Prisma.MemoryGetPayload<object>;

/**
 * The audit entry's INSERT, for the same message as the write it records. `metadata` may be SQL (e.g. counts of a
 * CTE); with `when`, the entry is written only if that holds (e.g. the guarded write happened).
 */
export function auditSql(ctx: TenantContext, entry: AuditEntryInput, opts: { metadata?: Sql; when?: Sql } = {}): Sql {
  const d = auditLogData(ctx, entry);
  return sql`INSERT INTO "AuditLog" ("id", "workspaceId", "workspaceSlug", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "metadata", "requestId", "clientIp", "userAgent")
    SELECT ${d.id!}, ${d.workspaceId}, ${d.workspaceSlug ?? null}, ${d.actorType}, ${d.actorId ?? null}, ${d.actorLabel ?? null}, ${d.action}, ${d.targetType}, ${d.targetId ?? null}, ${opts.metadata ?? sql.json(d.metadata ?? {})}, ${d.requestId ?? null}, ${d.clientIp ?? null}, ${d.userAgent ?? null}${
      opts.when ? sql` WHERE ${opts.when}` : sql.empty
    }`;
}

export function toMemory(row: MemoryRow): MemoryOutput {
  return {
    id: row.id,
    scope: { type: row.scopeType as MemoryScopeType, id: row.scopeId },
    kind: row.kind as MemoryOutput["kind"],
    content: row.content,
    importance: Math.round(row.importance * 1e6) / 1e6,
    pinned: row.pinned,
    source: row.source as MemoryOutput["source"],
    sourceRef: (row.sourceRef ?? {}) as Record<string, unknown>,
    createdByType: row.createdByType as MemoryOutput["createdByType"],
    createdById: row.createdById,
    embeddingModel: row.embeddingModel,
    dims: row.dims,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastRecalledAt: row.lastRecalledAt,
  };
}
