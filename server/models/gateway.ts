/**
 * The model gateway: every model call of Cadre goes through `generate`.
 *
 * One call:
 * 1. the workspace's catalog (the simulator is seeded lazily for old workspaces) and the policy (pinned / preset /
 *    constraints) give a route: the chosen model and its ordered fallbacks. Tools offered add the "tools"
 *    capability to the requirements, a JSON output the "json" one. Models whose circuit breaker is open are skipped.
 * 2. the prompt size is estimated (system + prompt + tool definitions, ./token-estimate.ts): a character heuristic
 *    for routing (CJK one token a character, symbols of code and JSON double, prose characters / 4), the model's own
 *    tokenizer for the budget where its family's is known (OpenAI). The output side always uses the full
 *    maxOutputTokens, so the budget reservation is a worst case on that side.
 * 3. for each model of [chosen, ...fallbacks], at most `maxAttempts` calls (default 3):
 *    - the worst-case estimate for THAT model is reserved against the budgets (server/ledger/reservations.ts; the
 *      call's usage row settles it, and a call that broke after the provider began to bill records an estimated
 *      cost); a refusal records a `refused` usage row
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
 *      and UPSTREAM_ERROR is thrown with a safe message (provider, status, the fault's class and a machine code;
 *      never a key, never the provider's own text: ./provider-errors.ts) and
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
import { generateDirect, streamDirect } from "./stream-direct";
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
import { newId } from "@/lib/ids";
import { sendCallInFlight } from "@/server/ledger/calls-in-flight";
import { releaseReservation, reserveBudget, type BudgetReservation } from "@/server/ledger/reservations";
import { revealSecret } from "@/server/vault/service";
import { modelCircuitBreaker } from "./circuit-breaker";
import { settingsOf } from "@/lib/schemas/models";
import { withReasoningRoom } from "./known-models";
import { languageModelFor, loadProviderPackage, type ProviderConnection } from "./provider-factory";
import { metrics } from "@/server/observability/metrics";
import { tracingActive } from "@/server/observability/tracing";
import { isContextLengthError, isQuotaExhausted, isStructuredOutputUnsupported, isTimeoutError, safeProviderError, unwrapRetry } from "./provider-errors";
import type { CatalogEntry, RouteDecision } from "./router";
import { withTagQuality } from "./observed-quality";
import { ensureCatalogOnce, loadCatalog, resolvePolicy, routeFor, type ProviderInfo } from "./routing";
import { queueModelObservation, settleModelObservations, type ModelObservation } from "./stats";
import { modelCallSlots } from "./call-slots";
import { answerProblemOf, lenientJsonOutput, type AnswerProblem } from "./answer";
import { callTimeouts, StreamWatchdog, type CallTimeouts } from "./timeouts";
import { currentRetryBudget } from "./retry-budget";
import { rememberNoStructuredOutput, rejectsStructuredOutput, withLearnedLimits } from "./model-quirks";
import { holdProvider, rateCorrectionSql, refundRateCharge, waitForRateSlot } from "./rate-limits";
import { countTextTokens, loadTokenizers, tokenizerOf } from "./token-estimate";

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
  /** the whole call's timeout; default: scaled to maxOutputTokens (./timeouts.ts) */
  timeoutMs?: number;
  /** an agent's own limits: whole call, first byte and idle pause of a stream (./timeouts.ts) */
  timeouts?: Partial<CallTimeouts>;
  /**
   * Sends this call's usage rows with the caller's own writes (the run engine queues them in order with its other
   * writes, see server/jobs/step.ts): it receives each row's INSERT and returns a promise that settles when the row
   * has committed, which the gateway awaits before anything else. Without it, each row is written on its own.
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
  /** Diversity: the models the other participants of this topology step use (see RouteForInput.spread) */
  spread?: Set<string>;
  /** Models to rank last whatever the policy says (see RouteForInput.avoid) */
  avoidModels?: ReadonlySet<string>;
  /** The run's task tags: each model's quality is its judged quality for these tags (./observed-quality.ts qualityForTags) */
  taskTags?: readonly string[];
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
  toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
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
  /** a fixed whole-call timeout when the request gives none (tests); default: scaled per call (./timeouts.ts) */
  defaultTimeoutMs?: number;
  /** wait before calling a model again that failed without a Retry-After (doubles per round) */
  retryBackoffMs: number;
}

