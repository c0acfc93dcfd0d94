/**
 * The gateway against the real provider code (@ai-sdk/openai-compatible) and the local LLM stub: routing, fallback
 * on 429 / 500 / timeout / network error, Retry-After, the circuit breaker, no retry on request errors, usage rows
 * and observed statistics feeding back into routing.
 */
import net from "node:net";
import { tool } from "ai";
import { beforeEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { z } from "zod";
import { testDb as db } from "@/test/db";
import { logger } from "@/server/logger";
import type { TenantContext } from "@/server/context";
import { costOf } from "@/server/ledger/record";
import { createSecret } from "@/server/vault/service";
import { uniq, type TestWorkspace, appErrorOf as failure } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { modelCircuitBreaker } from "./circuit-breaker";
import { configureGateway, estimatePromptTokens, generate, parseRetryAfter, settleObservations, type GenerateRequest } from "./gateway";
import { MIN_LATENCY_SAMPLES } from "./router";
import { configureLatencyProbes, explainRoute } from "./routing";

const gw = useStubGateway("gw");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const ask = (over: Partial<GenerateRequest> = {}) => askAnyModel("hello gateway", over);

const usageRows = () => db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });
const modelsCalled = () => stub.calls.filter((c) => c.path === "/v1/chat/completions").map((c) => c.model);

