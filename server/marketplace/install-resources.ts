/**
 * What an install (or an update) of a marketplace package writes in the installer's workspace: the package's names
 * (with an optional prefix, every reference rewritten), the checks before anything is written (permissions, secret
 * bindings, collisions), and the rows themselves, in the caller's transaction, each carrying the install's id.
 */
import { AppError } from "@/lib/errors";
import { sameJson } from "@/lib/line-diff";
import type { Permission } from "@/lib/permissions";
import { AGENT_SLUG_PATTERN } from "@/lib/schemas/agents";
import type { MarketplacePackage, PackageAgent, PackageJudge, PackageTeam, PackageTool } from "@/lib/schemas/marketplace";
import { nodeRefs, type TopologySpec } from "@/lib/schemas/topology";
import { isBuiltinName } from "@/server/tools/builtin/definitions";
import { TOOL_NAME_PATTERN } from "@/lib/schemas/tools";
import { newId } from "@/lib/ids";
import { actorUserId, type TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { recordAudit } from "@/server/audit/service";
import { newAgentRows } from "@/server/agents/service";
import { versionData as judgeVersionData } from "@/server/quality/judges/service";
import { insertTeam } from "@/server/teams/service";
import type { routingSnapshot } from "@/server/models/routing";
import { checkPolicyReferences } from "@/server/models/routing";
import { httpToolIssues } from "@/server/tools/http-tool-checks";
import { definitionHash } from "@/server/tools/mcp-servers";

type Tx = Prisma.TransactionClient;
export type Routing = Awaited<ReturnType<typeof routingSnapshot>>;

/** A created row and the package name it came from (`source`): updates match the package's names to the rows. */
export interface InstalledRef {
  id: string;
  source: string;
}
/** ListingInstall.resources */
export interface InstallResources {
  slugPrefix: string | null;
  agents: (InstalledRef & { slug: string })[];
  teams: (InstalledRef & { slug: string })[];
  /** the tools it created (a built-in's settings row only when the workspace had none) */
  tools: (InstalledRef & { name: string })[];
  mcpServers: (InstalledRef & { name: string })[];
  /** the judges of the agents' quality gates (absent in installs made before judges travelled) */
  judges: (InstalledRef & { slug: string })[];
}

export function parseResources(value: unknown): InstallResources {
  const v = (value ?? {}) as Partial<InstallResources>;
  return {
    slugPrefix: v.slugPrefix ?? null,
    agents: v.agents ?? [],
    teams: v.teams ?? [],
    tools: v.tools ?? [],
    mcpServers: v.mcpServers ?? [],
    judges: v.judges ?? [],
  };
}

export type Change = "added" | "removed" | "changed" | "same";

/** Per key, whether the item was added, removed, changed or kept the same between two packages' lists. */
export function changesOf<T>(before: T[], after: T[], key: (t: T) => string): { key: string; change: Change; from?: T; to?: T }[] {
  const a = new Map(before.map((t) => [key(t), t]));
  const b = new Map(after.map((t) => [key(t), t]));
  const out: { key: string; change: Change; from?: T; to?: T }[] = [];
  for (const [k, to] of b) {
    const from = a.get(k);
    out.push({ key: k, change: !from ? "added" : sameJson(from, to) ? "same" : "changed", from, to });
  }
  for (const [k, from] of a) if (!b.has(k)) out.push({ key: k, change: "removed", from });
  return out;
}

/** How the package's names read once installed: unchanged, or behind the install's prefix. Built-ins keep theirs. */
export class Naming {
  constructor(readonly prefix: string | null) {}
  slug(source: string): string {
    return this.prefix ? `${this.prefix}-${source}` : source;
  }
  tool(source: string): string {
    if (isBuiltinName(source) || !this.prefix) return source;
    const p = this.prefix.replace(/-/g, "_");
    return `${/^[a-z]/.test(p) ? "" : "t"}${p}_${source}`;
  }
  server(source: string): string {
    return this.prefix ? this.tool(source) : source;
  }
  /** A spec with every agent and nested-team reference renamed. */
  spec(spec: TopologySpec): TopologySpec {
    if (!this.prefix) return spec;
    const out = structuredClone(spec) as unknown as Record<string, unknown>;
    for (const { path, ref } of nodeRefs(spec)) {
      const keys = path.split(".");
      let node: Record<string, unknown> = out;
      for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
      const last = keys[keys.length - 1]!;
      node[last] = typeof ref === "string" ? this.slug(ref) : { ...ref, team: this.slug(ref.team) };
    }
    return out as unknown as TopologySpec;
  }
  /** An agent renamed, its tools and its quality gate's judges (package slugs) with it. */
  agent(a: PackageAgent): PackageAgent {
    const gate = a.qualityGate ? { ...a.qualityGate, judges: a.qualityGate.judges.map((j) => this.slug(j)) } : a.qualityGate;
    const toolApprovals = Object.fromEntries(Object.entries(a.toolApprovals).map(([t, policy]) => [this.tool(t), policy]));
    return { ...a, slug: this.slug(a.slug), allowedTools: a.allowedTools.map((t) => this.tool(t)), toolApprovals, qualityGate: gate };
  }
  /** A team renamed, its spec's references and its own gate's judges (package slugs) with it. */
  team(t: PackageTeam): PackageTeam {
    const gate = t.qualityGate ? { qualityGate: { ...t.qualityGate, judges: t.qualityGate.judges.map((j) => this.slug(j)) } } : {};
    return { ...t, slug: this.slug(t.slug), spec: this.spec(t.spec), ...gate };
  }
}

/** The permissions creating the package's resources needs, besides marketplace:install. */
export function permissionsNeeded(pkg: MarketplacePackage): Permission[] {
  const needed: Permission[] = ["marketplace:install", "agents:create"];
  if (pkg.teams.length > 0) needed.push("teams:create");
  if (pkg.tools.length > 0 || pkg.mcpServers.length > 0) needed.push("tools:create");
  if (pkg.agents.some((a) => a.allowedTools.length > 0)) needed.push("tools:grant");
  if (pkg.knowledge.length > 0) needed.push("memory:write");
  if (pkg.judges?.length) needed.push("judges:create");
  return needed;
}

export function checkPermissions(ctx: TenantContext, needed: Permission[]): void {
  const missing = needed.filter((p) => !ctx.permissions.has(p));
  if (missing.length > 0) {
    const who = ctx.actor.type === "api_key" ? "this API key lacks" : `your role (${ctx.role}) does not have`;
    throw new AppError("FORBIDDEN", `Installing this listing needs ${missing.join(", ")}: ${who} ${missing.length === 1 ? "it" : "them"}`);
  }
}

/** The secret slots the package's tools and MCP servers use. */
export function slotsOf(pkg: MarketplacePackage, manifestSlots: { name: string }[] = []): string[] {
  const slots = new Set(manifestSlots.map((s) => s.name));
  for (const t of pkg.tools) if (t.kind === "http" && t.secretSlot) slots.add(t.secretSlot);
  for (const s of pkg.mcpServers) if (s.secretSlot) slots.add(s.secretSlot);
  return [...slots].sort();
}

/**
 * Every slot bound to a user secret of THIS workspace: a missing binding and another workspace's id read the same
 * (VALIDATION_FAILED at `secretBindings.<slot>`). Answers the bindings of the package's slots only.
 */
export async function checkedBindings(ctx: TenantContext, slots: string[], bindings: Record<string, string>): Promise<Record<string, string>> {
  const ids = slots.map((s) => bindings[s]).filter((id): id is string => typeof id === "string");
  const found =
    ids.length === 0 ? [] : await db(ctx).secret.findMany({ where: { id: { in: ids }, workspaceId: ctx.workspaceId, kind: "user" }, select: { id: true } });
  const known = new Set(found.map((s) => s.id));
  const issues = slots
    .filter((slot) => !bindings[slot] || !known.has(bindings[slot]!))
    .map((slot) => ({
      path: `secretBindings.${slot}`,
      message: bindings[slot]
        ? `No secret with this id in this workspace's vault for the slot "${slot}"`
        : `Bind the slot "${slot}" to one of your vault secrets`,
    }));
  if (issues.length > 0) throw new AppError("VALIDATION_FAILED", issues.map((i) => `${i.path}: ${i.message}`).join("; "), { issues });
  return Object.fromEntries(slots.map((s) => [s, bindings[s]!]));
}

/** The names the package would take in the workspace, checked for validity and for rows that have them already. */
export async function checkCollisions(
  ctx: TenantContext,
  naming: Naming,
  items: { agents: string[]; teams: string[]; tools: PackageTool[]; mcpServers: string[]; judges?: string[] },
): Promise<void> {
  const agents = items.agents.map((s) => naming.slug(s));
  const judges = (items.judges ?? []).map((s) => naming.slug(s));
  const teams = items.teams.map((s) => naming.slug(s));
  const tools = items.tools.filter((t) => t.kind !== "builtin").map((t) => naming.tool(t.name));
  const servers = items.mcpServers.map((s) => naming.server(s));
  const invalid = [
    ...[...agents, ...teams, ...judges].filter((s) => !AGENT_SLUG_PATTERN.test(s)),
    ...tools.filter((t) => !TOOL_NAME_PATTERN.test(t)),
    ...servers.filter((s) => !/^[a-z][a-z0-9_]{0,31}$/.test(s)),
  ];
  if (invalid.length > 0) {
    const message = `With this prefix some names are too long or invalid: ${invalid.join(", ")}`;
    throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: "slugPrefix", message }] });
  }
  const w = ctx.workspaceId;
  const [a, t, tl, m, j] = await Promise.all([
    agents.length ? db(ctx).agent.findMany({ where: { workspaceId: w, slug: { in: agents } }, select: { slug: true } }) : [],
    teams.length ? db(ctx).team.findMany({ where: { workspaceId: w, slug: { in: teams } }, select: { slug: true } }) : [],
    tools.length ? db(ctx).tool.findMany({ where: { workspaceId: w, name: { in: tools } }, select: { name: true } }) : [],
    servers.length ? db(ctx).mcpServer.findMany({ where: { workspaceId: w, name: { in: servers } }, select: { name: true } }) : [],
    judges.length ? db(ctx).judge.findMany({ where: { workspaceId: w, slug: { in: judges } }, select: { slug: true } }) : [],
  ]);
  const taken = [
    ...a.map((r) => `agent "${r.slug}"`),
    ...t.map((r) => `team "${r.slug}"`),
    ...tl.map((r) => `tool "${r.name}"`),
    ...m.map((r) => `MCP server "${r.name}"`),
    ...j.map((r) => `judge "${r.slug}"`),
  ];
  if (taken.length > 0)
    throw new AppError("CONFLICT", `Already in this workspace: ${taken.join(", ")}. Install with a slugPrefix to install alongside them.`, { taken });
}

