import { defineRoute } from "../define";
import { deleteWorkspace, getWorkspace, updateWorkspace, workspaceServerDefaults } from "@/server/workspaces/workspaces";
import { deletedWorkspaceSchema, deleteWorkspaceInputSchema, updateWorkspaceInputSchema, workspaceSettingsSchema } from "@/lib/schemas/workspaces";
import { retentionSettingsSchema, updateRetentionInputSchema } from "@/lib/schemas/retention";
import { getRetention, updateRetention } from "@/server/workspaces/retention-policy";

export const getWorkspaceRoute = defineRoute({
  method: "GET",
  path: "/api/v1/workspace",
  summary: "This key's workspace and its settings",
  tag: "Workspace",
  requires: "settings:read",
  response: workspaceSettingsSchema,
  handler: async ({ ctx }) => ({ ...(await getWorkspace(ctx)), ...workspaceServerDefaults() }),
});

export const updateWorkspaceRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/workspace",
  summary: "Rename the workspace, change its slug, its API rate limit or its step limit per run (audited)",
  tag: "Workspace",
  requires: "settings:update",
  body: updateWorkspaceInputSchema,
  response: workspaceSettingsSchema,
  errors: ["BAD_REQUEST", "CONFLICT"],
  handler: async ({ ctx, body }) => ({ ...(await updateWorkspace(ctx, body)), ...workspaceServerDefaults() }),
});

export const deleteWorkspaceRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/workspace",
  summary:
    "Delete the workspace (owners; type its slug to confirm): a soft delete that an owner can undo from their account page until `recoverableUntil` (CADRE_WORKSPACE_RECOVERY_DAYS), then everything in it is purged. Its API keys stop working at once. Audited",
  tag: "Workspace",
  requires: "settings:delete",
  body: deleteWorkspaceInputSchema,
  response: deletedWorkspaceSchema,
  errors: ["BAD_REQUEST"],
  handler: ({ ctx, body }) => deleteWorkspace(ctx, body.confirmSlug),
});

export const getRetentionRoute = defineRoute({
  method: "GET",
  path: "/api/v1/workspace/retention",
  summary: "The workspace's retention policy, the server's defaults and what applies",
  tag: "Workspace",
  requires: "settings:read",
  response: retentionSettingsSchema,
  handler: ({ ctx }) => getRetention(ctx),
});

export const updateRetentionRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/workspace/retention",
  summary: "Change the retention policy (days per kind of data; 0 keeps forever, null restores the default). Audited",
  tag: "Workspace",
  requires: "settings:update",
  body: updateRetentionInputSchema,
  response: retentionSettingsSchema,
  handler: ({ ctx, body }) => updateRetention(ctx, body),
});
