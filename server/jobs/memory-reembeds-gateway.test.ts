/**
 * A scope switched from the offline simulator to a real embedding model (the LLM stub behind the OpenAI-compatible
 * provider code, scripted to answer 384-dimensional vectors): its rows are re-embedded in the background, by the
 * in-process worker and by the Inngest function (run by @inngest/test); while the switch is under way recall embeds
 * the query once per model and never compares one model's vectors with the other's; after it, recall uses the new
 * model for that scope.
 */
import { InngestTestEngine } from "@inngest/test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { MemoryScope } from "@/lib/schemas/memory";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import type { TenantContext } from "@/server/context";
import { recall } from "@/server/memory/recall";
import { getMemoryReembed, setMemoryModel } from "@/server/memory/reembed";
import { remember } from "@/server/memory/service";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { useStubGateway } from "@/test/fixtures/stub-gateway";
import type { TestWorkspace } from "@/test/helpers";
import type { LeaseWorker } from "./lease-worker";
import { startReembedWorker } from "./memory-reembeds";
import { memoryReembedFunction, REEMBED_REQUESTED_EVENT } from "./memory-reembeds-inngest";

const gw = useStubGateway("reembed-gw");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
const workers: LeaseWorker[] = [];
beforeEach(() => void ({ stub, ws, ctx } = gw));
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
});

const unit = (i: number) => Array.from({ length: 384 }, (_, j) => (j === i ? 1 : 0));
const SIM = "simulator:sim-fast (lexical)";
const s42: MemoryScope = { type: "subject", id: "customer:42" };
const s7: MemoryScope = { type: "subject", id: "customer:7" };

/**
 * The workspace embeds with the simulator (pinned as its default; the stub's provider is enabled too), and has an
 * embedding model at the stub whose vectors are scripted: "refund" along one axis, "Shipping" along another,
 * anything else along a third.
 */
async function switchable(): Promise<{ stubLabel: string; stubPolicy: ModelPolicy }> {
  await db().provider.updateMany({ where: { workspaceId: ws.id, kind: "simulator" }, data: { enabled: true } });
  const sim = await db().model.findFirstOrThrow({ where: { workspaceId: ws.id, modelId: "sim-fast", provider: { kind: "simulator" } }, select: { id: true } });
  await setMemoryModel(ctx, { policy: { type: "pinned", modelId: sim.id } });
  const provider = await gw.addProvider();
  const model = await gw.addModel(provider.id, "embed-384", { inputPrice: 0.02, outputPrice: 0, contextWindow: 8_000, capabilities: ["embeddings"] });
  stub.embedding({ when: "refund", vector: unit(0) });
  stub.embedding({ when: "Shipping", vector: unit(1) });
  stub.embedding({ when: "", vector: unit(2) });
  return { stubLabel: `${provider.kind}:embed-384`, stubPolicy: { type: "pinned", modelId: model.id } };
}

async function seed() {
  for (const content of ["The refund policy allows thirty days", "Shipping is free above 50 euros", "Speaks Portuguese"])
    await remember(ctx, { content, scope: s42 });
  await remember(ctx, { content: "Asked for a refund in March", scope: s7 });
}

