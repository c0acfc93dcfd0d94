import { z } from "zod";
import {
  createModelInputSchema,
  listModelsInputSchema,
  modelRowIdSchema,
  modelSchema,
  modelSuggestionsSchema,
  suggestModelInputSchema,
  updateModelWithIdInputSchema,
} from "@/lib/schemas/models";
import { deletedSchema, pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import { createModel, deleteModel, getModel, listModels, suggestModels, updateModel } from "@/server/models/catalog";

const byId = z.strictObject({ id: modelRowIdSchema });

export const modelsRouter = router({
  /** one page of the catalog, newest first (keyset cursor) */
  list: workspaceProcedure("models:read")
    .input(listModelsInputSchema.optional())
    .output(pageOf(modelSchema))
    .query(({ ctx, input }) => listModels(ctx.tenant, input ?? {})),
  get: workspaceProcedure("models:read")
    .input(byId)
    .output(modelSchema)
    .query(({ ctx, input }) => getModel(ctx.tenant, input.id)),
  create: workspaceProcedure("models:manage")
    .input(createModelInputSchema)
    .output(modelSchema)
    .mutation(({ ctx, input }) => createModel(ctx.tenant, input)),
  update: workspaceProcedure("models:manage")
    .input(updateModelWithIdInputSchema)
    .output(modelSchema)
    .mutation(({ ctx, input: { id, ...patch } }) => updateModel(ctx.tenant, id, patch)),
  delete: workspaceProcedure("models:manage")
    .input(byId)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteModel(ctx.tenant, input.id)),
  /** prefill for the add-model form: the known model for an id, and the well-known models of a kind */
  suggest: workspaceProcedure("models:read")
    .input(suggestModelInputSchema)
    .output(modelSuggestionsSchema)
    .query(({ input }) => suggestModels(input)),
});
