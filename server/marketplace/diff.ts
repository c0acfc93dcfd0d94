/**
 * Updating an install to another version of its listing, explicitly: `installDiff` shows what would change (per agent,
 * team and tool of the packages, and the permissions the new manifest adds), `updateInstall` applies it after the
 * same checks as an install (signature, consent, a binding for every slot) in one transaction. Changed agents and
 * teams get a new version with the fields the package changed (the installer's own edits of other fields stay),
 * added ones are created, removed ones archived; tools are updated, created or deleted; the judges of the agents'
 * gates get a new judge version with the fields the package changed, like agents (./diff-judges.ts).
 */
import { AppError } from "@/lib/errors";
import { lineDiff, sameJson } from "@/lib/line-diff";
import {
  updateInstallInputSchema,
  type InstallDiff,
  type ListingInstallOut,
  type MarketplacePackage,
  type PackageAgent,
  type PackageJudge,
  type PackageTool,
  type PermissionManifest,
} from "@/lib/schemas/marketplace";
import { AGENT_VERSION_FIELDS, type AgentVersionField } from "@/lib/schemas/agents";
import type { z } from "zod";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { Listing, Prisma } from "@/server/db/generated/client";
import { recordAudit } from "@/server/audit/service";
import { appendAgentVersion, fieldsOf, toAgentVersion, type VersionFields } from "@/server/agents/service";
import { appendTeamVersion } from "@/server/teams/service";
import { checkPolicyReferences, routingSnapshot } from "@/server/models/routing";
import { verifiedVersion, checkConsent, queueKnowledge, rootOf, type VerifiedVersion } from "./install";
import {
  changesOf,
  checkCollisions,
  checkedBindings,
  checkHttpTools,
  checkPermissions,
  createAgent,
  createServer,
  createTeam,
  createTool,
  Naming,
  packageProblems,
  parseResources,
  permissionsNeeded,
  serverColumns,
  slotsOf,
  toolColumns,
  type InstallResources,
} from "./install-resources";
import { findInstall, getInstall } from "./installs";
import { applyJudges, judgeFieldsChanged } from "./diff-judges";
import { manifestDigest } from "./manifest";
import { archiveAgents, archiveTeams, deleteUnused } from "./uninstall";

type Tx = Prisma.TransactionClient;

const AGENT_FIELDS = ["name", ...AGENT_VERSION_FIELDS.filter((f) => f !== "name")] as const;

function agentFieldsChanged(a: PackageAgent, b: PackageAgent): AgentVersionField[] {
  return AGENT_FIELDS.filter((f) => !sameJson(a[f as keyof PackageAgent] ?? null, b[f as keyof PackageAgent] ?? null)) as AgentVersionField[];
}

function diffText(before: string, after: string): string {
  return lineDiff(before, after)
    .map((l) => `${l.op === "add" ? "+" : l.op === "remove" ? "-" : " "} ${l.text}`)
    .join("\n");
}

const minus = (next: string[], prev: string[]) => [...new Set(next.filter((x) => !prev.includes(x)))].sort();

/** What the new manifest allows that the old one did not. */
function newPermissions(before: PermissionManifest, after: PermissionManifest): InstallDiff["newPermissions"] {
  const approvalBefore = new Map(before.tools.map((t) => [t.name, t.approval]));
  const dropped =
    (before.needsApprovals && !after.needsApprovals) ||
    after.tools.some((t) => t.approval === "never" && approvalBefore.has(t.name) && approvalBefore.get(t.name) !== "never");
  return {
    hosts: minus(after.egressHosts, before.egressHosts),
    secretSlots: minus(
      after.secretSlots.map((s) => s.name),
      before.secretSlots.map((s) => s.name),
    ),
    tools: minus(
      after.tools.map((t) => t.name),
      before.tools.map((t) => t.name),
    ),
    memoryWrites: minus(after.memory.writes, before.memory.writes),
    approvalsDropped: dropped,
  };
}

interface Loaded {
  install: Awaited<ReturnType<typeof findInstall>>;
  from: VerifiedVersion;
  to: VerifiedVersion;
}

