import { z } from "zod";
import { defineRoute } from "../define";
import { agentRefSchema, agentSchema } from "@/lib/schemas/agents";
import { agentMcpInputSchema, teamMcpInputSchema } from "@/lib/schemas/mcp-endpoint";
import { teamRefSchema, teamSchema } from "@/lib/schemas/teams";
import { setAgentMcp, setTeamMcp } from "@/server/mcp-endpoint/exposure";

export const setAgentMcpRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/agents/{agentId}/mcp",
  summary:
    "Offer an agent at the workspace's hosted MCP endpoint (/api/mcp/{workspace}): `exposed` makes it a tool, `sharePrompt` offers its instructions as a prompt. A setting of the agent, not a new version.",
  tag: "Agents",
  requires: "agents:update",
  params: z.strictObject({ agentId: agentRefSchema }),
  body: agentMcpInputSchema,
  response: agentSchema,
  handler: ({ ctx, params, body }) => setAgentMcp(ctx, params.agentId, body),
});

export const setTeamMcpRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/teams/{teamId}/mcp",
  summary: "Offer a team as a tool at the workspace's hosted MCP endpoint (/api/mcp/{workspace}). A setting of the team, not a new version.",
  tag: "Teams",
  requires: "teams:update",
  params: z.strictObject({ teamId: teamRefSchema }),
  body: teamMcpInputSchema,
  response: teamSchema,
  handler: ({ ctx, params, body }) => setTeamMcp(ctx, params.teamId, body),
});
