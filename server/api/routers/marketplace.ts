import { z } from "zod";
import { pageOf } from "@/lib/schemas/common";
import {
  listingDetailSchema,
  listingIdInputSchema,
  listingPreviewSchema,
  listingReportSchema,
  listingRefInputSchema,
  listingReviewSchema,
  listingSummarySchema,
  listReviewsInputSchema,
  myListingSchema,
  previewListingInputSchema,
  publishListingInputSchema,
  publishVersionInputSchema,
  removedListingSchema,
  removeListingInputSchema,
  reportListingInputSchema,
  reviewListingInputSchema,
  searchListingsInputSchema,
  updateListingInputSchema,
} from "@/lib/schemas/marketplace";
import {
  getListing,
  myListings,
  previewListing,
  publishListing,
  publishVersion,
  republishListing,
  unpublishListing,
  updateListing,
} from "@/server/marketplace/listings";
import { isPlatformOperator, removeListing } from "@/server/marketplace/operator";
import { reportListing } from "@/server/marketplace/reports";
import { listReviews, reviewListing } from "@/server/marketplace/reviews";
import { searchListings } from "@/server/marketplace/search";
import { router, workspaceProcedure } from "../trpc";

/** The shared marketplace (issue 16): browsing, publishing, reviews and reports. Installs: the marketplaceInstalls router. */
export const marketplaceRouter = router({
  search: workspaceProcedure("marketplace:read")
    .input(searchListingsInputSchema)
    .output(pageOf(listingSummarySchema))
    .query(({ ctx, input }) => searchListings(ctx.tenant, input)),
  /** by id (public, own, or installed here) or by unlisted link token */
  get: workspaceProcedure("marketplace:read")
    .input(listingRefInputSchema)
    .output(listingDetailSchema)
    .query(({ ctx, input }) => getListing(ctx.tenant, input.listing)),
  /**
   * what publishing the source would build: package, manifest and the scanner's problems; writes nothing. A mutation
   * only so that its input (bundled documents, up to megabytes) travels in a POST body rather than a GET's URL.
   */
  preview: workspaceProcedure("marketplace:publish")
    .input(previewListingInputSchema)
    .output(listingPreviewSchema)
    .mutation(({ ctx, input }) => previewListing(ctx.tenant, input)),
  publish: workspaceProcedure("marketplace:publish")
    .input(publishListingInputSchema)
    .output(listingDetailSchema)
    .mutation(({ ctx, input }) => publishListing(ctx.tenant, input)),
  publishVersion: workspaceProcedure("marketplace:publish")
    .input(publishVersionInputSchema)
    .output(listingDetailSchema)
    .mutation(({ ctx, input }) => publishVersion(ctx.tenant, input)),
  update: workspaceProcedure("marketplace:publish")
    .input(updateListingInputSchema)
    .output(listingDetailSchema)
    .mutation(({ ctx, input }) => updateListing(ctx.tenant, input)),
  unpublish: workspaceProcedure("marketplace:publish")
    .input(listingIdInputSchema)
    .output(listingDetailSchema)
    .mutation(({ ctx, input }) => unpublishListing(ctx.tenant, input.listing)),
  republish: workspaceProcedure("marketplace:publish")
    .input(listingIdInputSchema)
    .output(listingDetailSchema)
    .mutation(({ ctx, input }) => republishListing(ctx.tenant, input.listing)),
  /** the workspace's own listings with install counts, ratings and open reports */
  mine: workspaceProcedure("marketplace:read")
    .output(z.array(myListingSchema))
    .query(({ ctx }) => myListings(ctx.tenant)),
  reviews: workspaceProcedure("marketplace:read")
    .input(listReviewsInputSchema)
    .output(pageOf(listingReviewSchema))
    .query(({ ctx, input }) => listReviews(ctx.tenant, input)),
  /** this workspace's rating and review (one per listing; again: edits it) */
  review: workspaceProcedure("marketplace:install")
    .input(reviewListingInputSchema)
    .output(listingReviewSchema)
    .mutation(({ ctx, input }) => reviewListing(ctx.tenant, input)),
  report: workspaceProcedure("marketplace:install")
    .input(reportListingInputSchema)
    .output(listingReportSchema)
    .mutation(({ ctx, input }) => reportListing(ctx.tenant, input)),
  /** what the pages need to know of the person: whether they are a platform operator (who may remove listings) */
  viewer: workspaceProcedure("marketplace:read")
    .output(z.object({ operator: z.boolean() }))
    .query(async ({ ctx }) => ({ operator: await isPlatformOperator(ctx.tenant) })),
  /** platform operators only (CADRE_OPERATOR_EMAILS): the role in the workspace does not matter */
  remove: workspaceProcedure("marketplace:read")
    .input(removeListingInputSchema)
    .output(removedListingSchema)
    .mutation(({ ctx, input }) => removeListing(ctx.tenant, input)),
});