/** The tools an agent is granted must be the package's or built-ins; the judges its gate names, the package's. */
export function packageProblems(pkg: MarketplacePackage): void {
  const names = new Set(pkg.tools.map((t) => t.name));
  const judges = new Set((pkg.judges ?? []).map((j) => j.slug));
  const servers = new Set(pkg.mcpServers.map((s) => s.name));
  const issues: { path: string; message: string }[] = [];
  pkg.agents.forEach((a, i) =>
    a.allowedTools.forEach((t, j) => {
      if (!names.has(t) && !isBuiltinName(t)) issues.push({ path: `package.agents.${i}.allowedTools.${j}`, message: `The package has no tool "${t}"` });
    }),
  );
  pkg.agents.forEach((a, i) =>
    a.qualityGate?.judges.forEach((j, k) => {
      if (!judges.has(j)) issues.push({ path: `package.agents.${i}.qualityGate.judges.${k}`, message: `The package has no judge "${j}"` });
    }),
  );
  pkg.teams.forEach((t, i) =>
    t.qualityGate?.judges.forEach((j, k) => {
      if (!judges.has(j)) issues.push({ path: `package.teams.${i}.qualityGate.judges.${k}`, message: `The package has no judge "${j}"` });
    }),
  );
  pkg.tools.forEach((t, i) => {
    if (t.kind === "mcp" && !servers.has(t.server)) issues.push({ path: `package.tools.${i}.server`, message: `The package has no MCP server "${t.server}"` });
  });
  if (issues.length > 0) throw new AppError("VALIDATION_FAILED", "The package is inconsistent", { issues });
}

