/**
 * Memory with a real embedding model (the LLM stub behind the OpenAI-compatible provider code, the simulator
 * disabled): the row names the model, the call is a usage row; a model whose vectors have no HNSW index is refused
 * before anything is written.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { appErrorOf, type TestWorkspace } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { useStubGateway } from "@/test/fixtures/stub-gateway";
import { remember } from "./service";
import { recall } from "./recall";

const gw = useStubGateway("memory-gw");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const unit = (i: number, dims: number) => Array.from({ length: dims }, (_, j) => (j === i ? 1 : 0));

describe("memory through a real embedding model", () => {
  it("labels rows with the provider's model, costs the call, and recalls with that model", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "embed-384", { inputPrice: 0.02, outputPrice: 0, contextWindow: 8_000, capabilities: ["embeddings"] });
    stub.embedding({ when: "alpha", vector: unit(0, 384) });
    const m = await remember(ctx, { content: "alpha is the first letter" });
    expect(m.embeddingModel).toBe(`${provider.kind}:embed-384`);
    expect(m.embeddingModel).not.toMatch(/lexical/);
    expect(m.dims).toBe(384);
    const usage = await db().usageRecord.findMany({ where: { workspaceId: ws.id, modelName: "embed-384", outcome: "ok" } });
    expect(usage).toHaveLength(1);
    const r = await recall(ctx, { query: "alpha" });
    expect(r).toMatchObject({ embeddingModel: m.embeddingModel, simulated: false });
    expect(r.results[0]!.memory.id).toBe(m.id);
    expect(r.results[0]!.why.vectorDistance).toBeCloseTo(0, 6);
  });

  it("a model whose vectors are not 384, 768, 1024 or 1536 long is refused: nothing written", async () => {
    const provider = await gw.addProvider();
    await gw.addModel(provider.id, "embed-8", { inputPrice: 0.02, outputPrice: 0, contextWindow: 8_000, capabilities: ["embeddings"] });
    const error = await appErrorOf(remember(ctx, { content: "an eight-dimensional fact" }));
    expect(error.code).toBe("NO_FEASIBLE_MODEL");
    expect(error.message).toMatch(/8-dimensional/);
    expect(await db().memory.count({ where: { workspaceId: ws.id } })).toBe(0);
  });
});