const TRY_TIMEOUT_MS = 30_000;

const DEFAULT_SETTINGS: GatewaySettings = { maxAttempts: 3, retryAfterCapMs: 10_000, retryBackoffMs: 250 };
let settings: GatewaySettings = { ...DEFAULT_SETTINGS };

/** Changes the gateway's limits (tests shorten them); `undefined` restores the defaults. */
export function configureGateway(patch?: Partial<GatewaySettings>): GatewaySettings {
  settings = patch ? { ...settings, ...patch } : { ...DEFAULT_SETTINGS };
  return settings;
}

// ---------------------------------------------------------------------------------------------------
// Prompt size

/**
 * The prompt's tokens: the system prompt, the prompt (text parts of messages, one token of framing per message) and
 * the tool definitions, counted with the model's tokenizer when its family's is known (`modelId`), else with the
 * character heuristic of ./token-estimate.ts.
 */
export function estimatePromptTokens(req: Pick<GenerateRequest, "system" | "prompt" | "tools">, modelId?: string): number {
  const count = (text: string) => countTextTokens(text, modelId);
  let tokens = req.system ? count(req.system) : 0;
  if (typeof req.prompt === "string") tokens += count(req.prompt);
  else for (const message of req.prompt) tokens += contentTokens(message.content, count) + 1;
  if (req.tools) {
    for (const [name, t] of Object.entries(req.tools)) {
      tokens += count(name) + (typeof t.description === "string" ? count(t.description) : 0);
      const schema = (t as { inputSchema?: unknown }).inputSchema;
      tokens += schemaTokens(schema, count);
    }
  }
  return tokens;
}

function contentTokens(content: unknown, count: (text: string) => number): number {
  if (typeof content === "string") return count(content);
  if (!Array.isArray(content)) return 0;
  let tokens = 0;
  for (const part of content as { type?: string; text?: unknown; input?: unknown; output?: unknown }[]) {
    if (typeof part.text === "string") tokens += count(part.text);
    else if (part.type === "tool-call") tokens += count(safeJson(part.input));
    else if (part.type === "tool-result") tokens += count(safeJson(part.output));
    else if (part.type === "image" || part.type === "file") tokens += 765; // a typical image
  }
  return tokens;
}