describe("a scope switched from the simulator to a real embedding model", () => {
  it("is re-embedded in the background; during the switch recall never compares two models' vectors; after it, recall uses the new model", async () => {
    const { stubLabel, stubPolicy } = await switchable();
    await seed();
    const before = await db().memory.findMany({ where: { workspaceId: ws.id, scopeType: "subject", scopeId: "customer:42" }, orderBy: { id: "asc" } });
    expect(before.map((m) => [m.embeddingModel, m.dims])).toEqual(before.map(() => [SIM, 384]));

    const { reembed } = await setMemoryModel(ctx, { scopeType: "subject", scopeId: "customer:42", policy: stubPolicy });
    expect(reembed).toMatchObject({ status: "queued", progress: { rowsTotal: 3 } });

    // during the switch: the query is embedded twice (the stub for 42, the simulator for 7); 42's rows are still the
    // simulator's, so no vector search compares them (the stub's list is empty), and 7's row only with the simulator's
    const during = await recall(ctx, { query: "refund", scopes: [s42, s7] });
    expect(during.models.map((m) => [m.embeddingModel, m.simulated])).toEqual([
      [stubLabel, false],
      [SIM, true],
    ]);
    expect(during.simulated).toBe(true);
    const ids42 = new Set(before.map((m) => m.id));
    for (const r of during.results) {
      if (ids42.has(r.memory.id)) expect(r.why).toMatchObject({ vectorRank: null, vectorModel: null });
      else expect(r.why.vectorModel).toBe(SIM);
    }
    expect(during.results.map((r) => r.memory.content).sort()).toEqual(["Asked for a refund in March", "The refund policy allows thirty days"]);

    workers.push(startReembedWorker({ workspaceIds: [ws.id], pollMs: 25, leaseMs: 5_000 }));
    await expect.poll(async () => (await getMemoryReembed(ctx, reembed!.id)).status, { timeout: 30_000, interval: 50 }).toBe("done");
    expect(await getMemoryReembed(ctx, reembed!.id)).toMatchObject({ targetModel: stubLabel, progress: { rowsDone: 3, rowsTotal: 3 } });
    const after = await db().memory.findMany({ where: { workspaceId: ws.id, scopeType: "subject", scopeId: "customer:42" }, orderBy: { id: "asc" } });
    expect(after.map((m) => [m.id, m.embeddingModel, m.dims])).toEqual(before.map((m) => [m.id, stubLabel, 384]));
    expect((await db().memory.findFirstOrThrow({ where: { workspaceId: ws.id, scopeId: "customer:7" } })).embeddingModel).toBe(SIM);
    expect(await db().usageRecord.count({ where: { workspaceId: ws.id, modelName: "embed-384", outcome: "ok" } })).toBeGreaterThan(0);

    // after: 42's refund row is the stub's nearest (the same axis as the query), compared with the stub's vectors only
    const afterRecall = await recall(ctx, { query: "refund", scopes: [s42, s7] });
    const top42 = afterRecall.results.find((r) => ids42.has(r.memory.id))!;
    expect(top42.memory.content).toBe("The refund policy allows thirty days");
    expect(top42.why).toMatchObject({ vectorRank: 1, vectorModel: stubLabel });
    expect(top42.why.vectorDistance).toBeCloseTo(0, 6);
    for (const r of afterRecall.results) if (r.why.vectorModel !== null) expect(r.why.vectorModel).toBe(r.memory.embeddingModel);
    // the stub's vectors of 42: shipping is orthogonal to the query
    const shipping = afterRecall.results.find((r) => r.memory.content.startsWith("Shipping"));
    expect(shipping?.why.vectorDistance).toBeCloseTo(1, 6);
  });

  it("the Inngest function re-embeds the scope in memoised batch steps (a replayed event changes nothing)", async () => {
    const { stubLabel, stubPolicy } = await switchable();
    await seed();
    const { reembed } = await setMemoryModel(ctx, { scopeType: "subject", scopeId: "customer:42", policy: stubPolicy });
    const engine = () =>
      new InngestTestEngine({
        function: memoryReembedFunction,
        events: [{ name: REEMBED_REQUESTED_EVENT, data: { reembedId: reembed!.id, workspaceId: ws.id } }],
      });
    const { result, error, state } = await engine().execute();
    expect(error).toBeUndefined();
    expect(result).toBe("done");
    expect(Object.keys(state)).toHaveLength(2); // one batch of 3 rows, then the one that finds none left
    expect(await getMemoryReembed(ctx, reembed!.id)).toMatchObject({ status: "done", targetModel: stubLabel, progress: { rowsDone: 3, rowsTotal: 3 } });
    const rows = await db().memory.findMany({ where: { workspaceId: ws.id, scopeId: "customer:42" }, select: { embeddingModel: true } });
    expect(rows.map((r) => r.embeddingModel)).toEqual(rows.map(() => stubLabel));
    const calls = stub.calls.length;
    expect((await engine().execute()).result).toBe("done");
    expect(stub.calls.length).toBe(calls);
  });

  it("a failure that retrying cannot fix (the stub model answers 8 dimensions) fails the job with a message for people; rows keep their model", async () => {
    await db().provider.updateMany({ where: { workspaceId: ws.id, kind: "simulator" }, data: { enabled: true } });
    const sim = await db().model.findFirstOrThrow({
      where: { workspaceId: ws.id, modelId: "sim-fast", provider: { kind: "simulator" } },
      select: { id: true },
    });
    await setMemoryModel(ctx, { policy: { type: "pinned", modelId: sim.id } });
    const provider = await gw.addProvider();
    const model = await gw.addModel(provider.id, "embed-8", { inputPrice: 0.02, outputPrice: 0, contextWindow: 8_000, capabilities: ["embeddings"] });
    await seed(); // after the model is added: the first embedding call caches the catalog
    const { reembed } = await setMemoryModel(ctx, { scopeType: "subject", scopeId: "customer:42", policy: { type: "pinned", modelId: model.id } });
    const { error } = await new InngestTestEngine({
      function: memoryReembedFunction,
      events: [{ name: REEMBED_REQUESTED_EVENT, data: { reembedId: reembed!.id, workspaceId: ws.id } }],
    }).execute();
    expect(error).toBeDefined();
    const failed = await getMemoryReembed(ctx, reembed!.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/^The model policy cannot embed these memories: embed-8 returns 8-dimensional embeddings/);
    const rows = await db().memory.findMany({ where: { workspaceId: ws.id, scopeId: "customer:42" }, select: { embeddingModel: true } });
    expect(rows.map((r) => r.embeddingModel)).toEqual(rows.map(() => SIM));
  });
});
