/** Listing rows as API objects: what every reader sees of a listing (never its source or its publisher's ids). */
import type { ListingCategory, ListingStatus, ListingSummary, ListingVisibility } from "@/lib/schemas/marketplace";

/** The columns a summary is made of (a Prisma row, or a row of the search's SQL). */
export interface ListingSummaryRow {
  id: string;
  workspaceId: string;
  slug: string;
  name: string;
  summary: string;
  category: string;
  tags: string[];
  icon: string;
  kind: string;
  visibility: string;
  status: string;
  publisherName: string;
  latestVersion: number;
  installCount: number;
  ratingCount: number;
  ratingSum: number;
  updatedAt: Date | string;
}

export function ratingAverage(ratingSum: number, ratingCount: number): number | null {
  return ratingCount > 0 ? Math.round((ratingSum / ratingCount) * 100) / 100 : null;
}

export function toListingSummary(row: ListingSummaryRow, workspaceId: string): ListingSummary {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    summary: row.summary,
    category: row.category as ListingCategory,
    tags: [...row.tags],
    icon: row.icon,
    kind: row.kind as "agent" | "team",
    visibility: row.visibility as ListingVisibility,
    status: row.status as ListingStatus,
    publisherName: row.publisherName,
    latestVersion: Number(row.latestVersion),
    installCount: Number(row.installCount),
    ratingAverage: ratingAverage(Number(row.ratingSum), Number(row.ratingCount)),
    ratingCount: Number(row.ratingCount),
    updatedAt: row.updatedAt instanceof Date ? row.updatedAt.toISOString() : row.updatedAt,
    mine: row.workspaceId === workspaceId,
  };
}