describe("generate: the happy path", () => {
  it("routes to the cheapest feasible model, records usage and an observation, decrypts the key", async () => {
    const secret = await createSecret(ctx, { name: `stub-key-${uniq()}`, value: "sk-stub-secret-value-123" });
    const provider = await gw.addProvider({ secretId: secret.id });
    const cheap = await gw.addModel(provider.id, "cheap", { inputPrice: 0.5, outputPrice: 1 });
    await gw.addModel(provider.id, "pricey", { inputPrice: 5, outputPrice: 10 });

    const result = await generate(ctx, ask({ runId: "run_happy", agentId: "agt_x" }));
    expect(result.text).toBe("[stub cheap] hello gateway");
    expect(result.model).toMatchObject({ id: cheap.id, modelId: "cheap", providerKind: "openai_compatible" });
    expect(result.attempts).toEqual([expect.objectContaining({ modelId: cheap.id, outcome: "ok" })]);
    expect(result.decision.fallbacks.map((m) => m.modelId)).toEqual(["pricey"]);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBe(costOf({ inputPrice: 0.5, outputPrice: 1 }, result.usage.inputTokens, result.usage.outputTokens));

    // the decrypted key went to the provider, and the use is attributed
    expect(stub.calls[0]!.apiKey).toBe("sk-stub-secret-value-123");
    const uses = await db().auditLog.findMany({ where: { workspaceId: ws.id, action: "secret.use" } });
    expect(uses).toHaveLength(1);
    expect(uses[0]!.metadata).toMatchObject({ purpose: `provider:${provider.id}`, runId: "run_happy" });

    const rows = await usageRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      outcome: "ok",
      modelRef: cheap.id,
      modelName: "cheap",
      runId: "run_happy",
      agentId: "agt_x",
      inputTokens: result.usage.inputTokens,
    });
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(result.costUsd, 10);

    await settleObservations(); // the statistics are written in the background
    const observed = await db().model.findUniqueOrThrow({ where: { id: cheap.id } });
    expect(observed.callCount).toBe(1);
    expect(observed.latencyP95Ms).not.toBeNull();
  });

  it("decrypts the key for every call but audits its use once per run (and on its own outside runs)", async () => {
    const secret = await createSecret(ctx, { name: `stub-key-${uniq()}`, value: "sk-stub-secret-value-456" });
    const provider = await gw.addProvider({ secretId: secret.id });
    await gw.addModel(provider.id, "cheap");
    for (let i = 0; i < 5; i++) await generate(ctx, ask({ runId: "run_one" }));
    await generate(ctx, ask({ runId: "run_two" }));
    await generate(ctx, ask());
    expect(stub.calls.map((c) => c.apiKey)).toEqual(Array(7).fill("sk-stub-secret-value-456"));
    const uses = await db().auditLog.findMany({ where: { workspaceId: ws.id, action: "secret.use" } });
    expect(uses).toHaveLength(3);
    expect(uses.map((u) => (u.metadata as { runId: string | null }).runId)).toEqual(expect.arrayContaining(["run_one", "run_two", null]));
    expect(JSON.stringify(uses)).not.toContain("sk-stub-secret-value-456");
  });

  it("a fresh workspace routes to the simulator", async () => {
    await db().provider.updateMany({ where: { workspaceId: ws.id, kind: "simulator" }, data: { enabled: true } });
    const result = await generate(ctx, ask({ policy: { type: "preset", preset: "balanced" } }));
    expect(result.model.providerKind).toBe("simulator");
    expect(result.text).toContain("[simulated]");
  });

  it("passes tools and structured output through, and requires the matching capabilities", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "plain", { inputPrice: 0.1, outputPrice: 0.1, capabilities: [] });
    await gw.addModel(provider.id, "capable", { inputPrice: 1, outputPrice: 1, capabilities: ["tools", "json"] });

    const tools = { lookup: tool({ description: "Look something up", inputSchema: z.object({ query: z.string() }) }) };
    const called = await generate(ctx, ask({ prompt: "please lookup the weather", tools }));
    expect(called.model.modelId).toBe("capable");
    expect(called.toolCalls).toEqual([{ toolCallId: expect.any(String), toolName: "lookup", input: { query: "stub" } }]);

    const structured = await generate(ctx, ask({ output: { schema: z.object({ title: z.string(), score: z.number().int().min(1) }) } }));
    expect(structured.model.modelId).toBe("capable");
    expect(structured.object).toEqual({ title: "stub", score: 1 });

    const text = await generate(ctx, ask());
    expect(text.model.modelId).toBe("plain");
  });

  it("pinned and preset policies", async () => {
    const { b } = await gw.threeModels();
    const pinned = await generate(ctx, ask({ policy: { type: "pinned", modelId: b.id } }));
    expect(pinned.model.id).toBe(b.id);
    expect(pinned.decision.fallbacks).toEqual([]);
    expect((await failure(generate(ctx, ask({ policy: { type: "pinned", modelId: "mdl_doesnotexist0" } })))).code).toBe("NOT_FOUND");
    expect((await failure(generate(ctx, ask({ policy: { type: "preset", preset: "nope" } })))).code).toBe("NOT_FOUND");
    const error = await failure(
      generate(
        ctx,
        ask({
          policy: {
            type: "constraints",
            constraints: { minQuality: 0.95, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
          },
        }),
      ),
    );
    expect(error.code).toBe("NO_FEASIBLE_MODEL");
    expect(error.message).toMatch(/^No model meets minQuality 0\.95 \(best enabled: 0\.7, /);
    expect(stub.calls).toHaveLength(1);
  });
});

