/**
 * One attempt of a webhook delivery (issue 15), for whoever holds its lease (the in-process worker,
 * server/jobs/webhook-deliveries.ts, or the Inngest drain): read the delivery and its subscription, sign the stored
 * body (the current secret, and the previous one during a rotation's grace period), POST it through the egress guard
 * (the workspace's lists, no redirect followed, WEBHOOK_TIMEOUT_MS), and record the attempt and the delivery's new state
 * in one statement, only while the lease is still held (`fence`).
 *
 * - 2xx: delivered. 410 Gone: failed, and the subscription is disabled (the receiver says the endpoint is gone).
 * - A refusal of the egress guard that no retry changes (a private address, a scheme, the workspace's lists): failed
 *   at once, with the guard's message.
 * - Anything else (another status, a timeout, a refused connection): retried after RETRY_DELAYS_MS[attempt] (with
 *   ±20 % jitter), until the delivery's deadline (24 h after the event; a manual redelivery: its own attempt only),
 *   then failed.
 */
import { randomUUID } from "node:crypto";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { WEBHOOK_RESPONSE_BODY_BYTES, WEBHOOK_TIMEOUT_MS, type WebhookDeliveryStatus } from "@/lib/schemas/webhooks";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { egress, findEgressError, type EgressRule } from "@/server/egress";
import { logger } from "@/server/logger";
import { workspaceEgressLists } from "@/server/tools/mcp-oauth";
import { decodeText, readCapped } from "@/server/tools/http-outcome";
import { revealSystemSecret } from "@/server/vault/service";
import { signedHeaders } from "./sign";

const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/** the delay after the n-th failed attempt (the last one repeats): about a day in all with the 24 h deadline */
export const RETRY_DELAYS_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000] as const;
const JITTER = 0.2;
/** refusals of the guard that a retry cannot change */
const PERMANENT_RULES: ReadonlySet<EgressRule> = new Set(["url", "scheme", "address", "workspace_deny", "workspace_allow"]);
const USER_AGENT = "Cadre-Webhooks/1.0";

/** The delay before the attempt after `attempt` (1-based) failed, with jitter (`random` in [0, 1)). */
export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = RETRY_DELAYS_MS[Math.min(Math.max(attempt, 1), RETRY_DELAYS_MS.length) - 1]!;
  return Math.round(base * (1 - JITTER + 2 * JITTER * random()));
}

export interface DeliveryJob {
  id: string;
  workspaceId: string;
  /** executions so far, this one included (the attempt's number) */
  attempts: number;
}

export interface AttemptOutcome {
  done: true;
  /** the delivery's state after the attempt; "gone" when the lease was lost or the delivery deleted */
  status: WebhookDeliveryStatus | "gone";
}

type Loaded = {
  body: string;
  redeliverRequested: boolean;
  url: string;
  enabled: boolean;
  secretId: string;
  previousSecretId: string | null;
  previousValid: boolean;
};

interface Answer {
  status: number | null;
  body: string | null;
  error: string | null;
  permanent: boolean;
}

/** POSTs the body; never throws for the receiver's or the network's failures (they are the answer). */
async function send(url: string, headers: Record<string, string>, body: string, workspaceId: string): Promise<Answer> {
  try {
    const response = await egress().fetch(
      url,
      { method: "POST", headers, body },
      { timeoutMs: WEBHOOK_TIMEOUT_MS, maxResponseBytes: Number.MAX_SAFE_INTEGER, maxRedirects: 0, workspace: await workspaceEgressLists({ workspaceId }) },
    );
    const { bytes, truncated } = await readCapped(response, WEBHOOK_RESPONSE_BODY_BYTES);
    return { status: response.status, body: decodeText(bytes, truncated), error: null, permanent: false };
  } catch (error) {
    const refused = findEgressError(error);
    if (refused) return { status: null, body: null, error: refused.message, permanent: PERMANENT_RULES.has(refused.rule) };
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return {
      status: null,
      body: null,
      error: `The request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`.slice(0, 500),
      permanent: false,
    };
  }
}

/** Ends a delivery without an attempt (its subscription is disabled), under the fence. */
async function finishWithout(job: DeliveryJob, message: string, fence: Sql): Promise<AttemptOutcome> {
  const { rowCount } = await execute(
    job,
    sql`UPDATE "WebhookDelivery" SET "status" = 'failed', "lastError" = ${message}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "retryAt" = NULL,
       "redeliverRequested" = false, "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW}
     WHERE id = ${job.id} AND "workspaceId" = ${job.workspaceId} AND ${fence}`,
  );
  return { done: true, status: rowCount === 1 ? "failed" : "gone" };
}

/** Fails a delivery with a message for people (the worker's last resort), only while `fence` holds. */
export function failDelivery(job: DeliveryJob, message: string, fence: Sql): Promise<AttemptOutcome> {
  return finishWithout(job, message, fence);
}

