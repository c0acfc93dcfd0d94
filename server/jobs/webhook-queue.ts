/** The queue of outgoing webhook deliveries (issue 15) for the lease worker, and its claim (./webhook-deliveries.ts). */
import { claimLeased, type LeasedJob, type LeaseQueue } from "./lease-worker";

export const WEBHOOK_DELIVERIES: LeaseQueue = { table: "WebhookDelivery", path: "webhook-deliveries", label: "webhook deliveries" };

/** Claims one due delivery for `owner` (or none): the oldest claimable one, its lease written on the database's clock. */
export function claimDelivery(o: { owner: string; leaseMs: number; workspaceIds?: string[]; exclude?: string[] }): Promise<LeasedJob | null> {
  return claimLeased(WEBHOOK_DELIVERIES, o);
}
