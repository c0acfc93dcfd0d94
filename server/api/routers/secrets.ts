import { z } from "zod";
import { createSecretInputSchema, secretIdSchema, secretSchema, updateSecretWithIdInputSchema } from "@/lib/schemas/secrets";
import { pageOf, paginationSchema } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { createSecret, deleteSecret, listSecrets, updateSecret } from "@/server/vault/service";

/** The vault. Write-only: outputs are parsed by schemas that have no value field. */
export const secretsRouter = router({
  /** one page, newest first (keyset cursor) */
  list: workspaceProcedure("secrets:read")
    .input(paginationSchema.optional())
    .output(pageOf(secretSchema))
    .query(({ ctx, input }) => listSecrets(ctx.tenant, input ?? {})),
  create: workspaceProcedure("secrets:create")
    .input(createSecretInputSchema)
    .output(secretSchema)
    .mutation(({ ctx, input }) => createSecret(ctx.tenant, input)),
  update: workspaceProcedure("secrets:update")
    .input(updateSecretWithIdInputSchema)
    .output(secretSchema)
    .mutation(({ ctx, input: { secretId, ...patch } }) => updateSecret(ctx.tenant, secretId, patch)),
  delete: workspaceProcedure("secrets:delete")
    .input(z.strictObject({ secretId: secretIdSchema }))
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(({ ctx, input }) => deleteSecret(ctx.tenant, input.secretId)),
});
