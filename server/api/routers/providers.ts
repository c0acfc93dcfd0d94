import { z } from "zod";
import { connectedProviderSchema, connectProviderInputSchema } from "@/lib/schemas/connect-provider";
import { quickConnectProvider } from "@/server/models/connect-provider";
import {
  addedProviderModelsSchema,
  addProviderModelsInputSchema,
  createProviderInputSchema,
  providerIdSchema,
  providerModelsSchema,
  providerSchema,
  providerTestResultSchema,
  testProviderInputSchema,
  updateProviderWithIdInputSchema,
} from "@/lib/schemas/models";
import { deletedSchema } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { addProviderModels, listProviderModels } from "@/server/models/provider-models";
import { createProvider, deleteProvider, getProvider, listProviders, testConnection, updateProvider } from "@/server/models/providers";

const byId = z.strictObject({ providerId: providerIdSchema });

export const providersRouter = router({
  list: workspaceProcedure("models:read")
    .output(z.array(providerSchema))
    .query(({ ctx }) => listProviders(ctx.tenant)),
  get: workspaceProcedure("models:read")
    .input(byId)
    .output(providerSchema)
    .query(({ ctx, input }) => getProvider(ctx.tenant, input.providerId)),
  create: workspaceProcedure("models:manage")
    .input(createProviderInputSchema)
    .output(providerSchema)
    .mutation(({ ctx, input }) => createProvider(ctx.tenant, input)),
  update: workspaceProcedure("models:manage")
    .input(updateProviderWithIdInputSchema)
    .output(providerSchema)
    .mutation(({ ctx, input: { providerId, ...patch } }) => updateProvider(ctx.tenant, providerId, patch)),
  delete: workspaceProcedure("models:manage")
    .input(byId)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteProvider(ctx.tenant, input.providerId)),
  test: workspaceProcedure("models:manage")
    .input(byId.extend(testProviderInputSchema.shape))
    .output(providerTestResultSchema)
    .mutation(({ ctx, input }) => testConnection(ctx.tenant, input.providerId, input.modelId)),
  availableModels: workspaceProcedure("models:manage")
    .input(byId)
    .output(providerModelsSchema)
    .query(({ ctx, input }) => listProviderModels(ctx.tenant, input.providerId)),
  /** the first-run setup: key into the vault, the provider, its known models, in one step (nothing kept on failure) */
  connect: workspaceProcedure("models:manage")
    .input(connectProviderInputSchema)
    .output(connectedProviderSchema)
    .mutation(({ ctx, input }) => quickConnectProvider(ctx.tenant, input)),
  addModels: workspaceProcedure("models:manage")
    .input(byId.extend(addProviderModelsInputSchema.shape))
    .output(addedProviderModelsSchema)
    .mutation(({ ctx, input: { providerId, ...body } }) => addProviderModels(ctx.tenant, providerId, body)),
});