describe("generate: fallback", () => {
  it("429 with Retry-After: waits (bounded) before the same provider's next model", async () => {
    const { a, b } = await gw.threeModels();
    stub.fail({ status: 429, retryAfterSeconds: 1, model: "a" });
    const started = Date.now();
    const result = await generate(ctx, ask());
    const elapsed = Date.now() - started;
    expect(result.model.id).toBe(b.id);
    expect(modelsCalled()).toEqual(["a", "b"]);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5_000);
    expect(result.attempts.map((x) => [x.modelId, x.outcome])).toEqual([
      [a.id, "error"],
      [b.id, "ok"],
    ]);
    expect(result.attempts[0]!.error).toMatch(/HTTP 429/);
  });

  it("429 with a Retry-After beyond the cap skips that provider's models for another provider's", async () => {
    configureGateway({ retryAfterCapMs: 500 });
    const { a } = await gw.threeModels();
    const other = await gw.addProvider({ name: "Other stub" });
    const d = await gw.addModel(other.id, "d", { inputPrice: 4, outputPrice: 8 });
    stub.fail({ status: 429, retryAfterSeconds: 30, model: "a" });
    const started = Date.now();
    const result = await generate(ctx, ask());
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.model.id).toBe(d.id);
    expect(modelsCalled()).toEqual(["a", "d"]);
    expect(result.attempts.map((x) => x.outcome)).toEqual(["error", "skipped", "skipped", "ok"]);
    expect(result.attempts[0]!.modelId).toBe(a.id);
    expect(result.attempts[1]!.error).toMatch(/asked to wait 30 s/);
  });

  it("500: the next model", async () => {
    const { b } = await gw.threeModels();
    stub.fail({ status: 500, model: "a" });
    const result = await generate(ctx, ask());
    expect(result.model.id).toBe(b.id);
    expect(modelsCalled()).toEqual(["a", "b"]);
  });

  it("timeout: the next model, recorded as a timeout", async () => {
    const { a, b } = await gw.threeModels();
    stub.fail({ delayMs: 6_000, model: "a" });
    const started = Date.now();
    // the timeout bounds b's call too: generous enough for a loaded machine
    const result = await generate(ctx, ask({ timeoutMs: 1_000 }));
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.model.id).toBe(b.id);
    const rows = await usageRows();
    expect(rows.map((r) => [r.modelRef, r.outcome])).toEqual([
      [a.id, "timeout"],
      [b.id, "ok"],
    ]);
    await settleObservations();
    const observed = await db().model.findUniqueOrThrow({ where: { id: a.id } });
    expect(observed.timeoutRate).toBe(1);
  });

  it("network error (closed port): the next model", async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = net.createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });
    const dead = await gw.addProvider({ name: "Dead", baseUrl: `http://127.0.0.1:${closedPort}/v1` });
    const deadModel = await gw.addModel(dead.id, "dead", { inputPrice: 0.1, outputPrice: 0.1 });
    const live = await gw.addProvider({ name: "Live" });
    const liveModel = await gw.addModel(live.id, "live", { inputPrice: 1, outputPrice: 1 });
    const result = await generate(ctx, ask());
    expect(result.model.id).toBe(liveModel.id);
    expect(result.attempts[0]).toMatchObject({ modelId: deadModel.id, outcome: "error" });
    expect(result.attempts[0]!.error).toMatch(/Could not reach http:\/\/127\.0\.0\.1:\d+/);
  });

  it("a malformed response: the next model", async () => {
    const { b } = await gw.threeModels();
    stub.fail({ malformed: true, model: "a" });
    const result = await generate(ctx, ask());
    expect(result.model.id).toBe(b.id);
  });

  it("every model failing: UPSTREAM_ERROR listing the attempts, one usage row each, bounded by maxAttempts", async () => {
    const { provider } = await gw.threeModels();
    await gw.addModel(provider.id, "d", { inputPrice: 4, outputPrice: 8 });
    stub.fail({ status: 503, times: 10 });
    const error = await failure(generate(ctx, ask({ runId: "run_fail" })));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.message).toMatch(/^All 3 model calls failed: 1\) a: error \(HTTP 503.*2\) b: error.*3\) c: error/);
    expect(modelsCalled()).toEqual(["a", "b", "c"]);
    const rows = await usageRows();
    expect(rows.map((r) => r.outcome)).toEqual(["error", "error", "error"]);
    expect(rows.every((r) => Number(r.costUsd) === 0)).toBe(true);
  });

  it("a pinned model is retried after a transient failure (the route has fewer models than attempts)", async () => {
    const { a } = await gw.threeModels();
    stub.fail({ status: 500, model: "a" });
    const result = await generate(ctx, ask({ policy: { type: "pinned", modelId: a.id } }));
    expect(result.model.id).toBe(a.id);
    expect(modelsCalled()).toEqual(["a", "a"]);
    expect(result.attempts.map((x) => x.outcome)).toEqual(["error", "ok"]);
  });
});

