import { z } from "zod";
import { createProviderInputSchema, providerIdSchema, testProviderInputSchema, updateProviderWithIdInputSchema } from "@/lib/schemas/models";
import { router, workspaceProcedure } from "../trpc";
import { createProvider, deleteProvider, getProvider, listProviders, testConnection, updateProvider } from "@/server/models/providers";

const byId = z.object({ providerId: providerIdSchema });

export const providersRouter = router({
  list: workspaceProcedure("models:read").query(({ ctx }) => listProviders(ctx.tenant)),
  get: workspaceProcedure("models:read").input(byId).query(({ ctx, input }) => getProvider(ctx.tenant, input.providerId)),
  create: workspaceProcedure("models:manage").input(createProviderInputSchema).mutation(({ ctx, input }) => createProvider(ctx.tenant, input)),
  update: workspaceProcedure("models:manage")
    .input(updateProviderWithIdInputSchema)
    .mutation(({ ctx, input: { providerId, ...patch } }) => updateProvider(ctx.tenant, providerId, patch)),
  delete: workspaceProcedure("models:manage").input(byId).mutation(({ ctx, input }) => deleteProvider(ctx.tenant, input.providerId)),
  test: workspaceProcedure("models:manage")
    .input(byId.extend(testProviderInputSchema.shape))
    .mutation(({ ctx, input }) => testConnection(ctx.tenant, input.providerId, input.modelId)),
});
