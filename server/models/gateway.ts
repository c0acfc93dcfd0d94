/**
 * The model gateway: every model call of Cadre goes through `generate`.
 *
 * One call:
 * 1. the workspace's catalog (the simulator is seeded lazily for old workspaces) and the policy (pinned / preset /
 *    constraints) give a route: the chosen model and its ordered fallbacks. Tools offered add the "tools"
 *    capability to the requirements, a JSON output the "json" one. Models whose circuit breaker is open are skipped.
 * 2. the prompt size is estimated as characters / 4 (system + prompt + tool definitions): cheap, provider-neutral,
 *    and close enough for routing and budget checks (real tokenizers differ by ±20%). The output side always uses
 *    the full maxOutputTokens, so the budget check is a worst case on that side.
 * 3. for each model of [chosen, ...fallbacks], at most `maxAttempts` calls (default 3):
 *    - the budget is checked with the worst-case estimate for THAT model; a refusal records a `refused` usage row
 *      and throws BUDGET_EXCEEDED (nothing is spent; results of earlier calls are the caller's to keep);
 *    - the provider key is decrypted from the vault (attributed to the actor and run), once per provider per call;
 *    - the AI SDK is called with maxRetries 0 (the gateway owns retries) and a timeout; with `onTextDelta`, through
 *      `streamText` (see "Streaming" below), otherwise `generateText`;
 *    - success: one `ok` usage row (cost from the model's prices and the reported usage), breaker success, and an
 *      observation for the model's rolling stats (written in the background: see `observe`); done. An answer that
 *      arrived but is cut at maxOutputTokens or is not the JSON asked for is still a transport success (breaker,
 *      observation) returned with a typed `answerProblem`, its usage row `answer_invalid` (./answer.ts): what the
 *      model wrote is the caller's to validate and repair, never a reason to blame or leave the provider. JSON is
 *      read leniently (fences stripped, the first object of the text), not validated here.
 *    - 408 / 409 / 429 / 5xx / timeout / network error / malformed response: an `error` or `timeout` usage row, an
 *      observation, a breaker failure; Retry-After (or retry-after-ms) holds the provider for this whole process (the
 *      breaker keeps it): before any later call to that provider the gateway waits (up to `retryAfterCapMs`, default
 *      10 s) or, when the wait would be longer, skips that provider's models. Then the next model. When the route has fewer models than maxAttempts, the gateway
 *      comes back to a model that failed with 429/5xx/network (after its Retry-After or a short backoff), so a
 *      pinned model still gets retried.
 *    - a 4xx caused by the request itself (400, 401, 403, 404, 413, 422 …) is not retried: the attempt is recorded
 *      and UPSTREAM_ERROR is thrown with a safe message (provider, status, short provider message; never a key) and
 *      the typed `retryable: false`.
 *    - the provider call itself holds a permit of the process's model calls in flight (server/models/call-slots.ts,
 *      CADRE_MAX_CONCURRENT_MODEL_CALLS); beyond it calls wait in line (FIFO, cancellable by `abortSignal`), and the
 *      wait is not counted in the call's timeout.
 * 4. all attempts failed: UPSTREAM_ERROR listing the attempts. When no model of the route may be called before some
 *    time (circuits open, providers held), the error carries `retryAt` (the earliest recovery) and `waitingFor` (its
 *    provider); so does the router's NO_FEASIBLE_MODEL when only open circuits block the policy. The run engine
 *    waits for that time (server/jobs/step.ts, "outage waits") instead of failing the run.
 * Prompts, outputs and keys are never logged; failures are logged with ids, status and a redacted message.
 *
 * Streaming: with `onTextDelta`, each attempt streams, and the text deltas of the attempt being made are handed to
 * the caller as they arrive. The result, the usage rows, fallback, Retry-After, the breaker and the observations are
 * exactly those of a non-streamed call: an `error` part of the stream (a 429/5xx before the first chunk, a malformed
 * chunk, a cut connection) fails the attempt like the thrown error of `generateText`, even when text was already
 * delivered (what arrived after a broken chunk cannot be trusted); the timeout covers the whole stream. Every model
 * call after the first starts with `onStreamRestart`, so the caller drops the text of the failed attempt(s). A JSON
 * output (`output`) is not streamed: it is generated in one piece (partial JSON is no use to show), no deltas.
 */
