/**
 * Webhook deliveries on Inngest (when configured: ./inngest-enabled.ts). No trigger of the outbox can send an Inngest
 * event, so a function drains the due deliveries every minute (cron) and when woken (the event
 * `cadre/webhook-deliveries.due`: a test event, a redelivery). The drain claims each delivery with a lease like the
 * in-process worker and makes the same attempt (server/webhooks/deliver.ts), so a drain that Inngest runs twice, or
 * one that dies, never sends a delivery twice at once; what is left (or not yet due) waits for the next drain.
 */
import { logger } from "@/server/logger";
import { attemptDelivery, drainOwner } from "@/server/webhooks/deliver";
import { inngest } from "./inngest";
import { leaseFence } from "./lease-worker";
import { claimDelivery } from "./webhook-queue";

export const DELIVERIES_DUE_EVENT = "cadre/webhook-deliveries.due";
/** one drain's bounds: deliveries and time (well within a minute, so drains rarely overlap) */
const DRAIN_MAX = 100;
const DRAIN_MS = 40_000;
const LEASE_MS = 60_000;

/** Sends the due deliveries (up to the bounds); the number attempted. */
export async function drainWebhookDeliveries(o: { max?: number; timeMs?: number; workspaceIds?: string[] } = {}): Promise<number> {
  const owner = drainOwner("inngest-drain");
  const until = Date.now() + (o.timeMs ?? DRAIN_MS);
  let attempted = 0;
  while (attempted < (o.max ?? DRAIN_MAX) && Date.now() < until) {
    const job = await claimDelivery({ owner, leaseMs: LEASE_MS, workspaceIds: o.workspaceIds });
    if (!job) break;
    attempted++;
    try {
      await attemptDelivery(job, { fence: leaseFence(owner) });
    } catch (error) {
      // the lease expires and the next drain takes the delivery over
      logger.warn({ deliveryId: job.id, err: error }, "webhooks: an attempt failed (retried by the next drain)");
    }
  }
  return attempted;
}

export const webhookDeliveriesFunction = inngest.createFunction(
  {
    id: "deliver-webhooks",
    name: "Send the due webhook deliveries",
    triggers: [{ cron: "* * * * *" }, { event: DELIVERIES_DUE_EVENT }],
    concurrency: [{ limit: 2 }],
    retries: 0,
  },
  async ({ step }) => step.run("drain", () => drainWebhookDeliveries()),
);

export async function sendDeliveriesDue(): Promise<void> {
  await inngest.send({ name: DELIVERIES_DUE_EVENT, data: {} });
}
