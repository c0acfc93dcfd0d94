/**
 * A delivery to a webhook trigger (issue 15): POST /api/hooks/{triggerId}, public (no session, no API key): the
 * trigger's own signing secret authenticates it, per the Standard Webhooks spec (headers webhook-id,
 * webhook-timestamp, webhook-signature; HMAC-SHA256 over `id.timestamp.body`; the timestamp within 5 minutes of the
 * server's clock), verified with the `standardwebhooks` package.
 *
 * - The trigger row (looked up by id through the privileged path `webhook-trigger-lookup`: its workspace is not known
 *   before) decides the workspace; nothing of the request can name another. Unknown or disabled: 404.
 * - The run is an ordinary run of the trigger's agent or team (budgets, audit, traces), started with the powers of the
 *   trigger's creator (their current role; a creator who left, or a revoked key: 404 and no run). Its run.start audit
 *   entry names the trigger.
 * - Idempotent on webhook-id: the delivery row (unique per trigger and webhook-id) is written in the run's own
 *   statement, so a redelivery (or two at once) starts no second run and answers the first one's id.
 * - The input is the trigger's template over the delivery (lib/trigger-template.ts); a path the payload does not have
 *   is a 422 naming it, and no run starts.
 * - Rate limits (server/http/rate-limit.ts `hookRateLimiters`): a delivery that would start a run counts against the
 *   workspace's API rate limit per trigger (429 with Retry-After beyond it; a redelivery answered from its first
 *   run is free); a refused delivery (404, 401) counts against CADRE_API_RATE_LIMIT per client address, and an
 *   address over it gets 429 before any lookup.
 * - A signed delivery that starts no run (over the rate limit, not mapped by the template, refused by the run's
 *   checks such as a spent budget) is counted on the trigger (`refusedDeliveries`, `lastRefusedAt`, `lastRefusal`:
 *   the code and message the sender got), so the workspace sees what its sender was told. A redelivery answered from
 *   its first run is not a refusal; an unsigned delivery is not the sender's and is not counted.
 */