const limitsOf = (t: PackageTool) => ({
  timeoutMs: t.timeoutMs,
  maxResponseBytes: t.maxResponseBytes,
  rateLimitPerMinute: t.rateLimitPerMinute,
  agentRateLimitPerMinute: t.agentRateLimitPerMinute,
  costPerCallUsd: t.costPerCallUsd,
  approval: t.approval as Prisma.InputJsonValue,
});

const mcpDefinitionHash = (t: { description: string; inputSchema: Record<string, unknown> }) =>
  definitionHash({ description: t.description, inputSchema: t.inputSchema });

/** The columns of a package tool's row (http or mcp; `serverIds` maps the package's server names to rows). */
export function toolColumns(t: Exclude<PackageTool, { kind: "builtin" }>, naming: Naming, bindings: Record<string, string>, serverIds: Map<string, string>) {
  if (t.kind === "http")
    return {
      name: naming.tool(t.name),
      kind: "http",
      description: t.description,
      inputSchema: t.inputSchema as Prisma.InputJsonValue,
      config: t.config as Prisma.InputJsonValue,
      secretId: t.secretSlot ? bindings[t.secretSlot]! : null,
      secretHost: t.secretHost,
      ...limitsOf(t),
    };
  return {
    name: naming.tool(t.name),
    kind: "mcp",
    description: t.description,
    inputSchema: t.inputSchema as Prisma.InputJsonValue,
    mcpServerId: serverIds.get(t.server)!,
    remoteName: t.remoteName,
    definitionHash: mcpDefinitionHash(t),
    ...limitsOf(t),
  };
}

