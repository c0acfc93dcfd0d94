import { z } from "zod";
import { defineRoute } from "../define";
import { revokedSchema } from "@/lib/schemas/common";
import { mcpConnectionIdSchema, mcpConnectionSchema } from "@/lib/schemas/mcp-oauth";
import { listMcpConnections, revokeMcpConnection } from "@/server/mcp-auth/connections";

export const listMcpConnectionsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/mcp-connections",
  summary: "The MCP clients people connected to this workspace over OAuth (newest first, revoked ones included; never their tokens)",
  tag: "MCP connections",
  requires: "mcp_connections:read",
  response: z.object({ data: z.array(mcpConnectionSchema) }),
  handler: async ({ ctx }) => ({ data: await listMcpConnections(ctx) }),
});

export const revokeMcpConnectionRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/mcp-connections/{connectionId}",
  summary: "Revoke an MCP connection: its tokens stop working at once (your own; anyone's with mcp_connections:manage); audited",
  tag: "MCP connections",
  requires: "mcp_connections:revoke",
  params: z.strictObject({ connectionId: mcpConnectionIdSchema }),
  response: revokedSchema,
  operationId: "revokeMcpConnection",
  handler: ({ ctx, params }) => revokeMcpConnection(ctx, params.connectionId),
});
