/**
 * Embeddings through the gateway: `embed(ctx, { policy, values })` turns texts into vectors, one per value, in order.
 *
 * The same path as `generate` (./gateway.ts), with the "embeddings" capability required, so that the router's
 * candidates are the embedding models (embedding-only models are skipped for text, and are the target here) and the
 * chat models that also embed (the simulator):
 * - the route: the policy's constraints plus "embeddings"; the context-window check uses the longest value (each value
 *   is embedded on its own), the cost cap and the budget the total tokens (characters / 4 over all values); no output
 *   tokens (embeddings are billed on input only: cost = input tokens × input price);
 * - for each model of [chosen, ...fallbacks], at most `maxAttempts` calls in all: the breaker (skipped when open),
 *   the budget (worst case for that model, a `refused` usage row and BUDGET_EXCEEDED when over), the provider key from
 *   the vault, a permit of the process's model calls in flight, and `embedMany` of the AI SDK (maxRetries 0, a
 *   timeout) through the provider's embedding model (./provider-factory.ts: OpenAI, OpenAI-compatible, the simulator;
 *   the egress guard applies as for generation);
 * - success: an `ok` usage row (tokens as the provider reports them, else the estimate), breaker success, an
 *   observation; a failure is classified like generation's (429/5xx/timeout/network/malformed: the next model, the
 *   breaker counts it; a 4xx of the request itself: UPSTREAM_ERROR, not retried; Retry-After holds the provider).
 * A billable call sends its row in flight as it starts, like generation's (server/ledger/calls-in-flight.ts).
 * Unlike `generate`, a model that failed is not called again within one `embed` (the run engine retries the step).
 */
import { embedMany } from "ai";
import { AppError, isAppError } from "@/lib/errors";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import type { Sql } from "@/server/db/sql";
import { heuristicTokens } from "./token-estimate";
import { releaseReservation, reserveBudget, type BudgetReservation } from "@/server/ledger/reservations";
import { costOf } from "@/server/ledger/record";
import { logger } from "@/server/logger";
import { modelCallSlots } from "./call-slots";
import { modelCircuitBreaker } from "./circuit-breaker";
import {
  callInFlight,
  classify,
  configureGateway,
  connectionOf,
  coolingDownError,
  earliestRecovery,
  keyFor,
  NOT_THE_MODELS_FAULT,
  observe,
  PROVIDER_FAULTS,
  RETRYABLE,
  sleep,
  usageName,
  writeUsageRow,
  type GenerateAttempt,
} from "./gateway";
import { createEmbeddingModel, loadProviderPackage } from "./provider-factory";
import type { RouteDecision } from "./router";
import { ensureCatalogOnce, loadCatalog, resolvePolicy, routeFor } from "./routing";

export interface EmbedRequest {
  policy: ModelPolicy;
  /** the texts to embed (at least one) */
  values: string[];
  runId?: string;
  stepId?: string;
  runBudgetUsd?: number;
  abortSignal?: AbortSignal;
  timeoutMs?: number;
  /** sends the usage rows with the caller's writes (see GenerateRequest.writeUsage) */
  writeUsage?: (statement: Sql) => Promise<unknown>;
}

export interface EmbedResult {
  /** one vector per value, in order */
  embeddings: number[][];
  usage: { inputTokens: number };
  costUsd: number;
  latencyMs: number;
  model: { id: string; modelId: string; displayName: string; providerKind: string };
  decision: RouteDecision;
  attempts: GenerateAttempt[];
  /** the simulator answered (its vectors are a hashed bag of words, not a real model's) */
  simulated: boolean;
}

/** an embedding call's timeout when neither the request nor the gateway settings give one */
const EMBED_TIMEOUT_MS = 60_000;
/** the estimate before the call (the provider reports the real count): the heuristic of ./token-estimate.ts */
const tokensOf = (text: string) => heuristicTokens(text);

