/**
 * Finding a listing the caller may read: by id when row-level security lets this workspace read it (its own, a
 * public and active one, or one it installed), or by the unlisted link token its publisher shared (the privileged
 * path `marketplace-link`: the token is the capability). Anything else is the same 404, whether it exists or not.
 */
import type { Listing, ListingVersion } from "@/server/db/generated/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db, systemDb } from "@/server/db/client";

const notFound = () => new AppError("NOT_FOUND", "No such listing");

/** A listing id (lst_...) or link token (lnk_...) as the caller may read it; NOT_FOUND otherwise. */
export async function findReadableListing(ctx: TenantContext, ref: string): Promise<Listing & { viaLink: boolean }> {
  if (ref.startsWith("lnk_")) {
    const row = await systemDb("marketplace-link").listing.findUnique({ where: { linkToken: ref } });
    // a removed listing is gone for new readers; an unpublished one stays readable by its link (the publisher may
    // republish), but install refuses it
    if (!row || row.status === "removed") throw notFound();
    return { ...row, viaLink: true };
  }
  if (!ref.startsWith("lst_")) throw notFound();
  const row = await db(ctx).listing.findUnique({ where: { id: ref } });
  if (!row) throw notFound();
  return { ...row, viaLink: false };
}

/** One version of a readable listing (default: its newest). Versions of a listing read by its link are read the same way. */
export async function findListingVersion(ctx: TenantContext, listing: Listing & { viaLink: boolean }, version?: number): Promise<ListingVersion> {
  const where = { listingId_version: { listingId: listing.id, version: version ?? listing.latestVersion } };
  const row = listing.viaLink ? await systemDb("marketplace-link").listingVersion.findUnique({ where }) : await db(ctx).listingVersion.findUnique({ where });
  if (!row) throw new AppError("NOT_FOUND", version ? `The listing has no version ${version}` : "No such listing");
  return row;
}
