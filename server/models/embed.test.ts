/**
 * The gateway's embeddings against the real provider code (@ai-sdk/openai-compatible) and the LLM stub: routing to
 * an embedding model (the "embeddings" capability required), the usage row and its cost (input tokens × price), budget
 * refusals, fallback and the circuit breaker on transport errors, no retry on request errors; the simulator embeds.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { cosine } from "@/lib/cosine";
import type { TenantContext } from "@/server/context";
import { invalidateBudgetCache } from "@/server/ledger/budget-cache";
import { costOf } from "@/server/ledger/record";
import { appErrorOf as failure, type TestWorkspace } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { ANY_MODEL, useStubGateway } from "@/test/fixtures/stub-gateway";
import { modelCircuitBreaker } from "./circuit-breaker";
import { embed, type EmbedRequest } from "./embed";

const gw = useStubGateway("embed");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const request = (over: Partial<EmbedRequest> = {}): EmbedRequest => ({ policy: ANY_MODEL, values: ["first text", "second text here"], ...over });
const usageRows = () => db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });
const embedCalls = () => stub.calls.filter((c) => c.path === "/v1/embeddings").map((c) => c.model);

async function stubModels() {
  const provider = await gw.addProvider();
  const add = (modelId: string, inputPrice: number, capabilities: string[]) =>
    gw.addModel(provider.id, modelId, { inputPrice, outputPrice: 0, contextWindow: 8_000, capabilities });
  // the chat model is the cheapest, but cannot embed
  const chat = await add("chat", 0.01, ["tools", "json"]);
  const small = await add("embed-small", 0.02, ["embeddings"]);
  const large = await add("embed-large", 5, ["embeddings"]); // far dearer: observed errors of embed-small do not reorder them
  return { provider, chat, small, large };
}

describe("embed through the gateway", () => {
  it("routes to the cheapest embedding model; one vector per text; an ok usage row priced on input tokens", async () => {
    const { small } = await stubModels();
    stub.embedding({ when: "first", vector: [1, 0] });
    const result = await embed(ctx, request({ runId: "run_embed", stepId: "r1.embed" }));
    expect(embedCalls()).toEqual(["embed-small"]);
    expect(result.model).toMatchObject({ id: small.id, modelId: "embed-small" });
    expect(result.embeddings).toHaveLength(2);
    expect(result.embeddings[0]).toEqual([1, 0]);
    expect(result.embeddings[1]).toHaveLength(8);
    expect(result.simulated).toBe(false);
    const tokens = Math.ceil("first text".length / 4) + Math.ceil("second text here".length / 4); // the stub's count
    expect(result.usage.inputTokens).toBe(tokens);
    expect(result.costUsd).toBe(costOf({ inputPrice: 0.02, outputPrice: 0 }, tokens, 0));
    const rows = await usageRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "ok", modelName: "embed-small", runId: "run_embed", stepId: "r1.embed", inputTokens: tokens, outputTokens: 0 });
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(result.costUsd, 12);
    expect(result.decision.candidates.find((c) => c.displayName === "chat")!.rejectedBecause).toEqual(["lacks embeddings"]);
  });

  it("no model can embed: NO_FEASIBLE_MODEL naming the capability, nothing called", async () => {
    const provider = await gw.addProvider({ name: "Chat only" });
    await gw.addModel(provider.id, "chat", { outputPrice: 1, contextWindow: 8_000, capabilities: ["json"] });
    const error = await failure(embed(ctx, request()));
    expect(error.code).toBe("NO_FEASIBLE_MODEL");
    expect(error.message).toMatch(/embeddings/);
    expect(stub.calls).toHaveLength(0);
  });

  it("refuses over budget (monthly or the run's): a refused row, no call", async () => {
    await stubModels();
    const values = ["x".repeat(4000)]; // 1000 tokens: $0.00002 on embed-small
    const overRun = await failure(embed(ctx, request({ values, runId: "run_small_budget", runBudgetUsd: 0.00001 })));
    expect(overRun.code).toBe("BUDGET_EXCEEDED");
    await db().budget.create({ data: { workspaceId: ws.id, monthlyLimitUsd: 0.00001 } });
    invalidateBudgetCache(ws.id);
    const overMonth = await failure(embed(ctx, request({ values })));
    expect(overMonth.code).toBe("BUDGET_EXCEEDED");
    expect(embedCalls()).toEqual([]);
    expect((await usageRows()).map((r) => [r.modelName, r.outcome, r.costUsd.toString()])).toEqual([
      ["embed-small", "refused", "0"],
      ["embed-small", "refused", "0"],
    ]);
  });

  it("a transport error falls back to the next model and counts against the breaker, which opens and skips the model", async () => {
    const { small } = await stubModels();
    stub.fail({ status: 500, model: "embed-small", times: 3 });
    for (let i = 0; i < 3; i++) {
      const result = await embed(ctx, request());
      expect(result.model.modelId).toBe("embed-large");
      expect(result.attempts.map((a) => a.outcome)).toEqual(["error", "ok"]);
    }
    expect(modelCircuitBreaker().openIds([small.id]).has(small.id)).toBe(true);
    stub.reset();
    const skipped = await embed(ctx, request());
    expect(embedCalls()).toEqual(["embed-large"]);
    expect(skipped.decision.candidates.find((c) => c.id === small.id)!.rejectedBecause).toEqual([expect.stringMatching(/circuit open/)]);
    const rows = await usageRows();
    expect(rows.filter((r) => r.outcome === "error").map((r) => r.modelName)).toEqual(["embed-small", "embed-small", "embed-small"]);
  });

  it("a request error (400) is not retried: UPSTREAM_ERROR, retryable false, the breaker untouched", async () => {
    const { small } = await stubModels();
    stub.fail({ status: 400 });
    const error = await failure(embed(ctx, request()));
    expect(error.code).toBe("UPSTREAM_ERROR");
    expect(error.retryable).toBe(false);
    expect(embedCalls()).toEqual(["embed-small"]);
    expect(modelCircuitBreaker().openIds([small.id]).size).toBe(0);
  });

  it("the simulator embeds (labelled simulated): deterministic, and a revision is closer than an unrelated text", async () => {
    await db().provider.updateMany({ where: { workspaceId: ws.id, kind: "simulator" }, data: { enabled: true } });
    const values = ["We ship the release on Monday after the final tests.", "We ship the release on Monday after final testing.", "Bananas are yellow fruit."];
    const one = await embed(ctx, request({ values }));
    const again = await embed(ctx, request({ values }));
    expect(one.simulated).toBe(true);
    expect(one.model.providerKind).toBe("simulator");
    expect(one.embeddings).toEqual(again.embeddings);
    const [a, b, c] = one.embeddings as [number[], number[], number[]];
    expect(cosine(a, b)).toBeGreaterThan(cosine(a, c) + 0.3);
    expect(stub.calls).toHaveLength(0);
  });
});
