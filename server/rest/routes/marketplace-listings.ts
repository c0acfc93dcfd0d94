import { z } from "zod";
import { paginationShape, restPageOf } from "@/lib/schemas/common";
import { text } from "@/lib/schemas/text";
import {
  LISTING_CATEGORIES,
  LISTING_SORTS,
  type ListingDetail,
  listingDetailSchema,
  listingIdSchema,
  listingReportSchema,
  listingReviewSchema,
  listingSummarySchema,
  publishListingInputSchema,
  publishVersionInputSchema,
  removedListingSchema,
  removeListingInputSchema,
  reportListingInputSchema,
  reviewListingInputSchema,
  updateListingInputSchema,
} from "@/lib/schemas/marketplace";
import { getListing, publishListing, publishVersion, republishListing, unpublishListing, updateListing } from "@/server/marketplace/listings";
import { removeListing } from "@/server/marketplace/operator";
import { reportListing } from "@/server/marketplace/reports";
import { listReviews, reviewListing } from "@/server/marketplace/reviews";
import { searchListings } from "@/server/marketplace/search";
import type { TenantContext } from "@/server/context";
import { defineRoute } from "../define";

const TAG = "Marketplace";
const BASE = "/api/v1/marketplace/listings";
/** a listing id, or for reading, its unlisted link token */
const refParams = z.strictObject({ listing: text().trim().min(1).max(80).describe("A listing id (lst_...) or its unlisted link token (lnk_...)") });
const idParams = z.strictObject({ listing: listingIdSchema });

/**
 * The params, body and handler of a route on one listing (by id) whose service takes the body with the path's
 * listing: the body is the service's input schema without `listing`.
 */
function onListing<Shape extends z.ZodRawShape & { listing: typeof listingIdSchema }, T>(
  schema: z.ZodObject<Shape, z.core.$strict>,
  run: (ctx: TenantContext, input: z.output<z.ZodObject<Shape, z.core.$strict>>) => Promise<T>,
) {
  const { listing: _, ...rest } = schema.shape;
  const bodySchema = z.strictObject(rest);
  return {
    params: idParams,
    body: bodySchema,
    handler: ({ ctx, params, body }: { ctx: TenantContext; params: z.output<typeof idParams>; body: z.output<typeof bodySchema> }) =>
      run(ctx, { ...body, listing: params.listing } as z.output<typeof schema>),
  };
}

/** POST {listing}/<action>: a change of your listing's state (no body) that answers the listing */
function listingActionRoute(action: string, summary: string, run: (ctx: TenantContext, listing: string) => Promise<ListingDetail>) {
  return defineRoute({
    method: "POST",
    path: `${BASE}/{listing}/${action}`,
    summary,
    tag: TAG,
    requires: "marketplace:publish",
    params: idParams,
    status: 200,
    response: listingDetailSchema,
    idempotent: false,
    errors: ["CONFLICT"],
    handler: ({ ctx, params }) => run(ctx, params.listing),
  });
}

const searchQuery = z.strictObject({
  q: text().trim().max(200).optional().describe('Full-text search (web syntax: "quoted phrase", or, -word)'),
  category: z.enum(LISTING_CATEGORIES).optional(),
  tags: text()
    .max(200)
    .optional()
    .describe("Comma-separated tags the listing has all of")
    .transform((v) =>
      v
        ? v
            .split(",")
            .map((t) => t.trim().toLowerCase())
            .filter(Boolean)
        : undefined,
    ),
  sort: z.enum(LISTING_SORTS).default("installs"),
  ...paginationShape,
});

