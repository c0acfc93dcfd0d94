/**
 * Ratings and reviews (issue 16): one per workspace per listing, editable, by a workspace that can read the listing
 * and did not publish it. Reviews are shown without who wrote them (only `mine`); the publisher's rating counts are
 * changed through the privileged counts path after the review committed.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { listReviewsInputSchema, reviewListingInputSchema, type listingReviewSchema } from "@/lib/schemas/marketplace";
import type { Page } from "@/lib/schemas/common";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db, systemDb } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import { changeListingCounts } from "./counts";
import { needMarketplace } from "./listings";
import { findReadableListing } from "./lookup";
import { inWorkspace } from "@/server/db/in-workspace";

type ReviewOut = z.infer<typeof listingReviewSchema>;

export async function reviewListing(ctx: TenantContext, input: z.input<typeof reviewListingInputSchema>): Promise<ReviewOut> {
  needMarketplace(ctx, "marketplace:install");
  const data = reviewListingInputSchema.parse(input);
  const listing = await findReadableListing(ctx, data.listing);
  if (listing.workspaceId === ctx.workspaceId)
    throw new AppError("VALIDATION_FAILED", "A workspace cannot review its own listing", {
      issues: [{ path: "listing", message: "Your own listing cannot be reviewed" }],
    });
  const { row, before } = await db(ctx).$transaction(async (tx) => {
    const existing = await tx.listingReview.findFirst({ where: { workspaceId: ctx.workspaceId, listingId: listing.id } });
    const saved = existing
      ? await tx.listingReview.update({ where: inWorkspace(ctx, existing.id), data: { rating: data.rating, body: data.body } })
      : await tx.listingReview.create({
          data: {
            id: newId("lrv"),
            workspaceId: ctx.workspaceId,
            listingId: listing.id,
            rating: data.rating,
            body: data.body,
            createdById: ctx.actor.userId,
          },
        });
    await recordAudit(
      ctx,
      { action: "listing.review", targetType: "listing", targetId: listing.id, metadata: { rating: data.rating, edited: existing !== null } },
      tx,
    );
    return { row: saved, before: existing };
  });
  await changeListingCounts(listing.id, before ? { ratingSum: data.rating - before.rating } : { ratingCount: 1, ratingSum: data.rating });
  return { rating: row.rating, body: row.body, mine: true, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

/** A readable listing's reviews, newest first, anonymous. */
export async function listReviews(ctx: TenantContext, input: z.input<typeof listReviewsInputSchema>): Promise<Page<ReviewOut>> {
  needMarketplace(ctx, "marketplace:read");
  const { listing: ref, limit, cursor } = listReviewsInputSchema.parse(input);
  const listing = await findReadableListing(ctx, ref);
  const reader = listing.viaLink ? systemDb("marketplace-link") : db(ctx);
  const rows = await reader.listingReview.findMany({
    where: { AND: [{ listingId: listing.id }, keysetWhere(cursor)] },
    select: { id: true, workspaceId: true, rating: true, body: true, createdAt: true, updatedAt: true },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return {
    items: page.items.map((r) => ({
      rating: r.rating,
      body: r.body,
      mine: r.workspaceId === ctx.workspaceId,
      createdAt: r.createdAt.toISOString(),
      updatedAt: r.updatedAt.toISOString(),
    })),
    nextCursor: page.nextCursor,
  };
}
