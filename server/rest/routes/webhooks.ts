import { z } from "zod";
import { deletedSchema, paginationShape, restPageOf } from "@/lib/schemas/common";
import {
  createWebhookInputSchema,
  updateWebhookInputSchema,
  WEBHOOK_DELIVERY_STATUSES,
  webhookDeliveryDetailSchema,
  webhookDeliveryIdSchema,
  webhookDeliverySchema,
  webhookIdSchema,
  webhookSchema,
  webhookWithSecretSchema,
} from "@/lib/schemas/webhooks";
import { redeliver, sendTestEvent } from "@/server/jobs/webhook-deliveries";
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  getWebhookDelivery,
  listWebhookDeliveries,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from "@/server/webhooks/service";
import { defineRoute } from "../define";

const webhookParams = z.strictObject({ webhookId: webhookIdSchema });
const deliveryParams = z.strictObject({ deliveryId: webhookDeliveryIdSchema });
const TAG = "Webhooks";

export const listWebhooksRoute = defineRoute({
  method: "GET",
  path: "/api/v1/webhooks",
  summary: "The workspace's outgoing webhooks, newest first (one page: `limit`, `cursor`)",
  tag: TAG,
  requires: "webhooks:read",
  query: z.strictObject(paginationShape),
  response: restPageOf(webhookSchema),
  handler: async ({ ctx, query }) => {
    const page = await listWebhooks(ctx, query);
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const createWebhookRoute = defineRoute({
  method: "POST",
  path: "/api/v1/webhooks",
  summary:
    "Subscribe a URL to events (run.succeeded, run.failed, run.cancelled, approval.requested, evaluation.finished, budget.alert). The answer carries the signing secret (whsec_...), shown once. The URL is checked by the egress guard (a private address is refused unless the operator allows it); audited",
  tag: TAG,
  requires: "webhooks:manage",
  body: createWebhookInputSchema,
  status: 201,
  response: webhookWithSecretSchema,
  idempotent: true,
  errors: ["EGRESS_REFUSED", "CONFLICT"],
  handler: ({ ctx, body }) => createWebhook(ctx, body),
});

export const getWebhookRoute = defineRoute({
  method: "GET",
  path: "/api/v1/webhooks/{webhookId}",
  summary: "One webhook (never its secret)",
  tag: TAG,
  requires: "webhooks:read",
  params: webhookParams,
  response: webhookSchema,
  handler: ({ ctx, params }) => getWebhook(ctx, params.webhookId),
});

export const updateWebhookRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/webhooks/{webhookId}",
  summary: "Change a webhook's URL, description, events, or enable / disable it (enabling clears a 410 Gone disable); audited",
  tag: TAG,
  requires: "webhooks:manage",
  params: webhookParams,
  body: updateWebhookInputSchema,
  response: webhookSchema,
  errors: ["EGRESS_REFUSED"],
  handler: ({ ctx, params, body }) => updateWebhook(ctx, params.webhookId, body),
});

export const deleteWebhookRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/webhooks/{webhookId}",
  summary: "Delete a webhook, its secrets and its delivery log; audited",
  tag: TAG,
  requires: "webhooks:manage",
  params: webhookParams,
  response: deletedSchema,
  handler: ({ ctx, params }) => deleteWebhook(ctx, params.webhookId),
});

export const rotateWebhookSecretRoute = defineRoute({
  method: "POST",
  path: "/api/v1/webhooks/{webhookId}/rotate-secret",
  summary:
    "A new signing secret, shown once in the answer. For 24 hours the previous secret signs too (two signatures in webhook-signature, space-separated); audited",
  tag: TAG,
  requires: "webhooks:manage",
  params: webhookParams,
  status: 200,
  response: webhookWithSecretSchema,
  // each call makes a new secret: a repeat is a second rotation
  idempotent: false,
  handler: ({ ctx, params }) => rotateWebhookSecret(ctx, params.webhookId),
});

export const testWebhookRoute = defineRoute({
  method: "POST",
  path: "/api/v1/webhooks/{webhookId}/test",
  summary: "Send a webhook.test event now (one attempt; follow it in the delivery log); 409 when the webhook is disabled; audited",
  tag: TAG,
  requires: "webhooks:manage",
  params: webhookParams,
  status: 202,
  response: webhookDeliverySchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => sendTestEvent(ctx, params.webhookId),
});

export const listWebhookDeliveriesRoute = defineRoute({
  method: "GET",
  path: "/api/v1/webhooks/{webhookId}/deliveries",
  summary: "The webhook's deliveries, newest first, optionally of one status (one page: `limit`, `cursor`)",
  tag: TAG,
  requires: "webhooks:read",
  params: webhookParams,
  query: z.strictObject({ status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(), ...paginationShape }),
  response: restPageOf(webhookDeliverySchema),
  handler: async ({ ctx, params, query }) => {
    const page = await listWebhookDeliveries(ctx, { webhookId: params.webhookId, ...query });
    return { data: page.items, nextCursor: page.nextCursor };
  },
});

export const getWebhookDeliveryRoute = defineRoute({
  method: "GET",
  path: "/api/v1/webhook-deliveries/{deliveryId}",
  summary: "One delivery: the body sent and every attempt (request headers without secrets, the answer's status and first KB, the error, time and duration)",
  tag: TAG,
  requires: "webhooks:read",
  params: deliveryParams,
  response: webhookDeliveryDetailSchema,
  handler: ({ ctx, params }) => getWebhookDelivery(ctx, params.deliveryId),
});

export const redeliverWebhookRoute = defineRoute({
  method: "POST",
  path: "/api/v1/webhook-deliveries/{deliveryId}/redeliver",
  summary: "A new attempt of the same event now (same body, same webhook-id); 409 while an attempt is under way or the webhook is disabled; audited",
  tag: TAG,
  requires: "webhooks:manage",
  params: deliveryParams,
  status: 202,
  response: webhookDeliverySchema,
  idempotent: false,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => redeliver(ctx, params.deliveryId),
});