export function checkHttpTools(pkg: MarketplacePackage, bindings: Record<string, string>): void {
  const issues = pkg.tools.flatMap((t, i) =>
    t.kind === "http"
      ? httpToolIssues({
          inputSchema: t.inputSchema,
          config: t.config,
          secretId: t.secretSlot ? (bindings[t.secretSlot] ?? null) : null,
          secretHost: t.secretHost,
        }).map((issue) => ({ path: `package.tools.${i}.${issue.path}`, message: issue.message }))
      : [],
  );
  if (issues.length > 0) throw new AppError("VALIDATION_FAILED", "The package's HTTP tools are not sound", { issues });
}

export function serverColumns(s: MarketplacePackage["mcpServers"][number], naming: Naming, bindings: Record<string, string>) {
  return {
    name: naming.server(s.name),
    url: s.url,
    transport: s.transport,
    authType: s.authType,
    secretId: s.authType === "bearer" && s.secretSlot ? bindings[s.secretSlot]! : null,
    ...(s.authType === "oauth" ? { status: "needs_auth", lastError: "not authorized yet: authorize the server (OAuth) to connect it" } : { status: "ok" }),
  };
}

/** Creates one MCP server of the package, audited like a connection people make. */
export async function createServer(
  ctx: TenantContext,
  tx: Tx,
  s: MarketplacePackage["mcpServers"][number],
  naming: Naming,
  bindings: Record<string, string>,
  installId: string,
) {
  const id = newId("mcp");
  const cols = serverColumns(s, naming, bindings);
  await tx.mcpServer.create({ data: { id, workspaceId: ctx.workspaceId, ...cols, installId, createdById: actorUserId(ctx) } });
  await recordAudit(
    ctx,
    {
      action: "mcp_server.create",
      targetType: "mcp_server",
      targetId: id,
      metadata: { name: cols.name, url: s.url, transport: s.transport, authType: s.authType, installId },
    },
    tx,
  );
  return { id, source: s.name, name: cols.name };
}

