import { z } from "zod";
import { deletedSchema } from "@/lib/schemas/common";
import {
  installConsentInputSchema,
  installConsentSchema,
  installDiffSchema,
  installListingInputSchema,
  listingInstallIdSchema,
  listingInstallSchema,
  updateInstallInputSchema,
} from "@/lib/schemas/marketplace";
import { installConsent, installListing } from "@/server/marketplace/install";
import { getInstall, listInstalls } from "@/server/marketplace/installs";
import { installDiff, updateInstall } from "@/server/marketplace/diff";
import { uninstall } from "@/server/marketplace/uninstall";
import { defineRoute } from "../define";

const TAG = "Marketplace installs";
const installParams = z.strictObject({ installId: listingInstallIdSchema });

export const listInstallsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/marketplace/installs",
  summary: "The workspace's installs of marketplace listings, newest first, each with whether a newer version is offered",
  tag: TAG,
  requires: "marketplace:read",
  response: z.object({ data: z.array(listingInstallSchema) }),
  handler: async ({ ctx }) => ({ data: await listInstalls(ctx) }),
});

export const installListingRoute = defineRoute({
  method: "POST",
  path: "/api/v1/marketplace/installs",
  summary:
    "Install a listing version (by listing id or unlisted link token): its package's signature is verified, `consentDigest` must be the one GET /consent answered, each secret slot bound to one of this workspace's secrets; slugs taken here are a 409 unless `slugPrefix` is given. All or nothing; audited",
  tag: TAG,
  requires: "marketplace:install",
  body: installListingInputSchema,
  status: 201,
  response: listingInstallSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => installListing(ctx, body),
});

export const installConsentRoute = defineRoute({
  method: "GET",
  path: "/api/v1/marketplace/installs/consent",
  summary: "What installing a listing version allows (its permission manifest), the digest to send with the install, and the secret slots to bind",
  tag: TAG,
  requires: "marketplace:read",
  query: installConsentInputSchema,
  response: installConsentSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, query }) => installConsent(ctx, query),
});

export const getInstallRoute = defineRoute({
  method: "GET",
  path: "/api/v1/marketplace/installs/{installId}",
  summary: "One install: the listing version, the agents, teams and tools it created, its secret bindings",
  tag: TAG,
  requires: "marketplace:read",
  params: installParams,
  response: listingInstallSchema,
  handler: ({ ctx, params }) => getInstall(ctx, params.installId),
});

export const installDiffRoute = defineRoute({
  method: "GET",
  path: "/api/v1/marketplace/installs/{installId}/diff",
  summary: "What updating the install to `version` would change: agents, teams, tools, and the permissions the new manifest adds; nothing is written",
  tag: TAG,
  requires: "marketplace:read",
  params: installParams,
  query: z.strictObject({ version: z.coerce.number().int().min(1) }),
  response: installDiffSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, query }) => installDiff(ctx, { install: params.installId, version: query.version }),
});

export const updateInstallRoute = defineRoute({
  method: "POST",
  path: "/api/v1/marketplace/installs/{installId}/update",
  summary:
    "Update the install to `version` (explicitly; nothing updates by itself): same checks as an install, then changed agents and teams get a new version, added ones are created, removed ones archived; audited",
  tag: TAG,
  requires: "marketplace:install",
  params: installParams,
  body: updateInstallInputSchema.omit({ install: true }),
  response: listingInstallSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateInstall(ctx, { ...body, install: params.installId }),
});

export const uninstallRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/marketplace/installs/{installId}",
  summary: "Uninstall: the installed agents and teams are archived, the tools and MCP servers it created deleted unless another agent uses them; audited",
  tag: TAG,
  requires: "marketplace:install",
  params: installParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => uninstall(ctx, params.installId),
});
