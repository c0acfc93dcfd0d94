import { z } from "zod";
import { revokedSchema } from "@/lib/schemas/common";
import { mcpConnectionIdSchema, mcpConnectionSchema } from "@/lib/schemas/mcp-oauth";
import { router, workspaceProcedure } from "../trpc";
import { listMcpConnections, revokeMcpConnection } from "@/server/mcp-auth/connections";

export const mcpConnectionsRouter = router({
  list: workspaceProcedure("mcp_connections:read")
    .output(z.array(mcpConnectionSchema))
    .query(({ ctx }) => listMcpConnections(ctx.tenant)),
  revoke: workspaceProcedure("mcp_connections:revoke")
    .input(z.strictObject({ connectionId: mcpConnectionIdSchema }))
    .output(revokedSchema)
    .mutation(({ ctx, input }) => revokeMcpConnection(ctx.tenant, input.connectionId)),
});
