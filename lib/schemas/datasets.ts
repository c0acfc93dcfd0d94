import { z } from "zod";
import { displayName, text } from "./text";
import { idSchema, paginationShape } from "./common";
import { AGENT_SLUG_PATTERN } from "./agents";

/**
 * Datasets (server/quality/datasets/): a workspace's test inputs, each with an optional reference output (the judges'
 * reference answer in an evaluation) and tags. Shared by the UI, tRPC and REST.
 */
export const MAX_ITEM_INPUT = 100_000;
export const MAX_ITEM_REFERENCE = 100_000;
export const MAX_ITEM_TAGS = 16;
export const MAX_TAG_LENGTH = 40;
export const MAX_DATASET_ITEMS = 5_000;
/** an import's content, in bytes (UTF-8) */
export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** the request body of an import: the content JSON-escaped (quotes and line breaks double) and the envelope */
export const IMPORT_MAX_BODY_BYTES = MAX_IMPORT_BYTES * 2 + 64 * 1024;

export const datasetIdSchema = idSchema("dst");
export const datasetItemIdSchema = idSchema("dsi");
export const datasetRefSchema = text().trim().min(1, "Name a dataset (id or slug)").max(80).describe("A dataset id (dst_...) or slug");

export const datasetSlugSchema = text()
  .trim()
  .regex(AGENT_SLUG_PATTERN, "A slug is 1-63 lowercase letters, digits and dashes, starting with a letter or digit")
  .describe("The dataset's short name, e.g. support-questions");

const nameSchema = displayName().trim().min(1, "Enter a name").max(120, "A name has at most 120 characters");
const descriptionSchema = text().max(2_000, "A description has at most 2000 characters");

export const createDatasetInputSchema = z.strictObject({
  slug: datasetSlugSchema,
  name: nameSchema,
  description: descriptionSchema.default(""),
});
export type CreateDatasetInput = z.input<typeof createDatasetInputSchema>;

export const updateDatasetInputSchema = z.strictObject({ name: nameSchema.optional(), description: descriptionSchema.optional() });

export const listDatasetsInputSchema = z.strictObject({
  includeArchived: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
    .optional()
    .describe("Also list archived datasets"),
  ...paginationShape,
});

export const tagSchema = text().trim().min(1, "A tag is not empty").max(MAX_TAG_LENGTH, `A tag has at most ${MAX_TAG_LENGTH} characters`);

export const datasetItemFieldsShape = {
  input: text()
    .min(1, "Enter an input")
    .max(MAX_ITEM_INPUT, `An input has at most ${MAX_ITEM_INPUT} characters`)
    .refine((v) => v.trim().length > 0, "Enter an input")
    .describe("The task given to the agent or team"),
  reference: text()
    .max(MAX_ITEM_REFERENCE, `A reference has at most ${MAX_ITEM_REFERENCE} characters`)
    .nullable()
    .describe("An expected output: the judges' reference answer"),
  tags: z.array(tagSchema).max(MAX_ITEM_TAGS, `At most ${MAX_ITEM_TAGS} tags`).describe("Short labels to group items"),
};

export const createDatasetItemInputSchema = z.strictObject({
  input: datasetItemFieldsShape.input,
  reference: datasetItemFieldsShape.reference.default(null),
  tags: datasetItemFieldsShape.tags.default([]),
});
export type CreateDatasetItemInput = z.input<typeof createDatasetItemInputSchema>;

export const updateDatasetItemInputSchema = z.strictObject({
  input: datasetItemFieldsShape.input.optional(),
  reference: datasetItemFieldsShape.reference.optional(),
  tags: datasetItemFieldsShape.tags.optional(),
});

export const IMPORT_FORMATS = ["jsonl", "csv"] as const;
export const importDatasetInputSchema = z.strictObject({
  format: z
    .enum(IMPORT_FORMATS)
    .describe("jsonl: one object per line {input, reference?, tags?}; csv: a header row with input, reference, tags (tags separated by | or ;)"),
  content: text().min(1, "Paste or choose a file").describe(`The file's content (at most ${MAX_IMPORT_BYTES} bytes)`),
});
export type ImportDatasetInput = z.input<typeof importDatasetInputSchema>;

export const datasetSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    itemCount: z.number().int(),
    archivedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Dataset", description: "A workspace's set of test inputs" });
export type DatasetOutput = z.infer<typeof datasetSchema>;

export const datasetItemSchema = z
  .object({
    id: z.string(),
    datasetId: z.string(),
    input: z.string(),
    reference: z.string().nullable(),
    tags: z.array(z.string()),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "DatasetItem", description: "One input of a dataset" });
export type DatasetItemOutput = z.infer<typeof datasetItemSchema>;

export const importResultSchema = z
  .object({ imported: z.number().int(), itemCount: z.number().int() })
  .meta({ id: "DatasetImportResult", description: "How many items an import added, and the dataset's count after it" });

/** One line's problem in a refused import (its line number is 1-based, counting the CSV header). */
export interface ImportLineError {
  line: number;
  field: string;
  message: string;
}
