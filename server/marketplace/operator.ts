/**
 * The platform operator's power over the marketplace (issue 16): removing a listing. An operator is an instance-level
 * role set by environment (`CADRE_OPERATOR_EMAILS`), not a workspace role: the acting person's email decides (for an API
 * key, its creator's; an MCP client never qualifies). A removed listing disappears from search and from its link; installs keep working.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { removeListingInputSchema } from "@/lib/schemas/marketplace";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db, NO_TENANT, systemDb } from "@/server/db/client";
import { env } from "@/server/env";
import { inWorkspace } from "@/server/db/in-workspace";

/** Whether the person acting (a key's creator, for an API key; never an MCP client) is one of the platform's operators. */
export async function isPlatformOperator(ctx: TenantContext): Promise<boolean> {
  const operators = env().CADRE_OPERATOR_EMAILS;
  if (operators.length === 0) return false;
  if (ctx.actor.type === "user") return !ctx.actor.mcpClient && operators.includes(ctx.actor.email.toLowerCase());
  const creator = await db(NO_TENANT).user.findUnique({ where: { id: ctx.actor.userId }, select: { email: true } });
  return !!creator && operators.includes(creator.email.toLowerCase());
}

export async function removeListing(ctx: TenantContext, input: z.input<typeof removeListingInputSchema>): Promise<{ id: string; status: "removed" }> {
  if (!(await isPlatformOperator(ctx))) throw new AppError("FORBIDDEN", "Only a platform operator may remove a listing");
  const data = removeListingInputSchema.parse(input);
  await systemDb("marketplace-operator").$transaction(async (tx) => {
    const listing = await tx.listing.findUnique({ where: { id: data.listing }, select: { id: true, workspaceId: true, status: true } });
    if (!listing) throw new AppError("NOT_FOUND", "No such listing");
    await tx.listing.update({ where: inWorkspace(listing, listing.id), data: { status: "removed", removedReason: data.reason, removedAt: new Date() } });
    // the entry belongs to the publisher's workspace: its members see who removed their listing and why
    await recordAudit(
      { ...ctx, workspaceId: listing.workspaceId, workspaceSlug: "" },
      { action: "listing.remove", targetType: "listing", targetId: listing.id, metadata: { reason: data.reason, previousStatus: listing.status } },
      tx,
    );
  });
  return { id: data.listing, status: "removed" };
}