import { Webhook, WebhookVerificationError } from "standardwebhooks";
import { AppError, isAppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { MAX_RUN_INPUT } from "@/lib/schemas/runs";
import { hasUnsafeText } from "@/lib/schemas/text";
import { triggerIdSchema, type TriggerAccepted } from "@/lib/schemas/triggers";
import { renderTriggerTemplate, TriggerTemplateError } from "@/lib/trigger-template";
import type { ActorType } from "@/lib/schemas/common";
import type { TenantContext } from "@/server/context";
import { db, systemDb } from "@/server/db/client";
import { env } from "@/server/env";
import { apiRateLimitOf, hookRateLimiters, rateLimitedError } from "@/server/http/rate-limit";
import { sql } from "@/server/db/sql";
import { runTenantContext } from "@/server/jobs/run-function";
import { logger } from "@/server/logger";
import { startRun } from "@/server/runs/service";
import { revealSecret } from "@/server/vault/service";

const WEBHOOK_ID_MAX = 200;
/** the stored reason of a refused delivery, in characters */
const REFUSAL_MAX = 500;

export interface Delivery {
  triggerId: string;
  body: Uint8Array;
  headers: Headers;
  requestId?: string;
  clientIp?: string;
  userAgent?: string;
}

const notFound = () => new AppError("NOT_FOUND", "No enabled webhook trigger with this id");

/** Why a signature was refused, for the sender (never the secret or the expected signature). */
function signatureProblem(error: WebhookVerificationError): string {
  switch (error.message) {
    case "Missing required headers":
      return "The webhook-id, webhook-timestamp and webhook-signature headers are required (Standard Webhooks)";
    case "Message timestamp too old":
    case "Message timestamp too new":
      return "The webhook-timestamp is more than 5 minutes away from the server's clock: sign the delivery again";
    case "Invalid Signature Headers":
      return "The webhook-timestamp is not a Unix time in seconds";
    default:
      return "The webhook-signature does not match: wrong signing secret (it may have been rotated), or the body was changed";
  }
}

async function triggerContext(
  trigger: { id: string; workspaceId: string; createdByType: string; createdById: string | null },
  d: Delivery,
): Promise<TenantContext> {
  try {
    const ctx = await runTenantContext({
      id: trigger.id,
      workspaceId: trigger.workspaceId,
      createdByType: trigger.createdByType as ActorType,
      createdById: trigger.createdById,
    });
    return { ...ctx, requestId: d.requestId, clientIp: d.clientIp, userAgent: d.userAgent };
  } catch {
    // the creator's access ended (left the workspace, key revoked): the trigger can start nothing
    throw notFound();
  }
}

/** Verifies and accepts a delivery: the run it started (202), or the first delivery's run for a redelivery (200). */
export async function receiveDelivery(d: Delivery): Promise<TriggerAccepted> {
  const address = d.clientIp ?? "unknown";
  const { failures } = hookRateLimiters();
  const over = failures.peek(address, env().CADRE_API_RATE_LIMIT);
  if (!over.allowed) throw rateLimitedError(over, "refused webhook deliveries per minute from this address");
  try {
    return await accept(d);
  } catch (error) {
    if (isAppError(error) && (error.code === "NOT_FOUND" || error.code === "UNAUTHORIZED")) failures.hit(address, env().CADRE_API_RATE_LIMIT);
    throw error;
  }
}

async function accept(d: Delivery): Promise<TriggerAccepted> {
  if (!triggerIdSchema.safeParse(d.triggerId).success) throw notFound();
  const trigger = await systemDb("webhook-trigger-lookup").webhookTrigger.findUnique({
    where: { id: d.triggerId },
    select: { id: true, workspaceId: true, enabled: true, agentId: true, teamId: true, template: true, secretId: true, createdByType: true, createdById: true },
  });
  if (!trigger?.enabled) throw notFound();
  const ctx = await triggerContext(trigger, d);

  const secret = await revealSecret(ctx, trigger.secretId, { purpose: `webhook_trigger:${trigger.id}` });
  try {
    new Webhook(secret).verify(d.body, Object.fromEntries(d.headers.entries()), { jsonParse: false });
  } catch (error) {
    if (error instanceof WebhookVerificationError) throw new AppError("UNAUTHORIZED", signatureProblem(error));
    throw error;
  }
  // signed by the sender: from here, a delivery that starts no run is counted on the trigger with why
  try {
    return await acceptSigned(ctx, trigger, d);
  } catch (error) {
    await recordRefusal(ctx, trigger.id, error);
    throw error;
  }
}

/** Counts a signed delivery that started no run on its trigger, with when and why (a failure to record is logged). */
async function recordRefusal(ctx: TenantContext, triggerId: string, error: unknown): Promise<void> {
  const reason = isAppError(error) && error.code !== "INTERNAL" ? `${error.code}: ${error.message}` : "INTERNAL: the delivery could not be processed";
  try {
    await db(ctx).webhookTrigger.updateMany({
      where: { id: triggerId, workspaceId: ctx.workspaceId },
      data: { refusedDeliveries: { increment: 1 }, lastRefusedAt: new Date(), lastRefusal: reason.slice(0, REFUSAL_MAX) },
    });
  } catch (recordError) {
    logger.warn({ workspaceId: ctx.workspaceId, triggerId, error: (recordError as Error).message }, "a refused webhook delivery could not be recorded");
  }
}

async function acceptSigned(
  ctx: TenantContext,
  trigger: { id: string; agentId: string | null; teamId: string | null; template: string },
  d: Delivery,
): Promise<TriggerAccepted> {
  const webhookId = d.headers.get("webhook-id")!;
  if (webhookId.length > WEBHOOK_ID_MAX || hasUnsafeText(webhookId))
    throw new AppError("BAD_REQUEST", `The webhook-id has at most ${WEBHOOK_ID_MAX} characters`);

  const first = () =>
    db(ctx).webhookTriggerDelivery.findFirst({ where: { workspaceId: ctx.workspaceId, triggerId: trigger.id, webhookId }, select: { runId: true } });
  const earlier = await first();
  if (earlier) return { runId: earlier.runId, duplicate: true };
  const allowed = hookRateLimiters().deliveries.hit(trigger.id, await apiRateLimitOf(ctx.workspaceId));
  if (!allowed.allowed) throw rateLimitedError(allowed, "deliveries to this webhook trigger per minute");

  const body = new TextDecoder().decode(d.body);
  let payload: unknown;
  try {
    payload = body.length > 0 ? JSON.parse(body) : undefined;
  } catch {
    payload = undefined;
  }
  let input: string;
  try {
    input = renderTriggerTemplate(trigger.template, { body, payload, webhook: { id: webhookId, timestamp: d.headers.get("webhook-timestamp")! } });
  } catch (error) {
    if (error instanceof TriggerTemplateError) throw new AppError("VALIDATION_FAILED", `The trigger's template cannot map this delivery: ${error.message}`);
    throw error;
  }
  if (input.trim().length === 0) throw new AppError("VALIDATION_FAILED", "The trigger's template maps this delivery to an empty input");
  if (input.length > MAX_RUN_INPUT) throw new AppError("VALIDATION_FAILED", `The mapped input has more than ${MAX_RUN_INPUT} characters`);
  if (hasUnsafeText(input)) throw new AppError("VALIDATION_FAILED", "The mapped input contains a NUL character or an unpaired UTF-16 surrogate");

  try {
    const run = await startRun(
      ctx,
      { ...(trigger.agentId ? { agent: trigger.agentId } : { team: trigger.teamId! }), input },
      {
        channel: "webhook",
        channelRef: trigger.id,
        gate: {
          cte: (runId, ts) => sql`
          gd AS (
            INSERT INTO "WebhookTriggerDelivery" ("id", "workspaceId", "triggerId", "webhookId", "runId", "createdAt")
            VALUES (${newId("whtd")}, ${ctx.workspaceId}, ${trigger.id}, ${webhookId}, ${runId}, ${ts})
            ON CONFLICT ("triggerId", "webhookId") DO NOTHING RETURNING "triggerId"),
          g AS (
            UPDATE "WebhookTrigger" t SET "deliveries" = t."deliveries" + 1, "lastDeliveryAt" = ${ts}, "lastRunId" = ${runId}
            FROM gd WHERE t.id = gd."triggerId" AND t."workspaceId" = ${ctx.workspaceId} RETURNING t.id)`,
          refused: "This webhook-id was delivered already",
          audit: { trigger: trigger.id, webhookId },
        },
      },
    );
    return { runId: run.id, duplicate: false };
  } catch (error) {
    // the same webhook-id accepted meanwhile (a concurrent redelivery): its run
    if (isAppError(error) && error.code === "CONFLICT") {
      const won = await first();
      if (won) return { runId: won.runId, duplicate: true };
    }
    throw error;
  }
}