async function load(ctx: TenantContext, installId: string, version: number, opts: { anyStatus: boolean }): Promise<Loaded> {
  const install = await findInstall(ctx, installId);
  // an installed listing stays readable by its installer (row-level security), unlisted or not
  const listingRow = await db(ctx).listing.findUnique({ where: { id: install.listingId } });
  if (!listingRow) throw new AppError("NOT_FOUND", "No such listing");
  const listing: Listing & { viaLink: boolean } = { ...listingRow, viaLink: false };
  const [from, to] = await Promise.all([verifiedVersion(ctx, listing, install.version, { anyStatus: true }), verifiedVersion(ctx, listing, version, opts)]);
  return { install, from, to };
}

function computeDiff(from: VerifiedVersion, to: VerifiedVersion): InstallDiff {
  const a = from.pkg;
  const b = to.pkg;
  return {
    from: from.version.version,
    to: to.version.version,
    agents: changesOf(a.agents, b.agents, (x) => x.slug).map((c) => ({
      slug: c.key,
      change: c.change,
      fields: c.change === "changed" ? agentFieldsChanged(c.from!, c.to!) : [],
      instructionsDiff:
        c.change === "changed" && c.from!.instructions !== c.to!.instructions
          ? diffText(c.from!.instructions, c.to!.instructions)
          : c.change === "added"
            ? diffText("", c.to!.instructions)
            : null,
    })),
    teams: changesOf(a.teams, b.teams, (x) => x.slug).map((c) => ({
      slug: c.key,
      change: c.change,
      fields: c.change === "changed" ? TEAM_FIELDS.filter((f) => !sameJson(c.from![f] ?? null, c.to![f] ?? null)) : [],
    })),
    tools: changesOf(a.tools, b.tools, (x) => x.name).map((c) => ({ name: c.key, change: c.change })),
    judges: changesOf<PackageJudge>(a.judges ?? [], b.judges ?? [], (x) => x.slug).map((c) => ({
      slug: c.key,
      change: c.change,
      fields: c.change === "changed" ? judgeFieldsChanged(c.from!, c.to!) : [],
    })),
    newPermissions: newPermissions(from.manifest, to.manifest),
    consentDigest: manifestDigest(to.manifest),
  };
}

/** What updating the install to `version` would change (nothing is written). */
/** The fields of a packaged team an update compares. */
const TEAM_FIELDS = ["name", "description", "spec", "qualityGate", "agentGates"] as const;

