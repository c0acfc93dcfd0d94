/**
 * The one latency prediction (./latency.ts): the time of one attempt for the call's output allowance, plus the time
 * that failures are expected to lose; and that every ordering by time in route() uses it.
 */
import { describe, expect, it } from "vitest";
import { modelConstraintsSchema } from "@/lib/schemas/model-policy";
import { catalogEntry, localEntry } from "@/test/fixtures/catalog";
import { expectedCallMs, FAILED_CALL_MS } from "./latency";
import { route } from "./router";

describe("expectedCallMs", () => {
  it("a reliable model: its whole-call p95", () => {
    expect(expectedCallMs(catalogEntry("m", { latencyP95Ms: 700 }), 500)).toBe(700);
  });

  it("failures and timeouts raise it by the time they lose, r / (1 - r) failed attempts of FAILED_CALL_MS each", () => {
    const steady = catalogEntry("steady", { latencyP95Ms: 700 });
    const flaky = catalogEntry("flaky", { latencyP95Ms: 700, failureRate: 0.2 });
    expect(expectedCallMs(flaky, 500)).toBe(700 + 0.25 * FAILED_CALL_MS);
    // the raw error rate where no smoothed rate is known
    expect(expectedCallMs(catalogEntry("raw", { latencyP95Ms: 700, errorRate: 0.5 }), 500)).toBe(700 + FAILED_CALL_MS);
    // a timeout is counted in the p95 at the time it took, and as a failure
    const timingOut = catalogEntry("t", { latencyP95Ms: 30_000, failureRate: 0.2 });
    expect(expectedCallMs(timingOut, 500)!).toBeGreaterThan(expectedCallMs(flaky, 500)!);
    // always failing stays finite (the rate is capped at 0.95) and above every model that sometimes succeeds
    const dead = expectedCallMs(catalogEntry("dead", { latencyP95Ms: 700, failureRate: 1 }), 500)!;
    expect(dead).toBeCloseTo(700 + 19 * FAILED_CALL_MS, 6);
    for (let r = 0; r < 0.95; r += 0.05) {
      expect(expectedCallMs(catalogEntry("r", { latencyP95Ms: 700, failureRate: r + 0.05 }), 500)!).toBeGreaterThan(
        expectedCallMs(catalogEntry("r", { latencyP95Ms: 700, failureRate: r }), 500)!,
      );
    }
    expect(expectedCallMs(steady, 500)!).toBeLessThan(expectedCallMs(flaky, 500)!);
  });

  it("time to first token + ms per output token x the allowance where streamed calls measured them, else the p95", () => {
    const streamed = catalogEntry("s", { latencyP95Ms: 400, ttftMs: 200, msPerOutputToken: 10 });
    expect(expectedCallMs(streamed, 1_000)).toBe(10_200);
    expect(expectedCallMs(streamed, 10)).toBe(300);
    expect(expectedCallMs({ ...streamed, failureRate: 0.5 }, 1_000)).toBe(10_200 + FAILED_CALL_MS);
    // only one of the two figures, or no allowance given: the whole-call p95
    expect(expectedCallMs(catalogEntry("t", { latencyP95Ms: 400, ttftMs: 200 }), 1_000)).toBe(400);
    expect(expectedCallMs(streamed, undefined)).toBe(400);
    // per-token figures without a p95 still predict
    expect(expectedCallMs(catalogEntry("u", { latencyP95Ms: null, ttftMs: 100, msPerOutputToken: 1 }), 100)).toBe(200);
  });

  it("an unobserved model has no prediction, failures or not", () => {
    expect(expectedCallMs(catalogEntry("new", { latencyP95Ms: null }), 500)).toBeNull();
    expect(expectedCallMs(catalogEntry("new", { latencyP95Ms: null, failureRate: 0.1 }), 500)).toBeNull();
  });
});

describe("route() orders by the same prediction", () => {
  const latency = modelConstraintsSchema.parse({ objective: "latency" });
  const cheapest = modelConstraintsSchema.parse({});

  it("the latency objective: a fast model that often fails loses to a slower reliable one; unobserved ranks last", () => {
    const flaky = catalogEntry("a-flaky", { latencyP95Ms: 300, failureRate: 0.3 });
    const steady = catalogEntry("b-steady", { latencyP95Ms: 900, failureRate: 0.02 });
    const unknown = catalogEntry("c-unknown", { latencyP95Ms: null, inputPrice: 0, outputPrice: 0 });
    const decision = route([flaky, steady, unknown], { constraints: latency, promptTokens: 10, maxOutputTokens: 100 });
    expect([decision.chosen.id, ...decision.fallbacks.map((e) => e.id)]).toEqual(["b-steady", "a-flaky", "c-unknown"]);
  });

  it("on equal cost: the one faster for this call's output allowance, per-token figures included", () => {
    // a: quick to start, slow per token (its p95 comes from short answers); b: slower first token, fast per token
    const a = localEntry("a-quick-start", { inputPrice: 0, outputPrice: 0, latencyP95Ms: 400, ttftMs: 100, msPerOutputToken: 30 });
    const b = localEntry("b-fast-tokens", { inputPrice: 0, outputPrice: 0, latencyP95Ms: 900, ttftMs: 600, msPerOutputToken: 5 });
    expect(route([a, b], { constraints: cheapest, promptTokens: 10, maxOutputTokens: 2_000 }).chosen.id).toBe("b-fast-tokens");
    expect(route([a, b], { constraints: cheapest, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("a-quick-start");
  });

  it("the blend's latency score counts failures too", () => {
    const blend = modelConstraintsSchema.parse({ objective: { cost: 0, quality: 0, latency: 1 } });
    const flaky = catalogEntry("a-flaky", { latencyP95Ms: 300, failureRate: 0.3 });
    const steady = catalogEntry("b-steady", { latencyP95Ms: 900, failureRate: 0.02 });
    expect(route([flaky, steady], { constraints: blend, promptTokens: 10, maxOutputTokens: 100 }).chosen.id).toBe("b-steady");
  });
});
