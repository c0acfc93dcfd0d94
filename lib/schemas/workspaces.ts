import { z } from "zod";
import { roleSchema, slugSchema } from "./common";

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
