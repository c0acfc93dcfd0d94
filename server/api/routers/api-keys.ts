import { z } from "zod";
import { apiKeySchema, createApiKeyInputSchema, createdApiKeySchema } from "@/lib/schemas/api-keys";
import { idSchema, revokedSchema } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { createApiKey, listApiKeys, revokeApiKey } from "@/server/auth/api-keys";

export const apiKeysRouter = router({
  list: workspaceProcedure("api_keys:read")
    .output(z.array(apiKeySchema))
    .query(({ ctx }) => listApiKeys(ctx.tenant)),
  create: workspaceProcedure("api_keys:create")
    .input(createApiKeyInputSchema)
    .output(createdApiKeySchema)
    .mutation(({ ctx, input }) => createApiKey(ctx.tenant, input)),
  revoke: workspaceProcedure("api_keys:revoke")
    .input(z.strictObject({ keyId: idSchema("key") }))
    .output(revokedSchema)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.tenant, input.keyId)),
});
