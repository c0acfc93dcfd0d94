/** Reporting a listing to the platform operator (issue 16): one report per workspace per listing; audited in the reporter's workspace. */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { reportListingInputSchema, type listingReportSchema } from "@/lib/schemas/marketplace";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { prismaCode } from "@/server/db/errors";
import { needMarketplace } from "./listings";
import { findReadableListing } from "./lookup";

export type ListingReportOut = z.infer<typeof listingReportSchema>;

export async function reportListing(ctx: TenantContext, input: z.input<typeof reportListingInputSchema>): Promise<ListingReportOut> {
  needMarketplace(ctx, "marketplace:install");
  const data = reportListingInputSchema.parse(input);
  const listing = await findReadableListing(ctx, data.listing);
  try {
    const row = await db(ctx).$transaction(async (tx) => {
      const created = await tx.listingReport.create({
        data: {
          id: newId("lrp"),
          workspaceId: ctx.workspaceId,
          listingId: listing.id,
          reason: data.reason,
          details: data.details,
          createdById: ctx.actor.userId,
        },
      });
      await recordAudit(ctx, { action: "listing.report", targetType: "listing", targetId: listing.id, metadata: { reason: data.reason } }, tx);
      return created;
    });
    return { id: row.id, listingId: row.listingId, reason: data.reason, createdAt: row.createdAt.toISOString() };
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", "This workspace already reported this listing");
    throw error;
  }
}