export const searchListingsRoute = defineRoute({
  method: "GET",
  path: BASE,
  summary: "Search the marketplace's public listings: full-text `q`, `category`, `tags`, sorted by installs, rating or recent (one page)",
  tag: TAG,
  requires: "marketplace:read",
  query: searchQuery,
  response: restPageOf(listingSummarySchema),
  handler: async ({ ctx, query }) => {
    const page = await searchListings(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const publishListingRoute = defineRoute({
  method: "POST",
  path: BASE,
  summary:
    "Publish an agent or a team (with its agents and nested teams) as a listing: Cadre builds the package from their current versions, refuses it when it holds a secret, a vault or Cadre id or an email (422 naming each field), computes its permission manifest and signs it; audited",
  tag: TAG,
  requires: "marketplace:publish",
  body: publishListingInputSchema,
  status: 201,
  response: listingDetailSchema,
  idempotent: true,
  errors: ["CONFLICT", "NOT_FOUND"],
  handler: ({ ctx, body }) => publishListing(ctx, body),
});

export const getListingRoute = defineRoute({
  method: "GET",
  path: `${BASE}/{listing}`,
  summary:
    "A listing by id (public, your own, or installed here) or by its unlisted link token: details, versions (each verified against its signature), the latest package and manifest",
  tag: TAG,
  requires: "marketplace:read",
  params: refParams,
  response: listingDetailSchema,
  handler: ({ ctx, params }) => getListing(ctx, params.listing),
});

export const updateListingRoute = defineRoute({
  method: "PATCH",
  path: `${BASE}/{listing}`,
  summary: "Change your listing's name, summary, description, category, tags, icon or visibility; audited",
  tag: TAG,
  requires: "marketplace:publish",
  response: listingDetailSchema,
  errors: ["CONFLICT"],
  ...onListing(updateListingInputSchema, updateListing),
});

export const publishListingVersionRoute = defineRoute({
  method: "POST",
  path: `${BASE}/{listing}/versions`,
  summary:
    "Publish a new version of your listing from its source's current versions (a changelog is required); installs update only when their workspace chooses to; audited",
  tag: TAG,
  requires: "marketplace:publish",
  status: 201,
  response: listingDetailSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  ...onListing(publishVersionInputSchema, publishVersion),
});

export const unpublishListingRoute = listingActionRoute(
  "unpublish",
  "Hide your listing from search and new installs (existing installs keep working); audited",
  unpublishListing,
);

export const republishListingRoute = listingActionRoute("republish", "Make an unpublished listing of yours installable again; audited", republishListing);

export const listListingReviewsRoute = defineRoute({
  method: "GET",
  path: `${BASE}/{listing}/reviews`,
  summary: "A listing's reviews, newest first, without who wrote them (`mine` marks your workspace's)",
  tag: TAG,
  requires: "marketplace:read",
  params: refParams,
  query: z.strictObject(paginationShape),
  response: restPageOf(listingReviewSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listReviews(ctx, { listing: params.listing, ...query });
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const putListingReviewRoute = defineRoute({
  method: "PUT",
  path: `${BASE}/{listing}/reviews`,
  summary: "Your workspace's rating (1-5) and review of a listing it can read and did not publish: one per workspace, a repeat edits it; audited",
  tag: TAG,
  requires: "marketplace:install",
  response: listingReviewSchema,
  ...onListing(reviewListingInputSchema, reviewListing),
});

export const reportListingRoute = defineRoute({
  method: "POST",
  path: `${BASE}/{listing}/reports`,
  summary: "Report a listing to the platform operator (one report per workspace per listing; a second is a 409); audited",
  tag: TAG,
  requires: "marketplace:install",
  status: 201,
  response: listingReportSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  ...onListing(reportListingInputSchema, reportListing),
});

export const removeListingRoute = defineRoute({
  method: "POST",
  path: `${BASE}/{listing}/remove`,
  summary:
    "Platform operators only (a key whose creator's email is in CADRE_OPERATOR_EMAILS; the workspace role does not matter): remove a listing from the marketplace (gone from search and its link; installs keep working); audited in the publisher's workspace",
  tag: TAG,
  requires: "marketplace:read",
  status: 200,
  response: removedListingSchema,
  idempotent: false,
  errors: ["FORBIDDEN"],
  ...onListing(removeListingInputSchema, removeListing),
});
