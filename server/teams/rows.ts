/** Team rows: reading a team with its current version, and turning rows into API objects. */
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { AppError } from "@/lib/errors";
import { storedPromotionRule } from "@/server/agents/candidates";
import type { TenantContext } from "@/server/context";
import { nodeRefs, topologySpecSchema, type TopologySpec } from "@/lib/schemas/topology";
import type { TeamOutput, TeamVersionOutput } from "@/lib/schemas/teams";
import { AGENT_GATES, qualityGateSchema, type AgentGatesSetting, type QualityGate } from "@/lib/schemas/quality-gate";

export type Tx = Prisma.TransactionClient;

export type TeamWithCurrent = Prisma.TeamGetPayload<{ include: { versions: true } }>;
export type TeamVersionRow = Prisma.TeamVersionGetPayload<object>;
/** The current version: the highest released one (see server/agents/service.ts withCurrent). */
export const withCurrent = { versions: { where: { releasedAt: { not: null } }, orderBy: { version: "desc" }, take: 1 } } as const;

export function refsOf(spec: TopologySpec): { agents: string[]; teams: string[] } {
  const agents = new Set<string>();
  const teams = new Set<string>();
  for (const { ref } of nodeRefs(spec)) {
    if (typeof ref === "string") agents.add(ref);
    else teams.add(ref.team);
  }
  return { agents: [...agents], teams: [...teams] };
}

export function storedSpec(v: TeamVersionRow): TopologySpec {
  return topologySpecSchema.parse(v.spec);
}

/** A stored team quality gate (null, or one that no longer parses: none). */
export function storedQualityGate(v: Pick<TeamVersionRow, "qualityGate">): QualityGate | null {
  const parsed = qualityGateSchema.nullable().safeParse(v.qualityGate ?? null);
  return parsed.success ? parsed.data : null;
}

export function storedAgentGates(v: Pick<TeamVersionRow, "agentGates">): AgentGatesSetting {
  return (AGENT_GATES as readonly string[]).includes(v.agentGates) ? (v.agentGates as AgentGatesSetting) : "off";
}

export function toTeam(row: TeamWithCurrent): TeamOutput {
  const v = row.versions[0];
  if (!v) throw new AppError("INTERNAL", `Team ${row.id} has no version`);
  const spec = storedSpec(v);
  return {
    id: row.id,
    slug: row.slug,
    name: v.name,
    description: v.description,
    currentVersion: row.currentVersion,
    latestVersion: row.latestVersion,
    versionCount: row.latestVersion,
    promotionRule: storedPromotionRule(row.promotionRule),
    archivedAt: row.archivedAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    mcpExposed: row.mcpExposed,
    topology: spec.topology,
    spec,
    qualityGate: storedQualityGate(v),
    agentGates: storedAgentGates(v),
    ...refsOf(spec),
  };
}

export function toTeamVersion(team: { id: string; slug: string }, v: TeamVersionRow): TeamVersionOutput {
  return {
    teamId: team.id,
    slug: team.slug,
    version: v.version,
    name: v.name,
    description: v.description,
    spec: storedSpec(v),
    qualityGate: storedQualityGate(v),
    agentGates: storedAgentGates(v),
    createdAt: v.createdAt,
    releasedAt: v.releasedAt ?? null,
  };
}

export async function findTeam(ctx: TenantContext, ref: string, tx: Tx = db(ctx)): Promise<TeamWithCurrent> {
  const row = await tx.team.findFirst({ where: { workspaceId: ctx.workspaceId, OR: [{ id: ref }, { slug: ref }] }, include: withCurrent });
  if (!row) throw new AppError("NOT_FOUND", `Team "${ref}" not found`);
  return row;
}
