/**
 * Installing a listing version into the caller's workspace (issue 16): the installer reviews the version's
 * permission manifest (`installConsent`) and sends back its digest with a binding of each secret slot to one of its
 * own vault secrets. The stored package must still carry the platform's signature; then every agent, team, tool,
 * MCP server and judge (of the agents' quality gates, which name them by their installed slugs) is created in one transaction (all or nothing), linked to the install. Nothing of the publisher's
 * workspace is read besides the listing and its signed version: no secret, model or row of theirs is ever used.
 */
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Listing, ListingVersion, Prisma } from "@/server/db/generated/client";
import {
  installListingInputSchema,
  marketplacePackageSchema,
  type InstallConsent,
  type InstallListingInput,
  type ListingInstallOut,
  type MarketplacePackage,
  type PermissionManifest,
} from "@/lib/schemas/marketplace";
import { actorUserId, type TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { recordAudit } from "@/server/audit/service";
import { routingSnapshot } from "@/server/models/routing";
import { submitMemoryDocument } from "@/server/jobs/memory-documents";
import { logger } from "@/server/logger";
import { changeListingCounts } from "./counts";
import { findListingVersion, findReadableListing } from "./lookup";
import { manifestDigest } from "./manifest";
import { signedContent, verifyPackage } from "./signing";
import {
  checkCollisions,
  checkedBindings,
  checkHttpTools,
  checkPermissions,
  createAll,
  knowledgeScope,
  Naming,
  packageProblems,
  permissionsNeeded,
  slotsOf,
  type InstallResources,
} from "./install-resources";
import { getInstall } from "./installs";

export interface VerifiedVersion {
  listing: Listing & { viaLink: boolean };
  version: ListingVersion;
  pkg: MarketplacePackage;
  manifest: PermissionManifest;
}

const notOffered = (listing: Listing) =>
  new AppError("CONFLICT", `The listing "${listing.name}" is no longer offered (${listing.status}): it cannot be installed or updated`);

/**
 * A version of a listing the caller may read, its package parsed and its signature verified; refused with CONFLICT
 * when the listing is not active (unless `anyStatus`) or the stored package no longer matches its signature.
 */
export async function verifiedVersion(
  ctx: TenantContext,
  listing: Listing & { viaLink: boolean },
  version?: number,
  opts: { anyStatus?: boolean } = {},
): Promise<VerifiedVersion> {
  if (!opts.anyStatus && listing.status !== "active") throw notOffered(listing);
  const row = await findListingVersion(ctx, listing, version);
  const parsed = marketplacePackageSchema.safeParse(row.package);
  const signed = { digest: row.digest, signature: row.signature, keyId: row.keyId };
  // the signature is over the stored JSON: a package or manifest changed after publishing fails here, parsed or not
  if (!parsed.success || !verifyPackage(signedContent(row.package, row.manifest), signed)) {
    logger.warn({ listingId: listing.id, version: row.version }, "marketplace: a listing version failed signature verification");
    throw new AppError(
      "CONFLICT",
      `Version ${row.version} of "${listing.name}" failed signature verification: its package is not what Cadre published. It cannot be installed.`,
      { reason: "signature" },
    );
  }
  return { listing, version: row, pkg: parsed.data, manifest: row.manifest as unknown as PermissionManifest };
}

export function checkConsent(manifest: PermissionManifest, consentDigest: string): void {
  if (manifestDigest(manifest) !== consentDigest)
    throw new AppError("CONFLICT", "The permissions changed: review them again (the consent digest does not match this version's manifest)", {
      reason: "consent",
      consentDigest: manifestDigest(manifest),
    });
}

/** What an installer reviews before installing a version: its manifest, the digest to send back, the slots to bind. */
export async function installConsent(ctx: TenantContext, input: { listing: string; version?: number }): Promise<InstallConsent> {
  if (!ctx.permissions.has("marketplace:read")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:read");
  const listing = await findReadableListing(ctx, input.listing);
  const v = await verifiedVersion(ctx, listing, input.version);
  return {
    listingId: listing.id,
    version: v.version.version,
    manifest: v.manifest,
    consentDigest: manifestDigest(v.manifest),
    secretSlots: v.manifest.secretSlots ?? [],
  };
}

/** Installs a listing version: see the file's comment. Answers the install; its knowledge documents are queued after. */
export async function installListing(ctx: TenantContext, input: InstallListingInput): Promise<ListingInstallOut> {
  if (!ctx.permissions.has("marketplace:install")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:install");
  const data = installListingInputSchema.parse(input);
  const listing = await findReadableListing(ctx, data.listing);
  const v = await verifiedVersion(ctx, listing, data.version);
  checkPermissions(ctx, permissionsNeeded(v.pkg));
  checkConsent(v.manifest, data.consentDigest);
  packageProblems(v.pkg);
  const naming = new Naming(data.slugPrefix ?? null);
  // the reads are independent: sent together, their refusals reported in this order
  const [bound, collisions, snapshot] = await Promise.allSettled([
    checkedBindings(ctx, slotsOf(v.pkg, v.manifest.secretSlots), data.secretBindings),
    checkCollisions(ctx, naming, {
      agents: v.pkg.agents.map((a) => a.slug),
      teams: v.pkg.teams.map((t) => t.slug),
      tools: v.pkg.tools,
      mcpServers: v.pkg.mcpServers.map((s) => s.name),
      judges: (v.pkg.judges ?? []).map((j) => j.slug),
    }),
    routingSnapshot(ctx),
  ]);
  const bindings = settled(bound);
  checkHttpTools(v.pkg, bindings);
  settled(collisions);
  const routing = settled(snapshot);
  const installId = newId("lin");
  const resources = await db(ctx).$transaction(async (tx) => {
    const created = await createAll(ctx, tx, v.pkg, naming, bindings, routing, installId);
    const root = rootOf(v.pkg, created);
    await tx.listingInstall.create({
      data: {
        id: installId,
        workspaceId: ctx.workspaceId,
        listingId: listing.id,
        listingVersionId: v.version.id,
        version: v.version.version,
        rootKind: v.pkg.root.kind,
        rootId: root.id,
        resources: created as unknown as Prisma.InputJsonValue,
        secretBindings: bindings,
        createdById: actorUserId(ctx),
      },
    });
    await recordAudit(
      ctx,
      {
        action: "listing_install.create",
        targetType: "listing_install",
        targetId: installId,
        metadata: {
          listingId: listing.id,
          listingName: listing.name,
          version: v.version.version,
          digest: v.version.digest,
          slugPrefix: naming.prefix,
          agents: created.agents.map((a) => a.slug),
          teams: created.teams.map((t) => t.slug),
          tools: created.tools.map((t) => t.name),
          judges: created.judges.map((j) => j.slug),
          secretSlots: Object.keys(bindings),
        },
      },
      tx,
    );
    return created;
  });
  const [, out] = await Promise.all([changeListingCounts(listing.id, { installs: 1 }), getInstall(ctx, installId)]);
  await queueKnowledge(ctx, v.pkg, resources);
  return out;
}

function settled<T>(result: PromiseSettledResult<T>): T {
  if (result.status === "rejected") throw result.reason;
  return result.value;
}

/** The installed root (the package's root agent or team). */
export function rootOf(pkg: MarketplacePackage, resources: InstallResources): { id: string; slug: string } {
  const list = pkg.root.kind === "agent" ? resources.agents : resources.teams;
  const found = list.find((r) => r.source === pkg.root.slug);
  if (!found)
    throw new AppError("VALIDATION_FAILED", `The package's root ${pkg.root.kind} "${pkg.root.slug}" is not in it`, {
      issues: [{ path: "package.root", message: "Not in the package" }],
    });
  return found;
}

/** Bundled documents into the installer's memory (after the commit: a failed one is marked failed, the install stays). */
export async function queueKnowledge(ctx: TenantContext, pkg: MarketplacePackage, resources: InstallResources): Promise<void> {
  for (const doc of pkg.knowledge) {
    const scope = knowledgeScope(doc.scope, resources);
    if (!scope) continue;
    try {
      await submitMemoryDocument(ctx, {
        scope,
        title: doc.title,
        text: doc.text,
        mimeType: doc.format === "markdown" ? "text/markdown" : "text/plain",
      });
    } catch (error) {
      logger.warn({ err: error, title: doc.title }, "marketplace: a bundled knowledge document could not be queued");
    }
  }
}
