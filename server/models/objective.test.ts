/**
 * Routing objectives (./objective.ts) through route(): capable picks the strongest, fast the fastest observed, a blend
 * weighs the three, and diversity spreads the participants of one step over different models.
 */
import { describe, expect, it } from "vitest";
import { modelConstraintsSchema, type ModelConstraints } from "@/lib/schemas/model-policy";
import { DEFAULT_PRESETS } from "./catalog";
import { catalogEntry } from "@/test/fixtures/catalog";
import { expectedCallMs } from "./latency";
import { route, type CatalogEntry } from "./router";
import { routeFor } from "./routing";

const model = catalogEntry;

/** Three models above 0.8: the mini is the cheapest, sonnet the strongest, the mini also the fastest. */
const CATALOG: CatalogEntry[] = [
  model("gpt-mini", { inputPrice: 0.15, outputPrice: 0.6, quality: 0.82, latencyP95Ms: 600 }),
  model("gpt-4o", { inputPrice: 2.5, outputPrice: 10, quality: 0.86, latencyP95Ms: 1400 }),
  model("claude-sonnet", {
    providerId: "prv_ant",
    providerKind: "anthropic",
    providerName: "Anthropic",
    inputPrice: 3,
    outputPrice: 15,
    quality: 0.9,
    latencyP95Ms: 2000,
  }),
  model("small", { inputPrice: 0.05, outputPrice: 0.1, quality: 0.5, latencyP95Ms: 300 }),
];

const C = (c: Partial<ModelConstraints> = {}): ModelConstraints => modelConstraintsSchema.parse(c);
const preset = (name: string) => DEFAULT_PRESETS.find((p) => p.name === name)!.policy;
const pick = (constraints: ModelConstraints, catalog = CATALOG, avoidModels?: string[]) =>
  route(catalog, { constraints, promptTokens: 1000, maxOutputTokens: 500, ...(avoidModels ? { avoidModels } : {}) });

