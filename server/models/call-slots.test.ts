/**
 * The process-wide cap on model calls in flight, around the provider call in the gateway, against the LLM stub:
 * 12 calls at once with a cap of 3 reach the provider 3 at a time (the queue's order: lib/semaphore.test.ts); a waiting call can be
 * cancelled (nothing is sent, the permit stays free for the others, the provider's rate-limit slot it took is given back);
 * the wait is not counted in the call's timeout.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { configureModelCallSlots, modelCallSlots } from "./call-slots";
import { configureGateway, generate, type GenerateRequest } from "./gateway";

const gw = useStubGateway("slots");
let stub: LlmStub;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ctx } = gw));
afterEach(() => void configureModelCallSlots());

async function stubModel() {
  await gw.addModel((await gw.addProvider()).id, "stub-small", { inputPrice: 0, outputPrice: 0 });
}

const ask = (prompt: string, over: Partial<GenerateRequest> = {}) => askAnyModel(prompt, { maxOutputTokens: 50, ...over });

const sent = () =>
  stub.calls.filter((c) => c.path === "/v1/chat/completions").map((c) => (c.body as { messages: { content: string }[] }).messages.at(-1)!.content);

describe("model calls in flight per process", () => {
  it("the default comes from CADRE_MAX_CONCURRENT_MODEL_CALLS (32)", () => {
    configureModelCallSlots();
    expect(modelCallSlots().limit).toBe(32);
  });

  it("12 calls at once with a cap of 3: at most 3 at the provider at any time, all answered", async () => {
    await stubModel();
    configureModelCallSlots(3);
    for (let i = 0; i < 12; i++) stub.fail({ delayMs: 200, status: 200 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => generate(ctx, ask(`call ${i}`))));
    expect(results.map((r) => r.text)).toEqual(Array.from({ length: 12 }, (_, i) => `[stub stub-small] call ${i}`));
    expect(stub.maxInFlight).toBe(3);
    expect(sent()).toHaveLength(12);
    expect(modelCallSlots().inUse).toBe(0);
  });

  it("a waiting call cancelled gives back the provider's rate-limit slot it had taken", async () => {
    const provider = await gw.addProvider({ rpmLimit: 100, tpmLimit: 100_000 });
    await gw.addModel(provider.id, "stub-small", { inputPrice: 0, outputPrice: 0 });
    configureModelCallSlots(1);
    const hold = await modelCallSlots().acquire(); // the one permit, held by "another call"
    const window = () => db().providerRateWindow.findUniqueOrThrow({ where: { providerId: provider.id } });
    const abort = new AbortController();
    const waiting = generate(ctx, ask("cancelled", { abortSignal: abort.signal }));
    await expect.poll(() => modelCallSlots().waiting, { timeout: 20_000 }).toBe(1);
    // its slot of the provider's limits was taken before it queued for a permit
    expect((await window()).requests).toBe(1);
    expect((await window()).tokens).toBeGreaterThan(0);
    abort.abort(new Error("the caller gave up"));
    await expect(waiting).rejects.toThrow("the caller gave up");
    expect(await window()).toMatchObject({ requests: 0, tokens: 0 });
    hold();
    await generate(ctx, ask("after"));
    expect((await window()).requests).toBe(1);
    expect(sent()).toEqual(["after"]);
  });

  it("a waiting call can be cancelled: nothing is sent for it and the queue moves on", async () => {
    await stubModel();
    configureModelCallSlots(1);
    const hold = await modelCallSlots().acquire(); // the one permit, held by "another call"
    const abort = new AbortController();
    const waiting = generate(ctx, ask("cancelled", { abortSignal: abort.signal }));
    const third = generate(ctx, ask("third"));
    await expect.poll(() => modelCallSlots().waiting, { timeout: 20_000 }).toBe(2);
    abort.abort(new Error("the caller gave up"));
    await expect(waiting).rejects.toThrow("the caller gave up");
    expect(modelCallSlots().waiting).toBe(1);
    hold();
    await third;
    expect(sent()).toEqual(["third"]);
    expect(await db().usageRecord.count({ where: { workspaceId: ctx.workspaceId } })).toBe(1);
  });

  it("the wait for a permit is not part of the call's timeout", async () => {
    await stubModel();
    configureModelCallSlots(1);
    await generate(ctx, ask("warm-up")); // the provider code is loaded outside the timed calls
    configureGateway({ defaultTimeoutMs: 800, retryBackoffMs: 10 });
    for (let i = 0; i < 4; i++) stub.fail({ delayMs: 300, status: 200 });
    // each call takes 300 ms: the fourth waits 900 ms or more for its permit, longer than the 800 ms timeout
    const results = await Promise.all([0, 1, 2, 3].map((i) => generate(ctx, ask(`t${i}`))));
    expect(results.every((r) => r.attempts.length === 1 && r.attempts[0]!.outcome === "ok")).toBe(true);
  });
});
