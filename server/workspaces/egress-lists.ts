/**
 * A workspace's egress allow/deny lists. They only narrow what the guard lets through (the operator's rules still
 * apply to every address); editing them needs `settings:update` and is audited.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { invalidateCatalogCache } from "@/server/models/catalog-cache";
import { updateEgressListsInputSchema, type EgressLists } from "@/lib/schemas/egress";

export async function getEgressLists(ctx: TenantContext): Promise<EgressLists> {
  const row = await db(ctx).workspace.findFirst({ where: { id: ctx.workspaceId }, select: { egressAllowHosts: true, egressDenyHosts: true } });
  if (!row) throw new AppError("NOT_FOUND", "Workspace not found");
  return { allowHosts: row.egressAllowHosts, denyHosts: row.egressDenyHosts };
}

export async function updateEgressLists(ctx: TenantContext, input: z.input<typeof updateEgressListsInputSchema>): Promise<EgressLists> {
  const data = updateEgressListsInputSchema.parse(input);
  if (data.allowHosts === undefined && data.denyHosts === undefined) throw new AppError("BAD_REQUEST", "Nothing to change");
  const before = await getEgressLists(ctx);
  const updated = await db(ctx).$transaction(async (tx) => {
    const row = await tx.workspace.update({
      where: { id: ctx.workspaceId },
      data: { ...(data.allowHosts ? { egressAllowHosts: data.allowHosts } : {}), ...(data.denyHosts ? { egressDenyHosts: data.denyHosts } : {}) },
      select: { egressAllowHosts: true, egressDenyHosts: true },
    });
    await recordAudit(
      ctx,
      {
        action: "workspace.egress.update",
        targetType: "workspace",
        targetId: ctx.workspaceId,
        metadata: { from: before, to: { allowHosts: row.egressAllowHosts, denyHosts: row.egressDenyHosts } },
      },
      tx,
    );
    return row;
  });
  // model calls read the lists with the catalog
  invalidateCatalogCache(ctx.workspaceId);
  return { allowHosts: updated.egressAllowHosts, denyHosts: updated.egressDenyHosts };
}
