/**
 * Uninstalling: the installed agents, teams and judges are archived (their versions stay readable, old runs keep working),
 * the tools and MCP servers the install created are deleted unless an agent outside it still uses them, and the
 * install row goes; the listing's install count drops by one.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { recordAudit } from "@/server/audit/service";
import { changeListingCounts } from "./counts";
import { parseResources } from "./install-resources";
import { findInstall } from "./installs";
import { inWorkspace } from "@/server/db/in-workspace";

type Tx = Prisma.TransactionClient;

/** Archives agents (by id) not archived yet, each audited as agent.archive. */
export async function archiveAgents(ctx: TenantContext, tx: Tx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.agent.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: ids }, archivedAt: null } });
  for (const row of rows) {
    await tx.agent.update({ where: inWorkspace(ctx, row.id), data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "agent.archive", targetType: "agent", targetId: row.id, metadata: { slug: row.slug, version: row.currentVersion } }, tx);
  }
}

export async function archiveTeams(ctx: TenantContext, tx: Tx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.team.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: ids }, archivedAt: null } });
  for (const row of rows) {
    await tx.team.update({ where: inWorkspace(ctx, row.id), data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "team.archive", targetType: "team", targetId: row.id, metadata: { slug: row.slug, version: row.currentVersion } }, tx);
  }
}

/** Archives judges (by id) not archived yet, each audited as judge.archive: gates still naming one refuse new runs. */
export async function archiveJudges(ctx: TenantContext, tx: Tx, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await tx.judge.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: ids }, archivedAt: null } });
  for (const row of rows) {
    await tx.judge.update({ where: inWorkspace(ctx, row.id), data: { archivedAt: new Date() } });
    await recordAudit(ctx, { action: "judge.archive", targetType: "judge", targetId: row.id, metadata: { slug: row.slug } }, tx);
  }
}

/** The names among `names` that the current version of a non-archived agent grants. */
export async function grantedNames(ctx: TenantContext, tx: Tx, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const versions = await tx.agentVersion.findMany({
    where: { workspaceId: ctx.workspaceId, allowedTools: { hasSome: names }, agent: { archivedAt: null } },
    select: { version: true, allowedTools: true, agent: { select: { currentVersion: true } } },
  });
  return new Set(versions.filter((v) => v.version === v.agent.currentVersion).flatMap((v) => v.allowedTools.filter((t) => names.includes(t))));
}

/** Deletes tools (by id) and MCP servers that no remaining agent grants; answers the names kept. */
export async function deleteUnused(
  ctx: TenantContext,
  tx: Tx,
  tools: { id: string; name: string }[],
  servers: { id: string; name: string }[],
): Promise<string[]> {
  const serverTools = servers.length
    ? await tx.tool.findMany({
        where: { workspaceId: ctx.workspaceId, mcpServerId: { in: servers.map((s) => s.id) } },
        select: { name: true, mcpServerId: true },
      })
    : [];
  const granted = await grantedNames(ctx, tx, [...tools.map((t) => t.name), ...serverTools.map((t) => t.name)]);
  const kept: string[] = [];
  for (const t of tools) {
    if (granted.has(t.name)) {
      kept.push(t.name);
      continue;
    }
    const row = await tx.tool.findFirst({ where: { id: t.id, workspaceId: ctx.workspaceId }, select: { id: true, name: true, kind: true } });
    if (!row) continue;
    await tx.tool.delete({ where: inWorkspace(ctx, row.id) });
    await recordAudit(ctx, { action: "tool.delete", targetType: "tool", targetId: row.id, metadata: { name: row.name, kind: row.kind } }, tx);
  }
  for (const s of servers) {
    const used = serverTools.filter((t) => t.mcpServerId === s.id && granted.has(t.name)).map((t) => t.name);
    if (used.length > 0) {
      kept.push(s.name);
      continue;
    }
    const row = await tx.mcpServer.findFirst({ where: { id: s.id, workspaceId: ctx.workspaceId }, select: { id: true, name: true } });
    if (!row) continue;
    await tx.mcpServer.delete({ where: inWorkspace(ctx, row.id) });
    await recordAudit(ctx, { action: "mcp_server.delete", targetType: "mcp_server", targetId: row.id, metadata: { name: row.name } }, tx);
  }
  return kept;
}

export async function uninstall(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  if (!ctx.permissions.has("marketplace:install")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:install");
  const row = await findInstall(ctx, id);
  const r = parseResources(row.resources);
  await db(ctx).$transaction(async (tx) => {
    await archiveTeams(
      ctx,
      tx,
      r.teams.map((t) => t.id),
    );
    await archiveAgents(
      ctx,
      tx,
      r.agents.map((a) => a.id),
    );
    await archiveJudges(
      ctx,
      tx,
      r.judges.map((j) => j.id),
    );
    const kept = await deleteUnused(ctx, tx, r.tools, r.mcpServers);
    const gone = await tx.listingInstall.deleteMany({ where: { id: row.id, workspaceId: ctx.workspaceId } });
    if (gone.count !== 1) throw new AppError("NOT_FOUND", "No such install");
    await recordAudit(
      ctx,
      {
        action: "listing_install.delete",
        targetType: "listing_install",
        targetId: row.id,
        metadata: { listingId: row.listingId, listingName: row.listing.name, version: row.version, keptInUse: kept },
      },
      tx,
    );
  });
  await changeListingCounts(row.listingId, { installs: -1 });
  return { deleted: true };
}