import { streamDirect } from "./stream-direct";
import { NoContentGeneratedError, generateText, streamText, type Instructions, type LanguageModelUsage, type ModelMessage, type Tool } from "ai";
import { APICallError, type LanguageModelV4 } from "@ai-sdk/provider";
import type { z } from "zod";
import type { Sql } from "@/server/db/sql";
import { AppError, isAppError } from "@/lib/errors";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import type { tryRouteInputSchema, tryRouteResultSchema } from "@/lib/schemas/routing";
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";
import { effectiveCachePrices } from "./cache-prices";
import { systemCacheOptions } from "./prompt-cache";
import { costOfUsage, type SdkUsage, tokenUsageOf, type UsagePrices } from "@/server/ledger/usage-cost";
import { costOf, prepareUsage, recordUsage, type UsageInput, type UsageOutcome } from "@/server/ledger/record";
import { assertWithinBudget } from "@/server/ledger/budget-check";
import { revealSecret } from "@/server/vault/service";
import { modelCircuitBreaker } from "./circuit-breaker";
import { settingsOf } from "@/lib/schemas/models";
import { withReasoningRoom } from "./known-models";
import { languageModelFor, type ProviderConnection } from "./provider-factory";
import { metrics } from "@/server/observability/metrics";
import { tracingActive } from "@/server/observability/tracing";
import { isTimeoutError, safeProviderError, unwrapRetry } from "./provider-errors";
import type { CatalogEntry, RouteDecision } from "./router";
import { ensureCatalogOnce, loadCatalog, resolvePolicy, routeFor, type ProviderInfo } from "./routing";
import { queueModelObservation, settleModelObservations, type ModelObservation } from "./stats";
import { modelCallSlots } from "./call-slots";
import { answerProblemOf, lenientJsonOutput, type AnswerProblem } from "./answer";

export interface GenerateRequest {
  policy: ModelPolicy;
  system?: string;
  prompt: string | ModelMessage[];
  tools?: Record<string, Tool>;
  /** JSON per schema */
  output?: { schema: z.ZodType };
  maxOutputTokens: number;
  temperature?: number;
  runId?: string;
  stepId?: string;
  agentId?: string;
  runBudgetUsd?: number;
  abortSignal?: AbortSignal;
  timeoutMs?: number;
  /**
   * Sends this call's usage rows with the caller's own writes (the run engine queues them in order with the step's
   * record, see server/jobs/step.ts): it receives each row's INSERT and returns the write's promise. Without it,
   * each row is written (and awaited) on its own.
   */
  writeUsage?: (statement: Sql) => Promise<unknown>;
  /**
   * Streams the answer: called with each text delta of the attempt being made, in order, as it arrives (their join
   * is the result's text when the attempt succeeds). Not for `output` (JSON is generated in one piece). Must not
   * throw: a throw cancels the call (recorded like a cancellation by the caller) and is rethrown by `generate`.
   */
  onTextDelta?: (delta: string) => void;
  /** With `onTextDelta`: a model call other than the first is starting; drop the text received so far. */
  onStreamRestart?: () => void;
}

export interface GenerateAttempt {
  /** catalog model id */
  modelId: string;
  displayName: string;
  /** ok | error | timeout | refused | skipped */
  outcome: string;
  error?: string;
  latencyMs: number;
}

export interface GenerateResult {
  text: string;
  /** with `output`: the first JSON object of the answer as read (not validated: see `answerProblem`), or undefined */
  object?: unknown;
  /** why the model stopped: "stop", "length" (cut at maxOutputTokens), "tool-calls", "content-filter", … */
  finishReason: string;
  /** the answer arrived but failed: cut at maxOutputTokens, or not the JSON asked for (server/models/answer.ts) */
  answerProblem?: AnswerProblem;
  toolCalls: { toolName: string; input: unknown }[];
  usage: { inputTokens: number; outputTokens: number };
  costUsd: number;
  latencyMs: number;
  model: { id: string; modelId: string; displayName: string; providerKind: string };
  decision: RouteDecision;
  attempts: GenerateAttempt[];
}

