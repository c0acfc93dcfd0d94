/**
 * The gateway with `onTextDelta`: streamed calls against the LLM stub (OpenAI-compatible and Anthropic wire
 * protocols, through the real provider packages) and the simulator. Deltas, the result, the usage rows, fallback
 * (also after text was delivered), timeouts, cancellation; and, scenario by scenario, the same outcome as the
 * non-streamed call.
 */
import { tool } from "ai";
import { beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { testDb as db } from "@/test/db";
import type { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { type TestWorkspace, appErrorOf as failure } from "@/test/helpers";
import type { LlmStub, StubFault } from "@/scripts/llm-stub/server";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { modelCircuitBreaker } from "./circuit-breaker";
import { configureGateway, generate, settleObservations, type GenerateRequest, type GenerateResult } from "./gateway";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("gws");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

/** A new workspace (no observed statistics yet) with the simulator switched off; the stub and breaker reset. */
async function freshStart() {
  await gw.fresh();
  ({ stub, ws, ctx } = gw);
}

type Kind = "openai_compatible" | "anthropic";

const ask = (over: Partial<GenerateRequest> = {}) => askAnyModel("hello streaming gateway", over);

/** A streamed request and what its callbacks saw: the deltas, and "restart" where onStreamRestart was called. */
function streamed(over: Partial<GenerateRequest> = {}) {
  const events: string[] = [];
  const req = ask({ ...over, onTextDelta: (delta) => events.push(delta), onStreamRestart: () => events.push("<restart>") });
  const deltas = () => events.filter((e) => e !== "<restart>");
  const restarts = () => events.filter((e) => e === "<restart>").length;
  /** what a caller that drops its text on each restart shows */
  const shown = () => events.slice(events.lastIndexOf("<restart>") + 1).join("");
  return { req, events, deltas, restarts, shown };
}

const usageRows = () => db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });
const modelsCalled = () => stub.calls.filter((c) => c.path !== "/v1/models").map((c) => c.model);

describe("streamed generate: time to first token and output tokens are observed", () => {
  it("a streamed call records its time to first token; a plain call none; both their output tokens", async () => {
    const provider = await gw.addProvider();
    const a = await gw.addModel(provider.id, "a", { inputPrice: 1 });
    await generate(ctx, ask());
    stub.fail({ delayMs: 120 }); // before the answer starts: the first token comes after it
    await generate(ctx, streamed().req);
    await settleObservations();
    const row = await db().model.findUniqueOrThrow({ where: { id: a.id } });
    expect(row.ttftSamples).toHaveLength(2);
    expect(row.ttftSamples[0]).toBe(-1);
    expect(row.ttftSamples[1]).toBeGreaterThanOrEqual(120);
    expect(row.ttftSamples[1]).toBeLessThanOrEqual(row.latencySamples[1]!);
    expect(row.outputTokenSamples.every((n) => n > 0)).toBe(true);
  });
});

