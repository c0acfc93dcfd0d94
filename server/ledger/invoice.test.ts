/**
 * The ledger matches the invoice: prompt-cache reads and writes and reasoning tokens are recorded apart and priced
 * as the provider prices them; Anthropic is asked to cache long system prompts. Against the real provider code
 * (@ai-sdk/anthropic, @ai-sdk/openai) and the LLM stub, which caches prompts as the providers do.
 */
import { beforeEach, describe, expect, it } from "vitest";
import type { TenantContext } from "@/server/context";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { testDb as db } from "@/test/db";
import type { TestWorkspace } from "@/test/helpers";
import { useStubGateway } from "@/test/fixtures/stub-gateway";
import { cachePriceRule, effectiveCachePrices } from "@/server/models/cache-prices";
import { createModel } from "@/server/models/catalog";
import { generate, type GenerateRequest } from "@/server/models/gateway";
import { costOfUsage, tokenUsageOf } from "./usage-cost";
import { listUsage, usageSum } from "./reports";

const gw = useStubGateway("invoice");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

type Kind = "openai" | "anthropic";

async function addModel(kind: Kind, modelId: string, prices: { inputPrice: number; outputPrice: number; cacheReadPrice?: number }) {
  const provider = await gw.addProvider({ kind });
  return gw.addModel(provider.id, modelId, { ...prices, contextWindow: 200_000, quality: 0.8 });
}

/** A system prompt of about 1,500 tokens: long enough for the providers' prompt caches. */
const LONG_SYSTEM = `You are a careful analyst. ${"Follow the house style guide in every answer. ".repeat(130)}`;

const ask = (modelRowId: string, over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  policy: { type: "pinned", modelId: modelRowId },
  system: LONG_SYSTEM,
  prompt: "Summarise the quarter.",
  maxOutputTokens: 200,
  ...over,
});

const rows = () => db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });

describe("usage cost: prompt-cache and reasoning tokens", () => {
  it("prices cache reads and writes apart from plain input; reasoning is output", () => {
    const prices = { inputPrice: 3, outputPrice: 15, cacheReadPrice: 0.3, cacheWritePrice: 3.75 };
    const usage = { inputTokens: 10_000, outputTokens: 1_000, cacheReadTokens: 6_000, cacheWriteTokens: 2_000, reasoningTokens: 400 };
    // 2,000 plain x 3 + 6,000 x 0.3 + 2,000 x 3.75 + 1,000 x 15, per million
    expect(costOfUsage(prices, usage)).toBe(0.0303);
    expect(costOfUsage(prices, { ...usage, cacheReadTokens: 0, cacheWriteTokens: 0 })).toBe(0.045);
  });

  it("reads the SDK's details, never lets the parts exceed their totals, and falls back to estimates", () => {
    expect(
      tokenUsageOf(
        { inputTokens: 100, outputTokens: 10, inputTokenDetails: { cacheReadTokens: 80, cacheWriteTokens: 50 }, outputTokenDetails: { reasoningTokens: 30 } },
        { inputTokens: 1, outputTokens: 1 },
      ),
    ).toEqual({ inputTokens: 100, outputTokens: 10, cacheReadTokens: 80, cacheWriteTokens: 20, reasoningTokens: 10 });
    expect(tokenUsageOf(undefined, { inputTokens: 7, outputTokens: 3 })).toEqual({
      inputTokens: 7,
      outputTokens: 3,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      reasoningTokens: 0,
    });
  });

  it("uses the provider's usual cache prices unless the model sets its own", () => {
    expect(effectiveCachePrices({ providerKind: "anthropic", modelId: "claude-sonnet-4-5", inputPrice: 3 })).toEqual({
      cacheReadPrice: 0.3,
      cacheWritePrice: 3.75,
    });
    expect(effectiveCachePrices({ providerKind: "openai", modelId: "gpt-5-mini", inputPrice: 0.25 }).cacheReadPrice).toBe(0.025);
    expect(effectiveCachePrices({ providerKind: "openai", modelId: "gpt-4o", inputPrice: 2.5 }).cacheReadPrice).toBe(1.25);
    expect(effectiveCachePrices({ providerKind: "openai_compatible", modelId: "llama", inputPrice: 1 })).toEqual({ cacheReadPrice: 1, cacheWritePrice: 1 });
    expect(effectiveCachePrices({ providerKind: "openai", modelId: "gpt-4o", inputPrice: 2.5, cacheReadPrice: 2 }).cacheReadPrice).toBe(2);
    expect(cachePriceRule("anthropic", "x").source).toMatch(/anthropic/);
  });
});