export interface GatewaySettings {
  /** model calls per generate (fallbacks and retries included) */
  maxAttempts: number;
  /** the longest Retry-After the gateway waits for; longer ones skip that provider's models */
  retryAfterCapMs: number;
  /** per-call timeout when the request gives none */
  defaultTimeoutMs: number;
  /** wait before calling a model again that failed without a Retry-After (doubles per round) */
  retryBackoffMs: number;
}

const TRY_TIMEOUT_MS = 30_000;

const DEFAULT_SETTINGS: GatewaySettings = { maxAttempts: 3, retryAfterCapMs: 10_000, defaultTimeoutMs: 60_000, retryBackoffMs: 250 };
let settings: GatewaySettings = { ...DEFAULT_SETTINGS };

/** Changes the gateway's limits (tests shorten them); `undefined` restores the defaults. */
export function configureGateway(patch?: Partial<GatewaySettings>): GatewaySettings {
  settings = patch ? { ...settings, ...patch } : { ...DEFAULT_SETTINGS };
  return settings;
}

// ---------------------------------------------------------------------------------------------------
// Prompt size

/** Tokens ≈ characters / 4 over the system prompt, the prompt (text parts of messages) and the tool definitions. */
export function estimatePromptTokens(req: Pick<GenerateRequest, "system" | "prompt" | "tools">): number {
  let chars = req.system?.length ?? 0;
  if (typeof req.prompt === "string") chars += req.prompt.length;
  else for (const message of req.prompt) chars += contentChars(message.content) + 4;
  if (req.tools) {
    for (const [name, t] of Object.entries(req.tools)) {
      chars += name.length + (t.description?.length ?? 0);
      const schema = (t as { inputSchema?: unknown }).inputSchema;
      chars += schemaChars(schema);
    }
  }
  return Math.ceil(chars / 4);
}

function contentChars(content: unknown): number {
  if (typeof content === "string") return content.length;
  if (!Array.isArray(content)) return 0;
  let chars = 0;
  for (const part of content as { type?: string; text?: unknown; input?: unknown; output?: unknown }[]) {
    if (typeof part.text === "string") chars += part.text.length;
    else if (part.type === "tool-call") chars += safeJsonLength(part.input);
    else if (part.type === "tool-result") chars += safeJsonLength(part.output);
    else if (part.type === "image" || part.type === "file") chars += 3000; // ~765 tokens: a typical image
  }
  return chars;
}

function schemaChars(schema: unknown): number {
  if (!schema || typeof schema !== "object") return 0;
  // a zod 4 schema has toJSONSchema; an AI SDK Schema has jsonSchema; plain JSON schema objects stringify as they are
  const s = schema as { jsonSchema?: unknown; "~standard"?: unknown };
  if (s.jsonSchema && typeof s.jsonSchema === "object") return safeJsonLength(s.jsonSchema);
  if (s["~standard"]) return 200; // a schema object we cannot cheaply serialise: a typical small tool schema
  return safeJsonLength(schema);
}