export async function installDiff(ctx: TenantContext, input: { install: string; version: number }): Promise<InstallDiff> {
  if (!ctx.permissions.has("marketplace:read")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:read");
  const { from, to } = await load(ctx, input.install, input.version, { anyStatus: true });
  return computeDiff(from, to);
}

async function applyTools(
  ctx: TenantContext,
  tx: Tx,
  a: MarketplacePackage,
  b: MarketplacePackage,
  r: InstallResources,
  naming: Naming,
  bindings: Record<string, string>,
  installId: string,
): Promise<void> {
  for (const c of changesOf(a.mcpServers, b.mcpServers, (s) => s.name)) {
    const mine = r.mcpServers.find((s) => s.source === c.key);
    if (c.change === "added" || (c.change !== "removed" && !mine)) r.mcpServers.push(await createServer(ctx, tx, c.to!, naming, bindings, installId));
    else if (c.change === "changed" && mine) {
      const { name: _name, ...cols } = serverColumns(c.to!, naming, bindings);
      await tx.mcpServer.updateMany({ where: { id: mine.id, workspaceId: ctx.workspaceId }, data: cols });
      await recordAudit(ctx, { action: "mcp_server.update", targetType: "mcp_server", targetId: mine.id, metadata: { name: mine.name, installId } }, tx);
    }
  }
  const serverIds = new Map(r.mcpServers.map((s) => [s.source, s.id]));
  // bindings may have changed for tools whose definition did not: every tool of the new package is rewritten
  for (const c of changesOf<PackageTool>(a.tools, b.tools, (t) => t.name)) {
    if (c.change === "removed") continue;
    const mine = r.tools.find((t) => t.source === c.key);
    const t = c.to!;
    if (!mine) {
      const created = await createTool(ctx, tx, t, naming, bindings, serverIds, installId);
      if (created) r.tools.push(created);
      continue;
    }
    if (t.kind === "builtin") {
      if (c.change === "same") continue;
      const { kind: _k, name: _n, ...limits } = t;
      await tx.tool.updateMany({ where: { id: mine.id, workspaceId: ctx.workspaceId }, data: { ...limits, approval: t.approval as Prisma.InputJsonValue } });
    } else {
      const { name: _n, kind: _k, ...cols } = toolColumns(t, naming, bindings, serverIds);
      const current = await tx.tool.findFirst({ where: { id: mine.id, workspaceId: ctx.workspaceId }, select: { secretId: true } });
      if (c.change === "same" && current?.secretId === (cols as { secretId?: string | null }).secretId) continue;
      await tx.tool.updateMany({ where: { id: mine.id, workspaceId: ctx.workspaceId }, data: cols });
    }
    await recordAudit(ctx, { action: "tool.update", targetType: "tool", targetId: mine.id, metadata: { name: mine.name, kind: t.kind, installId } }, tx);
  }
}

/** Applies the version's changes to the install's rows: see the file's comment. */
export async function updateInstall(ctx: TenantContext, input: z.input<typeof updateInstallInputSchema>): Promise<ListingInstallOut> {
  if (!ctx.permissions.has("marketplace:install")) throw new AppError("FORBIDDEN", "Your role does not allow marketplace:install");
  const data = updateInstallInputSchema.parse(input);
  const { install, from, to } = await load(ctx, data.install, data.version, { anyStatus: false });
  if (to.version.version === install.version) throw new AppError("CONFLICT", `The install is at version ${install.version} already`);
  checkPermissions(ctx, permissionsNeeded(to.pkg));
  checkConsent(to.manifest, data.consentDigest);
  packageProblems(to.pkg);
  const previous = (install.secretBindings ?? {}) as Record<string, string>;
  const bindings = await checkedBindings(ctx, slotsOf(to.pkg, to.manifest.secretSlots), { ...previous, ...data.secretBindings });
  checkHttpTools(to.pkg, bindings);
  const r = parseResources(install.resources);
  const naming = new Naming(r.slugPrefix);
  const a = from.pkg;
  const b = to.pkg;
  const agentChanges = changesOf(a.agents, b.agents, (x) => x.slug);
  const teamChanges = changesOf(a.teams, b.teams, (x) => x.slug);
  const has = (list: { source: string }[], key: string) => list.some((x) => x.source === key);
  await checkCollisions(ctx, naming, {
    agents: agentChanges.filter((c) => c.change !== "removed" && !has(r.agents, c.key)).map((c) => c.key),
    teams: teamChanges.filter((c) => c.change !== "removed" && !has(r.teams, c.key)).map((c) => c.key),
    tools: b.tools.filter((t) => !has(r.tools, t.name) && !a.tools.some((x) => x.name === t.name)),
    mcpServers: b.mcpServers.filter((s) => !has(r.mcpServers, s.name)).map((s) => s.name),
    judges: (b.judges ?? []).filter((j) => !has(r.judges, j.slug)).map((j) => j.slug),
  });
  for (const c of agentChanges) if (c.change === "changed") await checkPolicyReferences(ctx, c.to!.modelPolicy);
  for (const c of changesOf<PackageJudge>(a.judges ?? [], b.judges ?? [], (x) => x.slug))
    if (c.change === "changed") await checkPolicyReferences(ctx, c.to!.modelPolicy);
  const routing = await routingSnapshot(ctx);
  const diff = computeDiff(from, to);

  await db(ctx).$transaction(async (tx) => {
    await applyTools(ctx, tx, a, b, r, naming, bindings, install.id);
    // the judges before the agents: a changed gate names the installed judges
    await applyJudges(ctx, tx, a, b, r, naming, install.id);
    for (const [i, agent] of b.agents.entries()) {
      const c = agentChanges.find((x) => x.key === agent.slug)!;
      const mine = r.agents.find((x) => x.source === agent.slug);
      if (!mine) {
        r.agents.push(await createAgent(ctx, tx, agent, i, naming, install.id));
        continue;
      }
      if (c.change !== "changed") continue;
      const row = await tx.agent.findFirst({
        where: { id: mine.id, workspaceId: ctx.workspaceId },
        include: { versions: { orderBy: { version: "desc" }, take: 1 } },
      });
      if (!row || row.archivedAt) continue; // the installer deleted it: an update does not bring it back
      const current = fieldsOf(toAgentVersion(row, row.versions[0]!));
      const renamed = naming.agent(agent);
      const changed = agentFieldsChanged(c.from!, agent);
      const next: VersionFields = { ...current };
      for (const f of changed) (next as Record<string, unknown>)[f] = renamed[f as keyof PackageAgent];
      await appendAgentVersion(ctx, tx, row, next, changed, current.allowedTools);
    }
    for (const [i, team] of b.teams.entries()) {
      const c = teamChanges.find((x) => x.key === team.slug)!;
      const mine = r.teams.find((x) => x.source === team.slug);
      if (!mine) {
        r.teams.push(await createTeam(ctx, tx, team, i, naming, routing, install.id));
        continue;
      }
      if (c.change !== "changed") continue;
      const row = await tx.team.findFirst({
        where: { id: mine.id, workspaceId: ctx.workspaceId },
        include: { versions: { orderBy: { version: "desc" }, take: 1 } },
      });
      if (!row || row.archivedAt) continue;
      const renamed = naming.team(team);
      const patch: Parameters<typeof appendTeamVersion>[3] = {};
      if (c.from!.name !== team.name) patch.name = renamed.name;
      if (c.from!.description !== team.description) patch.description = renamed.description;
      if (!sameJson(c.from!.spec, team.spec)) patch.spec = renamed.spec;
      // the team's own gate (its judges already created or updated above) and its agent-gates setting
      if (!sameJson(c.from!.qualityGate ?? null, team.qualityGate ?? null)) patch.qualityGate = renamed.qualityGate ?? null;
      if ((c.from!.agentGates ?? "off") !== (team.agentGates ?? "off")) patch.agentGates = team.agentGates ?? "off";
      await appendTeamVersion(ctx, tx, row, patch, routing);
    }
    const removedTeams = teamChanges.filter((c) => c.change === "removed").map((c) => c.key);
    const removedAgents = agentChanges.filter((c) => c.change === "removed").map((c) => c.key);
    await archiveTeams(
      ctx,
      tx,
      r.teams.filter((t) => removedTeams.includes(t.source)).map((t) => t.id),
    );
    await archiveAgents(
      ctx,
      tx,
      r.agents.filter((x) => removedAgents.includes(x.source)).map((x) => x.id),
    );
    r.teams = r.teams.filter((t) => !removedTeams.includes(t.source));
    r.agents = r.agents.filter((x) => !removedAgents.includes(x.source));
    const removedTools = r.tools.filter((t) => !b.tools.some((x) => x.name === t.source));
    const removedServers = r.mcpServers.filter((s) => !b.mcpServers.some((x) => x.name === s.source));
    const kept = await deleteUnused(ctx, tx, removedTools, removedServers);
    r.tools = r.tools.filter((t) => !removedTools.includes(t) || kept.includes(t.name));
    r.mcpServers = r.mcpServers.filter((s) => !removedServers.includes(s) || kept.includes(s.name));
    const root = rootOf(b, r);
    const updated = await tx.listingInstall.updateMany({
      where: { id: install.id, workspaceId: ctx.workspaceId, version: install.version },
      data: {
        version: to.version.version,
        listingVersionId: to.version.id,
        rootKind: b.root.kind,
        rootId: root.id,
        resources: r as unknown as Prisma.InputJsonValue,
        secretBindings: bindings,
      },
    });
    if (updated.count !== 1) throw new AppError("CONFLICT", "The install was updated at the same time: look at it again");
    await recordAudit(
      ctx,
      {
        action: "listing_install.update",
        targetType: "listing_install",
        targetId: install.id,
        metadata: {
          listingId: install.listingId,
          from: install.version,
          to: to.version.version,
          digest: to.version.digest,
          agents: diff.agents.filter((x) => x.change !== "same").map((x) => ({ slug: x.slug, change: x.change })),
          teams: diff.teams.filter((x) => x.change !== "same").map((x) => ({ slug: x.slug, change: x.change })),
          tools: diff.tools.filter((x) => x.change !== "same").map((x) => ({ name: x.name, change: x.change })),
          judges: diff.judges.filter((x) => x.change !== "same").map((x) => ({ slug: x.slug, change: x.change })),
          newPermissions: diff.newPermissions,
        },
      },
      tx,
    );
  });
  const added = b.knowledge.filter((k) => !a.knowledge.some((x) => sameJson(x, k)));
  await queueKnowledge(ctx, { ...b, knowledge: added }, r);
  return getInstall(ctx, install.id);
}