describe("streamed generate: deltas and result", () => {
  it.each<Kind>(["openai_compatible", "anthropic"])("%s: deltas in order join to the text; usage and cost as the non-streamed call", async (kind) => {
    const provider = await gw.addProvider({ kind });
    await gw.addModel(provider.id, "a", { inputPrice: 1 });

    const plain = await generate(ctx, ask());
    const s = streamed();
    const result = await generate(ctx, s.req);

    expect(stub.calls.map((c) => c.stream)).toEqual([false, true]);
    expect(stub.calls[1]!.path).toBe(kind === "anthropic" ? "/v1/messages" : "/v1/chat/completions");
    expect(result.text).toBe("[stub a] hello streaming gateway");
    expect(s.deltas().length).toBeGreaterThan(2); // word-sized pieces, not one block
    expect(s.deltas().join("")).toBe(result.text);
    expect(s.restarts()).toBe(0);
    expect(result.text).toBe(plain.text);
    expect(result.usage).toEqual(plain.usage);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(result.costUsd).toBe(plain.costUsd);
    expect(result.attempts.map((a) => a.outcome)).toEqual(["ok"]);

    const rows = await usageRows();
    expect(rows.map((r) => [r.outcome, r.inputTokens, r.outputTokens, Number(r.costUsd)])).toEqual([
      ["ok", plain.usage.inputTokens, plain.usage.outputTokens, plain.costUsd],
      ["ok", plain.usage.inputTokens, plain.usage.outputTokens, plain.costUsd],
    ]);
    await settleObservations();
    expect((await db().model.findFirstOrThrow({ where: { workspaceId: ws.id, modelId: "a" } })).callCount).toBe(2);
  });

  it("the simulator streams in chunks, with the usage of its non-streamed answer", async () => {
    await db().provider.updateMany({ where: { workspaceId: ws.id, kind: "simulator" }, data: { enabled: true } });
    const policy = { type: "preset" as const, preset: "balanced" };
    const plain = await generate(ctx, ask({ policy }));
    const s = streamed({ policy });
    const result = await generate(ctx, s.req);
    expect(result.model.providerKind).toBe("simulator");
    expect(result.text).toContain("[simulated]");
    expect(s.deltas().length).toBeGreaterThan(1);
    expect(s.deltas().join("")).toBe(result.text);
    expect(result.text).toBe(plain.text);
    expect(result.usage).toEqual(plain.usage);
    expect(result.costUsd).toBe(plain.costUsd);
  });

  it("tool calls come through the stream like from generateText", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    const tools = { lookup: tool({ description: "Look something up", inputSchema: z.object({ query: z.string() }) }) };
    const plain = await generate(ctx, ask({ prompt: "please lookup the weather", tools }));
    const s = streamed({ prompt: "please lookup the weather", tools });
    const result = await generate(ctx, s.req);
    const calls = (r: typeof result) => r.toolCalls.map(({ toolName, input }) => ({ toolName, input }));
    expect(calls(result)).toEqual([{ toolName: "lookup", input: { query: "stub" } }]);
    expect(calls(result)).toEqual(calls(plain));
    expect(result.toolCalls[0]!.toolCallId).toEqual(expect.any(String));
    expect(result.usage).toEqual(plain.usage);
    expect(s.deltas()).toEqual([]);
    expect(stub.calls[1]!.stream).toBe(true);
  });

  it("a JSON output is not streamed: no deltas, the object as without onTextDelta", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "a", { inputPrice: 1 });
    const s = streamed({ output: { schema: z.object({ title: z.string(), score: z.number().int().min(1) }) } });
    const result = await generate(ctx, s.req);
    expect(result.object).toEqual({ title: "stub", score: 1 });
    expect(s.events).toEqual([]);
    expect(stub.calls.map((c) => c.stream)).toEqual([false]);
  });
});