function safeJsonLength(value: unknown): number {
  try {
    return JSON.stringify(value)?.length ?? 0;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------------
// Failure classification

export type FailureKind =
  | "rate_limited"
  | "conflict"
  | "server"
  | "timeout"
  | "network"
  | "invalid_response"
  | "request"
  | "auth"
  | "config"
  | "aborted"
  | "unknown";

export interface Failure {
  kind: FailureKind;
  status?: number;
  retryAfterMs?: number;
  message: string;
}

/** Failures after which the next model is tried (and which count against the model's breaker). */
export const RETRYABLE: ReadonlySet<FailureKind> = new Set(["rate_limited", "conflict", "server", "timeout", "network", "invalid_response"]);
/** Failures that count against the provider's breaker too (many of its models failing so: the provider is down). */
export const PROVIDER_FAULTS: ReadonlySet<FailureKind> = new Set(["server", "timeout", "network"]);
/** Failures after which the same model may be called again within one generate (after its Retry-After or a backoff). */
const REVISITABLE: ReadonlySet<FailureKind> = new Set(["rate_limited", "conflict", "server", "network"]);
/** Failures that do not say anything about the model itself: no observation. */
export const NOT_THE_MODELS_FAULT: ReadonlySet<FailureKind> = new Set(["request", "config", "aborted", "unknown"]);

const INVALID_RESPONSE_ERRORS = new Set([
  "AI_JSONParseError",
  "AI_TypeValidationError",
  "AI_InvalidResponseDataError",
  "AI_EmptyResponseBodyError",
  "AI_NoObjectGeneratedError",
  "AI_NoOutputGeneratedError",
  "AI_NoContentGeneratedError",
]);

export function parseRetryAfter(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers["retry-after-ms"];
  if (ms !== undefined && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const value = headers["retry-after"];
  if (value === undefined) return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function hasNetworkCode(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z_]+|UND_ERR_[A-Z_]+)$/.test(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

function originOf(url: string | null | undefined): string | undefined {
  try {
    return url ? new URL(url).origin : undefined;
  } catch {
    return undefined;
  }
}

export function classify(
  errorIn: unknown,
  state: { timedOut: boolean; callerAborted: boolean },
  secrets: (string | undefined)[],
  context: { baseUrl: string | null; timeoutMs: number },
): Failure {
  const error = unwrapRetry(errorIn);
  const message = safeProviderError(error, secrets, context);
  if (state.callerAborted) return { kind: "aborted", message: "Cancelled by the caller" };
  if (state.timedOut || (isTimeoutError(error) && !state.callerAborted)) return { kind: "timeout", message };
  if (isAppError(error)) return { kind: "config", message: error.message };
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status === undefined) return { kind: "network", message };
    // the answer had begun (a stream, or a body being read) when the connection broke
    if (status < 300 && hasNetworkCode(error))
      return { kind: "network", message: `Lost the connection to ${originOf(error.url) ?? originOf(context.baseUrl) ?? "the provider"} during the answer` };
    const retryAfterMs = parseRetryAfter(error.responseHeaders);
    if (status === 429) return { kind: "rate_limited", status, retryAfterMs, message };
    if (status === 408) return { kind: "timeout", status, message };
    // 409: the provider's own conflict (a request in flight, a lock), transient like 429: the only other 4xx retried
    if (status === 409) return { kind: "conflict", status, retryAfterMs, message };
    if (status >= 500) return { kind: "server", status, retryAfterMs, message };
    if (status === 401 || status === 403) return { kind: "auth", status, message };
    if (status >= 400) return { kind: "request", status, message };
    return { kind: "invalid_response", status, message };
  }
  const name = (error as { name?: unknown })?.name;
  if (typeof name === "string" && INVALID_RESPONSE_ERRORS.has(name)) return { kind: "invalid_response", message };
  if (hasNetworkCode(error) || (error instanceof TypeError && /fetch failed/i.test(error.message))) return { kind: "network", message };
  return { kind: "unknown", message };
}

// ---------------------------------------------------------------------------------------------------
// Observations (off the critical path)

/**
 * Feeds a call into the model's rolling statistics without making the caller wait for it: the usage row (which
 * budgets depend on) is written before generate returns; the statistics (advisory input to routing) are queued and
 * written shortly after, one statement per model for all its calls queued meanwhile (see `queueModelObservation`).
 * A failure to record them is logged, never thrown.
 */
export function observe(ctx: TenantContext, modelRowId: string, observation: ModelObservation): void {
  queueModelObservation(ctx, modelRowId, observation);
}

/** Writes the queued observations now and waits for them (tests, shutdown, benchmarks). */
export async function settleObservations(): Promise<void> {
  await settleModelObservations();
}

// ---------------------------------------------------------------------------------------------------
// generate

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** The prices a call is charged at, prompt-cache prices included (./cache-prices.ts). */
export function usagePrices(entry: CatalogEntry): UsagePrices {
  return { inputPrice: entry.inputPrice, outputPrice: entry.outputPrice, ...effectiveCachePrices(entry) };
}

export function usageName(entry: CatalogEntry) {
  return { modelRef: entry.id, modelName: entry.modelId, providerKind: entry.providerKind };
}

/** One usage row: with the caller's writes (not awaited: they are committed in order with the caller's) or alone. */
export async function writeUsageRow(ctx: TenantContext, req: Pick<GenerateRequest, "writeUsage">, input: UsageInput): Promise<void> {
  if (!req.writeUsage) return recordUsage(ctx, input);
  const usage = prepareUsage(ctx, input);
  void usage.track(req.writeUsage(usage.sql));
}

export async function generate(ctx: TenantContext, req: GenerateRequest): Promise<GenerateResult> {
  const { maxAttempts, retryAfterCapMs, retryBackoffMs } = settings;
  const timeoutMs = req.timeoutMs ?? settings.defaultTimeoutMs;
  const breaker = modelCircuitBreaker();

  await ensureCatalogOnce(ctx);
  const [resolved, catalog] = await Promise.all([resolvePolicy(ctx, req.policy), loadCatalog(ctx)]);
  const promptTokens = estimatePromptTokens(req);
  const needs: string[] = [];
  if (req.tools && Object.keys(req.tools).length) needs.push("tools");
  if (req.output) needs.push("json");
  let decision: RouteDecision;
  try {
    decision = routeFor(catalog.entries, {
      resolved,
      promptTokens,
      maxOutputTokens: req.maxOutputTokens,
      needs,
      openCircuits: breaker.openIds(catalog.entries),
    });
  } catch (error) {
    throw coolingDownError(error, catalog.entries);
  }

  const plan = [decision.chosen, ...decision.fallbacks];
  const attempts: GenerateAttempt[] = [];
  // a provider's Retry-After holds it for every caller of this process (the breaker keeps it): no request storm
  const heldUntil = (providerId: string) => breaker.heldUntil(providerId) ?? 0;
  const now = () => breaker.time();
  const lastFailure = new Map<string, Failure>(); // model id -> its last failure in this call
  const keys = new Map<string, string | undefined>(); // providerId -> decrypted key
  const usageBase = { runId: req.runId, stepId: req.stepId, agentId: req.agentId };
  const onTextDelta = req.output ? undefined : req.onTextDelta; // a JSON output is not streamed
  let calls = 0;

  for (let step = 0; calls < maxAttempts && step < plan.length + maxAttempts; step++) {
    const entry = plan[step % plan.length]!;
    const revisit = step >= plan.length;
    if (revisit) {
      // come back only to models that failed transiently (not after a timeout: that would double the wait)
      const previous = lastFailure.get(entry.id);
      if (!previous || !REVISITABLE.has(previous.kind)) continue;
    }
    const provider = catalog.providers.get(entry.providerId)!;

    // Retry-After of this provider
    const wait = heldUntil(provider.id) - now();
    const backoff =
      revisit && !(heldUntil(provider.id) > 0 || lastFailure.get(entry.id)?.retryAfterMs !== undefined)
        ? retryBackoffMs * 2 ** Math.floor(step / plan.length - 1)
        : 0;
    if (wait > retryAfterCapMs) {
      attempts.push({
        modelId: entry.id,
        displayName: entry.displayName,
        outcome: "skipped",
        error: `${provider.name} asked to wait ${Math.ceil(wait / 1000)} s (Retry-After)`,
        latencyMs: 0,
      });
      continue;
    }
    if (Math.max(wait, backoff) > 0) await sleep(Math.max(wait, backoff), req.abortSignal);

    if (!breaker.allows(entry.id, entry.providerId)) {
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "circuit open after repeated failures", latencyMs: 0 });
      continue;
    }

    // a reasoning model thinks within its output limit: it gets room for that (./known-models.ts)
    const callReq = withReasoningRoom(entry, req);
    // budget: worst case for this model
    const estimateUsd = costOf(entry, promptTokens, callReq.maxOutputTokens);
    try {
      await assertWithinBudget(ctx, { runId: req.runId, estimateUsd, runLimitUsd: req.runBudgetUsd });
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
        attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "refused", error: error.message, latencyMs: 0 });
      }
      throw error;
    }

    // the outcome counts only if neither circuit changed state meanwhile (./circuit-breaker.ts)
    const permit = breaker.acquire(entry.id, entry.providerId);
    if (!permit) {
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "circuit open after repeated failures", latencyMs: 0 });
      continue;
    }

    // a permit of the process's model calls in flight (CADRE_MAX_CONCURRENT_MODEL_CALLS), waited for in line
    let releaseSlot: () => void;
    try {
      releaseSlot = await modelCallSlots().acquire(req.abortSignal);
    } catch (error) {
      permit.release();
      throw error;
    }
    calls++;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = req.abortSignal ? AbortSignal.any([req.abortSignal, timeout]) : timeout;
    let apiKey: string | undefined;
    let callbackFailed = false;
    const started = performance.now();
    try {
      metrics.gatewayCalls.inc({ provider: provider.kind });
      apiKey = await keyFor(ctx, provider, keys, req.runId);
      const model = languageModelFor(connectionOf(provider), entry.modelId, apiKey);
      let result: ModelAnswer;
      if (onTextDelta) {
        if (calls > 1) req.onStreamRestart?.();
        result = await streamAnswer(model, callReq, signal, (delta) => {
          try {
            onTextDelta(delta);
          } catch (error) {
            callbackFailed = true;
            throw error;
          }
        });
      } else {
        result = await generateAnswer(model, callReq, signal);
      }
      const latencyMs = Math.round(performance.now() - started);
      const tokens = tokenUsageOf(result.usage, { inputTokens: promptTokens, outputTokens: Math.ceil(result.text.length / 4) });
      const { inputTokens, outputTokens } = tokens;
      const costUsd = costOfUsage(usagePrices(entry), tokens);
      // the transport worked: the provider is fine, whatever the answer is worth (a bad answer is the answer's problem)
      permit.success();
      const answerProblem = answerProblemOf(result, callReq);
      const outcome: UsageOutcome = answerProblem ? "answer_invalid" : "ok";
      await writeUsageRow(ctx, req, {
        ...usageBase,
        ...usageName(entry),
        ...tokens,
        costUsd,
        latencyMs,
        outcome,
        ...(answerProblem ? { error: `${answerProblem.code}: ${answerProblem.message}` } : {}),
      });
      observe(ctx, entry.id, { latencyMs, outcome: "ok" });
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome, latencyMs });
      return {
        text: result.text,
        ...(req.output ? { object: result.object } : {}),
        finishReason: result.finishReason,
        ...(answerProblem ? { answerProblem } : {}),
        toolCalls: result.toolCalls,
        usage: { inputTokens, outputTokens },
        costUsd,
        latencyMs,
        model: { id: entry.id, modelId: entry.modelId, displayName: entry.displayName, providerKind: entry.providerKind },
        decision,
        attempts,
      };
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const callerAborted = req.abortSignal?.aborted === true || callbackFailed;
      const failure = classify(error, { timedOut: timeout.aborted && !callerAborted, callerAborted }, [apiKey], {
        baseUrl: provider.baseUrl,
        timeoutMs,
      });
      const outcome: UsageOutcome = failure.kind === "timeout" ? "timeout" : "error";
      metrics.gatewayErrors.inc({ provider: provider.kind, kind: failure.kind });
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
      });
      if (!NOT_THE_MODELS_FAULT.has(failure.kind)) {
        observe(ctx, entry.id, { latencyMs, outcome: failure.kind === "timeout" ? "timeout" : "error", error: failure.message });
      }
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome, error: failure.message, latencyMs });
      lastFailure.set(entry.id, failure);
      logger.warn(
        {
          workspaceId: ctx.workspaceId,
          requestId: ctx.requestId,
          runId: req.runId,
          modelRef: entry.id,
          providerId: provider.id,
          kind: failure.kind,
          status: failure.status,
          latencyMs,
          error: failure.message,
        },
        "model call failed",
      );
      if (failure.kind === "aborted") throw error;
      if (failure.retryAfterMs !== undefined) breaker.hold(provider.id, now() + failure.retryAfterMs);
      if (failure.kind === "config") continue; // this provider cannot be called as configured: try the next model
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
  const message = calls === 0 ? `No model could be called: ${summary}` : `All ${calls} model call${calls === 1 ? "" : "s"} failed: ${summary}`;
  // nothing on the route can be called before some time (open circuits, Retry-After): say when, for the run engine
  const recovery = earliestRecovery(plan, catalog.providers, now());
  throw new AppError("UPSTREAM_ERROR", message, { attempts }, recovery ?? undefined);
}