/** Creates one tool of the package (a built-in: its settings row, only when the workspace has none); null when nothing was written. */
export async function createTool(
  ctx: TenantContext,
  tx: Tx,
  t: PackageTool,
  naming: Naming,
  bindings: Record<string, string>,
  serverIds: Map<string, string>,
  installId: string,
): Promise<(InstalledRef & { name: string }) | null> {
  const id = newId("tool");
  if (t.kind === "builtin") {
    const existing = await tx.tool.findFirst({ where: { workspaceId: ctx.workspaceId, name: t.name }, select: { id: true } });
    if (existing) return null;
    await tx.tool.create({
      data: { id, workspaceId: ctx.workspaceId, name: t.name, kind: "builtin", description: "", ...limitsOf(t), installId, createdById: actorUserId(ctx) },
    });
    await recordAudit(ctx, { action: "tool.update", targetType: "tool", targetId: id, metadata: { name: t.name, kind: "builtin", installId } }, tx);
    return { id, source: t.name, name: t.name };
  }
  const cols = toolColumns(t, naming, bindings, serverIds);
  await tx.tool.create({ data: { id, workspaceId: ctx.workspaceId, ...cols, installId, createdById: actorUserId(ctx) } });
  await recordAudit(
    ctx,
    {
      action: "tool.create",
      targetType: "tool",
      targetId: id,
      metadata: {
        name: cols.name,
        kind: t.kind,
        ...(t.kind === "http" ? { secretId: "secretId" in cols ? cols.secretId : null, secretHost: t.secretHost } : {}),
        installId,
      },
    },
    tx,
  );
  return { id, source: t.name, name: cols.name };
}

/** The agent's model policy checked against this workspace's presets and models (path: the package's agent). */
async function checkAgentPolicy(ctx: TenantContext, a: PackageAgent, index: number): Promise<void> {
  await checkPackagePolicy(ctx, a.modelPolicy, `Agent "${a.slug}"`, `package.agents.${index}.modelPolicy`);
}

/** An agent of the package, its model policy checked, created linked to the install. */
export async function createAgent(ctx: TenantContext, tx: Tx, a: PackageAgent, index: number, naming: Naming, installId: string) {
  await checkAgentPolicy(ctx, a, index);
  const rows = newAgentRows(ctx, naming.agent(a), { installId });
  await tx.agent.create({ data: rows.agent });
  await tx.agentVersion.create({ data: rows.version });
  await tx.auditLog.create({ data: rows.audit });
  return { id: rows.agent.id, source: a.slug, slug: rows.agent.slug };
}

/** The package's agents, their policies checked, written with one statement per table (an install's agents are new). */
async function createAgents(ctx: TenantContext, tx: Tx, agents: PackageAgent[], naming: Naming, installId: string) {
  for (const [i, a] of agents.entries()) await checkAgentPolicy(ctx, a, i);
  const rows = agents.map((a) => newAgentRows(ctx, naming.agent(a), { installId }));
  if (rows.length > 0) {
    await tx.agent.createMany({ data: rows.map((r) => r.agent) });
    await tx.agentVersion.createMany({ data: rows.map((r) => r.version) });
    await tx.auditLog.createMany({ data: rows.map((r) => r.audit) });
  }
  return rows.map((r, i) => ({ id: r.agent.id, source: agents[i]!.slug, slug: r.agent.slug }));
}

