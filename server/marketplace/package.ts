/**
 * Building a listing's package from the publisher's CURRENT versions (issue 16): an agent, or a team with every
 * agent it names and every team nested in it (inner teams first). Nothing that identifies the publisher travels:
 * a pinned model becomes the constraints it met, a custom preset is inlined, provider ids are dropped (kinds stay),
 * a custom tool's secret becomes a named slot. What the strings themselves contain is ./scan.ts's to refuse.
 */
import { AppError } from "@/lib/errors";
import {
  MAX_PACKAGE_BYTES,
  marketplacePackageSchema,
  PACKAGE_FORMAT,
  PACKAGE_KIND,
  type MarketplacePackage,
  type PackageAgent,
  type PackageTeam,
  type PackageTool,
} from "@/lib/schemas/marketplace";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { agentsBySlug, toAgentVersion, withCurrent, type AgentVersionOut } from "@/server/agents/service";
import { refsOf, storedAgentGates, storedQualityGate, storedSpec, withCurrent as teamWithCurrent } from "@/server/teams/rows";
import { resolveTools } from "@/server/tools/registry";
import type { ResolvedTool } from "@/server/tools/types";
import { canonicalJson } from "./signing";
import { packagePolicy } from "./package-policy";
import { packageJudges } from "./package-judges";

export type PackageSourceKind = "agent" | "team";
export interface PackageSource {
  kind: PackageSourceKind;
  /** the agent's or team's id or slug */
  ref: string;
}
export type PackageKnowledge = MarketplacePackage["knowledge"][number];
type PackageMcpServer = MarketplacePackage["mcpServers"][number];
type Problem = { path: string; message: string };