/**
 * When the first of these models may be called again, if none may be called now: the later of its circuit's
 * recovery and its provider's hold (Retry-After). Null when one of them may be called now.
 */
export function earliestRecovery(
  entries: readonly CatalogEntry[],
  providers: ReadonlyMap<string, ProviderInfo>,
  now: number,
): { retryAt: number; waitingFor: string } | null {
  const breaker = modelCircuitBreaker();
  let best: { at: number; provider: string } | null = null;
  for (const entry of entries) {
    const at = Math.max(breaker.recoversAt(entry.id, entry.providerId) ?? 0, breaker.heldUntil(entry.providerId) ?? 0);
    if (at <= now) return null;
    if (!best || at < best.at) best = { at, provider: providers.get(entry.providerId)?.name ?? entry.providerName };
  }
  return best ? { retryAt: best.at, waitingFor: best.provider } : null;
}

/**
 * The router's NO_FEASIBLE_MODEL when only open circuits stand in the way (its `details.coolingDown`): the same
 * error, with the time the first of those models recovers (`retryAt`) and its provider (`waitingFor`).
 */
export function coolingDownError(error: unknown, catalog: readonly CatalogEntry[]): unknown {
  if (!isAppError(error) || error.code !== "NO_FEASIBLE_MODEL") return error;
  const ids = error.details?.coolingDown;
  if (!Array.isArray(ids) || ids.length === 0) return error;
  const breaker = modelCircuitBreaker();
  const now = breaker.time();
  let best: { at: number; provider: string } | null = null;
  for (const entry of catalog) {
    if (!ids.includes(entry.id)) continue;
    const at = Math.max(breaker.recoversAt(entry.id, entry.providerId) ?? now, breaker.heldUntil(entry.providerId) ?? now);
    if (!best || at < best.at) best = { at, provider: entry.providerName };
  }
  if (!best) return error;
  return new AppError("NO_FEASIBLE_MODEL", error.message, error.details, { retryAt: Math.max(best.at, now), waitingFor: best.provider });
}

