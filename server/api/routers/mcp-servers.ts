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
  createMcpServer,
  deleteMcpServer,
  disconnectMcpServer,
  getMcpServer,
  listMcpServers,
  reviewMcpTool,
  syncMcpServer,
  updateMcpServer,
} from "@/server/tools/mcp-servers";
import { router, workspaceProcedure } from "../trpc";

const serverRef = text().trim().min(1, "Name a server (id or name)").max(80).describe("An MCP server id (mcp_...) or name");

/** Remote MCP servers and the review of tool definitions they changed (server/tools/mcp-servers.ts). */
export const mcpServersRouter = router({
  list: workspaceProcedure("tools:read")
    .output(z.array(mcpServerSchema))
    .query(({ ctx }) => listMcpServers(ctx.tenant)),
  get: workspaceProcedure("tools:read")
    .input(z.strictObject({ serverId: serverRef }))
    .output(mcpServerSchema)
    .query(({ ctx, input }) => getMcpServer(ctx.tenant, input.serverId)),
  create: workspaceProcedure("tools:create")
    .input(createMcpServerInputSchema)
    .output(mcpServerSchema)
    .mutation(({ ctx, input }) => createMcpServer(ctx.tenant, input)),
  update: workspaceProcedure("tools:update")
    .input(updateMcpServerInputSchema.extend({ serverId: serverRef }))
    .output(mcpServerSchema)
    .mutation(({ ctx, input: { serverId, ...patch } }) => updateMcpServer(ctx.tenant, serverId, patch)),
  delete: workspaceProcedure("tools:delete")
    .input(z.strictObject({ serverId: serverRef }))
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteMcpServer(ctx.tenant, input.serverId)),
  sync: workspaceProcedure("tools:update")
    .input(z.strictObject({ serverId: serverRef }))
    .output(mcpSyncResultSchema)
    .mutation(({ ctx, input }) => syncMcpServer(ctx.tenant, input.serverId)),
  /** OAuth: the authorization server's URL to send the person to (it comes back to /api/mcp-oauth/callback) */
  authorize: workspaceProcedure("tools:update")
    .input(z.strictObject({ serverId: serverRef }))
    .output(mcpAuthorizeResultSchema)
    .mutation(({ ctx, input }) => authorizeMcpServer(ctx.tenant, input.serverId, ctx.origin)),
  disconnect: workspaceProcedure("tools:update")
    .input(z.strictObject({ serverId: serverRef }))
    .output(mcpServerSchema)
    .mutation(({ ctx, input }) => disconnectMcpServer(ctx.tenant, input.serverId)),
  reviewTool: workspaceProcedure("tools:grant")
    .input(reviewMcpToolInputSchema.extend({ toolId: toolRefSchema }))
    .output(mcpToolReviewResultSchema)
    .mutation(({ ctx, input }) => reviewMcpTool(ctx.tenant, input.toolId, input.decision)),
});
