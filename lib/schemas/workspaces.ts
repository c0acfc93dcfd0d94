import { z } from "zod";
import { displayName, text } from "./text";
import { idSchema, roleSchema, slugSchema } from "./common";
import { scopeSchema } from "./api-keys";

export const workspaceNameSchema = displayName().trim().min(1, "Enter a name").max(80, "At most 80 characters");

export const createWorkspaceInputSchema = z.strictObject({ name: workspaceNameSchema, slug: slugSchema });
export const apiRateLimitSchema = z
  .number()
  .int("A whole number")
  .min(1, "At least 1")
  .max(100_000, "At most 100000")
  .nullable()
  .describe("REST requests per minute per API key; null: the server's default (CADRE_API_RATE_LIMIT)");

export const runStepLimitSchema = z
  .number()
  .int("A whole number")
  .min(1, "At least 1")
  .max(1_000_000, "At most 1000000")
  .nullable()
  .describe(
    "The most steps one run may make (its worst case is checked when a team is saved or started); null: the server's default (CADRE_RUN_STEP_LIMIT). At most CADRE_RUN_STEP_LIMIT_MAX",
  );

export const updateWorkspaceInputSchema = z.strictObject({
  name: workspaceNameSchema.optional(),
  slug: slugSchema.optional(),
  apiRateLimitPerMinute: apiRateLimitSchema.optional(),
  runStepLimit: runStepLimitSchema.optional(),
});
export const deleteWorkspaceInputSchema = z.strictObject({
  confirmSlug: text().max(100).describe("The workspace's slug, typed again to confirm"),
});

export const workspaceSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    createdAt: z.date(),
    apiRateLimitPerMinute: z.number().int().nullable(),
    runStepLimit: z.number().int().nullable().describe("The workspace's own step limit per run; null: the server's default"),
  })
  .meta({ id: "Workspace" });

/** The server's defaults next to a workspace's own settings. */
const serverDefaults = {
  apiRateLimitDefault: z.number().int().describe("The server's default REST rate limit (CADRE_API_RATE_LIMIT)"),
  runStepLimitDefault: z.number().int().describe("The server's default step limit per run (CADRE_RUN_STEP_LIMIT)"),
  runStepLimitMax: z.number().int().describe("The highest step limit a workspace may set (CADRE_RUN_STEP_LIMIT_MAX)"),
};

export const workspaceSettingsSchema = workspaceSchema.extend(serverDefaults).meta({ id: "WorkspaceSettings" });

export const myWorkspaceSchema = workspaceSchema.extend({ role: roleSchema });

/** The workspace the web app is looking at, with the caller's role and what it allows (the UI hides the rest). */
export const currentWorkspaceSchema = workspaceSchema.extend({
  role: roleSchema,
  permissions: z.array(scopeSchema),
  ...serverDefaults,
});
export const leftWorkspaceSchema = z.object({ left: z.literal(true) });

/** A deleted workspace: restorable by an owner until `recoverableUntil`, then purged. */
export const deletedWorkspaceSchema = z
  .object({ deleted: z.literal(true), recoverableUntil: z.date().describe("Until then an owner can restore it from their account page") })
  .meta({ id: "DeletedWorkspace" });
export const restorableWorkspaceSchema = z.object({ id: z.string(), slug: z.string(), name: z.string(), deletedAt: z.date(), recoverableUntil: z.date() });
export const restoreWorkspaceInputSchema = z.strictObject({ workspaceId: idSchema("ws") });
