import { z } from "zod";
import { roleSchema, slugSchema } from "./common";
import { scopeSchema } from "./api-keys";

export const workspaceNameSchema = z.string().trim().min(1, "Enter a name").max(80, "At most 80 characters");

export const createWorkspaceInputSchema = z.object({ name: workspaceNameSchema, slug: slugSchema });
export const updateWorkspaceInputSchema = z.object({ name: workspaceNameSchema.optional(), slug: slugSchema.optional() });
export const deleteWorkspaceInputSchema = z.object({
  confirmSlug: z.string().describe("The workspace's slug, typed again to confirm"),
});

export const workspaceSchema = z
  .object({ id: z.string(), slug: z.string(), name: z.string(), createdAt: z.date() })
  .meta({ id: "Workspace" });

export const myWorkspaceSchema = workspaceSchema.extend({ role: roleSchema });

/** The workspace the web app is looking at, with the caller's role and what it allows (the UI hides the rest). */
export const currentWorkspaceSchema = workspaceSchema.extend({ role: roleSchema, permissions: z.array(scopeSchema) });
export const leftWorkspaceSchema = z.object({ left: z.literal(true) });
