/**
 * Outgoing webhooks (issue 15): a workspace's subscriptions (URL, description, event types, enabled), their signing
 * secrets (system secrets of the vault, kind "webhook": shown once at creation and at rotation, never again), the
 * delivery log (each delivery's attempts: request headers without secrets, the answer's status and first KB, the
 * error, time and duration), a manual redelivery (a new attempt of the same event, same webhook-id) and a test event.
 *
 * Deliveries of the real events are written by database triggers in the transaction of their cause
 * (20261214_100_webhooks_out); this file writes only the test event's. Sending is the delivery worker's
 * (./deliver.ts, server/jobs/webhook-deliveries.ts). Reading needs webhooks:read, everything else webhooks:manage;
 * create, update, delete, rotation, test and redelivery are audited (never with a secret).
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { Permission } from "@/lib/permissions";
import type { Page } from "@/lib/schemas/common";
import {
  createWebhookInputSchema,
  listWebhookDeliveriesInputSchema,
  listWebhooksInputSchema,
  updateWebhookInputSchema,
  WEBHOOK_ROTATION_GRACE_MS,
  WEBHOOK_SUBSCRIPTIONS_MAX,
  type CreateWebhookInput,
  type UpdateWebhookInput,
  type WebhookDeliveryDetailOutput,
  type WebhookDeliveryOutput,
  type WebhookOutput,
  type WebhookWithSecretOutput,
} from "@/lib/schemas/webhooks";
import { recordAudit } from "@/server/audit/service";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Prisma } from "@/server/db/generated/client";
import { egress } from "@/server/egress";
import { workspaceEgressLists } from "@/server/tools/mcp-oauth";
import { deleteSystemSecret, writeSystemSecret } from "@/server/vault/service";
import { generateWebhookSecret } from "./sign";
import { inWorkspace } from "@/server/db/in-workspace";

type SubscriptionRow = Prisma.WebhookSubscriptionGetPayload<object>;
type DeliveryRow = Prisma.WebhookDeliveryGetPayload<object>;
type AttemptRow = Prisma.WebhookAttemptGetPayload<object>;

function need(ctx: TenantContext, permission: Extract<Permission, `webhooks:${string}`>): void {
  if (!ctx.permissions.has(permission)) throw new AppError("FORBIDDEN", `Your role does not allow ${permission}`);
}

const createdBy = (ctx: TenantContext) => ({ createdByType: ctx.actor.type, createdById: ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId });

function toWebhook(row: SubscriptionRow): WebhookOutput {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes as WebhookOutput["eventTypes"],
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    previousSecretExpiresAt:
      row.previousSecretId && row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date() ? row.previousSecretExpiresAt : null,
    createdByType: row.createdByType as WebhookOutput["createdByType"],
    createdById: row.createdById,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toDelivery(row: DeliveryRow): WebhookDeliveryOutput {
  return {
    id: row.id,
    webhookId: row.subscriptionId,
    eventType: row.eventType as WebhookDeliveryOutput["eventType"],
    status: row.status as WebhookDeliveryOutput["status"],
    attempts: row.attempts,
    lastStatus: row.lastStatus,
    lastError: row.lastError,
    nextAttemptAt: row.status === "queued" ? (row.retryAt ?? row.createdAt) : null,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

function toAttempt(row: AttemptRow): WebhookDeliveryDetailOutput["attemptLog"][number] {
  return {
    id: row.id,
    number: row.number,
    manual: row.manual,
    url: row.url,
    requestHeaders: row.requestHeaders as Record<string, string>,
    responseStatus: row.responseStatus,
    responseBody: row.responseBody,
    error: row.error,
    durationMs: row.durationMs,
    createdAt: row.createdAt,
  };
}

async function findSubscription(ctx: TenantContext, id: string): Promise<SubscriptionRow> {
  const row = await db(ctx).webhookSubscription.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Webhook "${id}" not found`);
  return row;
}

async function findDelivery(ctx: TenantContext, id: string): Promise<DeliveryRow> {
  const row = await db(ctx).webhookDelivery.findFirst({ where: { id, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", `Webhook delivery "${id}" not found`);
  return row;
}

/** The egress guard's verdict on the URL now (scheme, literal private addresses, the workspace's lists; no DNS). */
async function checkUrl(ctx: TenantContext, url: string): Promise<void> {
  egress().checkUrl(url, { workspace: await workspaceEgressLists(ctx) });
}

const secretName = (webhookId: string) => `webhook:${webhookId}:${newId("sec", 8)}`;

export async function listWebhooks(ctx: TenantContext, input: z.input<typeof listWebhooksInputSchema> = {}): Promise<Page<WebhookOutput>> {
  need(ctx, "webhooks:read");
  const { limit, cursor } = listWebhooksInputSchema.parse(input);
  const rows = await db(ctx).webhookSubscription.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toWebhook), nextCursor: page.nextCursor };
}

