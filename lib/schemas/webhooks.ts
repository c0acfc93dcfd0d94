import { z } from "zod";
import { actorTypeSchema, idSchema, paginationShape } from "./common";
import { text } from "./text";

/**
 * Outgoing webhooks (issue 15): a workspace's subscriptions to its events, each delivered as a signed POST (Standard
 * Webhooks: webhook-id, webhook-timestamp, webhook-signature). The event types are a closed set, extended by adding to
 * WEBHOOK_EVENT_TYPES and to the CHECKs in a migration (evaluation.finished: 20261220_200_webhook_evaluation_finished).
 * `webhook.test` is sent only by "send test event", never subscribed to.
 */
export const WEBHOOK_EVENT_TYPES = ["run.succeeded", "run.failed", "run.cancelled", "approval.requested", "evaluation.finished", "budget.alert"] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
/** every type a delivery can carry: the subscribable ones and the test event */
export const WEBHOOK_DELIVERY_EVENT_TYPES = [...WEBHOOK_EVENT_TYPES, "webhook.test"] as const;
export const WEBHOOK_DELIVERY_STATUSES = ["queued", "processing", "delivered", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  "run.succeeded": "A run succeeded",
  "run.failed": "A run failed",
  "run.cancelled": "A run was cancelled",
  "approval.requested": "A tool call waits for approval",
  "evaluation.finished": "An evaluation finished (succeeded, failed or was cancelled)",
  "budget.alert": "The month's spend crossed the alert threshold or the limit",
};

/** how long the previous secret still signs after a rotation */
export const WEBHOOK_ROTATION_GRACE_MS = 24 * 60 * 60 * 1000;
/** how long a delivery is retried automatically */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;
/** a receiver that has not answered in this time is a failed attempt */
export const WEBHOOK_TIMEOUT_MS = 10_000;
/** of the receiver's answer, the delivery log keeps this many bytes */
export const WEBHOOK_RESPONSE_BODY_BYTES = 1024;
export const WEBHOOK_URL_MAX = 2_000;
export const WEBHOOK_DESCRIPTION_MAX = 500;
/** subscriptions per workspace */
export const WEBHOOK_SUBSCRIPTIONS_MAX = 50;

export const webhookIdSchema = idSchema("whk").describe("A webhook subscription id (whk_...)");
export const webhookDeliveryIdSchema = idSchema("whd").describe("A webhook delivery id (whd_...): also its webhook-id header");

export const webhookUrlSchema = text()
  .trim()
  .min(1, "Enter the URL to send the events to")
  .max(WEBHOOK_URL_MAX, `A URL has at most ${WEBHOOK_URL_MAX} characters`)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "Enter an http(s) URL without credentials, e.g. https://example.com/hooks/cadre")
  .describe("Where the events are POSTed (checked by the egress guard: no private addresses unless the operator allows them)");

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES).meta({ id: "WebhookEventType" });
const eventTypesSchema = z
  .array(webhookEventTypeSchema)
  .min(1, "Pick at least one event")
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, "Name each event once")
  .describe("The events it receives");

export const createWebhookInputSchema = z.strictObject({
  url: webhookUrlSchema,
  description: text().trim().max(WEBHOOK_DESCRIPTION_MAX).default(""),
  eventTypes: eventTypesSchema,
  enabled: z.boolean().default(true),
});
export type CreateWebhookInput = z.input<typeof createWebhookInputSchema>;

export const updateWebhookInputSchema = z.strictObject({
  url: webhookUrlSchema.optional(),
  description: text().trim().max(WEBHOOK_DESCRIPTION_MAX).optional(),
  eventTypes: eventTypesSchema.optional(),
  enabled: z.boolean().optional().describe("false stops deliveries (those waiting fail); true resumes them for new events"),
});
export type UpdateWebhookInput = z.input<typeof updateWebhookInputSchema>;

export const webhookByIdInputSchema = z.strictObject({ webhookId: webhookIdSchema });
export const updateWebhookWithIdInputSchema = updateWebhookInputSchema.extend({ webhookId: webhookIdSchema });
export const listWebhooksInputSchema = z.strictObject(paginationShape);
export const listWebhookDeliveriesInputSchema = z.strictObject({
  webhookId: webhookIdSchema,
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  ...paginationShape,
});
export const webhookDeliveryByIdInputSchema = z.strictObject({ deliveryId: webhookDeliveryIdSchema });

export const webhookSchema = z
  .object({
    id: z.string(),
    url: z.string(),
    description: z.string(),
    eventTypes: z.array(webhookEventTypeSchema),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().describe("Why Cadre disabled it (the receiver answered 410 Gone); null otherwise"),
    previousSecretExpiresAt: z.date().nullable().describe("Until then the previous secret signs too (a rotation's grace period)"),
    createdByType: actorTypeSchema,
    createdById: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: "Webhook" });
export type WebhookOutput = z.infer<typeof webhookSchema>;

export const webhookWithSecretSchema = webhookSchema
  .extend({
    secret: z.string().describe("The signing secret (whsec_...): shown once, here; store it to verify the signatures"),
  })
  .meta({ id: "WebhookWithSecret" });
export type WebhookWithSecretOutput = z.infer<typeof webhookWithSecretSchema>;

export const webhookAttemptSchema = z
  .object({
    id: z.string(),
    number: z.number().int(),
    manual: z.boolean().describe("A person's redelivery (not an automatic retry)"),
    url: z.string(),
    requestHeaders: z.record(z.string(), z.string()).describe("The request's headers (signatures, never the secret)"),
    responseStatus: z.number().int().nullable(),
    responseBody: z.string().nullable().describe(`The first ${WEBHOOK_RESPONSE_BODY_BYTES} bytes of the answer`),
    error: z.string().nullable(),
    durationMs: z.number().int(),
    createdAt: z.date(),
  })
  .meta({ id: "WebhookAttempt" });

export const webhookDeliverySchema = z
  .object({
    id: z.string().describe("Also the webhook-id header of every attempt"),
    webhookId: z.string(),
    eventType: z.enum(WEBHOOK_DELIVERY_EVENT_TYPES),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.date().nullable().describe("When the next automatic attempt is due (queued deliveries)"),
    createdAt: z.date(),
    finishedAt: z.date().nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDeliveryOutput = z.infer<typeof webhookDeliverySchema>;

export const webhookDeliveryDetailSchema = webhookDeliverySchema
  .extend({
    body: z.string().describe("The exact JSON body sent: {type, timestamp, data}"),
    attemptLog: z.array(webhookAttemptSchema).describe("Every attempt, oldest first"),
  })
  .meta({ id: "WebhookDeliveryDetail" });
export type WebhookDeliveryDetailOutput = z.infer<typeof webhookDeliveryDetailSchema>;