describe("streamed generate: failures", () => {
  it("503 then the fallback: onStreamRestart, the fallback's text only, two usage rows", async () => {
    const { a, b } = await gw.threeModels();
    stub.fail({ status: 503, model: "a" });
    const s = streamed();
    const result = await generate(ctx, s.req);
    expect(result.model.id).toBe(b.id);
    expect(result.text).toBe("[stub b] hello streaming gateway");
    expect(s.restarts()).toBe(1);
    expect(s.events[0]).toBe("<restart>"); // a delivered nothing
    expect(s.deltas().join("")).toBe(result.text);
    expect(result.attempts.map((x) => [x.modelId, x.outcome])).toEqual([
      [a.id, "error"],
      [b.id, "ok"],
    ]);
    expect(result.attempts[0]!.error).toMatch(/HTTP 503/);
    expect((await usageRows()).map((r) => [r.modelName, r.outcome])).toEqual([
      ["a", "error"],
      ["b", "ok"],
    ]);
  });

  it.each<Kind>(["openai_compatible", "anthropic"])(
    "%s: a malformed chunk after text was delivered fails the attempt; the fallback streams from scratch",
    async (kind) => {
      const { a, b } = await gw.threeModels(kind);
      stub.fail({ model: "a", midStream: { afterChunks: 3, kind: "malformed" } });
      const s = streamed();
      const result = await generate(ctx, s.req);
      expect(result.model.id).toBe(b.id);
      const beforeRestart = s.events.slice(0, s.events.indexOf("<restart>"));
      expect(beforeRestart.length).toBeGreaterThan(0);
      expect(beforeRestart.join("")).toMatch(/^\[stub /); // a's partial text reached the caller
      expect(s.restarts()).toBe(1);
      expect(s.shown()).toBe(result.text);
      expect(result.text).toBe("[stub b] hello streaming gateway");
      expect(result.attempts.map((x) => [x.modelId, x.outcome])).toEqual([
        [a.id, "error"],
        [b.id, "ok"],
      ]);
      expect(result.attempts[0]!.error).toMatch(/^The answer was not valid JSON$/);
      // a's text so far was billed: its cost estimated from the prompt and the text received
      const rows = await usageRows();
      expect(rows.map((r) => [r.modelName, r.outcome, r.estimated])).toEqual([
        ["a", "error", true],
        ["b", "ok", false],
      ]);
      expect(Number(rows[0]!.costUsd)).toBeGreaterThan(0);
      expect(Number(rows[1]!.costUsd)).toBe(result.costUsd);
    },
  );

  it("a malformed first chunk: the next model (as without streaming)", async () => {
    const { b } = await gw.threeModels();
    stub.fail({ malformed: true, model: "a" });
    const s = streamed();
    const result = await generate(ctx, s.req);
    expect(result.model.id).toBe(b.id);
    expect(s.shown()).toBe(result.text);
  });

  it("a stream that stalls after some text: timeout, recorded as such, then the next model", async () => {
    const { a, b } = await gw.threeModels();
    stub.fail({ model: "a", midStream: { afterChunks: 3, kind: "stall" } });
    // the per-call timeout also bounds the fallback's call: generous, so that a loaded machine does not time it out
    const s = streamed({ timeoutMs: 1_500 });
    const started = Date.now();
    const result = await generate(ctx, s.req);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1_450);
    expect(elapsed).toBeLessThan(6_000);
    expect(result.model.id).toBe(b.id);
    expect(s.events.indexOf("<restart>")).toBeGreaterThan(0); // text arrived before the stall
    expect(s.shown()).toBe(result.text);
    expect(result.attempts[0]).toMatchObject({ modelId: a.id, outcome: "timeout" });
    expect(result.attempts[0]!.error).toMatch(/timed out/);
    expect((await usageRows()).map((r) => r.outcome)).toEqual(["timeout", "ok"]);
    await settleObservations();
    expect((await db().model.findUniqueOrThrow({ where: { id: a.id } })).timeoutRate).toBe(1);
  });

  it("a connection cut mid-stream: a network error, then the next model", async () => {
    const { a, b } = await gw.threeModels("anthropic");
    stub.fail({ model: "a", midStream: { afterChunks: 3, kind: "cut" } });
    const s = streamed();
    const result = await generate(ctx, s.req);
    expect(result.model.id).toBe(b.id);
    expect(result.attempts[0]).toMatchObject({ modelId: a.id, outcome: "error" });
    expect(result.attempts[0]!.error).toMatch(/^Lost the connection to http:\/\/127\.0\.0\.1:\d+ during the answer/);
    expect(s.events.indexOf("<restart>")).toBeGreaterThan(0); // text arrived before the cut
    expect(s.shown()).toBe(result.text);
  });

  it.each([400, 401])("HTTP %i is not retried", async (status) => {
    await gw.threeModels();
    stub.fail({ status });
    const s = streamed();
    const error = await failure(generate(ctx, s.req));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.message).toContain(`HTTP ${status}`);
    expect(modelsCalled()).toEqual(["a"]);
    expect(s.events).toEqual([]);
    expect((await usageRows()).map((r) => r.outcome)).toEqual(["error"]);
  });

  it("the caller's abort mid-stream: rethrown, no fallback, the breaker not charged", async () => {
    const { a } = await gw.threeModels();
    stub.fail({ model: "a", midStream: { afterChunks: 3, kind: "stall" } });
    const controller = new AbortController();
    const deltas: string[] = [];
    const reason = new Error("stopped by the user");
    const promise = generate(
      ctx,
      ask({
        abortSignal: controller.signal,
        onTextDelta: (d) => {
          deltas.push(d);
          if (deltas.length === 1) setTimeout(() => controller.abort(reason), 20);
        },
      }),
    );
    await expect(promise).rejects.toBe(reason);
    expect(deltas.length).toBeGreaterThan(0);
    expect(modelsCalled()).toEqual(["a"]);
    expect((await usageRows()).map((r) => [r.outcome, r.error])).toEqual([["error", "Cancelled by the caller"]]);
    expect(modelCircuitBreaker().state(a.id)).toBe("closed");
  });

  it("an onTextDelta that throws cancels the call and its error comes back", async () => {
    await gw.threeModels();
    const boom = new Error("the consumer broke");
    await expect(
      generate(
        ctx,
        ask({
          onTextDelta: () => {
            throw boom;
          },
        }),
      ),
    ).rejects.toBe(boom);
    expect(modelsCalled()).toEqual(["a"]);
    expect((await usageRows()).map((r) => r.outcome)).toEqual(["error"]);
  });
});