describe("objectives", () => {
  it("cost (the default, also when absent) keeps the cheapest above the floor", () => {
    expect(pick(C({ minQuality: 0.8 })).chosen.id).toBe("gpt-mini");
    expect(pick(C({ minQuality: 0.8, objective: "cost" })).chosen.id).toBe("gpt-mini");
    expect(pick(C({ minQuality: 0.8 })).explanation).toContain("objective cost: lowest expected cost");
  });

  it("capable picks the strongest model, not the cheapest above its floor", () => {
    const decision = pick(preset("capable"));
    expect(decision.chosen.id).toBe("claude-sonnet");
    expect(decision.fallbacks.map((e) => e.id)).toEqual(["gpt-4o", "gpt-mini"]);
    expect(decision.explanation).toContain("objective quality: highest quality 0.9");
  });

  it("quality ties go to the cheaper model", () => {
    const twins = [model("dear", { quality: 0.9, inputPrice: 5 }), model("cheap", { quality: 0.9, inputPrice: 1 })];
    expect(pick(C({ objective: "quality" }), twins).chosen.id).toBe("cheap");
  });

  it("fast picks the fastest observed model; an unobserved one ranks after every observed one", () => {
    const catalog = [...CATALOG, model("unknown", { inputPrice: 0, outputPrice: 0, quality: 0.6, latencyP95Ms: null })];
    const decision = pick(preset("fast"), catalog);
    expect(decision.chosen.id).toBe("small");
    expect(decision.fallbacks.map((e) => e.id)).toEqual(["gpt-mini", "gpt-4o", "claude-sonnet", "unknown"]);
    expect(decision.explanation).toContain("objective latency: lowest observed p95 300 ms");
    // nothing observed: by expected cost
    const blind = catalog.map((e) => ({ ...e, latencyP95Ms: null }));
    expect(pick(C({ objective: "latency" }), blind).chosen.id).toBe("unknown");
  });

  it("latency is predicted for the call's output (first token + ms per token), not the p95 of other, shorter calls", () => {
    const latency = modelConstraintsSchema.parse({ objective: "latency" });
    // a: quick to start, slow per token (its p95 comes from short answers); b: slower first token, fast per token
    const a = model("a-quick-start", { latencyP95Ms: 400, ttftMs: 100, msPerOutputToken: 30 });
    const b = model("b-fast-tokens", { latencyP95Ms: 900, ttftMs: 600, msPerOutputToken: 5 });
    expect(route([a, b], { constraints: latency, promptTokens: 10, maxOutputTokens: 2_000 }).chosen.id).toBe("b-fast-tokens");
    expect(route([a, b], { constraints: latency, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("a-quick-start");
    expect(expectedCallMs(b, 2_000)).toBe(10_600);
    // no per-token figures: the whole-call p95
    expect(expectedCallMs(model("c", { latencyP95Ms: 700 }), 2_000)).toBe(700);
  });

  it("a blend weighs normalised cost, quality and latency", () => {
    // all quality: the strongest; all latency: the fastest; all cost: the cheapest
    expect(pick(C({ minQuality: 0.8, objective: { cost: 0, quality: 1, latency: 0 } })).chosen.id).toBe("claude-sonnet");
    expect(pick(C({ minQuality: 0.8, objective: { cost: 0, quality: 0, latency: 1 } })).chosen.id).toBe("gpt-mini");
    // gpt-4o: the middle on every figure, strong enough on quality to beat both ends when quality and latency weigh most
    const middle = [
      model("cheap-weak", { inputPrice: 0.1, outputPrice: 0.1, quality: 0.6, latencyP95Ms: 3000 }),
      model("middle", { inputPrice: 1, outputPrice: 1, quality: 0.85, latencyP95Ms: 800 }),
      model("dear-strong", { inputPrice: 10, outputPrice: 10, quality: 0.9, latencyP95Ms: 2500 }),
    ];
    const decision = pick(C({ objective: { cost: 0.3, quality: 0.4, latency: 0.3 } }), middle);
    expect(decision.chosen.id).toBe("middle");
    expect(decision.explanation).toMatch(/objective blend \(cost 0.3, quality 0.4, latency 0.3\): best weighted score 0\.\d\d/);
    // the balanced preset: cost weighs most, the mini is cheap and fast
    expect(pick(preset("balanced")).chosen.id).toBe("gpt-mini");
  });

  it("rejects blend weights that are all zero or out of range", () => {
    expect(modelConstraintsSchema.safeParse({ objective: { cost: 0, quality: 0, latency: 0 } }).success).toBe(false);
    expect(modelConstraintsSchema.safeParse({ objective: { cost: 2, quality: 0, latency: 0 } }).success).toBe(false);
    expect(modelConstraintsSchema.safeParse({ objective: "cheapest" }).success).toBe(false);
    expect(modelConstraintsSchema.parse({ objective: { cost: 0.5, quality: 0.3, latency: 0.2 }, diversity: true })).toMatchObject({
      objective: { cost: 0.5, quality: 0.3, latency: 0.2 },
      diversity: true,
    });
  });

  it("the default presets name the objective their name promises", () => {
    expect(preset("fast").objective).toBe("latency");
    expect(preset("balanced").objective).toEqual({ cost: 0.5, quality: 0.3, latency: 0.2 });
    expect(preset("capable").objective).toBe("quality");
  });
});

describe("diversity", () => {
  const constraints = C({ minQuality: 0.8, diversity: true });

  it("avoidModels ranks the models in use last, and reuses one when nothing else is feasible", () => {
    expect(pick(constraints, CATALOG, ["gpt-mini"]).chosen.id).toBe("gpt-4o");
    const all = pick(constraints, CATALOG, ["gpt-mini", "gpt-4o", "claude-sonnet"]);
    expect(all.chosen.id).toBe("gpt-mini");
    expect(all.explanation).toContain("one is reused");
  });

  it("participants of one step routed one after another spread over 3 models, then reuse", () => {
    const spread = new Set<string>();
    const chosen = [0, 1, 2, 3].map(() => routeFor(CATALOG, { resolved: { constraints }, promptTokens: 1000, maxOutputTokens: 500, spread }).chosen.id);
    expect(chosen.slice(0, 3)).toEqual(["gpt-mini", "gpt-4o", "claude-sonnet"]);
    expect(chosen[3]).toBe("gpt-mini");
    const last = routeFor(CATALOG, { resolved: { constraints }, promptTokens: 1000, maxOutputTokens: 500, spread: new Set(["gpt-mini"]) });
    expect(last.explanation).toContain("diversity: a model none of the other participants uses");
  });

  it("a policy without diversity ignores the group: N copies of its first choice", () => {
    const spread = new Set<string>();
    const plain = C({ minQuality: 0.8 });
    const chosen = [0, 1, 2].map(() => routeFor(CATALOG, { resolved: { constraints: plain }, promptTokens: 1000, maxOutputTokens: 500, spread }).chosen.id);
    expect(chosen).toEqual(["gpt-mini", "gpt-mini", "gpt-mini"]);
    expect(spread.size).toBe(0);
  });
});
