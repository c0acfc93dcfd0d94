import type { Prisma, PrismaClient } from "@/server/db/generated/client";
import { db, tenantScope } from "@/server/db/client";
import { sql, type Sql } from "@/server/db/sql";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import type { AuditAction, AuditTargetType, auditFilterSchema, listAuditInputSchema } from "@/lib/schemas/audit";
import type { ActorType } from "@/lib/schemas/common";
import { afterCursor, encodeCursor } from "./cursor";
import type { z } from "zod";

type Tx = Prisma.TransactionClient;

export interface AuditEntryInput {
  action: AuditAction;
  targetType: AuditTargetType;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
}

/** How an entry names its actor: a person's email (and the MCP client acting for them), or the API key's name. */
function actorLabel(actor: TenantContext["actor"]): string {
  if (actor.type === "api_key") return `API key "${actor.name}"`;
  return actor.mcpClient ? `${actor.email} via MCP client "${actor.mcpClient.name}"` : actor.email;
}

/** Records who did what to which resource. Pass the transaction so the entry commits with the change. */
export async function recordAudit(ctx: TenantContext, entry: AuditEntryInput, tx: Tx = db(ctx)): Promise<void> {
  await tx.auditLog.create({ data: auditLogData(ctx, entry) });
}

/** The AuditLog row of an entry (for a batch transaction: `db(ctx).$transaction([..., db(ctx).auditLog.create({ data })])`). */
export function auditLogData(ctx: TenantContext, entry: AuditEntryInput): Prisma.AuditLogUncheckedCreateInput {
  return {
    id: newId("aud"),
    workspaceId: ctx.workspaceId,
    workspaceSlug: ctx.workspaceSlug || null,
    actorType: ctx.actor.type satisfies ActorType,
    actorId: ctx.actor.type === "user" ? ctx.actor.userId : ctx.actor.keyId,
    actorLabel: actorLabel(ctx.actor),
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    metadata: (entry.metadata ?? {}) as Prisma.InputJsonValue,
    requestId: ctx.requestId ?? null,
    clientIp: ctx.clientIp ?? null,
    userAgent: ctx.userAgent ?? null,
  };
}

/** The INSERT of an entry, for a raw-SQL batch that commits it with the change (server/db/execute.ts `executeBatch`). */
export function auditLogSql(ctx: TenantContext, entry: AuditEntryInput): Sql {
  const d = auditLogData(ctx, entry);
  return sql`INSERT INTO "AuditLog" ("id", "workspaceId", "workspaceSlug", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "metadata", "requestId", "clientIp", "userAgent")
    VALUES (${d.id!}, ${d.workspaceId}, ${d.workspaceSlug ?? null}, ${d.actorType}, ${d.actorId ?? null}, ${d.actorLabel ?? null}, ${d.action}, ${d.targetType}, ${d.targetId ?? null}, ${sql.json(d.metadata ?? {})}, ${d.requestId ?? null}, ${d.clientIp ?? null}, ${d.userAgent ?? null})`;
}

export type AuditFilter = z.infer<typeof auditFilterSchema>;

function auditWhere(workspaceId: string, filter: AuditFilter): Prisma.AuditLogWhereInput {
  const actor = filter.actor;
  return {
    workspaceId,
    ...(filter.action ? { action: { startsWith: filter.action } } : {}),
    ...(actor ? { OR: [{ actorId: actor }, { actorLabel: { contains: actor, mode: "insensitive" as const } }] } : {}),
    ...(filter.from || filter.to ? { createdAt: { ...(filter.from ? { gte: filter.from } : {}), ...(filter.to ? { lt: filter.to } : {}) } } : {}),
  };
}

const ENTRY_SELECT = {
  id: true,
  workspaceId: true,
  actorType: true,
  actorId: true,
  actorLabel: true,
  action: true,
  targetType: true,
  targetId: true,
  metadata: true,
  requestId: true,
  clientIp: true,
  userAgent: true,
  createdAt: true,
} as const;

type EntryRow = Prisma.AuditLogGetPayload<{ select: typeof ENTRY_SELECT }>;
/** actorType, action and targetType as the database's CHECK constraints hold them (migrations 20261206_100_closed_sets, 20261207_500_audit_target_types) */
export type AuditEntry = Omit<EntryRow, "metadata" | "actorType" | "action" | "targetType"> & {
  actorType: ActorType;
  action: AuditAction;
  targetType: AuditTargetType;
  metadata: Record<string, unknown>;
};

async function auditPage(
  client: PrismaClient,
  workspaceId: string,
  filter: AuditFilter,
  limit: number,
  cursor?: string,
): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  const rows = await client.auditLog.findMany({
    where: { AND: [auditWhere(workspaceId, filter), afterCursor(cursor)] },
    select: ENTRY_SELECT,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit + 1,
  });
  const items = rows.slice(0, limit).map((r) => ({
    ...r,
    actorType: r.actorType as ActorType,
    action: r.action as AuditAction,
    targetType: r.targetType as AuditTargetType,
    metadata: r.metadata as Record<string, unknown>,
  }));
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}

/** One page of the workspace's audit log, newest first; filters by action prefix, actor and time range. */
export async function listAudit(ctx: TenantContext, input: z.infer<typeof listAuditInputSchema>) {
  return auditPage(db(ctx), ctx.workspaceId, input, input.limit, input.cursor);
}

const EXPORT_PAGE = 500;

/**
 * Every matching entry, newest first, read page by page (keyset): never the whole log in memory. `client` is the
 * workspace's scoped client, or the operator's systemDb for a deleted workspace (row-level security hides those).
 */
export async function* auditEntries(workspaceId: string, filter: AuditFilter, client: PrismaClient = db(tenantScope(workspaceId))): AsyncGenerator<AuditEntry> {
  let cursor: string | undefined;
  do {
    const page = await auditPage(client, workspaceId, filter, EXPORT_PAGE, cursor);
    yield* page.items;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
}

export function exportAudit(ctx: TenantContext, filter: AuditFilter): AsyncGenerator<AuditEntry> {
  return auditEntries(ctx.workspaceId, filter);
}