function invalid(issues: Problem[]): AppError {
  return new AppError("VALIDATION_FAILED", issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; "), { issues });
}

/** A secret slot's name from a tool's or server's name (the slot pattern allows 64 characters). */
export function slotName(base: string, suffix: "secret" | "token"): string {
  return `${base.slice(0, 63 - suffix.length)}_${suffix}`;
}

/** The agent's current version as packaged; its quality gate is filled in by ./package-judges.ts (judges by slug). */
async function packageAgent(ctx: TenantContext, v: AgentVersionOut): Promise<PackageAgent> {
  return {
    slug: v.slug,
    name: v.name,
    roleDescription: v.roleDescription,
    instructions: v.instructions,
    modelPolicy: await packagePolicy(ctx, v.modelPolicy),
    maxOutputTokens: v.maxOutputTokens,
    temperature: v.temperature,
    outageWaitSeconds: v.outageWaitSeconds,
    callTimeoutSeconds: v.callTimeoutSeconds,
    contextBudget: v.contextBudget,
    allowedTools: [...v.allowedTools],
    toolApprovals: { ...v.toolApprovals },
    memoryPolicy: v.memoryPolicy,
    qualityGate: null,
  };
}

function limitsOf(tool: ResolvedTool) {
  return {
    timeoutMs: tool.timeoutMs,
    maxResponseBytes: tool.maxResponseBytes,
    rateLimitPerMinute: tool.rateLimitPerMinute,
    agentRateLimitPerMinute: tool.agentRateLimitPerMinute,
    costPerCallUsd: tool.costPerCallUsd,
    approval: tool.approval,
  };
}

/** The package's tools and MCP servers from the agents' granted tool names (problems for names that resolve to nothing). */
async function packageTools(
  ctx: TenantContext,
  agents: PackageAgent[],
  problems: Problem[],
): Promise<{ tools: PackageTool[]; mcpServers: PackageMcpServer[] }> {
  const names = [...new Set(agents.flatMap((a) => a.allowedTools))];
  const resolved = await resolveTools(ctx, names);
  const serverIds = [...new Set([...resolved.values()].flatMap((t) => (t.mcp ? [t.mcp.serverId] : [])))];
  const servers = serverIds.length
    ? await db(ctx).mcpServer.findMany({
        where: { workspaceId: ctx.workspaceId, id: { in: serverIds } },
        select: { id: true, name: true, url: true, transport: true, authType: true },
      })
    : [];
  const serverById = new Map(servers.map((s) => [s.id, s]));
  const tools: PackageTool[] = [];
  const mcpServers = new Map<string, PackageMcpServer>();
  for (const name of names) {
    const tool = resolved.get(name);
    const where = agents.findIndex((a) => a.allowedTools.includes(name));
    const path = `agents.${where}.allowedTools`;
    if (!tool) {
      problems.push({ path, message: `Agent "${agents[where]?.slug}" is granted the tool "${name}", which does not exist in this workspace` });
      continue;
    }
    if (tool.kind === "builtin") {
      tools.push({ kind: "builtin", name: name as Extract<PackageTool, { kind: "builtin" }>["name"], ...limitsOf(tool) });
    } else if (tool.kind === "http") {
      if (!tool.http) {
        problems.push({ path, message: `The tool "${name}" has a request that no longer parses: fix it before publishing` });
        continue;
      }
      tools.push({
        kind: "http",
        name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        config: tool.http.config,
        secretSlot: tool.http.secretId ? slotName(name, "secret") : null,
        secretHost: tool.http.secretId ? tool.http.secretHost : null,
        ...limitsOf(tool),
      });
    } else {
      const server = tool.mcp ? serverById.get(tool.mcp.serverId) : undefined;
      if (!tool.mcp || !server) {
        problems.push({ path, message: `The MCP tool "${name}" has no server any more` });
        continue;
      }
      const authType = (["none", "bearer", "oauth"] as const).find((a) => a === server.authType) ?? "none";
      if (!mcpServers.has(server.name))
        mcpServers.set(server.name, {
          name: server.name,
          url: server.url,
          transport: server.transport as PackageMcpServer["transport"],
          authType,
          secretSlot: authType === "bearer" ? slotName(server.name, "token") : null,
        });
      tools.push({
        kind: "mcp",
        name,
        server: server.name,
        remoteName: tool.mcp.remoteName,
        description: tool.description,
        inputSchema: tool.inputSchema,
        ...limitsOf(tool),
      });
    }
  }
  return { tools, mcpServers: [...mcpServers.values()] };
}

interface SourceTeam {
  slug: string;
  team: PackageTeam;
  agentSlugs: string[];
}

/** The team and the teams nested in it, depth first, inner ones first (each once). */
async function collectTeams(ctx: TenantContext, ref: string, problems: Problem[]): Promise<{ rootId: string; teams: SourceTeam[] }> {
  const out: SourceTeam[] = [];
  const seen = new Set<string>();
  let rootId = "";
  const visit = async (teamRef: string, path: string, root: boolean): Promise<void> => {
    const row = await db(ctx).team.findFirst({ where: { workspaceId: ctx.workspaceId, OR: [{ id: teamRef }, { slug: teamRef }] }, include: teamWithCurrent });
    if (root && !row) throw new AppError("NOT_FOUND", `Team "${teamRef}" not found`);
    if (root && row?.archivedAt) throw new AppError("CONFLICT", `The team "${row.slug}" is archived: restore it before publishing`);
    if (!row || row.archivedAt) {
      problems.push({ path, message: `The nested team "${teamRef}" is ${row ? "archived" : "missing"}` });
      return;
    }
    if (root) rootId = row.id;
    if (seen.has(row.slug)) return;
    seen.add(row.slug);
    const current = row.versions[0];
    if (!current) throw new AppError("INTERNAL", `Team ${row.id} has no version`);
    const spec = storedSpec(current);
    const refs = refsOf(spec);
    for (const inner of refs.teams) await visit(inner, `teams.${inner}`, false);
    const gate = storedQualityGate(current);
    const agentGates = storedAgentGates(current);
    out.push({
      slug: row.slug,
      team: {
        slug: row.slug,
        name: current.name,
        description: current.description,
        spec,
        ...(gate ? { qualityGate: gate } : {}),
        ...(agentGates === "on" ? { agentGates } : {}),
      },
      agentSlugs: refs.agents,
    });
  };
  await visit(ref, "source", true);
  return { rootId, teams: out };
}

async function currentAgents(ctx: TenantContext, slugs: string[], problems: Problem[]): Promise<AgentVersionOut[]> {
  const rows = await agentsBySlug(ctx, slugs);
  const out: AgentVersionOut[] = [];
  for (const slug of slugs) {
    const row = rows.get(slug);
    if (!row?.versions[0] || row.archivedAt) {
      problems.push({ path: `agents.${slug}`, message: `The agent "${slug}" is ${row ? "archived" : "missing"}` });
      continue;
    }
    out.push(toAgentVersion(row, row.versions[0]));
  }
  return out;
}

/** The package and the id of the publisher's agent or team it was built from. */
export async function buildSourcePackage(
  ctx: TenantContext,
  source: PackageSource,
  knowledge: readonly PackageKnowledge[] = [],
): Promise<{ pkg: MarketplacePackage; sourceId: string }> {
  const problems: Problem[] = [];
  let sourceId: string;
  let rootSlug: string;
  let versions: AgentVersionOut[];
  let teams: PackageTeam[] = [];
  if (source.kind === "agent") {
    const row = await db(ctx).agent.findFirst({
      where: { workspaceId: ctx.workspaceId, OR: [{ id: source.ref }, { slug: source.ref }] },
      include: withCurrent,
    });
    if (!row?.versions[0]) throw new AppError("NOT_FOUND", `Agent "${source.ref}" not found`);
    if (row.archivedAt) throw new AppError("CONFLICT", `The agent "${row.slug}" is archived: restore it before publishing`);
    sourceId = row.id;
    rootSlug = row.slug;
    versions = [toAgentVersion(row, row.versions[0])];
  } else {
    const collected = await collectTeams(ctx, source.ref, problems);
    sourceId = collected.rootId;
    rootSlug = collected.teams[collected.teams.length - 1]?.slug ?? source.ref;
    teams = collected.teams.map((t) => t.team);
    versions = await currentAgents(ctx, [...new Set(collected.teams.flatMap((t) => t.agentSlugs))], problems);
  }
  const agents: PackageAgent[] = [];
  for (const v of versions) agents.push(await packageAgent(ctx, v));
  // the agents' gates and the teams' own gates: their judges in one `judges` section, named by slug (a team's gate
  // keyed apart from the agents', whose slugs a team's may share)
  const teamKey = (slug: string) => `team:${slug}`;
  const { gates, judges } = await packageJudges(
    ctx,
    [...versions, ...teams.map((t) => ({ slug: teamKey(t.slug), qualityGate: t.qualityGate ?? null }))],
    problems,
  );
  for (const a of agents) a.qualityGate = gates.get(a.slug) ?? null;
  for (const t of teams) {
    const gate = gates.get(teamKey(t.slug));
    if (gate) t.qualityGate = gate;
    else delete t.qualityGate;
  }
  const { tools, mcpServers } = await packageTools(ctx, agents, problems);
  knowledge.forEach((k, i) => {
    if (k.scope.type === "workspace") return;
    const slug = k.scope.slug;
    const known = k.scope.type === "agent" ? agents.some((a) => a.slug === slug) : teams.some((t) => t.slug === slug);
    if (!known) problems.push({ path: `knowledge.${i}.scope.slug`, message: `The package has no ${k.scope.type} "${slug}" to bundle "${k.title}" with` });
  });
  if (problems.length > 0) throw invalid(problems);
  const parsed = marketplacePackageSchema.safeParse({
    kind: PACKAGE_KIND,
    format: PACKAGE_FORMAT,
    root: { kind: source.kind, slug: rootSlug },
    agents,
    teams,
    tools,
    mcpServers,
    knowledge: [...knowledge],
    // absent without judges: a package without gates reads (and is signed) as before judges travelled
    ...(judges.length > 0 ? { judges } : {}),
  });
  if (!parsed.success) throw invalid(parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })));
  const bytes = Buffer.byteLength(canonicalJson(parsed.data), "utf8");
  if (bytes > MAX_PACKAGE_BYTES)
    throw invalid([{ path: "", message: `The package is ${bytes} bytes; a package is at most ${MAX_PACKAGE_BYTES} bytes (bundle less knowledge)` }]);
  return { pkg: parsed.data, sourceId };
}

/** The package of the publisher's current agent (or team, with its agents and nested teams), as it would be published. */
export async function buildPackage(ctx: TenantContext, source: PackageSource, knowledge: readonly PackageKnowledge[] = []): Promise<MarketplacePackage> {
  return (await buildSourcePackage(ctx, source, knowledge)).pkg;
}
