/**
 * The gateway's circuit breakers against the real provider code and the LLM stub: a provider whose models fail
 * (5xx) opens its provider circuit, and routing leaves all its models for another provider's; with no other provider,
 * the error carries when the provider circuit lets a trial through (`retryAt`, the run engine's outage wait), not a
 * plain failure; after the cool-down, one trial closes it. Streamed calls count the same.
 */
import { beforeEach, describe, expect, it, onTestFinished } from "vitest";
import type { TenantContext } from "@/server/context";
import { uniq, type TestWorkspace, appErrorOf as failure } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { modelCircuitBreaker } from "./circuit-breaker";
import { configureGateway, generate, type GenerateRequest } from "./gateway";

const gw = useStubGateway("gwbrk");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const ask = (over: Partial<GenerateRequest> = {}) => askAnyModel("hello breaker", over);

const modelsCalled = () => stub.calls.filter((c) => c.path === "/v1/chat/completions").map((c) => c.model);

/** A controllable clock for the breaker; three failures of two or more models open a provider circuit. */
function breakerClock() {
  const clock = { now: 1_000_000_000_000 };
  modelCircuitBreaker().configure({ providerMinimumCalls: 3, providerMinimumModels: 2, coolDownMs: 30_000, now: () => clock.now });
  onTestFinished(() => modelCircuitBreaker().configure({ providerMinimumCalls: 6, providerMinimumModels: 2, now: Date.now }));
  return clock;
}

describe("generate: the provider circuit", () => {
  it("opens when several of a provider's models fail; routing then skips all its models for another provider's", async () => {
    breakerClock();
    configureGateway({ maxAttempts: 4, retryBackoffMs: 10 });
    const down = await gw.addProvider({ name: `Down ${uniq()}` });
    const a = await gw.addModel(down.id, "pa", { inputPrice: 0.5 });
    const b = await gw.addModel(down.id, "pb", { inputPrice: 1 });
    const c = await gw.addModel(down.id, "pc", { inputPrice: 1.5 });
    const up = await gw.addProvider({ name: `Up ${uniq()}` });
    const z = await gw.addModel(up.id, "qz", { inputPrice: 5 });
    for (const model of ["pa", "pb", "pc"]) stub.fail({ status: 503, model });

    const first = await generate(ctx, ask());
    expect(modelsCalled()).toEqual(["pa", "pb", "pc", "qz"]);
    expect(first.model.id).toBe(z.id);
    const breaker = modelCircuitBreaker();
    expect(breaker.providerState(down.id)).toBe("open");
    // one failure each: no model's own circuit would have opened
    expect([a, b, c].map((m) => breaker.state(m.id))).toEqual(["closed", "closed", "closed"]);

    stub.reset();
    const second = await generate(ctx, ask());
    expect(second.model.id).toBe(z.id);
    expect(modelsCalled()).toEqual(["qz"]); // none of the down provider's models was tried
    for (const m of [a, b, c]) expect(second.decision.candidates.find((x) => x.id === m.id)!.rejectedBecause).toEqual([expect.stringMatching(/circuit open/)]);
  });

  it("its only provider's circuit open: the error carries the recovery time (the outage wait), never a plain failure; one trial closes it", async () => {
    const clock = breakerClock();
    const provider = await gw.addProvider({ name: `Flaky ${uniq()}` });
    await gw.addModel(provider.id, "fa", { inputPrice: 1 });
    await gw.addModel(provider.id, "fb", { inputPrice: 2 });
    await gw.addModel(provider.id, "fc", { inputPrice: 3 });
    for (const model of ["fa", "fb", "fc"]) stub.fail({ status: 500, model });
    const openedAt = clock.now;

    // streamed: the stream path counts against the breakers like the plain one
    const deltas: string[] = [];
    const failed = await failure(generate(ctx, ask({ onTextDelta: (d) => deltas.push(d) })));
    expect(failed.code).toBe("UPSTREAM_ERROR");
    expect(failed.retryable).toBeUndefined();
    expect(failed.retryAt).toBe(openedAt + 30_000);
    expect(failed.waitingFor).toBe(provider.name);
    expect(modelCircuitBreaker().providerState(provider.id)).toBe("open");

    clock.now += 10_000;
    const cooling = await failure(generate(ctx, ask()));
    expect(cooling.code).toBe("NO_FEASIBLE_MODEL");
    expect(cooling.message).toMatch(/cooling down/);
    expect(cooling.retryAt).toBe(openedAt + 30_000);
    expect(cooling.waitingFor).toBe(provider.name);
    expect(modelsCalled()).toHaveLength(3); // nothing sent while it is open

    clock.now += 20_000;
    expect(modelCircuitBreaker().providerState(provider.id)).toBe("half_open");
    expect((await generate(ctx, ask())).text).toMatch(/^\[stub f[abc]\]/);
    expect(modelsCalled()).toHaveLength(4);
    expect(modelCircuitBreaker().providerState(provider.id)).toBe("closed");
  });
});
