import { z } from "zod";

/** an MCP session unused this long is refused (the client opens a new one) and the retention purge deletes it */
export const MCP_SESSION_IDLE_DAYS = 30;

/** What an agent offers at the workspace's hosted MCP endpoint (server/mcp-endpoint/exposure.ts). */
export const agentMcpInputSchema = z
  .strictObject({
    exposed: z.boolean().optional().describe("Offer the agent as a tool at the workspace's MCP endpoint"),
    sharePrompt: z.boolean().optional().describe("Offer the agent's instructions as a prompt at the MCP endpoint"),
  })
  .meta({ id: "AgentMcpInput" });

export const teamMcpInputSchema = z
  .strictObject({ exposed: z.boolean().optional().describe("Offer the team as a tool at the workspace's MCP endpoint") })
  .meta({ id: "TeamMcpInput" });
