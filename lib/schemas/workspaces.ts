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

export const updateWorkspaceInputSchema = z.strictObject({
  name: workspaceNameSchema.optional(),
  slug: slugSchema.optional(),
  apiRateLimitPerMinute: apiRateLimitSchema.optional(),
});
export const deleteWorkspaceInputSchema = z.strictObject({
  confirmSlug: text().max(100).describe("The workspace's slug, typed again to confirm"),
});

export const workspaceSchema = z
  .object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.date(), apiRateLimitPerMinute: z.number().int().nullable() })
  .meta({ id: "Workspace" });

export const workspaceSettingsSchema = workspaceSchema
  .extend({ apiRateLimitDefault: z.number().int().describe("The server's default limit (CADRE_API_RATE_LIMIT)") })
  .meta({ id: "WorkspaceSettings" });

export const myWorkspaceSchema = workspaceSchema.extend({ role: roleSchema });

/** The workspace the web app is looking at, with the caller's role and what it allows (the UI hides the rest). */
export const currentWorkspaceSchema = workspaceSchema.extend({
  role: roleSchema,
  permissions: z.array(scopeSchema),
  apiRateLimitDefault: z.number().int().describe("The server's default REST rate limit (CADRE_API_RATE_LIMIT)"),
});
export const leftWorkspaceSchema = z.object({ left: z.literal(true) });

/** A deleted workspace: restorable by an owner until `recoverableUntil`, then purged. */
export const deletedWorkspaceSchema = z
  .object({ deleted: z.literal(true), recoverableUntil: z.date().describe("Until then an owner can restore it from their account page") })
  .meta({ id: "DeletedWorkspace" });
export const restorableWorkspaceSchema = z.object({ id: z.string(), slug: z.string(), name: z.string(), deletedAt: z.date(), recoverableUntil: z.date() });
export const restoreWorkspaceInputSchema = z.strictObject({ workspaceId: idSchema("ws") });