function schemaTokens(schema: unknown, count: (text: string) => number): number {
  if (!schema || typeof schema !== "object") return 0;
  // a zod 4 schema has toJSONSchema; an AI SDK Schema has jsonSchema; plain JSON schema objects stringify as they are
  const s = schema as { jsonSchema?: unknown; "~standard"?: unknown };
  if (s.jsonSchema && typeof s.jsonSchema === "object") return count(safeJson(s.jsonSchema));
  if (s["~standard"]) return 50; // a schema object we cannot cheaply serialise: a typical small tool schema
  return count(safeJson(schema));
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return "";
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
  | "not_found"
  | "quota"
  | "context_length"
  | "unsupported_output"
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
/**
 * Failures of this model (or its key) that another model may not share: the next model of the route is tried and
 * the failed one is not called again in this generate. auth / not_found open the model's circuit (and auth its
 * provider's: a revoked key fails every model of it); context_length moves on to a larger context window only;
 * unsupported_output is remembered (./model-quirks.ts) so structured calls are routed elsewhere afterwards.
 */
export const FALL_THROUGH: ReadonlySet<FailureKind> = new Set(["auth", "not_found", "context_length", "unsupported_output"]);
/** Failures that do not say anything about the model itself: no observation. */
export const NOT_THE_MODELS_FAULT: ReadonlySet<FailureKind> = new Set(["request", "config", "aborted", "unknown", "context_length", "unsupported_output"]);

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
    // an account out of credit (OpenAI's insufficient_quota 429, Anthropic's credit balance 400): terminal
    if (status >= 400 && isQuotaExhausted(error)) return { kind: "quota", status, message };
    if (status === 429) return { kind: "rate_limited", status, retryAfterMs, message };
    if (status === 408) return { kind: "timeout", status, message };
    // 409: the provider's own conflict (a request in flight, a lock), transient like 429: the only other 4xx retried
    if (status === 409) return { kind: "conflict", status, retryAfterMs, message };
    if (status >= 500) return { kind: "server", status, retryAfterMs, message };
    if (status === 401 || status === 403) return { kind: "auth", status, message };
    if (status === 404) return { kind: "not_found", status, message };
    if (status >= 400 && isContextLengthError(error)) return { kind: "context_length", status, message };
    if (status >= 400 && isStructuredOutputUnsupported(error)) return { kind: "unsupported_output", status, message };
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

/**
 * The call in flight, sent as it starts and committed while it runs: if this process dies before the call's usage
 * row, that row is written for it at the worst-case estimate (server/ledger/calls-in-flight.ts). The id the call's
 * usage row must carry; none for the simulator, which bills nothing.
 */
export function callInFlight(
  ctx: TenantContext,
  provider: { kind: string },
  entry: CatalogEntry,
  call: { runId?: string; stepId?: string; agentId?: string; inputTokens: number; outputTokens: number; timeoutMs: number },
): string | undefined {
  if (provider.kind === "simulator") return undefined;
  const id = newId("use");
  void sendCallInFlight(ctx, { id, ...call, ...usageName(entry), costUsd: costOf(entry, call.inputTokens, call.outputTokens) });
  return id;
}

/**
 * One usage row: with the caller's writes (in order with them) or alone; either way committed before this returns, so
 * that no other provider call is made and no step finishes while a billed call has no durable row (the ledger is
 * complete, see docs/architecture.md "Delivery semantics"). A failed write is thrown.
 */
export async function writeUsageRow(ctx: TenantContext, req: Pick<GenerateRequest, "writeUsage">, input: UsageInput): Promise<void> {
  if (!req.writeUsage) return recordUsage(ctx, input);
  const usage = prepareUsage(ctx, input);
  const write = req.writeUsage(usage.sql);
  await usage.track(write);
  try {
    await write;
  } catch (error) {
    if (error !== null && typeof error === "object") failedUsageWrites.add(error);
    throw error;
  }
}

/** The usage row's `alongside` writes: the correction of the rate window, when there is one. */
const alongside = (correction: Sql | null): { alongside?: Sql[] } => (correction ? { alongside: [correction] } : {});

/** Errors of usage writes (not of the provider): a call that got its answer is not counted as a failure for them. */
const failedUsageWrites = new WeakSet<object>();

export async function generate(ctx: TenantContext, req: GenerateRequest): Promise<GenerateResult> {
  const { maxAttempts, retryAfterCapMs, retryBackoffMs } = settings;
  const breaker = modelCircuitBreaker();
  // one retry budget for the step's attempts and this call's fallbacks and retries (./retry-budget.ts)
  const retryBudget = currentRetryBudget();

  await ensureCatalogOnce(ctx);
  const [resolved, catalog] = await Promise.all([resolvePolicy(ctx, req.policy), loadCatalog(ctx)]);
  // models that rejected a structured output are not offered one again (./model-quirks.ts)
  const promptTokens = estimatePromptTokens(req);
  // the prompt counted with the tokenizer of a model's family where known (./token-estimate.ts), when needed
  const tokenized = new Map<string, number>();
  const promptTokensOf = (entry: CatalogEntry): number => {
    const tokenizer = tokenizerOf(entry.modelId);
    if (!tokenizer) return promptTokens;
    let n = tokenized.get(tokenizer);
    if (n === undefined) tokenized.set(tokenizer, (n = estimatePromptTokens(req, entry.modelId)));
    return n;
  };
  const needs: string[] = [];
  if (req.tools && Object.keys(req.tools).length) needs.push("tools");
  if (req.output) needs.push("json");
  const routable = withTagQuality(withLearnedLimits(catalog.entries, needs), catalog.qualityByTag, req.taskTags);
  let decision: RouteDecision;
  try {
    decision = routeFor(routable, {
      resolved,
      promptTokens,
      maxOutputTokens: req.maxOutputTokens,
      needs,
      openCircuits: breaker.openIds(catalog.entries),
      realProviderEnabled: catalog.realProviderEnabled ?? false,
      forCall: true,
      ...(req.spread ? { spread: req.spread } : {}),
      ...(req.avoidModels ? { avoid: req.avoidModels } : {}),
    });
  } catch (error) {
    throw coolingDownError(error, catalog.entries);
  }

  const plan = [decision.chosen, ...decision.fallbacks];
  // the tokenizers of the models this call may use, before anything is counted with them (./token-estimate.ts)
  await loadTokenizers(plan);
  const attempts: GenerateAttempt[] = [];
  // a provider's Retry-After holds it for every caller of this process (the breaker keeps it): no request storm
  const heldUntil = (providerId: string) => breaker.heldUntil(providerId) ?? 0;
  const now = () => breaker.time();
  const lastFailure = new Map<string, Failure>(); // model id -> its last failure in this call
  const keys = new Map<string, string | undefined>(); // providerId -> decrypted key
  const usageBase = { runId: req.runId, stepId: req.stepId, agentId: req.agentId };
  const onTextDelta = req.output ? undefined : req.onTextDelta; // a JSON output is not streamed
  let calls = 0;
  /** models not to call again in this generate (a revoked key, a retired model, a too small window, …) */
  const dropped = new Set<string>();
  /** after a context-length error: only larger windows than this */
  let minContextWindow = 0;
  /** failures and skips that may pass with time (the rest say the request cannot succeed as it is) */
  let transient = 0;
  /** circuits this generate opened (a revoked key): skips because of them are not transient */
  const tripped = new Set<string>();

  for (let step = 0; calls < maxAttempts && step < plan.length + maxAttempts; step++) {
    const entry = plan[step % plan.length]!;
    const revisit = step >= plan.length;
    if (dropped.has(entry.id)) continue;
    if (minContextWindow > 0 && entry.contextWindow <= minContextWindow) {
      if (!revisit) attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "context window too small", latencyMs: 0 });
      continue;
    }
    if (req.output && rejectsStructuredOutput(entry.id)) continue;
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
      transient++;
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
      if (!tripped.has(entry.providerId) && !tripped.has(entry.id)) transient++;
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "circuit open after repeated failures", latencyMs: 0 });
      continue;
    }

    // a reasoning model thinks within its output limit: it gets room for that (./known-models.ts)
    const callReq = withReasoningRoom(entry, req);
    // its timeouts: scaled to that room, with the model's own figures (./timeouts.ts); the request's overrides win
    const timeouts = callTimeouts(callReq.maxOutputTokens, { timeoutMs: req.timeoutMs ?? settings.defaultTimeoutMs, timeouts: req.timeouts }, entry);
    const timeoutMs = timeouts.totalMs;
    // budget: the worst case for this model, reserved until its usage row settles it (server/ledger/reservations.ts)
    let reservation: BudgetReservation | null;
    try {
      reservation = await reserveBudget(ctx, {
        runId: req.runId,
        estimateUsd: () => costOf(entry, promptTokensOf(entry), callReq.maxOutputTokens),
        runLimitUsd: req.runBudgetUsd,
        ttlMs: timeoutMs,
      });
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

    // a second model call of this generate takes a retry of the step's budget (./retry-budget.ts)
    if (calls > 0 && retryBudget && !retryBudget.take()) {
      await releaseReservation(ctx, reservation);
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "the step's retry budget is spent", latencyMs: 0 });
      break;
    }
    // the provider's shared rate limits and "not before" time (./rate-limits.ts): wait for a slot, or move on; the
    // tokens charged (an estimate) are corrected to the call's usage by the statement of its usage row
    let slot: Awaited<ReturnType<typeof waitForRateSlot>>;
    try {
      slot = await waitForRateSlot(ctx, provider, promptTokens + callReq.maxOutputTokens, retryAfterCapMs, req.abortSignal);
    } catch (error) {
      await releaseReservation(ctx, reservation);
      throw error;
    }
    const { waitMs: slotWait, charge } = slot;
    if (slotWait > 0) {
      await releaseReservation(ctx, reservation);
      transient++;
      breaker.hold(provider.id, now() + slotWait);
      attempts.push({
        modelId: entry.id,
        displayName: entry.displayName,
        outcome: "skipped",
        error: `${provider.name} is at its rate limit for ${Math.ceil(slotWait / 1000)} s`,
        latencyMs: 0,
      });
      continue;
    }

    // the outcome counts only if neither circuit changed state meanwhile (./circuit-breaker.ts)
    const permit = breaker.acquire(entry.id, entry.providerId);
    if (!permit) {
      transient++;
      await Promise.all([releaseReservation(ctx, reservation), refundRateCharge(ctx, charge)]);
      attempts.push({ modelId: entry.id, displayName: entry.displayName, outcome: "skipped", error: "circuit open after repeated failures", latencyMs: 0 });
      continue;
    }

    // a permit of the process's model calls in flight (CADRE_MAX_CONCURRENT_MODEL_CALLS), waited for in line
    let releaseSlot: () => void;
    try {
      releaseSlot = await modelCallSlots().acquire(req.abortSignal);
    } catch (error) {
      permit.release();
      await Promise.all([releaseReservation(ctx, reservation), refundRateCharge(ctx, charge)]);
      throw error;
    }
    const callId = callInFlight(ctx, provider, entry, { ...usageBase, inputTokens: promptTokensOf(entry), outputTokens: callReq.maxOutputTokens, timeoutMs });
    calls++;
    const timeout = AbortSignal.timeout(timeoutMs);
    // streams: a first-byte and an idle timeout besides the whole call's (./timeouts.ts)
    const watchdog = onTextDelta ? new StreamWatchdog(timeouts) : undefined;
    const signals = [timeout, ...(req.abortSignal ? [req.abortSignal] : []), ...(watchdog ? [watchdog.signal] : [])];
    const signal = signals.length === 1 ? timeout : AbortSignal.any(signals);
    let apiKey: string | undefined;
    let callbackFailed = false;
    let received = ""; // the streamed text so far: a cut stream's usage is estimated from it
    let firstTextAt: number | undefined; // streamed calls: when the first text arrived (time to first token)
    const started = performance.now();
    try {
      metrics.gatewayCalls.inc({ provider: provider.kind });
      apiKey = await keyFor(ctx, provider, keys, req.runId);
      await loadProviderPackage(provider.kind);
      const model = languageModelFor(connectionOf(provider), entry.modelId, apiKey);
      let result: ModelAnswer;
      if (onTextDelta) {
        if (calls > 1) req.onStreamRestart?.();
        result = await streamAnswer(model, callReq, signal, watchdog, (delta) => {
          received += delta;
          firstTextAt ??= performance.now();
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
      const tokens = tokenUsageOf(result.usage, { inputTokens: promptTokensOf(entry), outputTokens: Math.ceil(result.text.length / 4) });
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
        callId,
        reservation,
        ...alongside(rateCorrectionSql(ctx, provider, charge, inputTokens + outputTokens)),
      });
      observe(ctx, entry.id, {
        latencyMs,
        outcome: "ok",
        outputTokens,
        ...(firstTextAt !== undefined ? { ttftMs: Math.round(firstTextAt - started) } : {}),
      });
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
      // the answer came but its usage row could not be written: the caller's writes failed (the run stops and resumes)
      if (failedUsageWrites.has(error as object)) throw error;
      const latencyMs = Math.round(performance.now() - started);
      const callerAborted = req.abortSignal?.aborted === true || callbackFailed;
      const stalled = watchdog?.fired != null && !callerAborted;
      const failure = classify(error, { timedOut: (timeout.aborted || stalled) && !callerAborted, callerAborted }, [apiKey], {
        baseUrl: provider.baseUrl,
        timeoutMs,
      });
      if (stalled && !timeout.aborted) failure.message = watchdog!.message();
      const outcome: UsageOutcome = failure.kind === "timeout" ? "timeout" : "error";
      metrics.gatewayErrors.inc({ provider: provider.kind, kind: failure.kind });
      const retryable = RETRYABLE.has(failure.kind);
      if (retryable) permit.failure(PROVIDER_FAULTS.has(failure.kind));
      else permit.release();
      if (retryable) transient++;
      if (FALL_THROUGH.has(failure.kind)) dropped.add(entry.id);
      // a revoked key or a retired model: open its circuit (a 401 fails every model of the connection: its too)
      if (failure.kind === "auth" || failure.kind === "not_found") {
        breaker.trip(entry.id);
        tripped.add(entry.id);
      }
      if (failure.kind === "auth" && failure.status === 401) {
        breaker.trip(provider.id, "provider");
        tripped.add(provider.id);
      }
      if (failure.kind === "unsupported_output" && req.output) rememberNoStructuredOutput(entry.id);
      if (failure.kind === "context_length") {
        minContextWindow = Math.max(minContextWindow, entry.contextWindow);
        for (const larger of largerWindows(
          routable,
          {
            resolved,
            promptTokens,
            maxOutputTokens: req.maxOutputTokens,
            needs,
            openCircuits: breaker.openIds(catalog.entries),
            realProviderEnabled: catalog.realProviderEnabled ?? false,
          },
          minContextWindow,
        ))
          if (!plan.some((e) => e.id === larger.id)) plan.push(larger);
      }
      // a stream cut after text arrived, or a call we timed out, was billed: its usage estimated from what we know
      const billed = received.length > 0 || (failure.kind === "timeout" && failure.status === undefined);
      const inputTokens = billed ? promptTokensOf(entry) : 0;
      const outputTokens = billed ? countTextTokens(received, entry.modelId) : 0;
      await writeUsageRow(ctx, req, {
        ...usageBase,
        ...usageName(entry),
        inputTokens,
        outputTokens,
        costUsd: billed ? costOf(entry, inputTokens, outputTokens) : 0,
        latencyMs,
        outcome,
        error: failure.message,
        ...(billed ? { estimated: true } : {}),
        callId,
        reservation,
        // the provider used what it billed (nothing when it refused or failed before answering)
        ...alongside(rateCorrectionSql(ctx, provider, charge, inputTokens + outputTokens)),
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
      if (failure.retryAfterMs !== undefined) {
        breaker.hold(provider.id, now() + failure.retryAfterMs);
        // shared with every caller of every process (./rate-limits.ts)
        await holdProvider(ctx, provider, Date.now() + failure.retryAfterMs).catch((holdError: unknown) =>
          logger.warn({ workspaceId: ctx.workspaceId, providerId: provider.id, error: String(holdError) }, "could not share the provider's Retry-After"),
        );
      }
      if (failure.kind === "config") continue; // this provider cannot be called as configured: try the next model
      if (FALL_THROUGH.has(failure.kind)) continue; // another model (another provider, a larger window) may succeed
      if (!retryable) {
        throw new AppError(
          "UPSTREAM_ERROR",
          `${entry.displayName} via ${provider.name} failed and the request is not retried: ${failure.message}`,
          { attempts },
          { retryable: false },
        );
      }
    } finally {
      watchdog?.stop();
      releaseSlot();
    }
  }

  const summary = attempts.map((a, i) => `${i + 1}) ${a.displayName}: ${a.outcome}${a.error ? ` (${a.error})` : ""}`).join("; ");
  const message = calls === 0 ? `No model could be called: ${summary}` : `All ${calls} model call${calls === 1 ? "" : "s"} failed: ${summary}`;
  // nothing on the route can be called before some time (open circuits, Retry-After): say when, for the run engine
  // only failures that say the request cannot succeed as it is (revoked keys, retired models, too long): no retry
  if (calls > 0 && transient === 0) throw new AppError("UPSTREAM_ERROR", message, { attempts }, { retryable: false });
  const recovery = earliestRecovery(plan, catalog.providers, now());
  throw new AppError("UPSTREAM_ERROR", message, { attempts }, recovery ?? undefined);
}

/**
 * The route again for a prompt that did not fit a window of `minWindow` tokens: the models of the policy with a
 * larger window, best first (none when the policy has none, or pins the model).
 */
function largerWindows(entries: CatalogEntry[], input: Parameters<typeof routeFor>[1], minWindow: number): CatalogEntry[] {
  try {
    const route = routeFor(entries, { ...input, promptTokens: Math.max(input.promptTokens, minWindow - input.maxOutputTokens + 1) });
    return [route.chosen, ...route.fallbacks].filter((e) => e.contextWindow > minWindow);
  } catch {
    return [];
  }
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
  toolCalls: { toolCallId: string; toolName: string; input: unknown }[];
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
  if (typeof req.prompt === "string" && !req.tools && !req.output && !tracingActive()) {
    const answer = await generateDirect(model, {
      system: req.system,
      prompt: req.prompt,
      maxOutputTokens: req.maxOutputTokens,
      temperature: req.temperature,
      signal,
    });
    return { ...answer, toolCalls: [] };
  }
  const result = await generateText({
    ...callSettings(model, req, signal),
    // JSON read leniently: a schema mismatch is the answer's problem, not a broken transport (./answer.ts)
    ...(req.output ? { output: lenientJsonOutput(req.output.schema) } : {}),
  });
  return {
    text: result.text,
    ...(req.output ? { object: outputOf(result) } : {}),
    finishReason: result.finishReason,
    toolCalls: result.toolCalls.map((call) => ({ toolCallId: call.toolCallId, toolName: call.toolName, input: call.input })),
    usage: result.usage,
  };
}

/**
 * One streamed call: the text deltas go to `onDelta` as they arrive. streamText does not throw: failures arrive as
 * `error` parts (the stream may even go on after a broken chunk) and timeouts / cancellations as an `abort` part;
 * only a connection lost mid-answer is thrown by the iteration. The first of them is thrown here, which also cancels
 * the stream (and with it the HTTP response).
 */
async function streamAnswer(
  model: LanguageModelV4,
  req: GenerateRequest,
  signal: AbortSignal,
  watchdog: StreamWatchdog | undefined,
  onDelta: (delta: string) => void,
): Promise<ModelAnswer> {
  if (typeof req.prompt === "string" && !req.tools && !tracingActive()) {
    const answer = await streamDirect(
      model,
      {
        system: req.system,
        prompt: req.prompt,
        maxOutputTokens: req.maxOutputTokens,
        temperature: req.temperature,
        signal,
        onActivity: watchdog ? () => watchdog.touch() : undefined,
      },
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
    if (part.type !== "start" && part.type !== "start-step") watchdog?.touch();
    switch (part.type) {
      case "text-delta":
        text += part.text;
        onDelta(part.text);
        break;
      case "tool-call":
        toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
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
