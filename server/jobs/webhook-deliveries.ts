/**
 * Outgoing webhook deliveries as leased background jobs (issue 15). The delivery row is the outbox entry and the job's
 * state (written by database triggers in the transaction of the event's cause: 20261214_100_webhooks_out); this module
 * sends it.
 *
 * - The in-process worker (`startWebhookWorker`) is the lease worker of ./lease-worker.ts on the WebhookDelivery table:
 *   claim with a lease (SKIP LOCKED, the database's clock), one HTTP attempt per execution (server/webhooks/deliver.ts),
 *   recorded under the lease's fence; a worker that dies mid-attempt stops renewing its lease, and once the lease
 *   expires another worker (or this one after a restart) makes the next attempt with the same webhook-id (receivers
 *   deduplicate on it: delivery is at least once). The retry schedule is the attempt's own (5 s, 30 s, 2 min, ... for
 *   24 h); the lease worker's generic retry only covers an internal error before the attempt was recorded.
 * - It starts and stops with the run executor (server/runs/boot.ts). Under Inngest the function of
 *   ./webhook-deliveries-inngest.ts drains the due deliveries every minute and when woken.
 * The claim, lease renewal and release cross workspaces: the privileged path `webhook-deliveries` (docs/security.md).
 */
import { AppError } from "@/lib/errors";
import type { WebhookDeliveryOutput } from "@/lib/schemas/webhooks";
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";
import { attemptDelivery, failDelivery, type AttemptOutcome } from "@/server/webhooks/deliver";
import { createTestDelivery, requestRedelivery } from "@/server/webhooks/service";
import { inngestEnabled } from "./inngest-enabled";
import { startLeaseWorker, type LeaseJobRunner, type LeaseWorker, type LeaseWorkerOptions } from "./lease-worker";
import { WEBHOOK_DELIVERIES } from "./webhook-queue";

export { claimDelivery } from "./webhook-queue";
/** executions of one delivery after which it fails whatever its schedule (internal errors in a loop) */
export const WEBHOOK_MAX_EXECUTIONS = 40;

export type WebhookWorker = LeaseWorker;
export type WebhookWorkerOptions = LeaseWorkerOptions<AttemptOutcome>;

export const webhookRunner: LeaseJobRunner<AttemptOutcome> = {
  queue: WEBHOOK_DELIVERIES,
  maxAttempts: WEBHOOK_MAX_EXECUTIONS,
  async open(job, { fence }) {
    return () => attemptDelivery(job, { fence });
  },
  fail: (job, message, fence) => failDelivery(job, message, fence),
  // the signing secret is gone (deleted with its webhook meanwhile)
  isPermanent: (error) => error instanceof AppError && error.code === "NOT_FOUND",
  failureMessage: () => "The delivery could not be attempted (an internal error)",
  exhaustedMessage: `The delivery could not be attempted after ${WEBHOOK_MAX_EXECUTIONS} tries`,
};

export function startWebhookWorker(options: WebhookWorkerOptions = {}): WebhookWorker {
  return startLeaseWorker(webhookRunner, { maxConcurrent: 4, ...options });
}

// ---------------------------------------------------------------------------------------------------
// The process's worker (started with the run executor: server/runs/boot.ts)

const globalForWorker = globalThis as unknown as { cadreWebhookWorker?: WebhookWorker };

export function startProcessWebhookWorker(options: WebhookWorkerOptions = {}): WebhookWorker {
  globalForWorker.cadreWebhookWorker ??= startWebhookWorker(options);
  return globalForWorker.cadreWebhookWorker;
}

export async function stopProcessWebhookWorker(): Promise<void> {
  const worker = globalForWorker.cadreWebhookWorker;
  globalForWorker.cadreWebhookWorker = undefined;
  await worker?.stop();
}

/** Has the due deliveries sent soon: this process's worker woken, or Inngest's drain asked for. Never throws. */
export async function wakeWebhookDeliveries(): Promise<void> {
  if (inngestEnabled()) {
    try {
      const { sendDeliveriesDue } = await import("./webhook-deliveries-inngest");
      await sendDeliveriesDue();
    } catch (error) {
      // the minute's cron drains it anyway
      logger.warn({ err: error }, "webhooks: could not wake the Inngest drain");
    }
  } else globalForWorker.cadreWebhookWorker?.wake();
}

/** "Send test event": a webhook.test delivery, sent at once. */
export async function sendTestEvent(ctx: TenantContext, webhookId: string): Promise<WebhookDeliveryOutput> {
  const delivery = await createTestDelivery(ctx, webhookId);
  await wakeWebhookDeliveries();
  return delivery;
}

/** A new attempt of a delivery (same webhook-id), at once. */
export async function redeliver(ctx: TenantContext, deliveryId: string): Promise<WebhookDeliveryOutput> {
  const delivery = await requestRedelivery(ctx, deliveryId);
  await wakeWebhookDeliveries();
  return delivery;
}
