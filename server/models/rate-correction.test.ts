/**
 * Tokens per minute: a call is charged its estimate when it starts, and the window it was charged to is corrected to
 * the tokens the provider reported once the call's usage row is written (in the same statement), so later calls
 * are admitted or refused by what was used. Through the LLM stub and the real database.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import type { Sql } from "@/server/db/sql";
import { recordUsage } from "@/server/ledger/record";
import { type TestWorkspace, appErrorOf as failure } from "@/test/helpers";
import { addModelRow, addProviderRow } from "@/test/fixtures/catalog-rows";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { useStubGateway } from "@/test/fixtures/stub-gateway";
import { modelCircuitBreaker } from "./circuit-breaker";
import { configureGateway, estimatePromptTokens, generate, type GenerateRequest } from "./gateway";
import { configureRateLimits, rateCorrectionSql, takeRateSlot } from "./rate-limits";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("rtc");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => {
  ({ stub, ws, ctx } = gw);
  // an hour-long window: a test never straddles two windows
  configureRateLimits({ windowMs: 3_600_000 });
  configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50 });
});
afterEach(() => void configureRateLimits());

async function limitedModel(tpmLimit: number) {
  const provider = await addProviderRow(ws.id, { baseUrl: stub.url, isLocal: false, tpmLimit });
  await addModelRow(ws.id, provider.id, { modelId: "a", displayName: "a", inputPrice: 1, outputPrice: 2, contextWindow: 128_000, quality: 0.7 });
  return provider;
}

const ask = (over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  policy: { type: "constraints", constraints: { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false } },
  prompt: "count my tokens",
  maxOutputTokens: 100,
  ...over,
});
const estimateOf = (req: GenerateRequest) => estimatePromptTokens(req) + req.maxOutputTokens;
const windowTokens = async (providerId: string) => (await db().providerRateWindow.findUniqueOrThrow({ where: { providerId } })).tokens;
/** a usage row of 15 tokens written with a correction of the rate window */
const usageWithCorrection = (correction: Sql) =>
  recordUsage(ctx, {
    modelName: "a",
    providerKind: "openai_compatible",
    inputTokens: 10,
    outputTokens: 5,
    costUsd: 0,
    latencyMs: 1,
    outcome: "ok",
    alongside: [correction],
  });
const chatCalls = () => stub.calls.filter((c) => c.path !== "/v1/models").length;

describe("tokens per minute: corrected to the call's usage", () => {
  it("a call that used fewer tokens than its estimate leaves only those in the window; the next call fits", async () => {
    const req = ask({ maxOutputTokens: 400 });
    const estimate = estimateOf(req);
    // room for one estimate and a little: without the correction, the second call would have to wait
    const provider = await limitedModel(estimate + 100);
    const first = await generate(ctx, req);
    const used = first.usage.inputTokens + first.usage.outputTokens;
    expect(used).toBeLessThan(estimate - 100);
    expect(await windowTokens(provider.id)).toBe(used);
    modelCircuitBreaker().reset(); // another process: nothing in memory
    const second = await generate(ctx, req);
    expect(await windowTokens(provider.id)).toBe(used + second.usage.inputTokens + second.usage.outputTokens);
    expect(chatCalls()).toBe(2);
  });

  it("a call that used more tokens than its estimate adds them; the next call is refused by them", async () => {
    const req = ask({ maxOutputTokens: 10 });
    const estimate = estimateOf(req);
    const longAnswer = "many words ".repeat(200); // ~550 output tokens reported, 10 estimated
    stub.reply({ content: longAnswer });
    // room for the first call's usage and the next estimate only if the first had used what it was charged
    const provider = await limitedModel(estimate * 2 + 50);
    const first = await generate(ctx, req);
    const used = first.usage.inputTokens + first.usage.outputTokens;
    expect(used).toBeGreaterThan(estimate * 2 + 50);
    expect(await windowTokens(provider.id)).toBe(used);
    modelCircuitBreaker().reset();
    const error = await failure(generate(ctx, req));
    expect(error.message).toContain("rate limit");
    expect(chatCalls()).toBe(1);
  });

  it("a failed call the provider did not bill gives its tokens back", async () => {
    const req = ask();
    const provider = await limitedModel(estimateOf(req) + 10);
    stub.fail({ status: 500, times: 10 });
    configureGateway({ retryBackoffMs: 10, retryAfterCapMs: 50, maxAttempts: 1 });
    await failure(generate(ctx, req));
    expect(await windowTokens(provider.id)).toBe(0);
    modelCircuitBreaker().reset();
    stub.reset();
    await generate(ctx, req); // admitted: the failed call's estimate is no longer counted
    expect(chatCalls()).toBe(1);
  });

  it("the correction travels in the statement that writes the usage row (the run engine's batch)", async () => {
    const req = ask({ maxOutputTokens: 300 });
    const provider = await limitedModel(10_000);
    const statements: Sql[] = [];
    const result = await generate(ctx, {
      ...req,
      writeUsage: (statement) => {
        statements.push(statement);
        return execute(ctx, statement);
      },
    });
    expect(statements).toHaveLength(1);
    expect(statements[0]!.text).toContain('"ProviderRateWindow"');
    expect(statements[0]!.text).toContain('"UsageRecord"');
    expect(await windowTokens(provider.id)).toBe(result.usage.inputTokens + result.usage.outputTokens);
  });

  it("only the window the call was charged to is corrected: a later window is left alone", async () => {
    const provider = await limitedModel(1_000);
    const limited = { id: provider.id, kind: provider.kind, tpmLimit: 1_000 };
    const start = Math.floor(Date.now() / 3_600_000) * 3_600_000;
    const { charge } = await takeRateSlot(ctx, limited, 400, start + 10);
    expect(charge).toMatchObject({ tokens: 400, windowStart: new Date(start) });
    // the next window starts (another call) before the first call's usage is written
    await takeRateSlot(ctx, limited, 300, start + 3_600_000 + 10);
    await usageWithCorrection(rateCorrectionSql(ctx, limited, charge!, 15)!);
    expect(await windowTokens(provider.id)).toBe(300);
    // in the same window, the same correction applies
    const again = await takeRateSlot(ctx, limited, 200, start + 3_600_000 + 20);
    await usageWithCorrection(rateCorrectionSql(ctx, limited, again.charge!, 15)!);
    expect(await windowTokens(provider.id)).toBe(315);
  });
});
