/**
 * Publishing on the marketplace (issue 16): a listing and its versions. Each version snapshots the publisher's
 * current agent or team as a package Cadre builds (./package.ts), refused when the scanner finds a secret, an id or
 * an email in it (./scan.ts), with its computed permission manifest (./manifest.ts) and the platform's signature
 * (./signing.ts). Later edits in the publisher's workspace change nothing until the next version. Publishing needs
 * marketplace:publish; reading a listing marketplace:read. Every change is audited in the publisher's workspace.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import {
  marketplacePackageSchema,
  permissionManifestSchema,
  previewListingInputSchema,
  publishListingInputSchema,
  publishVersionInputSchema,
  updateListingInputSchema,
  type ListingDetail,
  type ListingPreview,
  type MarketplacePackage,
  type MyListing,
  type PermissionManifest,
} from "@/lib/schemas/marketplace";
import type { Permission } from "@/lib/permissions";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db, systemDb } from "@/server/db/client";
import { prismaCode } from "@/server/db/errors";
import type { Listing, ListingVersion, Prisma } from "@/server/db/generated/client";
import { toListingSummary } from "./listing-rows";
import { findReadableListing } from "./lookup";
import { computeManifest, manifestPricing } from "./manifest";
import { buildSourcePackage, type PackageKnowledge, type PackageSource } from "./package";
import { scanPackage } from "./scan";
import { signedContent, signPackage, verifyPackage } from "./signing";
import { inWorkspace } from "@/server/db/in-workspace";

export function needMarketplace(ctx: TenantContext, permission: Extract<Permission, `marketplace:${string}`>): void {
  if (!ctx.permissions.has(permission)) throw new AppError("FORBIDDEN", `Your role does not allow ${permission}`);
}

const actorId = (ctx: TenantContext) => (ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId);

interface BuiltVersion {
  pkg: MarketplacePackage;
  manifest: PermissionManifest;
  sourceId: string;
}

/** The package, scanned (VALIDATION_FAILED naming each field it refuses), and its manifest. */
async function buildVersion(ctx: TenantContext, source: PackageSource, knowledge: readonly PackageKnowledge[]): Promise<BuiltVersion> {
  const { pkg, sourceId } = await buildSourcePackage(ctx, source, knowledge);
  const problems = scanPackage(pkg);
  if (problems.length > 0)
    throw new AppError("VALIDATION_FAILED", `The package cannot be published: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, {
      issues: problems,
    });
  return { pkg, manifest: computeManifest(pkg, await manifestPricing(ctx)), sourceId };
}

async function workspaceName(ctx: TenantContext, tx: Prisma.TransactionClient | ReturnType<typeof db> = db(ctx)): Promise<string> {
  const row = await tx.workspace.findFirst({ where: { id: ctx.workspaceId }, select: { name: true } });
  return row?.name ?? "";
}

function versionData(ctx: TenantContext, listingId: string, version: number, changelog: string, built: BuiltVersion) {
  const signed = signPackage(signedContent(built.pkg, built.manifest));
  return {
    id: newId("lsv"),
    workspaceId: ctx.workspaceId,
    listingId,
    version,
    changelog,
    package: built.pkg as unknown as Prisma.InputJsonValue,
    manifest: built.manifest as unknown as Prisma.InputJsonValue,
    digest: signed.digest,
    signature: signed.signature,
    keyId: signed.keyId,
    createdById: actorId(ctx),
  };
}

/** What publishing would build from the source: the package, its manifest and the scanner's problems (nothing written). */
export async function previewListing(ctx: TenantContext, input: z.input<typeof previewListingInputSchema>): Promise<ListingPreview> {
  needMarketplace(ctx, "marketplace:publish");
  const data = previewListingInputSchema.parse(input);
  const { pkg } = await buildSourcePackage(ctx, data.source, data.knowledge);
  return { package: pkg, manifest: computeManifest(pkg, await manifestPricing(ctx)), problems: scanPackage(pkg) };
}

export async function publishListing(ctx: TenantContext, input: z.input<typeof publishListingInputSchema>): Promise<ListingDetail> {
  needMarketplace(ctx, "marketplace:publish");
  const data = publishListingInputSchema.parse(input);
  const built = await buildVersion(ctx, data.source, data.knowledge);
  const id = newId("lst");
  try {
    await db(ctx).$transaction(async (tx) => {
      await tx.listing.create({
        data: {
          id,
          workspaceId: ctx.workspaceId,
          slug: data.slug,
          kind: data.source.kind,
          sourceId: built.sourceId,
          publisherName: await workspaceName(ctx, tx),
          name: data.name,
          summary: data.summary,
          description: data.description,
          category: data.category,
          tags: data.tags,
          icon: data.icon,
          visibility: data.visibility,
          linkToken: newId("lnk"),
          latestVersion: 1,
          createdById: actorId(ctx),
        },
      });
      const version = versionData(ctx, id, 1, data.changelog, built);
      await tx.listingVersion.create({ data: version });
      await recordAudit(
        ctx,
        {
          action: "listing.publish",
          targetType: "listing",
          targetId: id,
          metadata: { slug: data.slug, kind: data.source.kind, visibility: data.visibility, version: 1, digest: version.digest },
        },
        tx,
      );
    });
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `The listing slug "${data.slug}" is taken: choose another`);
    throw error;
  }
  return getListing(ctx, id);
}

/** The caller's own listing (another workspace's is the same 404 as none). */
async function ownListing(ctx: TenantContext, id: string): Promise<Listing> {
  const row = await db(ctx).listing.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", "No such listing");
  return row;
}

function refuseRemoved(row: Listing): void {
  if (row.status === "removed") throw new AppError("CONFLICT", "A platform operator removed this listing: it cannot be changed or published again");
}

/** A new version from the source's current versions (the source must still exist and not be archived). */
export async function publishVersion(ctx: TenantContext, input: z.input<typeof publishVersionInputSchema>): Promise<ListingDetail> {
  needMarketplace(ctx, "marketplace:publish");
  const data = publishVersionInputSchema.parse(input);
  const listing = await ownListing(ctx, data.listing);
  refuseRemoved(listing);
  let knowledge = data.knowledge;
  if (!knowledge) {
    const previous = await db(ctx).listingVersion.findFirst({ where: { listingId: listing.id, version: listing.latestVersion }, select: { package: true } });
    const parsed = marketplacePackageSchema.safeParse(previous?.package);
    knowledge = parsed.success ? parsed.data.knowledge : [];
  }
  let built: BuiltVersion;
  try {
    built = await buildVersion(ctx, { kind: listing.kind as PackageSource["kind"], ref: listing.sourceId }, knowledge);
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND")
      throw new AppError("CONFLICT", `The ${listing.kind} this listing was published from no longer exists: publish a new listing instead`);
    throw error;
  }
  const version = listing.latestVersion + 1;
  try {
    await db(ctx).$transaction(async (tx) => {
      const row = versionData(ctx, listing.id, version, data.changelog, built);
      await tx.listingVersion.create({ data: row });
      await tx.listing.update({ where: inWorkspace(ctx, listing.id), data: { latestVersion: version, publisherName: await workspaceName(ctx, tx) } });
      await recordAudit(ctx, { action: "listing.publish_version", targetType: "listing", targetId: listing.id, metadata: { version, digest: row.digest } }, tx);
    });
  } catch (error) {
    if (prismaCode(error) === "P2002") throw new AppError("CONFLICT", `Version ${version} was published meanwhile: reload and try again`);
    throw error;
  }
  return getListing(ctx, listing.id);
}

export async function updateListing(ctx: TenantContext, input: z.input<typeof updateListingInputSchema>): Promise<ListingDetail> {
  needMarketplace(ctx, "marketplace:publish");
  const { listing: id, ...patch } = updateListingInputSchema.parse(input);
  const before = await ownListing(ctx, id);
  refuseRemoved(before);
  const changes = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  if (Object.keys(changes).length > 0)
    await db(ctx).$transaction(async (tx) => {
      await tx.listing.update({ where: inWorkspace(ctx, id), data: changes });
      await recordAudit(ctx, { action: "listing.update", targetType: "listing", targetId: id, metadata: { fields: Object.keys(changes), ...changes } }, tx);
    });
  return getListing(ctx, id);
}

async function setStatus(ctx: TenantContext, id: string, status: "active" | "unpublished"): Promise<ListingDetail> {
  needMarketplace(ctx, "marketplace:publish");
  const before = await ownListing(ctx, id);
  refuseRemoved(before);
  if (before.status !== status)
    await db(ctx).$transaction(async (tx) => {
      await tx.listing.update({ where: inWorkspace(ctx, id), data: { status } });
      await recordAudit(ctx, { action: status === "active" ? "listing.republish" : "listing.unpublish", targetType: "listing", targetId: id }, tx);
    });
  return getListing(ctx, id);
}

/** Hides the listing from search and new installs; existing installs keep working. */
export const unpublishListing = (ctx: TenantContext, id: string) => setStatus(ctx, id, "unpublished");
export const republishListing = (ctx: TenantContext, id: string) => setStatus(ctx, id, "active");

const signatureOf = (v: ListingVersion) => ({ digest: v.digest, signature: v.signature, keyId: v.keyId });

/** A listing by id or link token, with its versions (each verified against its signature) and the caller's installs and review. */
export async function getListing(ctx: TenantContext, ref: string): Promise<ListingDetail> {
  needMarketplace(ctx, "marketplace:read");
  const listing = await findReadableListing(ctx, ref);
  const reader = listing.viaLink ? systemDb("marketplace-link") : db(ctx);
  const [versions, installs, review] = await Promise.all([
    reader.listingVersion.findMany({ where: { listingId: listing.id }, orderBy: { version: "desc" } }),
    db(ctx).listingInstall.findMany({
      where: { workspaceId: ctx.workspaceId, listingId: listing.id },
      select: { id: true, version: true },
      orderBy: { createdAt: "asc" },
    }),
    db(ctx).listingReview.findFirst({ where: { workspaceId: ctx.workspaceId, listingId: listing.id }, select: { rating: true, body: true } }),
  ]);
  const latest = versions.find((v) => v.version === listing.latestVersion) ?? versions[0];
  if (!latest) throw new AppError("INTERNAL", `Listing ${listing.id} has no version`);
  const out = (v: ListingVersion) => ({
    id: v.id,
    version: v.version,
    changelog: v.changelog,
    digest: v.digest,
    signature: v.signature,
    keyId: v.keyId,
    verified: verifyPackage(signedContent(v.package, v.manifest), signatureOf(v)),
    publishedAt: v.createdAt.toISOString(),
  });
  const pkg = marketplacePackageSchema.safeParse(latest.package);
  if (!pkg.success) throw new AppError("INTERNAL", `Listing version ${latest.id} holds no readable package`);
  const mine = listing.workspaceId === ctx.workspaceId;
  // each version verified once (the latest is one of them)
  const verifiedVersions = versions.map(out);
  const latestOut = verifiedVersions[versions.indexOf(latest)]!;
  return {
    ...toListingSummary(listing, ctx.workspaceId),
    description: listing.description,
    versions: verifiedVersions,
    // `verified` checks the package as stored (a schema parse could fill defaults and hide a change)
    latest: { ...latestOut, manifest: permissionManifestSchema.parse(latest.manifest), package: pkg.data },
    linkToken: mine ? listing.linkToken : null,
    installs,
    myReview: review,
  };
}

/** The workspace's own listings, newest first, with their counts and open reports (numbers only). */
export async function myListings(ctx: TenantContext): Promise<MyListing[]> {
  needMarketplace(ctx, "marketplace:read");
  const rows = await db(ctx).listing.findMany({ where: { workspaceId: ctx.workspaceId }, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: 500 });
  const reports = rows.length
    ? await systemDb("marketplace-counts").listingReport.groupBy({
        by: ["listingId"],
        where: { listingId: { in: rows.map((r) => r.id) }, resolvedAt: null },
        _count: { _all: true },
      })
    : [];
  const open = new Map(reports.map((r) => [r.listingId, r._count._all]));
  return rows.map((row) => ({
    ...toListingSummary(row, ctx.workspaceId),
    linkToken: row.linkToken,
    reports: open.get(row.id) ?? 0,
    removedReason: row.removedReason,
  }));
}
