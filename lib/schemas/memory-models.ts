import { z } from "zod";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { memoryScopeIdSchema, memoryScopeTypeSchema } from "./memory";
import { modelPolicySchema } from "./model-policy";

/**
 * Which model embeds a memory scope (issue 14): a workspace's settings (`MemoryModelSetting`, ids `mmod_...`) and the
 * background re-embedding a change starts (`MemoryReembed`, ids `remb_...`). The database checks the same sets
 * (migration 20261213_500_memory_models); docs/architecture.md ("Memory") says how a scope's model is resolved.
 *
 * A setting names its target by `scopeType` and `scopeId`: neither is the workspace's default (every scope without a
 * more specific setting), `scopeType` alone is every scope of that type (for `workspace`, the workspace scope itself),
 * both are one exact scope (e.g. `subject` `customer:42`). The most specific setting wins; without any, the built-in
 * default policy (MEMORY_DEFAULT_EMBEDDING_POLICY) embeds.
 */
export const MEMORY_REEMBED_STATUSES = ["queued", "processing", "done", "failed", "superseded"] as const;
export type MemoryReembedStatus = (typeof MEMORY_REEMBED_STATUSES)[number];
/** rows re-embedded per gateway call; the job's progress is committed after each batch */
export const REEMBED_BATCH_SIZE = 32;

export const memoryReembedStatusSchema = z.enum(MEMORY_REEMBED_STATUSES).meta({ id: "MemoryReembedStatus" });
export const memoryModelSettingIdSchema = idSchema("mmod").describe("A memory model setting id (mmod_...)");
export const memoryReembedIdSchema = idSchema("remb").describe("A re-embedding job id (remb_...)");

/** The target of a setting: the workspace's default, every scope of a type, or one exact scope. */
export const memoryModelTargetShape = {
  scopeType: memoryScopeTypeSchema.nullable().optional().describe("absent or null: the workspace's default for every scope"),
  scopeId: memoryScopeIdSchema.nullable().optional().describe("with scopeType: one exact scope (e.g. customer:42); absent: every scope of the type"),
};
const checkTarget = (v: { scopeType?: string | null; scopeId?: string | null }, ctx: z.RefinementCtx) => {
  if (v.scopeId && !v.scopeType) ctx.addIssue({ code: "custom", path: ["scopeType"], message: "A scope id needs its scope type" });
  if (v.scopeId && v.scopeType === "workspace") ctx.addIssue({ code: "custom", path: ["scopeId"], message: "The workspace scope has no id" });
};

export const setMemoryModelInputSchema = z
  .strictObject({
    ...memoryModelTargetShape,
    policy: modelPolicySchema
      .nullable()
      .describe("the model policy that embeds the target (normally a pinned embedding model of the catalog); null removes the setting"),
  })
  .superRefine(checkTarget);
export type SetMemoryModelInput = z.input<typeof setMemoryModelInputSchema>;

export const listMemoryModelsInputSchema = z.strictObject({ ...paginationShape });

export const listMemoryReembedsInputSchema = z
  .strictObject({ ...memoryModelTargetShape, status: memoryReembedStatusSchema.optional(), ...paginationShape })
  .superRefine(checkTarget);
export const memoryReembedByIdInputSchema = z.strictObject({ reembedId: memoryReembedIdSchema });

export const memoryModelSettingSchema = z
  .object({
    id: z.string(),
    scopeType: memoryScopeTypeSchema.nullable().describe("null: the workspace's default"),
    scopeId: z.string().nullable().describe("null: every scope of the type"),
    policy: modelPolicySchema,
    updatedByType: actorTypeSchema,
    updatedById: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "MemoryModelSetting" });
export type MemoryModelSettingOutput = z.infer<typeof memoryModelSettingSchema>;

export const memoryReembedSchema = z
  .object({
    id: z.string(),
    scopeType: memoryScopeTypeSchema.nullable().describe("the changed setting's target: null, the workspace's default"),
    scopeId: z.string().nullable(),
    policy: modelPolicySchema.describe("the policy the target's rows are re-embedded with"),
    targetModel: z.string().nullable().describe("the label of the model that re-embeds (known after the first batch)"),
    status: memoryReembedStatusSchema.describe("superseded: a later change of the same target replaced this job"),
    progress: z.object({
      rowsDone: z.number().int().describe("memories re-embedded"),
      rowsTotal: z.number().int().describe("memories to re-embed when the change was made (rows added later are embedded by the new model already)"),
    }),
    error: z.string().nullable().describe("why it failed, for people"),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    startedAt: z.date().nullable(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: "MemoryReembed" });
export type MemoryReembedOutput = z.infer<typeof memoryReembedSchema>;

export const setMemoryModelResultSchema = z
  .object({
    setting: memoryModelSettingSchema.nullable().describe("the setting now (null: removed)"),
    reembed: memoryReembedSchema.nullable().describe("the re-embedding the change started (null: nothing changed)"),
  })
  .meta({ id: "SetMemoryModelResult" });
export type SetMemoryModelResult = z.infer<typeof setMemoryModelResultSchema>;
