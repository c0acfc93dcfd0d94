import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema, restPageOf } from "@/lib/schemas/common";
import {
  createTriggerInputSchema,
  listTriggersInputSchema,
  triggerIdSchema,
  triggerSchema,
  triggerWithSecretSchema,
  updateTriggerInputSchema,
} from "@/lib/schemas/triggers";
import { createTrigger, deleteTrigger, getTrigger, listTriggers, rotateTriggerSecret, updateTrigger } from "@/server/triggers/service";

const TAG = "Webhook triggers";
const triggerParams = z.strictObject({ triggerId: triggerIdSchema });

export const listTriggersRoute = defineRoute({
  method: "GET",
  path: "/api/v1/webhook-triggers",
  summary: "The workspace's incoming webhook triggers, newest first (one page: `limit`, `cursor`); never their secrets",
  tag: TAG,
  requires: "triggers:read",
  query: listTriggersInputSchema,
  response: restPageOf(triggerSchema),
  handler: async ({ ctx, query }) => {
    const page = await listTriggers(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createTriggerRoute = defineRoute({
  method: "POST",
  path: "/api/v1/webhook-triggers",
  summary:
    "Create an incoming webhook trigger for an agent or a team: deliveries to POST /api/hooks/{id}, signed per Standard Webhooks with the returned secret (shown once), start runs with the payload mapped by `template`. Needs triggers:manage and runs:create; audited",
  tag: TAG,
  requires: "triggers:manage",
  body: createTriggerInputSchema,
  status: 201,
  response: triggerWithSecretSchema,
  idempotent: true,
  errors: ["CONFLICT", "VALIDATION_FAILED"],
  handler: ({ ctx, body }) => createTrigger(ctx, body),
});

export const getTriggerRoute = defineRoute({
  method: "GET",
  path: "/api/v1/webhook-triggers/{triggerId}",
  summary: "One webhook trigger (its delivery count, last delivery and last run; never its secret)",
  tag: TAG,
  requires: "triggers:read",
  params: triggerParams,
  response: triggerSchema,
  handler: ({ ctx, params }) => getTrigger(ctx, params.triggerId),
});

export const updateTriggerRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/webhook-triggers/{triggerId}",
  summary: "Rename a trigger, change its template, or disable it (deliveries then get 404) and enable it again; audited",
  tag: TAG,
  requires: "triggers:manage",
  params: triggerParams,
  body: updateTriggerInputSchema,
  response: triggerSchema,
  errors: ["VALIDATION_FAILED"],
  handler: ({ ctx, params, body }) => updateTrigger(ctx, params.triggerId, body),
});

export const deleteTriggerRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/webhook-triggers/{triggerId}",
  summary: "Delete a trigger and its secret (its runs stay); audited",
  tag: TAG,
  requires: "triggers:manage",
  params: triggerParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => deleteTrigger(ctx, params.triggerId),
});

export const rotateTriggerSecretRoute = defineRoute({
  method: "POST",
  path: "/api/v1/webhook-triggers/{triggerId}/rotate-secret",
  summary: "A new signing secret, returned once; the old one stops verifying at once. Audited",
  tag: TAG,
  requires: "triggers:manage",
  params: triggerParams,
  status: 200,
  response: triggerWithSecretSchema,
  // a replay would hand out the secret again from the idempotency store: each call rotates
  idempotent: false,
  handler: ({ ctx, params }) => rotateTriggerSecret(ctx, params.triggerId),
});
