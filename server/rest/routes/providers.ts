import { z } from "zod";
import { connectedProviderSchema, connectProviderInputSchema } from "@/lib/schemas/connect-provider";
import { quickConnectProvider } from "@/server/models/connect-provider";
import { defineRoute } from "../define";
import { createProvider, deleteProvider, getProvider, listProviders, testConnection, updateProvider } from "@/server/models/providers";
import { addProviderModels, listProviderModels } from "@/server/models/provider-models";
import {
  addedProviderModelsSchema,
  addProviderModelsInputSchema,
  createProviderInputSchema,
  providerIdSchema,
  providerModelsSchema,
  providerSchema,
  providerTestResultSchema,
  testProviderInputSchema,
  updateProviderInputSchema,
} from "@/lib/schemas/models";

const providerParams = z.strictObject({ providerId: providerIdSchema });

export const listProvidersRoute = defineRoute({
  method: "GET",
  path: "/api/v1/providers",
  summary: "List the workspace's model providers (never key material)",
  tag: "Providers",
  requires: "models:read",
  response: z.object({ data: z.array(providerSchema) }),
  handler: async ({ ctx }) => ({ data: await listProviders(ctx) }),
});

export const createProviderRoute = defineRoute({
  method: "POST",
  path: "/api/v1/providers",
  summary: "Add a provider connection (its key is a vault secret id)",
  tag: "Providers",
  requires: "models:manage",
  body: createProviderInputSchema,
  status: 201,
  response: providerSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createProvider(ctx, body),
});

export const getProviderRoute = defineRoute({
  method: "GET",
  path: "/api/v1/providers/{providerId}",
  summary: "One provider",
  tag: "Providers",
  requires: "models:read",
  params: providerParams,
  response: providerSchema,
  handler: ({ ctx, params }) => getProvider(ctx, params.providerId),
});

export const updateProviderRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/providers/{providerId}",
  summary: "Change a provider (the simulator: only enabled)",
  tag: "Providers",
  requires: "models:manage",
  params: providerParams,
  body: updateProviderInputSchema,
  response: providerSchema,
  errors: ["BAD_REQUEST", "CONFLICT"],
  handler: ({ ctx, params, body }) => updateProvider(ctx, params.providerId, body),
});

export const deleteProviderRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/providers/{providerId}",
  summary: "Delete a provider and its catalog models",
  tag: "Providers",
  requires: "models:manage",
  params: providerParams,
  response: z.object({ deleted: z.literal(true) }),
  errors: ["BAD_REQUEST", "CONFLICT"],
  handler: ({ ctx, params }) => deleteProvider(ctx, params.providerId),
});

export const testProviderRoute = defineRoute({
  method: "POST",
  path: "/api/v1/providers/{providerId}/test",
  summary: "Test the connection with one real, tiny completion",
  tag: "Providers",
  requires: "models:manage",
  params: providerParams,
  body: testProviderInputSchema,
  response: providerTestResultSchema,
  idempotent: false,
  errors: ["BAD_REQUEST"],
  handler: ({ ctx, params, body }) => testConnection(ctx, params.providerId, body.modelId),
});

export const listProviderModelsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/providers/{providerId}/available-models",
  summary: "The provider's own model list (read with its key), each with the prices and capabilities Cadre knows",
  tag: "Providers",
  requires: "models:manage",
  params: providerParams,
  response: providerModelsSchema,
  errors: ["UPSTREAM_ERROR", "EGRESS_REFUSED"],
  handler: ({ ctx, params }) => listProviderModels(ctx, params.providerId),
});

export const addProviderModelsRoute = defineRoute({
  method: "POST",
  path: "/api/v1/providers/{providerId}/available-models",
  summary: "Add chosen models of the provider to the catalog (all or none; known ones prefilled, unknown ones need prices)",
  tag: "Providers",
  requires: "models:manage",
  params: providerParams,
  body: addProviderModelsInputSchema,
  status: 201,
  response: addedProviderModelsSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => addProviderModels(ctx, params.providerId, body),
});

export const connectProviderRoute = defineRoute({
  method: "POST",
  path: "/api/v1/providers/connect",
  summary:
    "Connect a provider in one step (the first-run setup): the key is stored in the vault, the provider created, and its current models that Cadre knows added to the catalog (a local OpenAI-compatible server's: all, free). A key the provider refuses or a server that cannot be reached answers 502 and leaves nothing behind. Needs secrets:create too",
  tag: "Providers",
  requires: "models:manage",
  body: connectProviderInputSchema,
  status: 201,
  response: connectedProviderSchema,
  idempotent: true,
  errors: ["UPSTREAM_ERROR", "EGRESS_REFUSED"],
  handler: ({ ctx, body }) => quickConnectProvider(ctx, body),
});
