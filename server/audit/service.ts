import type { Prisma } from "@/server/db/generated/client";
import { db } from "@/server/db/client";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import type { listAuditInputSchema } from "@/lib/schemas/audit";
import type { z } from "zod";

type Tx = Prisma.TransactionClient;

export interface AuditEntryInput {
  action: string;
  targetType: string;
  targetId?: string | null;
  metadata?: Record<string, unknown>;
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
    actorType: ctx.actor.type,
    actorId: ctx.actor.type === "user" ? ctx.actor.userId : ctx.actor.keyId,
    actorLabel: ctx.actor.type === "user" ? ctx.actor.email : `API key "${ctx.actor.name}"`,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId ?? null,
    metadata: (entry.metadata ?? {}) as Prisma.InputJsonValue,
    requestId: ctx.requestId ?? null,
  };
}

export async function listAudit(ctx: TenantContext, input: z.infer<typeof listAuditInputSchema>) {
  const rows = await db(ctx).auditLog.findMany({
    where: { workspaceId: ctx.workspaceId, ...(input.action ? { action: { startsWith: input.action } } : {}) },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.limit + 1,
    ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
  });
  const items = rows.slice(0, input.limit).map((r) => ({ ...r, metadata: r.metadata as Record<string, unknown> }));
  return { items, nextCursor: rows.length > input.limit ? items[items.length - 1]!.id : null };
}
