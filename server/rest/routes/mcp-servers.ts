import { z } from "zod";
import {
  createMcpServerInputSchema,
  mcpServerSchema,
  mcpSyncResultSchema,
  mcpToolReviewResultSchema,
  reviewMcpToolInputSchema,
  updateMcpServerInputSchema,
} from "@/lib/schemas/mcp";
import { toolRefSchema } from "@/lib/schemas/tools";
import { text } from "@/lib/schemas/text";
import { createMcpServer, deleteMcpServer, getMcpServer, listMcpServers, reviewMcpTool, syncMcpServer, updateMcpServer } from "@/server/tools/mcp-servers";
import { defineRoute } from "../define";

const serverParams = z.strictObject({ serverId: text().trim().min(1).max(80).describe("An MCP server id (mcp_...) or name") });
const TAG = "MCP servers";

export const listMcpServersRoute = defineRoute({
  method: "GET",
  path: "/api/v1/mcp-servers",
  summary: "The workspace's remote MCP servers, by name, with their tools",
  tag: TAG,
  requires: "tools:read",
  response: z.object({ data: z.array(mcpServerSchema) }),
  handler: async ({ ctx }) => ({ data: await listMcpServers(ctx) }),
});

export const createMcpServerRoute = defineRoute({
  method: "POST",
  path: "/api/v1/mcp-servers",
  summary:
    "Connect a remote MCP server (Streamable HTTP or HTTP+SSE; auth none or a bearer token from the vault; OAuth not supported yet) and sync its tools. A server that cannot be reached is saved with status error and lastError",
  tag: TAG,
  requires: "tools:create",
  body: createMcpServerInputSchema,
  status: 201,
  response: mcpServerSchema,
  idempotent: true,
  errors: ["CONFLICT", "VALIDATION_FAILED"],
  handler: ({ ctx, body }) => createMcpServer(ctx, body),
});

export const getMcpServerRoute = defineRoute({
  method: "GET",
  path: "/api/v1/mcp-servers/{serverId}",
  summary: "One MCP server with its tools (changed: a definition waiting for review)",
  tag: TAG,
  requires: "tools:read",
  params: serverParams,
  response: mcpServerSchema,
  handler: ({ ctx, params }) => getMcpServer(ctx, params.serverId),
});

export const updateMcpServerRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/mcp-servers/{serverId}",
  summary: "Change a server's URL, transport, authentication or enabled; a changed connection syncs again",
  tag: TAG,
  requires: "tools:update",
  params: serverParams,
  body: updateMcpServerInputSchema,
  response: mcpServerSchema,
  errors: ["VALIDATION_FAILED"],
  handler: ({ ctx, params, body }) => updateMcpServer(ctx, params.serverId, body),
});

export const deleteMcpServerRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/mcp-servers/{serverId}",
  summary: "Delete a server and its tools (refused while an agent's current version is granted one of them)",
  tag: TAG,
  requires: "tools:delete",
  params: serverParams,
  response: z.object({ deleted: z.literal(true) }),
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => deleteMcpServer(ctx, params.serverId),
});

export const syncMcpServerRoute = defineRoute({
  method: "POST",
  path: "/api/v1/mcp-servers/{serverId}/sync",
  summary:
    "Read the server's tools/list again: new tools are added (enabled, approval always), changed ones disabled until reviewed, missing ones disabled. report is null when the server could not be reached (server.status and lastError say why)",
  tag: TAG,
  requires: "tools:update",
  params: serverParams,
  response: mcpSyncResultSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => syncMcpServer(ctx, params.serverId),
});

export const reviewMcpToolRoute = defineRoute({
  method: "POST",
  path: "/api/v1/tools/{toolId}/review",
  summary: "Accept (use it, enable the tool) or reject (keep the tool disabled) the definition an MCP server changed",
  tag: TAG,
  requires: "tools:grant",
  params: z.strictObject({ toolId: toolRefSchema }),
  body: reviewMcpToolInputSchema,
  response: mcpToolReviewResultSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => reviewMcpTool(ctx, params.toolId, body.decision),
});