describe("generate: request errors are not retried", () => {
  // 401 / 403 / 404 fall through to another provider instead (gateway-fallback.test.ts)
  it.each([400, 422])("HTTP %i: UPSTREAM_ERROR after one call", async (status) => {
    const secret = await createSecret(ctx, { name: `k-${uniq()}`, value: "sk-never-shown-0123456789" });
    const provider = await gw.addProvider({ secretId: secret.id });
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2, outputPrice: 2 });
    stub.fail({ status });
    const error = await failure(generate(ctx, ask()));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.message).toContain(`HTTP ${status}`);
    // typed: the run engine reads `retryable`, never the message
    expect(error.retryable).toBe(false);
    expect(error.retryAt).toBeUndefined();
    expect(error.message).toContain("a via");
    expect(error.message).not.toContain("sk-never-shown");
    expect(modelsCalled()).toEqual(["a"]);
    expect((await usageRows()).map((r) => r.outcome)).toEqual(["error"]);
  });
});

describe("generate: waiting for providers to recover (typed retryAt)", () => {
  it("every model cooling down: the error carries when the first recovers and its provider; routing says the same until then", async () => {
    let clock = 1_000_000_000_000;
    modelCircuitBreaker().configure({ failureThreshold: 1, coolDownMs: 30_000, now: () => clock });
    try {
      const provider = await gw.addProvider({ name: "Flaky AI" });
      await gw.addModel(provider.id, "a", { inputPrice: 1 });
      await gw.addModel(provider.id, "b", { inputPrice: 2, outputPrice: 2 });
      stub.fail({ status: 500, times: 2 });
      const failed = await failure(generate(ctx, ask()));
      expect(failed.code).toBe("UPSTREAM_ERROR");
      expect(failed.retryAt).toBe(clock + 30_000);
      expect(failed.waitingFor).toBe("Flaky AI");
      expect(failed.retryable).toBeUndefined();
      expect(stub.calls).toHaveLength(2);

      // the next call: nothing is feasible, said with the same retry time, and nothing is sent
      clock += 10_000;
      const cooling = await failure(generate(ctx, ask()));
      expect(cooling.code).toBe("NO_FEASIBLE_MODEL");
      expect(cooling.message).toMatch(/cooling down/);
      expect(cooling.retryAt).toBe(clock + 20_000);
      expect(cooling.waitingFor).toBe("Flaky AI");
      expect(stub.calls).toHaveLength(2);

      clock += 20_000;
      // both recovered (which one is chosen depends on the observed error rates, written in the background)
      expect((await generate(ctx, ask())).text).toMatch(/^\[stub [ab]\]/);
    } finally {
      modelCircuitBreaker().configure({ now: Date.now });
    }
  });

  it("a Retry-After beyond the cap holds the provider for every later call too: no request until then, the time in retryAt", async () => {
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
    const provider = await gw.addProvider({ name: "Busy AI" });
    await gw.addModel(provider.id, "a");
    stub.fail({ status: 429, retryAfterMs: 400 });
    const before = Date.now();
    const first = await failure(generate(ctx, ask()));
    expect(first.retryAt).toBeGreaterThanOrEqual(before + 400);
    expect(first.waitingFor).toBe("Busy AI");
    const second = await failure(generate(ctx, ask()));
    expect(second.retryAt).toBe(first.retryAt);
    expect(stub.calls).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, first.retryAt! - Date.now() + 5)));
    expect((await generate(ctx, ask())).text).toContain("[stub a]");
    expect(stub.calls).toHaveLength(2);
  });

  it("409 is retried (like 408 and 429); the pinned model answers the second time", async () => {
    const provider = await gw.addProvider();
    const a = await gw.addModel(provider.id, "a");
    stub.fail({ status: 409 });
    const result = await generate(ctx, ask({ policy: { type: "pinned", modelId: a.id } }));
    expect(result.attempts.map((x) => x.outcome)).toEqual(["error", "ok"]);
  });
});

