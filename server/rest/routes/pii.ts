import { defineRoute } from "../define";
import { piiPreviewInputSchema, piiPreviewSchema, piiSettingsSchema, updatePiiPolicyInputSchema } from "@/lib/schemas/pii";
import { getPiiSettings, previewPii, updatePiiPolicy } from "@/server/quality/pii-policy/service";

export const getPiiPolicyRoute = defineRoute({
  method: "GET",
  path: "/api/v1/workspace/pii",
  summary: "The workspace's PII and secret policy: an action per kind of value and the paths it applies on",
  tag: "Workspace",
  requires: "settings:read",
  response: piiSettingsSchema,
  handler: ({ ctx }) => getPiiSettings(ctx),
});

export const updatePiiPolicyRoute = defineRoute({
  method: "PUT",
  path: "/api/v1/workspace/pii",
  summary: "Change the PII and secret policy (the actions and paths given; the others stay). Audited",
  tag: "Workspace",
  requires: "settings:update",
  body: updatePiiPolicyInputSchema,
  response: piiSettingsSchema,
  handler: ({ ctx, body }) => updatePiiPolicy(ctx, body),
});

export const previewPiiRoute = defineRoute({
  method: "POST",
  path: "/api/v1/workspace/pii/preview",
  summary: "Try a policy (default: the workspace's) on a text: the text as it leaves it and what was found. Nothing is stored",
  tag: "Workspace",
  requires: "settings:read",
  idempotent: false,
  body: piiPreviewInputSchema,
  response: piiPreviewSchema,
  handler: ({ ctx, body }) => previewPii(ctx, body),
});
