import { newId } from "@/lib/ids";
import type { OrgAuditAction } from "@/lib/schemas/organizations";
import type { Prisma } from "@/server/db/generated/client";
import type { OrgContext } from "./context";

export interface OrgAuditEntry {
  action: OrgAuditAction;
  targetType: "organization" | "workspace" | "user" | "domain" | "sso_connection" | "scim_token" | "group";
  targetId?: string | null;
  metadata?: Record<string, unknown>;
}

/** One row of the organisation's audit trail, written in the transaction of the change it records. */
export async function recordOrgAudit(tx: Prisma.TransactionClient, ctx: OrgContext, entry: OrgAuditEntry): Promise<void> {
  const actor = ctx.actor;
  await tx.organizationAuditLog.create({
    data: {
      id: newId("oau"),
      organizationId: ctx.organizationId,
      actorType: actor.type,
      actorId: actor.type === "user" ? actor.userId : actor.type === "scim" ? actor.tokenId : null,
      actorLabel: actor.type === "user" ? actor.email : actor.label,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId ?? null,
      metadata: (entry.metadata ?? {}) as Prisma.InputJsonValue,
      requestId: ctx.requestId,
      clientIp: ctx.clientIp,
      userAgent: ctx.userAgent,
    },
  });
}