describe("generate: never a key or a prompt in logs, errors or the ledger", () => {
  it("failures (429, 500, 401) log ids, status and a redacted message only", async () => {
    const KEY = "sk-live-GATEWAYSECRET-0123456789abcdef";
    const PROMPT = "TOP-SECRET-PROMPT-about-the-merger";
    const secret = await createSecret(ctx, { name: `k-${uniq()}`, value: KEY });
    const provider = await gw.addProvider({ secretId: secret.id });
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await gw.addModel(provider.id, "b", { inputPrice: 2, outputPrice: 2 });
    await gw.addModel(provider.id, "c", { inputPrice: 3, outputPrice: 2 });
    const logged: string[] = [];
    const spies = (["info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
        logged.push(JSON.stringify(args));
      }) as never),
    );
    try {
      stub.fail({ status: 429, model: "a" });
      stub.fail({ status: 500, model: "b" });
      stub.fail({ status: 401, model: "c" });
      const error = await failure(generate(ctx, ask({ prompt: PROMPT, system: PROMPT })));
      expect(error.code).toBe("UPSTREAM_ERROR");
      expect(logged.length).toBeGreaterThanOrEqual(3);
      const everything = [...logged, error.message, JSON.stringify(error.details), JSON.stringify(await usageRows())].join("\n");
      expect(everything).not.toContain(KEY);
      expect(everything).not.toContain(KEY.slice(-6));
      expect(everything).not.toContain(PROMPT);
      expect(stub.calls.every((c) => c.apiKey === KEY)).toBe(true); // it was used, just never shown
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe("generate: circuit breaker and feedback", () => {
  it("opens after repeated failures, skips the model, recovers after the cool-down", async () => {
    let clock = Date.now();
    modelCircuitBreaker().configure({ failureThreshold: 2, coolDownMs: 400, now: () => clock });
    onTestFinished(() => modelCircuitBreaker().configure({ now: Date.now }));
    // a is so much cheaper that even its observed 100% error rate (expected cost x20) keeps it first
    const provider = await gw.addProvider();
    const a = await gw.addModel(provider.id, "a", { inputPrice: 0.01, outputPrice: 0.01 });
    const b = await gw.addModel(provider.id, "b", { inputPrice: 2, outputPrice: 4 });
    stub.fail({ status: 500, model: "a", times: 2 });
    expect((await generate(ctx, ask())).model.id).toBe(b.id);
    expect((await generate(ctx, ask())).model.id).toBe(b.id);
    expect(modelCircuitBreaker().state(a.id)).toBe("open");

    stub.reset();
    const skipped = await generate(ctx, ask());
    expect(skipped.model.id).toBe(b.id);
    expect(modelsCalled()).toEqual(["b"]); // a was not even tried
    expect(skipped.decision.candidates.find((c) => c.id === a.id)!.rejectedBecause).toEqual([expect.stringMatching(/circuit open/)]);
    const explained = await explainRoute(ctx, { policy: ask().policy, promptTokens: 10, maxOutputTokens: 10 });
    expect(explained.chosen.id).toBe(b.id);

    clock += 399;
    expect(modelCircuitBreaker().state(a.id)).toBe("open");
    clock += 1;
    expect(modelCircuitBreaker().state(a.id)).toBe("half_open");
    const recovered = await generate(ctx, ask());
    expect(recovered.model.id).toBe(a.id);
    expect(modelCircuitBreaker().state(a.id)).toBe("closed");
  });

  it("observed errors raise a model's expected cost: the router ranks it lower", async () => {
    const provider = await gw.addProvider();
    const flaky = await gw.addModel(provider.id, "flaky", { inputPrice: 1, outputPrice: 1 });
    const steady = await gw.addModel(provider.id, "steady", { inputPrice: 1.4, outputPrice: 1.4 });
    const policy = ask().policy;
    expect((await explainRoute(ctx, { policy, promptTokens: 100, maxOutputTokens: 100 })).chosen.id).toBe(flaky.id);

    // two failures are not enough to judge (the failure rate's prior): still the cheaper one
    stub.fail({ status: 500, model: "flaky", times: 2 });
    await generate(ctx, ask()); // flaky fails, steady answers
    await generate(ctx, ask()); // again
    modelCircuitBreaker().reset();
    await settleObservations();
    expect((await explainRoute(ctx, { policy, promptTokens: 100, maxOutputTokens: 100 })).chosen.id).toBe(flaky.id);
    // eight more failed calls, each to flaky (pinned): routed, the calls would move to steady after a few failures,
    // at a moment that depends on when the background writes land, and leave fewer failures to judge by
    stub.fail({ status: 500, model: "flaky", times: 1_000 });
    for (let i = 0; i < 8; i++) {
      await generate(ctx, ask({ policy: { type: "pinned", modelId: flaky.id } })).catch(() => undefined);
      modelCircuitBreaker().reset(); // the breaker is not what moves it: the observed failure rate is
    }
    expect(modelsCalled().filter((m) => m === "flaky").length).toBeGreaterThanOrEqual(10);
    await settleObservations();
    const after = await explainRoute(ctx, { policy, promptTokens: 100, maxOutputTokens: 100 });
    expect(after.chosen.id).toBe(steady.id);
    expect(after.fallbacks.map((m) => m.id)).toEqual([flaky.id]);
    expect(after.explanation).toMatch(/Chose steady/);
    const row = await db().model.findUniqueOrThrow({ where: { id: flaky.id } });
    expect(row.errorRate).toBe(1);
    expect(row.lastError).toMatch(/HTTP 500/);
  });

  it("observed latency feeds the latency cap", async () => {
    const provider = await gw.addProvider();
    const slow = await gw.addModel(provider.id, "slow", { inputPrice: 0.1, outputPrice: 0.1 });
    const fast = await gw.addModel(provider.id, "fast", { inputPrice: 1, outputPrice: 1 });
    const policy = {
      type: "constraints" as const,
      constraints: { maxP95LatencyMs: 150, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
    };
    stub.fail({ delayMs: 400, model: "slow", times: MIN_LATENCY_SAMPLES });
    expect((await generate(ctx, ask({ policy }))).model.id).toBe(slow.id); // unobserved: feasible
    await settleObservations();
    // one slow call (a cold start) does not exclude it yet
    expect((await explainRoute(ctx, { policy, promptTokens: 10, maxOutputTokens: 10 })).chosen.id).toBe(slow.id);
    for (let i = 1; i < MIN_LATENCY_SAMPLES; i++) expect((await generate(ctx, ask({ policy }))).model.id).toBe(slow.id);
    await settleObservations();
    const after = await explainRoute(ctx, { policy, promptTokens: 10, maxOutputTokens: 10 });
    expect(after.chosen.id).toBe(fast.id);
    expect(after.candidates.find((c) => c.id === slow.id)!.rejectedBecause[0]).toMatch(/observed p95 \d+ ms > maxP95LatencyMs 150/);
  });

  it("an excluded model gets a probe call once per interval, and recovers when it is fast again", async () => {
    configureLatencyProbes({ intervalMs: 200 });
    onTestFinished(() => configureLatencyProbes());
    const provider = await gw.addProvider();
    const slow = await gw.addModel(provider.id, "slow", { inputPrice: 0.1, outputPrice: 0.1 });
    const fast = await gw.addModel(provider.id, "fast", { inputPrice: 1, outputPrice: 1 });
    const policy = {
      type: "constraints" as const,
      constraints: { maxP95LatencyMs: 150, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false },
    };
    stub.fail({ delayMs: 400, model: "slow", times: MIN_LATENCY_SAMPLES });
    for (let i = 0; i < MIN_LATENCY_SAMPLES; i++) await generate(ctx, ask({ policy }));
    await settleObservations();
    // excluded: the calls go to the fast one; the exclusion starts the probe interval
    expect((await generate(ctx, ask({ policy }))).model.id).toBe(fast.id);
    expect((await generate(ctx, ask({ policy }))).model.id).toBe(fast.id);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const probe = await generate(ctx, ask({ policy }));
    expect(probe.model.id).toBe(slow.id);
    expect(probe.decision.explanation).toMatch(/Probe call/);
    // the next call within the interval does not probe again
    expect((await generate(ctx, ask({ policy }))).model.id).toBe(fast.id);
    // fast again: its p95 falls below the cap after enough probes, and it wins on price
    for (let k = 0; k < 100 && (await explainRoute(ctx, { policy, promptTokens: 10, maxOutputTokens: 10 })).chosen.id !== slow.id; k++) {
      await new Promise((resolve) => setTimeout(resolve, 210));
      await generate(ctx, ask({ policy }));
      await settleObservations();
    }
    expect((await explainRoute(ctx, { policy, promptTokens: 10, maxOutputTokens: 10 })).chosen.id).toBe(slow.id);
  });
});

describe("generate: budgets and the ledger", () => {
  it("refuses a call that would cross the monthly budget: a refused row, no call", async () => {
    await gw.threeModels();
    await db().budget.create({ data: { workspaceId: ws.id, monthlyLimitUsd: 0.0001 } });
    const error = await failure(generate(ctx, ask({ maxOutputTokens: 1000 })));
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(stub.calls).toHaveLength(0);
    const rows = await usageRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "refused", modelName: "a", inputTokens: 0, outputTokens: 0 });
  });

  it("checks the run budget per model: the worst case of the model about to be called", async () => {
    const { a } = await gw.threeModels();
    const prompt = "x".repeat(400); // ~100 tokens
    const promptTokens = estimatePromptTokens({ prompt });
    const worstA = costOf({ inputPrice: 1, outputPrice: 2 }, promptTokens, 100);
    const worstB = costOf({ inputPrice: 2, outputPrice: 4 }, promptTokens, 100);
    // room for a's worst case, not for b's: a fails with 500, b is refused
    stub.fail({ status: 500, model: "a" });
    const error = await failure(generate(ctx, ask({ prompt, runId: "run_budget", runBudgetUsd: (worstA + worstB) / 2 })));
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(modelsCalled()).toEqual(["a"]);
    expect((await usageRows()).map((r) => [r.modelName, r.outcome])).toEqual([
      ["a", "error"],
      ["b", "refused"],
    ]);
    expect(a.id).toBeTruthy();
  });

  it("usage rows add up to the run's total", async () => {
    await gw.threeModels();
    stub.fail({ status: 500, model: "a" });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await generate(ctx, ask({ runId: "run_sum", prompt: `question ${i}` })));
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id, runId: "run_sum" } });
    expect(rows).toHaveLength(4); // one failed attempt + three answers
    const total = rows.reduce((sum, r) => sum + Number(r.costUsd), 0);
    expect(total).toBeCloseTo(
      results.reduce((sum, r) => sum + r.costUsd, 0),
      10,
    );
    expect(total).toBeGreaterThan(0);
  });
});

describe("helpers", () => {
  it("parses Retry-After in seconds, milliseconds and as a date", () => {
    expect(parseRetryAfter({ "retry-after": "2" })).toBe(2000);
    expect(parseRetryAfter({ "retry-after-ms": "150", "retry-after": "9" })).toBe(150);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter({ "retry-after": "Thu, 01 Jan 2026 00:00:05 GMT" }, now)).toBe(5000);
    expect(parseRetryAfter({})).toBeUndefined();
  });

  it("estimates prompt tokens as characters / 4", () => {
    expect(estimatePromptTokens({ prompt: "x".repeat(400) })).toBe(100);
    expect(estimatePromptTokens({ system: "y".repeat(40), prompt: [{ role: "user", content: "z".repeat(36) }] })).toBe(20);
  });
});
