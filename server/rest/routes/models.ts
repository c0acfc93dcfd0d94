import { z } from "zod";
import { defineRoute } from "../define";
import { restPageOf } from "@/lib/schemas/common";
import { createModel, deleteModel, getModel, listModels, updateModel } from "@/server/models/catalog";
import { createModelInputSchema, listModelsInputSchema, modelRowIdSchema, modelSchema, updateModelInputSchema } from "@/lib/schemas/models";

const modelParams = z.strictObject({ modelId: modelRowIdSchema.describe("The catalog id (mdl_...)") });

export const listModelsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/models",
  summary: "The model catalog, with observed latency and error rates, newest first (one page: `limit`, `cursor`)",
  tag: "Models",
  requires: "models:read",
  query: listModelsInputSchema,
  response: restPageOf(modelSchema),
  handler: async ({ ctx, query }) => {
    const page = await listModels(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createModelRoute = defineRoute({
  method: "POST",
  path: "/api/v1/models",
  summary: "Add a model to the catalog (well-known models are prefilled)",
  tag: "Models",
  requires: "models:manage",
  body: createModelInputSchema,
  status: 201,
  response: modelSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createModel(ctx, body),
});

export const getModelRoute = defineRoute({
  method: "GET",
  path: "/api/v1/models/{modelId}",
  summary: "One catalog model",
  tag: "Models",
  requires: "models:read",
  params: modelParams,
  response: modelSchema,
  handler: ({ ctx, params }) => getModel(ctx, params.modelId),
});

export const updateModelRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/models/{modelId}",
  summary: "Change a model's price, capabilities, quality or enabled flag",
  tag: "Models",
  requires: "models:manage",
  params: modelParams,
  body: updateModelInputSchema,
  response: modelSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateModel(ctx, params.modelId, body),
});

export const deleteModelRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/models/{modelId}",
  summary: "Remove a model from the catalog",
  tag: "Models",
  requires: "models:manage",
  params: modelParams,
  response: z.object({ deleted: z.literal(true) }),
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => deleteModel(ctx, params.modelId),
});