export async function createTeam(ctx: TenantContext, tx: Tx, t: PackageTeam, index: number, naming: Naming, routing: Routing, installId: string) {
  const { row } = await insertTeam(ctx, tx, naming.team(t), routing, `package.teams.${index}.spec.`, { installId });
  return { id: row.id, source: t.slug, slug: row.slug };
}

/** A model policy of the package (an agent's or a judge's) checked against this workspace's presets and models. */
async function checkPackagePolicy(ctx: TenantContext, policy: PackageAgent["modelPolicy"], what: string, path: string): Promise<void> {
  try {
    await checkPolicyReferences(ctx, policy);
  } catch (error) {
    if (error instanceof AppError) {
      const message = `${what}: ${error.message}`;
      throw new AppError("VALIDATION_FAILED", message, { issues: [{ path, message }] });
    }
    throw error;
  }
}

/** The columns of a judge version made from the package's judge (a new judge's first, or an update's next). */
export function judgeFields(j: PackageJudge) {
  return {
    name: j.name,
    instructions: j.instructions,
    modelPolicy: j.modelPolicy,
    rubric: j.rubric,
    referenceAnswer: j.referenceAnswer,
    examples: j.examples,
    labelledSetId: null,
    maxOutputTokens: j.maxOutputTokens,
  };
}

/** A judge of the package, its model policy checked, created (version 1) and audited as judge.create with the install. */
export async function createJudge(ctx: TenantContext, tx: Tx, j: PackageJudge, index: number, naming: Naming, installId: string) {
  await checkPackagePolicy(ctx, j.modelPolicy, `Judge "${j.slug}"`, `package.judges.${index}.modelPolicy`);
  const id = newId("jdg");
  const slug = naming.slug(j.slug);
  await tx.judge.create({ data: { id, workspaceId: ctx.workspaceId, slug, name: j.name, currentVersion: 1 } });
  await tx.judgeVersion.create({ data: judgeVersionData(ctx, id, 1, judgeFields(j)) });
  await recordAudit(ctx, { action: "judge.create", targetType: "judge", targetId: id, metadata: { slug, name: j.name, version: 1, installId } }, tx);
  return { id, source: j.slug, slug };
}

/** Writes every resource of the package in the caller's transaction: MCP servers, tools, judges, agents, then teams in package order. */
export async function createAll(
  ctx: TenantContext,
  tx: Tx,
  pkg: MarketplacePackage,
  naming: Naming,
  bindings: Record<string, string>,
  routing: Routing,
  installId: string,
): Promise<InstallResources> {
  const resources: InstallResources = { slugPrefix: naming.prefix, agents: [], teams: [], tools: [], mcpServers: [], judges: [] };
  for (const s of pkg.mcpServers) resources.mcpServers.push(await createServer(ctx, tx, s, naming, bindings, installId));
  const serverIds = new Map(resources.mcpServers.map((s) => [s.source, s.id]));
  for (const t of pkg.tools) {
    const created = await createTool(ctx, tx, t, naming, bindings, serverIds, installId);
    if (created) resources.tools.push(created);
  }
  // the judges first: the agents' gates name them
  for (const [i, j] of (pkg.judges ?? []).entries()) resources.judges.push(await createJudge(ctx, tx, j, i, naming, installId));
  resources.agents.push(...(await createAgents(ctx, tx, pkg.agents, naming, installId)));
  for (const [i, t] of pkg.teams.entries()) resources.teams.push(await createTeam(ctx, tx, t, i, naming, routing, installId));
  return resources;
}

/** The memory scope a knowledge document of the package goes into, once its agents and teams exist. */
export function knowledgeScope(
  scope: MarketplacePackage["knowledge"][number]["scope"],
  resources: InstallResources,
): { type: "workspace" } | { type: "agent" | "team"; id: string } | null {
  if (scope.type === "workspace") return { type: "workspace" };
  const list = scope.type === "agent" ? resources.agents : resources.teams;
  const found = list.find((r) => r.source === scope.slug);
  return found ? { type: scope.type, id: found.id } : null;
}