interface ModelAnswer {
  text: string;
  object?: unknown;
  finishReason: string;
  toolCalls: { toolName: string; input: unknown }[];
  usage: SdkUsage;
}

/** The system prompt, marked for the provider's prompt cache when it is long enough (./prompt-cache.ts). */
function instructionsOf(model: LanguageModelV4, system: string | undefined): Instructions | undefined {
  const providerOptions = systemCacheOptions(model.provider, system);
  return providerOptions && system ? { role: "system", content: system, providerOptions } : system;
}

function callSettings(model: LanguageModelV4, req: GenerateRequest, signal: AbortSignal) {
  return {
    model,
    instructions: instructionsOf(model, req.system),
    prompt: req.prompt,
    tools: req.tools,
    maxOutputTokens: req.maxOutputTokens,
    temperature: req.temperature,
    maxRetries: 0,
    abortSignal: signal,
    // spans of the call when tracing is on (server/observability/tracing.ts): never the prompt, the answer or headers
    telemetry: { isEnabled: tracingActive(), recordInputs: false, recordOutputs: false, functionId: "cadre.gateway" },
  };
}

/** The parsed output; undefined when there was none to parse (an empty answer: the SDK's getter throws then). */
function outputOf(result: { output: unknown }): unknown {
  try {
    return result.output ?? undefined;
  } catch {
    return undefined;
  }
}

