import { consentInputSchema, consentResultSchema } from "@/lib/schemas/mcp-oauth";
import { authedProcedure, router } from "../trpc";
import { approveConsent, denyConsent } from "@/server/mcp-auth/authorize";

/**
 * The consent step of the MCP authorization server (the /oauth/authorize page): the signed-in person approves or
 * denies a client's request. A JSON POST from the session (not a form a third-party site can submit).
 */
export const mcpOAuthRouter = router({
  approve: authedProcedure
    .input(consentInputSchema)
    .output(consentResultSchema)
    .mutation(({ ctx, input }) => approveConsent(ctx.user, input, ctx.origin, { requestId: ctx.requestId, clientIp: ctx.clientIp, userAgent: ctx.userAgent })),
  deny: authedProcedure
    .input(consentInputSchema)
    .output(consentResultSchema)
    .mutation(({ ctx, input }) => denyConsent(input, ctx.origin)),
});