export async function getWebhook(ctx: TenantContext, id: string): Promise<WebhookOutput> {
  need(ctx, "webhooks:read");
  return toWebhook(await findSubscription(ctx, id));
}

export async function createWebhook(ctx: TenantContext, input: CreateWebhookInput): Promise<WebhookWithSecretOutput> {
  need(ctx, "webhooks:manage");
  const data = createWebhookInputSchema.parse(input);
  await checkUrl(ctx, data.url);
  if ((await db(ctx).webhookSubscription.count({ where: { workspaceId: ctx.workspaceId } })) >= WEBHOOK_SUBSCRIPTIONS_MAX)
    throw new AppError("CONFLICT", `A workspace has at most ${WEBHOOK_SUBSCRIPTIONS_MAX} webhooks: delete one first`);
  const id = newId("whk");
  const secret = generateWebhookSecret();
  const row = await db(ctx).$transaction(async (tx) => {
    const secretId = await writeSystemSecret(ctx, "webhook", { secretId: null, name: secretName(id) }, secret, tx);
    const created = await tx.webhookSubscription.create({
      data: {
        id,
        workspaceId: ctx.workspaceId,
        url: data.url,
        description: data.description,
        eventTypes: data.eventTypes,
        enabled: data.enabled,
        secretId,
        ...createdBy(ctx),
      },
    });
    await recordAudit(
      ctx,
      { action: "webhook.create", targetType: "webhook", targetId: id, metadata: { url: data.url, eventTypes: data.eventTypes, enabled: data.enabled } },
      tx,
    );
    return created;
  });
  return { ...toWebhook(row), secret };
}

export async function updateWebhook(ctx: TenantContext, id: string, patch: UpdateWebhookInput): Promise<WebhookOutput> {
  need(ctx, "webhooks:manage");
  const data = updateWebhookInputSchema.parse(patch);
  const before = await findSubscription(ctx, id);
  if (data.url !== undefined) await checkUrl(ctx, data.url);
  const row = await db(ctx).$transaction(async (tx) => {
    const updated = await tx.webhookSubscription.update({
      where: inWorkspace(ctx, before.id),
      data: {
        ...(data.url !== undefined ? { url: data.url } : {}),
        ...(data.description !== undefined ? { description: data.description } : {}),
        ...(data.eventTypes !== undefined ? { eventTypes: data.eventTypes } : {}),
        // enabling again (after a 410, or a person's disable) clears the reason
        ...(data.enabled !== undefined ? { enabled: data.enabled, disabledReason: null } : {}),
        updatedAt: new Date(),
      },
    });
    // disabling ends the deliveries waiting for a retry now (one under way ends when its attempt does)
    if (data.enabled === false)
      await tx.webhookDelivery.updateMany({
        where: { workspaceId: ctx.workspaceId, subscriptionId: before.id, status: "queued", leaseOwner: null },
        data: { status: "failed", lastError: "The webhook is disabled", retryAt: null, finishedAt: new Date(), updatedAt: new Date() },
      });
    const pick = (r: SubscriptionRow) => ({ url: r.url, description: r.description, eventTypes: r.eventTypes, enabled: r.enabled });
    await recordAudit(ctx, { action: "webhook.update", targetType: "webhook", targetId: id, metadata: { from: pick(before), to: pick(updated) } }, tx);
    return updated;
  });
  return toWebhook(row);
}

/** Deletes the subscription, its deliveries and its secrets. */
export async function deleteWebhook(ctx: TenantContext, id: string): Promise<{ deleted: true }> {
  need(ctx, "webhooks:manage");
  const row = await findSubscription(ctx, id);
  await db(ctx).$transaction(async (tx) => {
    await tx.webhookSubscription.delete({ where: inWorkspace(ctx, row.id) });
    for (const secretId of [row.secretId, row.previousSecretId]) if (secretId) await deleteSystemSecret(ctx, "webhook", secretId, tx);
    await recordAudit(ctx, { action: "webhook.delete", targetType: "webhook", targetId: id, metadata: { url: row.url } }, tx);
  });
  return { deleted: true };
}

/**
 * A new signing secret: returned once, here. The current one becomes the previous one and keeps signing (a second
 * signature in webhook-signature) for WEBHOOK_ROTATION_GRACE_MS, so receivers can switch without a gap; a previous
 * secret of an earlier rotation is deleted.
 */
export async function rotateWebhookSecret(ctx: TenantContext, id: string): Promise<WebhookWithSecretOutput> {
  need(ctx, "webhooks:manage");
  const before = await findSubscription(ctx, id);
  const secret = generateWebhookSecret();
  const previousSecretExpiresAt = new Date(Date.now() + WEBHOOK_ROTATION_GRACE_MS);
  const row = await db(ctx).$transaction(async (tx) => {
    if (before.previousSecretId) await deleteSystemSecret(ctx, "webhook", before.previousSecretId, tx);
    const secretId = await writeSystemSecret(ctx, "webhook", { secretId: null, name: secretName(id) }, secret, tx);
    const updated = await tx.webhookSubscription.update({
      where: inWorkspace(ctx, before.id),
      data: { secretId, previousSecretId: before.secretId, previousSecretExpiresAt, updatedAt: new Date() },
    });
    await recordAudit(
      ctx,
      { action: "webhook.rotate_secret", targetType: "webhook", targetId: id, metadata: { previousSecretExpiresAt: previousSecretExpiresAt.toISOString() } },
      tx,
    );
    return updated;
  });
  return { ...toWebhook(row), secret };
}

