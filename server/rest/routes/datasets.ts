import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, paginationSchema, restPageOf } from "@/lib/schemas/common";
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
  IMPORT_MAX_BODY_BYTES,
  updateDatasetInputSchema,
  updateDatasetItemInputSchema,
} from "@/lib/schemas/datasets";
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

const datasetParams = z.strictObject({ datasetId: datasetRefSchema });
const itemParams = z.strictObject({ datasetId: datasetRefSchema, itemId: datasetItemIdSchema });

export const listDatasetsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/datasets",
  summary: "The workspace's datasets, newest first (`includeArchived`; one page: `limit`, `cursor`)",
  tag: "Evaluations",
  requires: "evals:read",
  query: listDatasetsInputSchema,
  response: restPageOf(datasetSchema),
  handler: async ({ ctx, query }) => {
    const page = await listDatasets(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createDatasetRoute = defineRoute({
  method: "POST",
  path: "/api/v1/datasets",
  summary: "Create a dataset (slug, name, description). Audited",
  tag: "Evaluations",
  requires: "evals:write",
  body: createDatasetInputSchema,
  response: datasetSchema,
  status: 201,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createDataset(ctx, body),
});

export const getDatasetRoute = defineRoute({
  method: "GET",
  path: "/api/v1/datasets/{datasetId}",
  summary: "One dataset (id or slug), with its item count",
  tag: "Evaluations",
  requires: "evals:read",
  params: datasetParams,
  response: datasetSchema,
  handler: ({ ctx, params }) => getDataset(ctx, params.datasetId),
});

export const updateDatasetRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/datasets/{datasetId}",
  summary: "Rename a dataset or change its description. Audited",
  tag: "Evaluations",
  requires: "evals:write",
  params: datasetParams,
  body: updateDatasetInputSchema,
  response: datasetSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateDataset(ctx, params.datasetId, body),
});

export const archiveDatasetRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/datasets/{datasetId}",
  summary: "Archive a dataset: no more edits or evaluations; its items and evaluations stay readable, its slug taken. Audited",
  tag: "Evaluations",
  requires: "evals:write",
  params: datasetParams,
  response: datasetSchema,
  handler: ({ ctx, params }) => archiveDataset(ctx, params.datasetId),
});

export const listDatasetItemsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/datasets/{datasetId}/items",
  summary: "A dataset's items, in order (one page: `limit`, `cursor`)",
  tag: "Evaluations",
  requires: "evals:read",
  params: datasetParams,
  query: paginationSchema,
  response: restPageOf(datasetItemSchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listDatasetItems(ctx, params.datasetId, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const addDatasetItemRoute = defineRoute({
  method: "POST",
  path: "/api/v1/datasets/{datasetId}/items",
  summary: "Add an item: input (1..100000 characters), reference (optional), tags (up to 16). Audited",
  tag: "Evaluations",
  requires: "evals:write",
  params: datasetParams,
  body: createDatasetItemInputSchema,
  response: datasetItemSchema,
  status: 201,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => addDatasetItem(ctx, params.datasetId, body),
});

export const updateDatasetItemRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/datasets/{datasetId}/items/{itemId}",
  summary: "Edit an item (the fields given). Audited",
  tag: "Evaluations",
  requires: "evals:write",
  params: itemParams,
  body: updateDatasetItemInputSchema,
  response: datasetItemSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateDatasetItem(ctx, params.datasetId, params.itemId, body),
});

export const deleteDatasetItemRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/datasets/{datasetId}/items/{itemId}",
  summary: "Delete an item. Audited",
  tag: "Evaluations",
  requires: "evals:write",
  params: itemParams,
  response: deletedSchema,
  errors: ["CONFLICT"],
  handler: async ({ ctx, params }) => {
    await deleteDatasetItem(ctx, params.datasetId, params.itemId);
    return { deleted: true as const };
  },
});

export const importDatasetRoute = defineRoute({
  method: "POST",
  path: "/api/v1/datasets/{datasetId}/import",
  summary:
    "Import items from JSON Lines or CSV (5 MB, 5000 items per dataset at most): all or nothing; a bad line refuses the import with 422 whose issues name each line and field (path `line {n}.{field}`)",
  tag: "Evaluations",
  requires: "evals:write",
  params: datasetParams,
  body: importDatasetInputSchema,
  response: importResultSchema,
  maxBodyBytes: IMPORT_MAX_BODY_BYTES,
  idempotent: true,
  errors: ["CONFLICT", "PAYLOAD_TOO_LARGE"],
  handler: ({ ctx, params, body }) => importDatasetItems(ctx, params.datasetId, body),
});

export const exportDatasetRoute = defineRoute({
  method: "GET",
  path: "/api/v1/datasets/{datasetId}/export",
  summary: "The dataset's items as JSON Lines ({input, reference, tags} per line, the import format)",
  tag: "Evaluations",
  requires: "evals:read",
  params: datasetParams,
  produces: ["application/x-ndjson"],
  operationId: "exportDataset",
  response: z.string().describe("JSON Lines of {input, reference, tags}"),
  handler: async ({ ctx, params }) => {
    const { slug, body } = await exportDatasetJsonl(ctx, params.datasetId);
    return new Response(body, {
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "content-disposition": `attachment; filename="dataset-${slug}.jsonl"` },
    });
  },
});
