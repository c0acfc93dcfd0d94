import { z } from "zod";
import {
  createMcpServerInputSchema,
  mcpAuthorizeResultSchema,
  mcpServerSchema,
  mcpSyncResultSchema,
  mcpToolReviewResultSchema,
  reviewMcpToolInputSchema,
  updateMcpServerInputSchema,
} from "@/lib/schemas/mcp";
import { toolRefSchema } from "@/lib/schemas/tools";
import { text } from "@/lib/schemas/text";
import {
  authorizeMcpServer,
  completeMcpAuthorization,
  createMcpServer,
  deleteMcpServer,
  disconnectMcpServer,
  getMcpServer,
  listMcpServers,
  reviewMcpTool,
  syncMcpServer,
  updateMcpServer,
} from "@/server/tools/mcp-servers";
import { AppError } from "@/lib/errors";
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
    "Connect a remote MCP server (Streamable HTTP or HTTP+SSE; auth none, a bearer token from the vault, or OAuth 2.1) and sync its tools. A server that cannot be reached is saved with status error and lastError; an OAuth server is saved with status needs_auth until it is authorized",
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

export const authorizeMcpServerRoute = defineRoute({
  method: "POST",
  path: "/api/v1/mcp-servers/{serverId}/authorize",
  summary:
    "OAuth servers: discover the authorization server (RFC 9728, RFC 8414), register Cadre as a client if needed (RFC 7591), and return the URL (PKCE S256, state, resource) to send the person to; the authorization server sends them back to /api/mcp-oauth/callback in their browser session. The state is single-use, 10 minutes, bound to this member",
  tag: TAG,
  requires: "tools:update",
  params: serverParams,
  response: mcpAuthorizeResultSchema,
  idempotent: false,
  errors: ["CONFLICT", "EGRESS_REFUSED", "UPSTREAM_ERROR"],
  handler: ({ ctx, params, origin }) => authorizeMcpServer(ctx, params.serverId, origin),
});

export const disconnectMcpServerRoute = defineRoute({
  method: "POST",
  path: "/api/v1/mcp-servers/{serverId}/disconnect",
  summary: "OAuth servers: forget the tokens and the client registration (deleted from the vault); the server needs authorizing again",
  tag: TAG,
  requires: "tools:update",
  params: serverParams,
  response: mcpServerSchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => disconnectMcpServer(ctx, params.serverId),
});

/** Where the browser lands after the OAuth callback: the workspace's Tools page, with an error to show if any. */
function toolsPage(origin: string, slug: string, outcome: { server?: string; error?: string }): Response {
  const url = new URL(`/w/${encodeURIComponent(slug)}/tools`, origin);
  if (outcome.server) url.searchParams.set("mcpAuthorized", outcome.server);
  if (outcome.error) url.searchParams.set("mcpAuthError", outcome.error);
  return new Response(null, { status: 303, headers: { location: url.href } });
}

/** The authorization server sends the person back here (their browser session; ?workspace= is in the redirect URI). */
export const webMcpOAuthCallbackRoute = defineRoute({
  method: "GET",
  path: "/api/mcp-oauth/callback",
  auth: "session",
  summary:
    "OAuth callback of an MCP server's authorization: checks the state (this workspace, this member, unused, unexpired), exchanges the code, stores the tokens in the vault, and redirects to the Tools page (with mcpAuthError when something was refused)",
  tag: TAG,
  requires: "tools:update",
  query: z.strictObject({
    workspace: text().max(100).optional(),
    state: text().max(500).optional(),
    code: text().max(2_000).optional(),
    error: text().max(200).optional(),
    error_description: text().max(1_000).optional(),
    error_uri: text().max(2_000).optional(),
    iss: text().max(2_000).optional(),
  }),
  produces: ["text/html"],
  response: z.string(),
  handler: async ({ ctx, query, origin }) => {
    if (!query.state) return toolsPage(origin, ctx.workspaceSlug, { error: "The authorization server sent no state back: start again with Authorize" });
    try {
      const server = await completeMcpAuthorization(ctx, {
        state: query.state,
        code: query.code,
        error: query.error,
        errorDescription: query.error_description,
      });
      return toolsPage(origin, ctx.workspaceSlug, { server: server.name });
    } catch (error) {
      if (error instanceof AppError && error.code !== "INTERNAL") return toolsPage(origin, ctx.workspaceSlug, { error: error.message });
      throw error;
    }
  },
});
