/**
 * The counts a publisher sees on its listing (installs, ratings) are written by other workspaces' actions: the
 * privileged path `marketplace-counts` updates only these numbers on the publisher's row, nothing of the installer.
 * Call it after the install, uninstall or review committed (another scope cannot join that transaction).
 */
import type { Prisma } from "@/server/db/generated/client";
import { systemDb } from "@/server/db/client";
import { inWorkspace } from "@/server/db/in-workspace";

export interface CountChange {
  installs?: number;
  ratingCount?: number;
  ratingSum?: number;
}

export async function changeListingCounts(listingId: string, change: CountChange): Promise<void> {
  const data: Prisma.ListingUpdateInput = {};
  if (change.installs) data.installCount = { increment: change.installs };
  if (change.ratingCount) data.ratingCount = { increment: change.ratingCount };
  if (change.ratingSum) data.ratingSum = { increment: change.ratingSum };
  if (Object.keys(data).length === 0) return;
  // updatedAt would tell the publisher when someone installed: keep it
  const current = await systemDb("marketplace-counts").listing.findUnique({ where: { id: listingId }, select: { workspaceId: true, updatedAt: true } });
  if (!current) return;
  await systemDb("marketplace-counts").listing.update({ where: inWorkspace(current, listingId), data: { ...data, updatedAt: current.updatedAt } });
}