async function generateAnswer(model: LanguageModelV4, req: GenerateRequest, signal: AbortSignal): Promise<ModelAnswer> {
  const result = await generateText({
    ...callSettings(model, req, signal),
    // JSON read leniently: a schema mismatch is the answer's problem, not a broken transport (./answer.ts)
    ...(req.output ? { output: lenientJsonOutput(req.output.schema) } : {}),
  });
  return {
    text: result.text,
    ...(req.output ? { object: outputOf(result) } : {}),
    finishReason: result.finishReason,
    toolCalls: result.toolCalls.map((call) => ({ toolName: call.toolName, input: call.input })),
    usage: result.usage,
  };
}

/**
 * One streamed call: the text deltas go to `onDelta` as they arrive. streamText does not throw: failures arrive as
 * `error` parts (the stream may even go on after a broken chunk) and timeouts / cancellations as an `abort` part;
 * only a connection lost mid-answer is thrown by the iteration. The first of them is thrown here, which also cancels
 * the stream (and with it the HTTP response).
 */
async function streamAnswer(model: LanguageModelV4, req: GenerateRequest, signal: AbortSignal, onDelta: (delta: string) => void): Promise<ModelAnswer> {
  if (typeof req.prompt === "string" && !req.tools && !tracingActive()) {
    const answer = await streamDirect(
      model,
      { system: req.system, prompt: req.prompt, maxOutputTokens: req.maxOutputTokens, temperature: req.temperature, signal },
      onDelta,
    );
    return { ...answer, toolCalls: [] };
  }
  const result = streamText({
    ...callSettings(model, req, signal),
    // the default handler would console.error the error, request body (the prompt) included; errors are read below
    onError: () => {},
  });
  let text = "";
  const toolCalls: ModelAnswer["toolCalls"] = [];
  let usage: LanguageModelUsage | undefined;
  let finishReason = "unknown";
  for await (const part of result.stream) {
    switch (part.type) {
      case "text-delta":
        text += part.text;
        onDelta(part.text);
        break;
      case "tool-call":
        toolCalls.push({ toolName: part.toolName, input: part.input });
        break;
      case "finish":
        usage = part.totalUsage;
        finishReason = part.finishReason;
        break;
      case "error":
        throw part.error;
      case "abort":
        throw signal.reason ?? new DOMException(part.reason ?? "The call was aborted", "AbortError");
    }
  }
  if (!usage) throw new NoContentGeneratedError({ message: "The stream ended without finishing" });
  return { text, toolCalls, usage, finishReason };
}

