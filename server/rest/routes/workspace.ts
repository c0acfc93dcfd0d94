import { z } from "zod";
import { defineRoute } from "../define";
import { deleteWorkspace, getWorkspace, updateWorkspace, workspaceServerDefaults } from "@/server/workspaces/workspaces";
import { deleteWorkspaceInputSchema, updateWorkspaceInputSchema, workspaceSettingsSchema } from "@/lib/schemas/workspaces";

export const getWorkspaceRoute = defineRoute({
  method: "GET", path: "/api/v1/workspace", summary: "This key's workspace and its settings", tag: "Workspace",
  requires: "settings:read", response: workspaceSettingsSchema,
  handler: async ({ ctx }) => ({ ...(await getWorkspace(ctx)), ...workspaceServerDefaults() }),
});

export const updateWorkspaceRoute = defineRoute({
  method: "PATCH", path: "/api/v1/workspace", summary: "Rename the workspace, change its slug, its API rate limit or its step limit per run (audited)", tag: "Workspace",
  requires: "settings:update", body: updateWorkspaceInputSchema, response: workspaceSettingsSchema,
  handler: async ({ ctx, body }) => ({ ...(await updateWorkspace(ctx, body)), ...workspaceServerDefaults() }),
});

export const deleteWorkspaceRoute = defineRoute({
  method: "DELETE", path: "/api/v1/workspace",
  summary: "Delete the workspace and everything in it (owners; type its slug to confirm). Audited; its audit log is kept for the retention period",
  tag: "Workspace", requires: "settings:delete", body: deleteWorkspaceInputSchema, response: z.object({ deleted: z.literal(true) }),
  handler: ({ ctx, body }) => deleteWorkspace(ctx, body.confirmSlug),
});
