import { z } from "zod";
import { createdOrgTokenSchema, createOrgTokenInputSchema, orgTokenIdInputSchema, orgTokenSchema } from "@/lib/schemas/org-tokens";
import { createOrgToken, listOrgTokens, revokeOrgToken } from "@/server/scim/tokens";
import { orgProcedure, router } from "../trpc";

/** An organisation's tokens (SCIM provisioning, its API): owners and admins. */
export const orgTokensRouter = router({
  list: orgProcedure("admin")
    .output(z.array(orgTokenSchema))
    .query(({ ctx }) => listOrgTokens(ctx.org)),
  create: orgProcedure("admin")
    .input(createOrgTokenInputSchema)
    .output(createdOrgTokenSchema)
    .mutation(({ ctx, input }) => createOrgToken(ctx.org, input)),
  revoke: orgProcedure("admin")
    .input(orgTokenIdInputSchema)
    .output(orgTokenSchema)
    .mutation(({ ctx, input }) => revokeOrgToken(ctx.org, input.id)),
});
