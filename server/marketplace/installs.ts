/**
 * The workspace's installs of marketplace listings, with whether a newer version is offered. Another workspace's
 * install is NOT_FOUND (row-level security: an install is its installer's only).
 */
import { AppError } from "@/lib/errors";
import type { ListingInstallOut, ListingStatus } from "@/lib/schemas/marketplace";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { parseResources } from "./install-resources";

const withListing = { listing: { select: { name: true, status: true, latestVersion: true } } } as const;
type InstallRow = Prisma.ListingInstallGetPayload<{ include: typeof withListing }>;

function toInstallOut(row: InstallRow): ListingInstallOut {
  const r = parseResources(row.resources);
  const roots = row.rootKind === "agent" ? r.agents : r.teams;
  const root = roots.find((x) => x.id === row.rootId);
  const status = row.listing.status as ListingStatus;
  return {
    id: row.id,
    listingId: row.listingId,
    listingName: row.listing.name,
    listingStatus: status,
    version: row.version,
    latestVersion: row.listing.latestVersion,
    updateAvailable: status === "active" && row.listing.latestVersion > row.version,
    root: { kind: row.rootKind as "agent" | "team", id: row.rootId, slug: root?.slug ?? "" },
    agents: r.agents.map(({ id, slug }) => ({ id, slug })),
    teams: r.teams.map(({ id, slug }) => ({ id, slug })),
    tools: r.tools.map(({ id, name }) => ({ id, name })),
    judges: r.judges.map(({ id, slug }) => ({ id, slug })),
    secretBindings: (row.secretBindings ?? {}) as Record<string, string>,
    installedAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function listInstalls(ctx: TenantContext): Promise<ListingInstallOut[]> {
  if (!ctx.permissions.has("marketplace:read")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:read");
  const rows = await db(ctx).listingInstall.findMany({
    where: { workspaceId: ctx.workspaceId },
    include: withListing,
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: 500,
  });
  return rows.map(toInstallOut);
}

/** The install row (NOT_FOUND for another workspace's or an unknown id). */
export async function findInstall(ctx: TenantContext, id: string): Promise<InstallRow> {
  const row = await db(ctx).listingInstall.findFirst({ where: { id, workspaceId: ctx.workspaceId }, include: withListing });
  if (!row) throw new AppError("NOT_FOUND", "No such install");
  return row;
}

export async function getInstall(ctx: TenantContext, id: string): Promise<ListingInstallOut> {
  if (!ctx.permissions.has("marketplace:read")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:read");
  return toInstallOut(await findInstall(ctx, id));
}