export async function attemptDelivery(job: DeliveryJob, o: { fence: Sql; random?: () => number }): Promise<AttemptOutcome> {
  const { rows } = await execute<Loaded>(
    job,
    sql`SELECT d."body", d."redeliverRequested", s."url", s."enabled", s."secretId", s."previousSecretId",
        coalesce(s."previousSecretExpiresAt" > ${DB_NOW}, false) AS "previousValid"
      FROM "WebhookDelivery" d JOIN "WebhookSubscription" s ON s.id = d."subscriptionId" AND s."workspaceId" = d."workspaceId"
      WHERE d.id = ${job.id} AND d."workspaceId" = ${job.workspaceId} AND d.${o.fence}`,
  );
  const row = rows[0];
  if (!row) return { done: true, status: "gone" };
  if (!row.enabled) return finishWithout(job, "The webhook is disabled", o.fence);

  const secrets = [await revealSystemSecret(job, "webhook", row.secretId)];
  if (row.previousSecretId && row.previousValid) {
    try {
      secrets.push(await revealSystemSecret(job, "webhook", row.previousSecretId));
    } catch (error) {
      if (!(error instanceof AppError && error.code === "NOT_FOUND")) throw error;
    }
  }
  const headers = {
    "content-type": "application/json",
    "user-agent": USER_AGENT,
    ...signedHeaders({ id: job.id, body: row.body, at: new Date(), secrets }),
  };
  const started = performance.now();
  const answer = await send(row.url, headers, row.body, job.workspaceId);
  const durationMs = Math.round(performance.now() - started);

  const ok = answer.status !== null && answer.status >= 200 && answer.status < 300;
  const gone = answer.status === 410;
  const mode: "delivered" | "failed" | "retry" = ok ? "delivered" : gone || answer.permanent ? "failed" : "retry";
  const error = ok ? null : (answer.error ?? `The receiver answered HTTP ${answer.status}`);
  const delay = retryDelayMs(job.attempts, o.random);
  const next = sql`${DB_NOW} + ${delay} * INTERVAL '1 millisecond'`;
  // a retry that would come after the deadline is not made: the delivery fails now
  const final = mode === "retry" ? sql`(${next} > d."deadlineAt")` : sql`TRUE`;
  const status = mode === "retry" ? sql`CASE WHEN ${final} THEN 'failed' ELSE 'queued' END` : sql`${mode}`;
  const lastError =
    mode === "retry" ? sql`CASE WHEN ${final} THEN ${`${error} (no more retries: the delivery's retry window ended)`} ELSE ${error} END` : sql`${error}`;
  const storedHeaders = { ...headers };
  const { rows: done } = await execute<{ status: WebhookDeliveryStatus }>(
    job,
    sql`WITH upd AS (
        UPDATE "WebhookDelivery" d SET "status" = ${status}, "lastStatus" = ${answer.status}, "lastError" = ${lastError},
          "retryAt" = CASE WHEN ${final} THEN NULL ELSE ${next} END, "finishedAt" = CASE WHEN ${final} THEN ${DB_NOW} ELSE NULL END,
          "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "redeliverRequested" = false, "updatedAt" = ${DB_NOW}
        WHERE d.id = ${job.id} AND d."workspaceId" = ${job.workspaceId} AND d.${o.fence}
        RETURNING d.id, d."workspaceId", d."subscriptionId", d."status"),
      att AS (
        INSERT INTO "WebhookAttempt" ("id", "workspaceId", "deliveryId", "number", "manual", "url", "requestHeaders", "responseStatus", "responseBody", "error", "durationMs", "createdAt")
        SELECT ${newId("wha")}, upd."workspaceId", upd.id, ${job.attempts}, ${row.redeliverRequested}, ${row.url}, ${sql.json(storedHeaders)}, ${answer.status},
          ${sql.text(answer.body, WEBHOOK_RESPONSE_BODY_BYTES)}, ${sql.text(error, 1000)}, ${durationMs}, ${DB_NOW} FROM upd),
      dis AS (
        UPDATE "WebhookSubscription" SET "enabled" = false, "disabledReason" = 'The receiver answered 410 Gone: deliveries stopped until the webhook is enabled again',
          "updatedAt" = ${DB_NOW}
        WHERE ${gone} AND id = (SELECT "subscriptionId" FROM upd) AND "workspaceId" = ${job.workspaceId})
      SELECT "status" FROM upd`,
  );
  const after = done[0]?.status ?? "gone";
  if (after === "gone") logger.warn({ deliveryId: job.id, workspaceId: job.workspaceId }, "webhooks: the lease was lost before the attempt was recorded");
  if (gone) logger.info({ deliveryId: job.id, workspaceId: job.workspaceId }, "webhooks: the receiver answered 410 Gone; the webhook is disabled");
  return { done: true, status: after };
}

/** An owner name for a one-off claim (the Inngest drain). */
export const drainOwner = (label: string) => `${label}/${randomUUID().slice(0, 8)}`;
