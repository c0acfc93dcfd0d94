/**
 * The gateway against real latencies and real invoices, through the LLM stub: first-byte and idle timeouts of
 * streams, one retry budget per step, fall-through on a revoked key / retired model / too small a context window /
 * a rejected structured output, an out-of-quota 429 as terminal, and rate limits and Retry-After shared by every
 * caller through the database.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { type TestWorkspace, appErrorOf as failure } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { modelCircuitBreaker } from "./circuit-breaker";
import { invalidateCatalogCache } from "./catalog-cache";
import { configureGateway, generate, type GenerateRequest } from "./gateway";
import { configureTimeouts } from "./timeouts";
import { RetryBudget, withRetryBudget } from "./retry-budget";
import { forgetModelQuirks } from "./model-quirks";
import { configureRateLimits, forgetProviderHolds, HOLD_TTL_MS } from "./rate-limits";
import { configureSteps, createPostgresStep, StepFailedError } from "@/server/jobs/step";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("gwf");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => {
  ({ stub, ws, ctx } = gw);
  forgetModelQuirks();
});
afterEach(() => {
  configureTimeouts();
});

const ask = (over: Partial<GenerateRequest> = {}) => askAnyModel("hello fallback gateway", over);
const streamed = (over: Partial<GenerateRequest> = {}) => ask({ onTextDelta: () => {}, onStreamRestart: () => {}, ...over });
const modelsCalled = () => stub.calls.filter((c) => c.path !== "/v1/models").map((c) => c.model);

describe("timeouts of streams", () => {
  it("a model that sends nothing within the first-byte timeout is left for the next, long before the whole-call timeout", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2 });
    configureTimeouts({ firstByteMs: 300 });
    stub.fail({ delayMs: 5_000, model: "a" });
    const started = Date.now();
    const result = await generate(ctx, streamed());
    expect(result.model.modelId).toBe("b");
    expect(result.attempts.map((a) => a.outcome)).toEqual(["timeout", "ok"]);
    expect(result.attempts[0]!.error).toContain("first-byte timeout");
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it("a stream that stalls longer than the idle timeout is left for the next model", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2 });
    configureTimeouts({ idleMs: 300 });
    stub.fail({ midStream: { afterChunks: 2, kind: "stall" }, model: "a" });
    const started = Date.now();
    const result = await generate(ctx, streamed({ timeoutMs: 20_000 }));
    expect(result.model.modelId).toBe("b");
    expect(result.attempts.map((a) => a.outcome)).toEqual(["timeout", "ok"]);
    expect(result.attempts[0]!.error).toContain("idle timeout");
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("the whole-call timeout grows with the output budget", async () => {
    const { callTimeouts } = await import("./timeouts");
    const small = callTimeouts(100);
    const large = callTimeouts(8_000);
    expect(large.totalMs).toBeGreaterThan(small.totalMs);
    expect(callTimeouts(10_000_000).totalMs).toBe(10 * 60_000);
    expect(callTimeouts(100, { timeouts: { firstByteMs: 5_000 } }).firstByteMs).toBe(5_000);
  });
});

describe("one retry budget per step", () => {
  it("three step attempts of a failing call make at most 1 + retries paid calls, not attempts × gateway attempts", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2 });
    await gw.addModel(provider.id, "c", { inputPrice: 3 });
    modelCircuitBreaker().configure({ failureThreshold: 100 });
    stub.fail({ status: 500, times: 20 });
    // what the step runner does (server/jobs/step.ts): one budget, each attempt after the first takes a retry
    const budget = new RetryBudget(2);
    await withRetryBudget(budget, async () => {
      for (let attempt = 1; attempt <= 3; attempt++) {
        if (attempt > 1 && !budget.take()) break;
        await failure(generate(ctx, ask()));
      }
    });
    expect(modelsCalled().length).toBe(3);
  });

  it("the step runner shares its budget with the gateway: a failing step makes 1 + retries paid calls", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2 });
    await gw.addModel(provider.id, "c", { inputPrice: 3 });
    modelCircuitBreaker().configure({ failureThreshold: 100 });
    stub.fail({ status: 500, times: 20 });
    configureSteps({ maxAttempts: 3, baseDelayMs: 1 });
    try {
      const run = await db().run.create({
        data: {
          id: newId("run"),
          workspaceId: ws.id,
          targetType: "agent",
          input: "x",
          status: "running",
          createdByType: "user",
          createdById: ws.users.owner.id,
        },
      });
      const step = createPostgresStep({ runId: run.id, workspaceId: ws.id });
      const error = await step.run("call", () => generate(ctx, ask({ runId: run.id }))).catch((e: unknown) => e);
      await step.flush();
      expect(error).toBeInstanceOf(StepFailedError);
      expect(modelsCalled().length).toBe(3); // 3 step attempts × 3 gateway attempts would be 9
    } finally {
      configureSteps();
    }
  });
});

describe("fall-through on failures of one model or key", () => {
  it("401 (a revoked key): another provider's model answers; the model's and its provider's circuits open", async () => {
    const revoked = await gw.addProvider();
    const a = await gw.addModel(revoked.id, "a", { inputPrice: 1 });
    const a2 = await gw.addModel(revoked.id, "a2", { inputPrice: 1.5 });
    const other = await gw.addProvider();
    await gw.addModel(other.id, "b", { inputPrice: 2 });
    stub.fail({ status: 401, model: "a" });
    const result = await generate(ctx, ask());
    expect(result.model.modelId).toBe("b");
    expect(modelsCalled()).toEqual(["a", "b"]); // a2 (same key) is not called
    expect(result.attempts.map((x) => x.outcome)).toEqual(["error", "skipped", "ok"]);
    expect(modelCircuitBreaker().state(a.id)).toBe("open");
    expect(modelCircuitBreaker().allows(a2.id, revoked.id)).toBe(false);
  });

  it("404 (a retired model) falls through too; with nothing else, a non-retryable error", async () => {
    const provider = await gw.addProvider();
    const a = await gw.addModel(provider.id, "a", { inputPrice: 1 });
    stub.fail({ status: 404, model: "a" });
    const error = await failure(generate(ctx, ask()));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.retryable).toBe(false);
    expect(error.retryAt).toBeUndefined();
    expect(modelCircuitBreaker().state(a.id)).toBe("open");
  });

  it("a context-length error: the next model with a larger window, smaller ones skipped", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "small", { inputPrice: 1, contextWindow: 8_192 });
    await gw.addModel(provider.id, "small2", { inputPrice: 1.5, contextWindow: 8_192 });
    await gw.addModel(provider.id, "large", { inputPrice: 3, contextWindow: 200_000 });
    stub.fail({ status: 400, errorCode: "context_length_exceeded", model: "small" });
    const result = await generate(ctx, ask());
    expect(result.model.modelId).toBe("large");
    expect(modelsCalled()).toEqual(["small", "large"]);
  });

  it("a model that rejects a structured output gets no structured call again", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2 });
    stub.fail({ status: 400, errorCode: "structured_output_unsupported", model: "a" });
    const output = { schema: z.object({ answer: z.string() }) };
    const first = await generate(ctx, ask({ output }));
    expect(first.model.modelId).toBe("b");
    const second = await generate(ctx, ask({ output }));
    expect(second.model.modelId).toBe("b");
    // plain text still goes to a
    const plain = await generate(ctx, ask());
    expect(plain.model.modelId).toBe("a");
    expect(modelsCalled()).toEqual(["a", "b", "b", "a"]);
  });

  it("an insufficient_quota 429 is terminal: no other call, not retryable", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2 });
    stub.fail({ status: 429, errorCode: "insufficient_quota" });
    const error = await failure(generate(ctx, ask()));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.retryable).toBe(false);
    expect(modelsCalled()).toEqual(["a"]);
  });
});

describe("Anthropic's words for the same failures", () => {
  it("a credit-balance error is terminal; a prompt too long moves on to a larger window", async () => {
    const provider = await gw.addProvider({ kind: "anthropic" });
    await gw.addModel(provider.id, "small", { inputPrice: 1, contextWindow: 8_192 });
    await gw.addModel(provider.id, "large", { inputPrice: 3, contextWindow: 200_000 });
    stub.fail({ status: 400, errorCode: "context_length_exceeded", model: "small" });
    expect((await generate(ctx, ask())).model.modelId).toBe("large");
    stub.fail({ status: 400, errorCode: "insufficient_quota" });
    const error = await failure(generate(ctx, ask()));
    expect(error.retryable).toBe(false);
    expect(modelsCalled()).toEqual(["small", "large", "small"]);
  });
});

describe("rate limits per provider, shared through the database", () => {
  // an hour-long window: a test never straddles two windows (the limits apply per window)
  beforeEach(() => void configureRateLimits({ windowMs: 3_600_000 }));
  afterEach(() => void configureRateLimits());

  it("requests per minute hold across callers and processes: the third call waits or moves on", async () => {
    const limited = await gw.addProvider({ rpmLimit: 2 });
    await gw.addModel(limited.id, "a", { inputPrice: 1 });
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    await generate(ctx, ask());
    modelCircuitBreaker().reset(); // another process: nothing in memory
    await generate(ctx, ask());
    modelCircuitBreaker().reset();
    const error = await failure(generate(ctx, ask()));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.message).toContain("rate limit");
    expect(error.retryAt).toBeGreaterThan(Date.now());
    expect(modelsCalled()).toEqual(["a", "a"]);
    // another provider without limits is unaffected
    const free = await gw.addProvider();
    await gw.addModel(free.id, "b", { inputPrice: 2 });
    invalidateCatalogCache(ws.id);
    modelCircuitBreaker().reset();
    expect((await generate(ctx, ask())).model.modelId).toBe("b");
  });

  it("concurrent callers share the window: of four parallel calls at 2 requests per minute, two reach the provider", async () => {
    const limited = await gw.addProvider({ rpmLimit: 2 });
    await gw.addModel(limited.id, "a", { inputPrice: 1 });
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    const outcomes = await Promise.allSettled([1, 2, 3, 4].map(() => generate(ctx, ask())));
    expect(outcomes.filter((o) => o.status === "fulfilled")).toHaveLength(2);
    expect(modelsCalled()).toEqual(["a", "a"]);
  });

  it("tokens per minute count the prompt estimate and the maximum output while calls run (then what they used)", async () => {
    const limited = await gw.addProvider({ tpmLimit: 250 });
    await gw.addModel(limited.id, "a", { inputPrice: 1 });
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    stub.hold();
    const running = [generate(ctx, ask({ maxOutputTokens: 100 })), generate(ctx, ask({ maxOutputTokens: 100 }))];
    for (let i = 0; i < 200 && stub.calls.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    modelCircuitBreaker().reset();
    await failure(generate(ctx, ask({ maxOutputTokens: 100 })));
    stub.release();
    await Promise.all(running);
    expect(modelsCalled()).toEqual(["a", "a"]);
    // done: the window holds what the two calls used (server/models/rate-correction.test.ts), room for a third
    modelCircuitBreaker().reset();
    await generate(ctx, ask({ maxOutputTokens: 100 }));
    expect(modelsCalled()).toEqual(["a", "a", "a"]);
  });

  it("a Retry-After holds the provider for every process: after a restart, no call until then", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    stub.fail({ status: 429, retryAfterSeconds: 30 });
    await failure(generate(ctx, ask()));
    modelCircuitBreaker().reset(); // another process: nothing in memory
    forgetProviderHolds();
    const error = await failure(generate(ctx, ask()));
    expect(error.retryAt).toBeGreaterThan(Date.now() + 20_000);
    expect(modelsCalled()).toEqual(["a"]);
  });

  it("a provider without limits counts nothing; another process's Retry-After reaches this one within HOLD_TTL_MS", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    await generate(ctx, ask());
    await generate(ctx, ask());
    expect(await db().providerRateWindow.count({ where: { providerId: provider.id } })).toBe(0); // no window counted
    // another process holds the provider (its 429's Retry-After)
    await db().providerRateWindow.create({
      data: { providerId: provider.id, workspaceId: ws.id, windowStart: new Date(), notBefore: new Date(Date.now() + 60_000) },
    });
    await new Promise((resolve) => setTimeout(resolve, HOLD_TTL_MS + 50));
    await generate(ctx, ask()); // made on the stale copy, which is reloaded meanwhile
    await new Promise((resolve) => setTimeout(resolve, 50));
    const error = await failure(generate(ctx, ask()));
    expect(error.retryAt).toBeGreaterThan(Date.now() + 50_000);
    expect(modelsCalled()).toEqual(["a", "a", "a"]);
  });
});