describe("streamed and non-streamed calls end the same way", () => {
  interface Scenario {
    name: string;
    faults: StubFault[];
    request?: Partial<GenerateRequest>;
    setup?: () => Promise<void>;
    pinned?: boolean;
  }
  const scenarios: Scenario[] = [
    {
      name: "429 with a Retry-After beyond the cap: the provider is skipped",
      faults: [{ status: 429, retryAfterSeconds: 30, model: "a" }],
      setup: async () => void configureGateway({ retryAfterCapMs: 500 }),
    },
    { name: "500 on a pinned model: retried", faults: [{ status: 500, model: "a" }], pinned: true },
    { name: "every model failing: UPSTREAM_ERROR after maxAttempts", faults: [{ status: 503, times: 10 }] },
    { name: "a timeout, then the next model", faults: [{ delayMs: 6_000, model: "a" }], request: { timeoutMs: 1_500 } },
    { name: "the run budget refuses the second model", faults: [{ status: 500, model: "a" }], request: { runId: "run_budget", runBudgetUsd: 0.00035 } },
  ];

  /** The scenario in a workspace of its own: observed statistics of one run would steer the other's routing. */
  async function outcomeOf(scenario: Scenario, stream: boolean) {
    await freshStart();
    await gw.threeModels();
    await gw.addModel((await gw.addProvider({ kind: "anthropic", name: "Other" })).id, "d", { inputPrice: 4 });
    await scenario.setup?.();
    for (const fault of scenario.faults) stub.fail(fault);
    const a = await db().model.findFirstOrThrow({ where: { workspaceId: ws.id, modelId: "a" } });
    const over: Partial<GenerateRequest> = { ...scenario.request, ...(scenario.pinned ? { policy: { type: "pinned", modelId: a.id } } : {}) };
    const s = streamed(over);
    let result: GenerateResult | undefined;
    let error: AppError | undefined;
    try {
      result = await generate(ctx, stream ? s.req : ask(over));
    } catch (e) {
      error = e as AppError;
    }
    await settleObservations();
    return {
      called: modelsCalled(),
      text: result?.text,
      usage: result?.usage,
      attempts: (result?.attempts ?? (error?.details as { attempts?: GenerateResult["attempts"] } | undefined)?.attempts)?.map((x) => [
        x.displayName,
        x.outcome,
      ]),
      error: error?.code,
      rows: (await usageRows()).map((r) => [r.modelName, r.outcome, r.inputTokens, r.outputTokens, Number(r.costUsd)]),
      shown: stream ? s.shown() : undefined,
    };
  }

  it.each(scenarios)("$name", async (scenario) => {
    const { shown: _none, ...plain } = await outcomeOf(scenario, false);
    const { shown, ...viaStream } = await outcomeOf(scenario, true);
    expect(viaStream).toEqual(plain);
    expect(plain.rows.length).toBeGreaterThan(0);
    if (plain.text !== undefined) expect(shown).toBe(plain.text);
  });
});
