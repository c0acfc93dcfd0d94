/**
 * What a workspace offers at its hosted MCP endpoint: agents and teams marked "available over MCP" become tools, and
 * agents whose instructions are marked shareable become prompts. The marks are settings of the agent or team, not
 * of a version (a new version keeps them). Changing them needs the right to update the agent or team, and is audited.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import type { AgentOutput } from "@/lib/schemas/agents";
import { agentMcpInputSchema, teamMcpInputSchema } from "@/lib/schemas/mcp-endpoint";
import type { TeamOutput } from "@/lib/schemas/teams";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { getAgent } from "@/server/agents/service";
import { getTeam } from "@/server/teams/service";

function need(ctx: TenantContext, permission: "agents:update" | "teams:update"): void {
  if (!ctx.permissions.has(permission)) throw new AppError("FORBIDDEN", `Your role or key does not allow ${permission}`);
}

export async function setAgentMcp(ctx: TenantContext, ref: string, input: z.input<typeof agentMcpInputSchema>): Promise<AgentOutput> {
  need(ctx, "agents:update");
  const patch = agentMcpInputSchema.parse(input);
  const agent = await getAgent(ctx, ref);
  const data = { mcpExposed: patch.exposed ?? agent.mcpExposed, mcpSharePrompt: patch.sharePrompt ?? agent.mcpSharePrompt };
  if (data.mcpExposed === agent.mcpExposed && data.mcpSharePrompt === agent.mcpSharePrompt) return agent;
  await db(ctx).$transaction(async (tx) => {
    await tx.agent.updateMany({ where: { id: agent.id, workspaceId: ctx.workspaceId }, data });
    await recordAudit(ctx, { action: "agent.update", targetType: "agent", targetId: agent.id, metadata: { slug: agent.slug, mcp: data } }, tx);
  });
  return getAgent(ctx, agent.id);
}

export async function setTeamMcp(ctx: TenantContext, ref: string, input: z.input<typeof teamMcpInputSchema>): Promise<TeamOutput> {
  need(ctx, "teams:update");
  const patch = teamMcpInputSchema.parse(input);
  const team = await getTeam(ctx, ref);
  const exposed = patch.exposed ?? team.mcpExposed;
  if (exposed === team.mcpExposed) return team;
  await db(ctx).$transaction(async (tx) => {
    await tx.team.updateMany({ where: { id: team.id, workspaceId: ctx.workspaceId }, data: { mcpExposed: exposed } });
    await recordAudit(ctx, { action: "team.update", targetType: "team", targetId: team.id, metadata: { slug: team.slug, mcp: { mcpExposed: exposed } } }, tx);
  });
  return getTeam(ctx, team.id);
}

export interface ExposedTarget {
  type: "agent" | "team";
  id: string;
  slug: string;
  name: string;
  description: string;
  /** agents only: the current version's instructions, when shared as a prompt */
  instructions: string | null;
  exposed: boolean;
}

/** The agents and teams (not archived) offered as tools, and the agents offered as prompts, in one statement. */
export async function exposedTargets(ctx: TenantContext): Promise<ExposedTarget[]> {
  const { rows } = await execute<{
    type: "agent" | "team";
    id: string;
    slug: string;
    name: string;
    description: string;
    instructions: string | null;
    exposed: boolean;
  }>(
    ctx,
    sql`SELECT 'agent' AS type, a.id, a.slug, v.name, v."roleDescription" AS description,
          CASE WHEN a."mcpSharePrompt" THEN v.instructions END AS instructions, a."mcpExposed" AS exposed
        FROM "Agent" a JOIN "AgentVersion" v ON v."agentId" = a.id AND v.version = a."currentVersion"
        WHERE a."workspaceId" = ${ctx.workspaceId} AND a."archivedAt" IS NULL AND (a."mcpExposed" OR a."mcpSharePrompt")
      UNION ALL
      SELECT 'team', t.id, t.slug, v.name, v.description, NULL, true
        FROM "Team" t JOIN "TeamVersion" v ON v."teamId" = t.id AND v.version = t."currentVersion"
        WHERE t."workspaceId" = ${ctx.workspaceId} AND t."archivedAt" IS NULL AND t."mcpExposed"
      ORDER BY 1, 3`,
  );
  return rows;
}
