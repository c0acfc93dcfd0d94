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
import { router, workspaceProcedure } from "../trpc";

const byId = z.strictObject({ install: listingInstallIdSchema });

/** Installs of marketplace listings in this workspace (issue 16): consent, install, diff and update, uninstall. */
export const marketplaceInstallsRouter = router({
  /** what an installer reviews first: the version's manifest, the digest to send with the install, the slots to bind */
  consent: workspaceProcedure("marketplace:read")
    .input(installConsentInputSchema)
    .output(installConsentSchema)
    .query(({ ctx, input }) => installConsent(ctx.tenant, input)),
  list: workspaceProcedure("marketplace:read")
    .input(z.strictObject({}).optional())
    .output(z.array(listingInstallSchema))
    .query(({ ctx }) => listInstalls(ctx.tenant)),
  get: workspaceProcedure("marketplace:read")
    .input(byId)
    .output(listingInstallSchema)
    .query(({ ctx, input }) => getInstall(ctx.tenant, input.install)),
  /** creates the package's agents, teams, tools and MCP servers, bound to this workspace's secrets; audited */
  install: workspaceProcedure("marketplace:install")
    .input(installListingInputSchema)
    .output(listingInstallSchema)
    .mutation(({ ctx, input }) => installListing(ctx.tenant, input)),
  /** what updating to `version` would change, new permissions highlighted; nothing is written */
  diff: workspaceProcedure("marketplace:read")
    .input(z.strictObject({ install: listingInstallIdSchema, version: z.number().int().min(1) }))
    .output(installDiffSchema)
    .query(({ ctx, input }) => installDiff(ctx.tenant, input)),
  /** applies a version (explicitly: nothing updates by itself); audited */
  update: workspaceProcedure("marketplace:install")
    .input(updateInstallInputSchema)
    .output(listingInstallSchema)
    .mutation(({ ctx, input }) => updateInstall(ctx.tenant, input)),
  /** archives the installed agents and teams, deletes the tools and MCP servers no other agent uses; audited */
  uninstall: workspaceProcedure("marketplace:install")
    .input(byId)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => uninstall(ctx.tenant, input.install)),
});