/** Queues a `webhook.test` event for the subscription (whatever events it receives). 409 when it is disabled. */
export async function createTestDelivery(ctx: TenantContext, id: string): Promise<WebhookDeliveryOutput> {
  need(ctx, "webhooks:manage");
  const sub = await findSubscription(ctx, id);
  if (!sub.enabled) throw new AppError("CONFLICT", "The webhook is disabled: enable it to send a test event");
  const deliveryId = newId("whd");
  const now = new Date();
  const body = JSON.stringify({
    type: "webhook.test",
    timestamp: now.toISOString(),
    data: { webhookId: sub.id, workspace: ctx.workspaceSlug, message: "A test event sent from Cadre" },
  });
  const row = await db(ctx).$transaction(async (tx) => {
    const created = await tx.webhookDelivery.create({
      data: {
        id: deliveryId,
        workspaceId: ctx.workspaceId,
        subscriptionId: sub.id,
        eventType: "webhook.test",
        eventKey: `webhook.test:${deliveryId}`,
        body,
        // one attempt: a test is sent again by hand
        deadlineAt: now,
        redeliverRequested: true,
        ...createdBy(ctx),
        createdAt: now,
        updatedAt: now,
      },
    });
    await recordAudit(ctx, { action: "webhook.test", targetType: "webhook", targetId: sub.id, metadata: { deliveryId } }, tx);
    return created;
  });
  return toDelivery(row);
}

/** The subscription's deliveries, newest first, optionally of one status. */
export async function listWebhookDeliveries(ctx: TenantContext, input: z.input<typeof listWebhookDeliveriesInputSchema>): Promise<Page<WebhookDeliveryOutput>> {
  need(ctx, "webhooks:read");
  const { webhookId, status, limit, cursor } = listWebhookDeliveriesInputSchema.parse(input);
  await findSubscription(ctx, webhookId);
  const rows = await db(ctx).webhookDelivery.findMany({
    where: { AND: [{ workspaceId: ctx.workspaceId, subscriptionId: webhookId, ...(status ? { status } : {}) }, keysetWhere(cursor)] },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toDelivery), nextCursor: page.nextCursor };
}

/** One delivery with its body and every attempt. */
export async function getWebhookDelivery(ctx: TenantContext, id: string): Promise<WebhookDeliveryDetailOutput> {
  need(ctx, "webhooks:read");
  const row = await findDelivery(ctx, id);
  const attempts = await db(ctx).webhookAttempt.findMany({
    where: { workspaceId: ctx.workspaceId, deliveryId: id },
    orderBy: [{ number: "asc" }, { createdAt: "asc" }],
  });
  return { ...toDelivery(row), body: row.body, attemptLog: attempts.map(toAttempt) };
}

/**
 * Asks for a new attempt of the same event (same body, same webhook-id) now, whatever its state; a delivery still
 * in its automatic retry window keeps it, an older one gets this attempt only. 409 while an attempt is under way or
 * the webhook is disabled.
 */
export async function requestRedelivery(ctx: TenantContext, id: string): Promise<WebhookDeliveryOutput> {
  need(ctx, "webhooks:manage");
  const row = await findDelivery(ctx, id);
  const sub = await findSubscription(ctx, row.subscriptionId);
  if (!sub.enabled) throw new AppError("CONFLICT", "The webhook is disabled: enable it to redeliver");
  const now = new Date();
  const updated = await db(ctx).$transaction(async (tx) => {
    const { count } = await tx.webhookDelivery.updateMany({
      where: { id, workspaceId: ctx.workspaceId, OR: [{ leaseOwner: null }, { leaseExpiresAt: { lt: now } }] },
      data: {
        status: "queued",
        retryAt: null,
        finishedAt: null,
        redeliverRequested: true,
        deadlineAt: row.deadlineAt > now ? row.deadlineAt : now,
        updatedAt: now,
      },
    });
    if (count === 0) throw new AppError("CONFLICT", "An attempt of this delivery is under way: wait for it to finish");
    await recordAudit(
      ctx,
      { action: "webhook_delivery.redeliver", targetType: "webhook_delivery", targetId: id, metadata: { webhookId: row.subscriptionId } },
      tx,
    );
    return tx.webhookDelivery.findFirstOrThrow({ where: { id, workspaceId: ctx.workspaceId } });
  });
  return toDelivery(updated);
}
