import { z } from "zod";
import { pageOf, paginationShape } from "@/lib/schemas/common";
import {
  createDatasetInputSchema,
  createDatasetItemInputSchema,
  datasetItemIdSchema,
  datasetItemSchema,
  datasetRefSchema,
  datasetSchema,
  importDatasetInputSchema,
  importResultSchema,
  listDatasetsInputSchema,
  updateDatasetInputSchema,
  updateDatasetItemInputSchema,
} from "@/lib/schemas/datasets";
import { router, workspaceProcedure } from "../trpc";
import {
  addDatasetItem,
  archiveDataset,
  createDataset,
  deleteDatasetItem,
  exportDatasetJsonl,
  getDataset,
  importDatasetItems,
  listDatasetItems,
  listDatasets,
  updateDataset,
  updateDatasetItem,
} from "@/server/quality/datasets/service";

const byRef = z.strictObject({ dataset: datasetRefSchema });
const itemRef = z.strictObject({ dataset: datasetRefSchema, itemId: datasetItemIdSchema });

/** Datasets of test inputs (server/quality/datasets). */
export const datasetsRouter = router({
  list: workspaceProcedure("evals:read")
    .input(listDatasetsInputSchema.optional())
    .output(pageOf(datasetSchema))
    .query(({ ctx, input }) => listDatasets(ctx.tenant, input ?? {})),
  get: workspaceProcedure("evals:read")
    .input(byRef)
    .output(datasetSchema)
    .query(({ ctx, input }) => getDataset(ctx.tenant, input.dataset)),
  create: workspaceProcedure("evals:write")
    .input(createDatasetInputSchema)
    .output(datasetSchema)
    .mutation(({ ctx, input }) => createDataset(ctx.tenant, input)),
  update: workspaceProcedure("evals:write")
    .input(z.strictObject({ dataset: datasetRefSchema, ...updateDatasetInputSchema.shape }))
    .output(datasetSchema)
    .mutation(({ ctx, input: { dataset, ...patch } }) => updateDataset(ctx.tenant, dataset, patch)),
  archive: workspaceProcedure("evals:write")
    .input(byRef)
    .output(datasetSchema)
    .mutation(({ ctx, input }) => archiveDataset(ctx.tenant, input.dataset)),
  items: workspaceProcedure("evals:read")
    .input(z.strictObject({ dataset: datasetRefSchema, ...paginationShape }))
    .output(pageOf(datasetItemSchema))
    .query(({ ctx, input: { dataset, ...page } }) => listDatasetItems(ctx.tenant, dataset, page)),
  addItem: workspaceProcedure("evals:write")
    .input(z.strictObject({ dataset: datasetRefSchema, ...createDatasetItemInputSchema.shape }))
    .output(datasetItemSchema)
    .mutation(({ ctx, input: { dataset, ...item } }) => addDatasetItem(ctx.tenant, dataset, item)),
  updateItem: workspaceProcedure("evals:write")
    .input(z.strictObject({ dataset: datasetRefSchema, itemId: datasetItemIdSchema, ...updateDatasetItemInputSchema.shape }))
    .output(datasetItemSchema)
    .mutation(({ ctx, input: { dataset, itemId, ...patch } }) => updateDatasetItem(ctx.tenant, dataset, itemId, patch)),
  deleteItem: workspaceProcedure("evals:write")
    .input(itemRef)
    .output(z.object({ deleted: z.literal(true) }))
    .mutation(async ({ ctx, input }) => {
      await deleteDatasetItem(ctx.tenant, input.dataset, input.itemId);
      return { deleted: true as const };
    }),
  import: workspaceProcedure("evals:write")
    .input(z.strictObject({ dataset: datasetRefSchema, ...importDatasetInputSchema.shape }))
    .output(importResultSchema)
    .mutation(({ ctx, input: { dataset, ...body } }) => importDatasetItems(ctx.tenant, dataset, body)),
  export: workspaceProcedure("evals:read")
    .input(byRef)
    .output(z.object({ slug: z.string(), body: z.string() }))
    .query(({ ctx, input }) => exportDatasetJsonl(ctx.tenant, input.dataset)),
});