export async function keyFor(
  ctx: TenantContext,
  provider: ProviderInfo,
  cache: Map<string, string | undefined>,
  runId: string | undefined,
): Promise<string | undefined> {
  if (cache.has(provider.id)) return cache.get(provider.id);
  const key = provider.secretId ? await revealSecret(ctx, provider.secretId, { purpose: `provider:${provider.id}`, runId }) : undefined;
  cache.set(provider.id, key);
  return key;
}

export function connectionOf(provider: ProviderInfo): ProviderConnection {
  return {
    id: provider.id,
    kind: provider.kind as ProviderConnection["kind"],
    name: provider.name,
    baseUrl: provider.baseUrl,
    isLocal: provider.isLocal,
    settings: settingsOf(provider.settings),
    egress: provider.egress,
  };
}

// ---------------------------------------------------------------------------------------------------
// routing.try: a real call from the Routing page's tester

/** Routes a policy and calls the model for real (billed and recorded like any call); the answer and the attempts. */
export async function tryRoute(ctx: TenantContext, input: z.output<typeof tryRouteInputSchema>): Promise<z.input<typeof tryRouteResultSchema>> {
  const result = await generate(ctx, {
    policy: input.policy,
    system: input.system,
    prompt: input.prompt,
    maxOutputTokens: input.maxOutputTokens,
    timeoutMs: TRY_TIMEOUT_MS,
  });
  return {
    text: result.text,
    model: result.model,
    usage: result.usage,
    costUsd: result.costUsd,
    latencyMs: result.latencyMs,
    attempts: result.attempts,
    explanation: result.decision.explanation,
  };
}