describe("the gateway records what the provider bills", () => {
  it.each([false, true])(
    "Anthropic (streamed: %s): a long system prompt is marked for caching; the first call writes the cache, the next reads it",
    async (streamed) => {
      const model = await addModel("anthropic", "claude-sonnet-4-5", { inputPrice: 3, outputPrice: 15 });
      const req = ask(model.id, streamed ? { onTextDelta: () => {} } : {});
      const first = await generate(ctx, req);
      const second = await generate(ctx, req);

      const sent = stub.calls.filter((c) => c.path === "/v1/messages").map((c) => (c.body as { system?: { cache_control?: unknown }[] }).system);
      expect(sent).toHaveLength(2);
      expect(sent[0]!.at(-1)!.cache_control).toEqual({ type: "ephemeral" });

      const [write, read] = await rows();
      expect(write!.cacheWriteTokens).toBeGreaterThan(1_000);
      expect(write!.cacheReadTokens).toBe(0);
      expect(read!.cacheReadTokens).toBe(write!.cacheWriteTokens);
      expect(read!.cacheWriteTokens).toBe(0);
      // the totals include the cached part
      expect(read!.inputTokens).toBe(write!.inputTokens);
      const prices = { inputPrice: 3, outputPrice: 15, cacheReadPrice: 0.3, cacheWritePrice: 3.75 };
      for (const [row, result] of [
        [write!, first],
        [read!, second],
      ] as const) {
        const expected = costOfUsage(prices, { ...row, reasoningTokens: row.reasoningTokens });
        expect(Number(row.costUsd)).toBeCloseTo(expected, 10);
        expect(result.costUsd).toBeCloseTo(expected, 10);
      }
      // a cache read costs a tenth of plain input, a write a quarter more
      expect(Number(read!.costUsd)).toBeLessThan(Number(write!.costUsd) / 3);
    },
  );

  it("Anthropic: a short system prompt is sent as it is (nothing to cache)", async () => {
    const model = await addModel("anthropic", "claude-haiku-4-5", { inputPrice: 1, outputPrice: 5 });
    await generate(ctx, ask(model.id, { system: "Be brief." }));
    const body = stub.calls.find((c) => c.path === "/v1/messages")!.body as { system?: unknown };
    expect(JSON.stringify(body.system)).not.toContain("cache_control");
    const [row] = await rows();
    expect(row!.cacheWriteTokens).toBe(0);
  });

  it("OpenAI: cached input on a repeated long prompt and reasoning tokens are recorded and priced", async () => {
    const model = await addModel("openai", "gpt-5-mini", { inputPrice: 0.25, outputPrice: 2 });
    stub.fail({ reasoningTokens: 500 });
    await generate(ctx, ask(model.id));
    await generate(ctx, ask(model.id));
    const [first, second] = await rows();
    expect(first!.reasoningTokens).toBe(500);
    expect(first!.outputTokens).toBeGreaterThan(500);
    expect(first!.cacheReadTokens).toBe(0);
    expect(second!.cacheReadTokens).toBeGreaterThan(1_000);
    const prices = { inputPrice: 0.25, outputPrice: 2, cacheReadPrice: 0.025, cacheWritePrice: 0.25 };
    expect(Number(second!.costUsd)).toBeCloseTo(costOfUsage(prices, second!), 10);
    expect(Number(second!.costUsd)).toBeLessThan(Number(first!.costUsd));

    const page = await listUsage(ctx, { limit: 10 });
    expect(page.items.map((r) => r.reasoningTokens).sort()).toEqual([0, 500]);
    const sum = await usageSum(ctx, {});
    expect(sum.cacheReadTokens).toBe(second!.cacheReadTokens);
    expect(sum.reasoningTokens).toBe(500);
  });

  it("a model's own cache price wins over the provider's usual one, in the catalog and in the ledger", async () => {
    const provider = await gw.addProvider({ kind: "openai" });
    const model = await createModel(ctx, { providerId: provider.id, modelId: "gpt-4.1", cacheReadPrice: 1 });
    expect(model).toMatchObject({ inputPrice: 2, cacheReadPrice: 1, effectiveCacheReadPrice: 1, cacheWritePrice: null, effectiveCacheWritePrice: 2 });
    await generate(ctx, ask(model.id));
    await generate(ctx, ask(model.id));
    const [, second] = await rows();
    expect(second!.cacheReadTokens).toBeGreaterThan(0);
    expect(Number(second!.costUsd)).toBeCloseTo(costOfUsage({ inputPrice: 2, outputPrice: 8, cacheReadPrice: 1, cacheWritePrice: 2 }, second!), 10);
  });
});