export async function embed(ctx: TenantContext, req: EmbedRequest): Promise<EmbedResult> {
  if (req.values.length === 0) throw new AppError("BAD_REQUEST", "Nothing to embed");
  const { maxAttempts, retryAfterCapMs, defaultTimeoutMs } = configureGateway({}); // an empty patch reads the settings
  const timeoutMs = req.timeoutMs ?? defaultTimeoutMs ?? EMBED_TIMEOUT_MS;
  const breaker = modelCircuitBreaker();

  await ensureCatalogOnce(ctx);
  const [resolved, catalog] = await Promise.all([resolvePolicy(ctx, req.policy), loadCatalog(ctx)]);
  const totalTokens = req.values.reduce((n, v) => n + tokensOf(v), 0);
  let decision: RouteDecision;
  try {
    decision = routeFor(catalog.entries, {
      resolved,
      promptTokens: Math.max(...req.values.map(tokensOf)),
      maxOutputTokens: 0,
      needs: ["embeddings"],
      openCircuits: breaker.openIds(catalog.entries),
    });
  } catch (error) {
    throw coolingDownError(error, catalog.entries);
  }

  const plan = [decision.chosen, ...decision.fallbacks];
  const attempts: GenerateAttempt[] = [];
  const keys = new Map<string, string | undefined>();
  const usageBase = { runId: req.runId, stepId: req.stepId };
  let calls = 0;

  for (const entry of plan) {
    if (calls >= maxAttempts) break;
    const provider = catalog.providers.get(entry.providerId)!;
    const wait = (breaker.heldUntil(provider.id) ?? 0) - breaker.time();
    if (wait > retryAfterCapMs) {
      attempts.push({
        modelId: entry.id,
        displayName: entry.displayName,
        outcome: "skipped",
        error: `${provider.name} asked to wait (Retry-After)`,
        latencyMs: 0,
      });
      continue;
    }
    if (wait > 0) await sleep(wait, req.abortSignal);
    if (!breaker.allows(entry.id, entry.providerId)) {
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "circuit open after repeated failures", latencyMs: 0 });
      continue;
    }
    let reservation: BudgetReservation | null;
    try {
      reservation = await reserveBudget(ctx, { runId: req.runId, estimateUsd: costOf(entry, totalTokens, 0), runLimitUsd: req.runBudgetUsd, ttlMs: timeoutMs });
    } catch (error) {
      if (isAppError(error) && error.code === "BUDGET_EXCEEDED") {
        await writeUsageRow(ctx, req, {
          ...usageBase,
          ...usageName(entry),
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          latencyMs: 0,
          outcome: "refused",
          error: error.message,
        });
      }
      throw error;
    }
    const permit = breaker.acquire(entry.id, entry.providerId);
    if (!permit) {
      await releaseReservation(ctx, reservation);
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "circuit open after repeated failures", latencyMs: 0 });
      continue;
    }
    let releaseSlot: () => void;
    try {
      releaseSlot = await modelCallSlots().acquire(req.abortSignal);
    } catch (error) {
      permit.release();
      await releaseReservation(ctx, reservation);
      throw error;
    }
    const callId = callInFlight(ctx, provider, entry, { ...usageBase, inputTokens: totalTokens, outputTokens: 0, timeoutMs });
    calls++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.abortSignal ? AbortSignal.any([req.abortSignal, timeout]) : timeout;
    let apiKey: string | undefined;
    const started = performance.now();
    try {
      apiKey = await keyFor(ctx, provider, keys, req.runId);
      await loadProviderPackage(provider.kind);
      const model = createEmbeddingModel(connectionOf(provider), entry.modelId, apiKey);
      const result = await embedMany({ model, values: req.values, maxRetries: 0, abortSignal: signal });
      if (result.embeddings.length !== req.values.length)
        throw Object.assign(new Error("The provider returned a different number of embeddings"), { name: "AI_InvalidResponseDataError" });
      const latencyMs = Math.round(performance.now() - started);
      // a provider that reports no count (the Gemini API) leaves the AI SDK's sum NaN: the estimate then
      const reported = result.usage?.tokens;
      const inputTokens = reported !== undefined && Number.isFinite(reported) ? reported : totalTokens;
      const costUsd = costOf(entry, inputTokens, 0);
      permit.success();
      await writeUsageRow(ctx, req, {
        ...usageBase,
        ...usageName(entry),
        inputTokens,
        outputTokens: 0,
        costUsd,
        latencyMs,
        outcome: "ok",
        callId,
        reservation,
        // the simulator spends no money: its row need not wait for a disk sync (a recall's query embedding)
        durable: entry.providerKind !== "simulator",
      });
      observe(ctx, entry.id, { latencyMs, outcome: "ok" });
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "ok", latencyMs });
      return {
        embeddings: result.embeddings,
        usage: { inputTokens },
        costUsd,
        latencyMs,
        model: { id: entry.id, modelId: entry.modelId, displayName: entry.displayName, providerKind: entry.providerKind },
        decision,
        attempts,
        simulated: entry.providerKind === "simulator",
      };
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const callerAborted = req.abortSignal?.aborted === true;
      const failure = classify(error, { timedOut: timeout.aborted && !callerAborted, callerAborted }, [apiKey], { baseUrl: provider.baseUrl, timeoutMs });
      const outcome = failure.kind === "timeout" ? "timeout" : "error";
      const retryable = RETRYABLE.has(failure.kind);
      if (retryable) permit.failure(PROVIDER_FAULTS.has(failure.kind));
      else permit.release();
      await writeUsageRow(ctx, req, {
        ...usageBase,
        ...usageName(entry),
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        latencyMs,
        outcome,
        error: failure.message,
        callId,
        reservation,
      });
      if (!NOT_THE_MODELS_FAULT.has(failure.kind)) observe(ctx, entry.id, { latencyMs, outcome, error: failure.message });
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome, error: failure.message, latencyMs });
      logger.warn(
        { workspaceId: ctx.workspaceId, runId: req.runId, modelRef: entry.id, providerId: provider.id, kind: failure.kind, status: failure.status, latencyMs },
        "embedding call failed",
      );
      if (failure.kind === "aborted") throw error;
      if (failure.retryAfterMs !== undefined) breaker.hold(provider.id, breaker.time() + failure.retryAfterMs);
      if (failure.kind === "config") continue;
      if (!retryable) {
        throw new AppError(
          "UPSTREAM_ERROR",
          `${entry.displayName} via ${provider.name} failed and the request is not retried: ${failure.message}`,
          { attempts },
          { retryable: false },
        );
      }
    } finally {
      releaseSlot();
    }
  }
  const summary = attempts.map((a, i) => `${i + 1}) ${a.displayName}: ${a.outcome}${a.error ? ` (${a.error})` : ""}`).join("; ");
  const message = calls === 0 ? `No embedding model could be called: ${summary}` : `All ${calls} embedding call${calls === 1 ? "" : "s"} failed: ${summary}`;
  throw new AppError("UPSTREAM_ERROR", message, { attempts }, earliestRecovery(plan, catalog.providers, breaker.time()) ?? undefined);
}
