import { deletedSchema, pageOf } from "@/lib/schemas/common";
import {
  createWebhookInputSchema,
  listWebhookDeliveriesInputSchema,
  listWebhooksInputSchema,
  updateWebhookWithIdInputSchema,
  webhookByIdInputSchema,
  webhookDeliveryByIdInputSchema,
  webhookDeliveryDetailSchema,
  webhookDeliverySchema,
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
import { router, workspaceProcedure } from "../trpc";

/** Outgoing webhooks (issue 15): subscriptions, their secrets (shown once), the delivery log, redelivery, a test event. */
export const webhooksRouter = router({
  list: workspaceProcedure("webhooks:read")
    .input(listWebhooksInputSchema)
    .output(pageOf(webhookSchema))
    .query(({ ctx, input }) => listWebhooks(ctx.tenant, input)),
  get: workspaceProcedure("webhooks:read")
    .input(webhookByIdInputSchema)
    .output(webhookSchema)
    .query(({ ctx, input }) => getWebhook(ctx.tenant, input.webhookId)),
  /** answers the signing secret, once */
  create: workspaceProcedure("webhooks:manage")
    .input(createWebhookInputSchema)
    .output(webhookWithSecretSchema)
    .mutation(({ ctx, input }) => createWebhook(ctx.tenant, input)),
  update: workspaceProcedure("webhooks:manage")
    .input(updateWebhookWithIdInputSchema)
    .output(webhookSchema)
    .mutation(({ ctx, input: { webhookId, ...patch } }) => updateWebhook(ctx.tenant, webhookId, patch)),
  delete: workspaceProcedure("webhooks:manage")
    .input(webhookByIdInputSchema)
    .output(deletedSchema)
    .mutation(({ ctx, input }) => deleteWebhook(ctx.tenant, input.webhookId)),
  /** answers the new signing secret, once; the previous one keeps signing for 24 h */
  rotateSecret: workspaceProcedure("webhooks:manage")
    .input(webhookByIdInputSchema)
    .output(webhookWithSecretSchema)
    .mutation(({ ctx, input }) => rotateWebhookSecret(ctx.tenant, input.webhookId)),
  test: workspaceProcedure("webhooks:manage")
    .input(webhookByIdInputSchema)
    .output(webhookDeliverySchema)
    .mutation(({ ctx, input }) => sendTestEvent(ctx.tenant, input.webhookId)),
  deliveries: workspaceProcedure("webhooks:read")
    .input(listWebhookDeliveriesInputSchema)
    .output(pageOf(webhookDeliverySchema))
    .query(({ ctx, input }) => listWebhookDeliveries(ctx.tenant, input)),
  delivery: workspaceProcedure("webhooks:read")
    .input(webhookDeliveryByIdInputSchema)
    .output(webhookDeliveryDetailSchema)
    .query(({ ctx, input }) => getWebhookDelivery(ctx.tenant, input.deliveryId)),
  redeliver: workspaceProcedure("webhooks:manage")
    .input(webhookDeliveryByIdInputSchema)
    .output(webhookDeliverySchema)
    .mutation(({ ctx, input }) => redeliver(ctx.tenant, input.deliveryId)),
});
