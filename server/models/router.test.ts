import { describe, expect, it } from "vitest";
import { AppError } from "@/lib/errors";
import { modelConstraintsSchema, type ModelConstraints } from "@/lib/schemas/model-policy";
import { DEFAULT_PRESETS } from "./catalog";
import { catalogEntry, localEntry, simulatorEntry } from "@/test/fixtures/catalog";
import { expectedCallMs } from "./latency";
import { estimateCallCost, expectedCost, FAILED_CALL_USD, MIN_LATENCY_SAMPLES, route, type CatalogEntry } from "./router";

const model = catalogEntry;
const local = localEntry;

/** A small realistic catalog: prices USD per million tokens. */
const CATALOG: CatalogEntry[] = [
  model("gpt-4o-mini", { inputPrice: 0.15, outputPrice: 0.6, quality: 0.72, latencyP95Ms: 900, capabilities: ["tools", "json", "vision"] }),
  model("gpt-4o", { inputPrice: 2.5, outputPrice: 10, quality: 0.86, latencyP95Ms: 1400, capabilities: ["tools", "json", "vision"] }),
  model("claude-sonnet", {
    providerId: "prv_ant",
    providerKind: "anthropic",
    providerName: "Anthropic",
    inputPrice: 3,
    outputPrice: 15,
    quality: 0.9,
    latencyP95Ms: 2000,
  }),
  model("claude-haiku", {
    providerId: "prv_ant",
    providerKind: "anthropic",
    providerName: "Anthropic",
    inputPrice: 0.8,
    outputPrice: 4,
    quality: 0.75,
    latencyP95Ms: 700,
    contextWindow: 200_000,
  }),
  local("llama-8b", { inputPrice: 0, outputPrice: 0, quality: 0.55, latencyP95Ms: 400, contextWindow: 8_192, capabilities: ["json"] }),
  local("qwen-32b", { inputPrice: 0.05, outputPrice: 0.05, quality: 0.7, latencyP95Ms: 2500, contextWindow: 32_768 }),
  model("disabled-best", { inputPrice: 0.01, outputPrice: 0.01, quality: 0.99, enabled: false }),
];

const C = (c: Partial<ModelConstraints> = {}): ModelConstraints => modelConstraintsSchema.parse(c);

interface Row {
  name: string;
  catalog?: CatalogEntry[];
  constraints: Partial<ModelConstraints>;
  promptTokens?: number;
  maxOutputTokens?: number;
  openCircuits?: string[];
  chosen?: string;
  order?: string[];
  error?: RegExp;
}

const TABLE: Row[] = [
  { name: "no constraints: cheapest enabled model (free local), disabled ones never", constraints: {}, chosen: "llama-8b" },
  { name: "quality floor", constraints: { minQuality: 0.8 }, order: ["gpt-4o", "claude-sonnet"] },
  {
    name: "quality floor + tools",
    constraints: { minQuality: 0.72, requiredCapabilities: ["tools"] },
    order: ["gpt-4o-mini", "claude-haiku", "gpt-4o", "claude-sonnet"],
  },
  { name: "capabilities: vision", constraints: { requiredCapabilities: ["vision"] }, order: ["gpt-4o-mini", "gpt-4o"] },
  { name: "capabilities: tools excludes the json-only local model", constraints: { requiredCapabilities: ["tools"] }, chosen: "qwen-32b" },
  { name: "latency cap", constraints: { maxP95LatencyMs: 800, minQuality: 0.6 }, order: ["claude-haiku"] },
  { name: "cost cap (1000 in + 1000 out)", constraints: { maxCostPerCallUsd: 0.001, minQuality: 0.7 }, order: ["qwen-32b", "gpt-4o-mini"] },
  {
    name: "preferred provider kind first, then cost",
    constraints: { preferredProviders: ["anthropic"] },
    order: ["claude-haiku", "claude-sonnet", "llama-8b", "qwen-32b", "gpt-4o-mini", "gpt-4o"],
  },
  {
    name: "preferred providers in the given order (id, then kind)",
    constraints: { preferredProviders: ["prv_ant", "openai"], minQuality: 0.7 },
    order: ["claude-haiku", "claude-sonnet", "gpt-4o-mini", "gpt-4o", "qwen-32b"],
  },
  {
    name: "localFirst: local models before cheaper cloud ones",
    constraints: { localFirst: true, minQuality: 0.7 },
    order: ["qwen-32b", "gpt-4o-mini", "claude-haiku", "gpt-4o", "claude-sonnet"],
  },
  { name: "localFirst keeps cloud fallbacks", constraints: { localFirst: true, requiredCapabilities: ["vision"] }, order: ["gpt-4o-mini", "gpt-4o"] },
  { name: "localOnly forbids cloud", constraints: { localOnly: true }, order: ["llama-8b", "qwen-32b"] },
  { name: "context window: 20k prompt excludes the 8k model", constraints: {}, promptTokens: 20_000, chosen: "qwen-32b" },
  { name: "context window: 150k prompt leaves only the 200k model", constraints: {}, promptTokens: 150_000, order: ["claude-haiku"] },
  { name: "open circuit is skipped", constraints: { localOnly: true }, openCircuits: ["llama-8b"], order: ["qwen-32b"] },
  // binding-constraint messages
  { name: "binding: quality", constraints: { minQuality: 0.95 }, error: /^No model meets minQuality 0\.95 \(best enabled: 0\.9, claude-sonnet\)$/ },
  { name: "binding: latency", constraints: { maxP95LatencyMs: 300 }, error: /^No model meets maxP95LatencyMs 300 \(fastest enabled: p95 400 ms, llama-8b\)$/ },
  {
    name: "binding: cost (it alone blocks 2 models, quality alone 1)",
    catalog: [
      model("a", { quality: 0.9, inputPrice: 5, outputPrice: 5 }),
      model("b", { quality: 0.95, inputPrice: 9, outputPrice: 9 }),
      model("c", { quality: 0.5, inputPrice: 0.1, outputPrice: 0.1 }),
    ],
    constraints: { minQuality: 0.8, maxCostPerCallUsd: 0.001 },
    error: /^No model meets maxCostPerCallUsd \$0\.001 for 1000 prompt \+ 1000 output tokens \(cheapest otherwise feasible: \$0\.01, a\)$/,
  },
  {
    name: "binding: quality when it alone blocks more models than cost",
    constraints: { minQuality: 0.85, maxCostPerCallUsd: 0.001 },
    error: /^No model meets minQuality 0\.85 \(best otherwise feasible: 0\.72, gpt-4o-mini\)$/,
  },
  { name: "binding: capabilities", constraints: { requiredCapabilities: ["embeddings"] }, error: /^No model has the required capabilities embeddings/ },
  {
    name: "binding: context",
    constraints: {},
    promptTokens: 500_000,
    error: /^No model has a context window for 501000 tokens \(largest enabled: 200000, claude-haiku\)$/,
  },
  { name: "binding: localOnly", constraints: { localOnly: true, minQuality: 0.8 }, error: /minQuality 0\.8/ },
  {
    name: "binding: localOnly when cloud models would qualify",
    constraints: { localOnly: true, requiredCapabilities: ["tools"], minQuality: 0.72 },
    error: /^No local model is feasible, and localOnly forbids .* \(4 cloud models would otherwise qualify\)$/,
  },
  {
    name: "binding: the constraint blocking the most otherwise-feasible models wins",
    constraints: { minQuality: 0.8, maxP95LatencyMs: 1000 },
    error: /^No model meets minQuality 0\.8 \(best otherwise feasible: 0\.75, claude-haiku\)$/,
  },
  { name: "binding: circuits", constraints: { localOnly: true }, openCircuits: ["llama-8b", "qwen-32b"], error: /cooling down .*llama-8b, qwen-32b/ },
  { name: "empty catalog", catalog: [], constraints: {}, error: /no models in its catalog/ },
  { name: "all disabled", catalog: [model("a", { enabled: false })], constraints: {}, error: /All 1 models of the catalog are disabled/ },
  {
    name: "embedding-only models never answer a generation call",
    catalog: [
      model("embed", { inputPrice: 0.02, outputPrice: 0, capabilities: ["embeddings"], quality: 0.6 }),
      model("chat", { capabilities: [] }),
      model("sim", { capabilities: ["tools", "json", "embeddings"], inputPrice: 5 }),
    ],
    constraints: {},
    order: ["chat", "sim"],
  },
  {
    name: "embedding models are candidates when embeddings are required",
    catalog: [model("embed", { inputPrice: 0.02, outputPrice: 0, capabilities: ["embeddings"] }), model("chat", { capabilities: [] })],
    constraints: { requiredCapabilities: ["embeddings"] },
    order: ["embed"],
  },
  {
    name: "binding: only embedding models",
    catalog: [model("embed", { capabilities: ["embeddings"] })],
    constraints: {},
    error: /only candidates are embedding models/,
  },
  // ties
  {
    name: "ties on cost: higher quality wins",
    catalog: [model("a", { quality: 0.6 }), model("b", { quality: 0.8 }), model("c", { quality: 0.7 })],
    constraints: {},
    order: ["b", "c", "a"],
  },
  {
    name: "ties on cost and quality: lower p95 wins, unobserved last",
    catalog: [model("slow", { latencyP95Ms: 900 }), model("new", { latencyP95Ms: null }), model("fast", { latencyP95Ms: 200 })],
    constraints: {},
    order: ["fast", "slow", "new"],
  },
  {
    name: "unobserved model passes a latency cap",
    catalog: [model("new", { latencyP95Ms: null }), model("slow", { latencyP95Ms: 5000 })],
    constraints: { maxP95LatencyMs: 1000 },
    order: ["new"],
  },
  {
    name: "observed error rate raises expected cost: 50% errors doubles it",
    catalog: [model("flaky", { inputPrice: 1, outputPrice: 1, errorRate: 0.5 }), model("steady", { inputPrice: 1.5, outputPrice: 1.5 })],
    constraints: {},
    order: ["steady", "flaky"],
  },
  {
    name: "a small error rate does not outweigh a large price gap",
    catalog: [model("cheap-flaky", { inputPrice: 1, outputPrice: 1, errorRate: 0.1 }), model("pricey", { inputPrice: 3, outputPrice: 3 })],
    constraints: {},
    order: ["cheap-flaky", "pricey"],
  },
];

describe("route(): table of catalogs x policies", () => {
  it.each(TABLE)("$name", (row) => {
    const run = () =>
      route(row.catalog ?? CATALOG, {
        constraints: C(row.constraints),
        promptTokens: row.promptTokens ?? 1000,
        maxOutputTokens: row.maxOutputTokens ?? 1000,
        openCircuits: row.openCircuits,
      });
    if (row.error) {
      let caught: unknown;
      try {
        run();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(AppError);
      expect((caught as AppError).code).toBe("NO_FEASIBLE_MODEL");
      expect((caught as AppError).message).toMatch(row.error);
      return;
    }
    const decision = run();
    const order = [decision.chosen, ...decision.fallbacks].map((m) => m.id);
    if (row.chosen) expect(decision.chosen.id).toBe(row.chosen);
    if (row.order) expect(order).toEqual(row.order);
    // every catalog model is a candidate, feasible ones first in routing order, each rejection explained
    const catalog = row.catalog ?? CATALOG;
    expect(decision.candidates).toHaveLength(catalog.length);
    expect(decision.candidates.slice(0, order.length).map((c) => c.id)).toEqual(order);
    for (const candidate of decision.candidates) {
      expect(candidate.feasible).toBe(candidate.rejectedBecause.length === 0);
      expect(candidate.feasible).toBe(order.includes(candidate.id));
    }
    expect(decision.explanation).toContain(`Chose ${decision.chosen.displayName}`);
  });
});

describe("route(): details", () => {
  it("estimates cost from prompt tokens and the full output allowance", () => {
    expect(estimateCallCost({ inputPrice: 2.5, outputPrice: 10 }, 1000, 500)).toBeCloseTo(0.0075, 12);
    expect(expectedCost(1, 0.5)).toBeCloseTo(2 + FAILED_CALL_USD, 12);
    expect(expectedCost(1, 1)).toBeCloseTo(1 + 19 * (1 + FAILED_CALL_USD), 9); // capped at 0.95
    expect(expectedCost(0, 0)).toBe(0);
    const decision = route(CATALOG, { constraints: C({ minQuality: 0.85 }), promptTokens: 1000, maxOutputTokens: 500 });
    const gpt4o = decision.candidates.find((c) => c.id === "gpt-4o")!;
    expect(gpt4o.estimatedCostUsd).toBeCloseTo(0.0075, 12);
  });

  it("lists every reason a candidate is rejected", () => {
    const decision = route(CATALOG, {
      constraints: C({ minQuality: 0.8, maxCostPerCallUsd: 0.02, requiredCapabilities: ["vision"], localOnly: false }),
      promptTokens: 1000,
      maxOutputTokens: 1000,
    });
    expect(decision.chosen.id).toBe("gpt-4o");
    const sonnet = decision.candidates.find((c) => c.id === "claude-sonnet")!;
    expect(sonnet.rejectedBecause).toEqual(["lacks vision"]);
    const llama = decision.candidates.find((c) => c.id === "llama-8b")!;
    expect(llama.rejectedBecause).toEqual(["lacks vision", "quality 0.55 < minQuality 0.8"]);
    const disabled = decision.candidates.find((c) => c.id === "disabled-best")!;
    expect(disabled.rejectedBecause[0]).toBe("disabled");
    expect(decision.explanation).toMatch(/1 of 7 models are feasible/);
    expect(decision.explanation).toMatch(/Rejected 6/);
  });

  it("attaches the candidates to the NO_FEASIBLE_MODEL error", () => {
    try {
      route(CATALOG, { constraints: C({ minQuality: 0.99 }), promptTokens: 10, maxOutputTokens: 10 });
      expect.unreachable();
    } catch (error) {
      const details = (error as AppError).details as { candidates: { id: string; feasible: boolean }[] };
      expect(details.candidates).toHaveLength(CATALOG.length);
      expect(details.candidates.every((c) => !c.feasible)).toBe(true);
    }
  });

  it("accepts open circuits as a Set", () => {
    const decision = route(CATALOG, { constraints: C({ localOnly: true }), promptTokens: 10, maxOutputTokens: 10, openCircuits: new Set(["llama-8b"]) });
    expect(decision.chosen.id).toBe("qwen-32b");
    expect(decision.candidates.find((c) => c.id === "llama-8b")!.rejectedBecause[0]).toMatch(/circuit open/);
  });
});

describe("sound statistics", () => {
  const c = (over: Partial<ModelConstraints> = {}) => modelConstraintsSchema.parse(over);
  const sim = simulatorEntry;

  it("the simulator never competes with an enabled real provider (not even when it is cheaper or faster), unless pinned", () => {
    const catalog = [sim("sim-fast", { quality: 0.6, latencyP95Ms: 5 }), model("claude-haiku", { providerKind: "anthropic", inputPrice: 1, outputPrice: 5 })];
    const decision = route(catalog, { constraints: c({ minQuality: 0.5 }), promptTokens: 10, maxOutputTokens: 10 });
    expect(decision.chosen.id).toBe("claude-haiku");
    expect(decision.candidates.find((x) => x.id === "sim-fast")!.rejectedBecause[0]).toMatch(/simulator/);
    // only the simulator left (the real provider disabled): it routes
    const alone = route([catalog[0]!, { ...catalog[1]!, enabled: false }], { constraints: c(), promptTokens: 10, maxOutputTokens: 10 });
    expect(alone.chosen.id).toBe("sim-fast");
    // a pin routes the pinned model alone (routing.ts), so the simulator is allowed there
    expect(route([catalog[0]!], { constraints: c(), promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("sim-fast");
  });

  it("an enabled real provider without a model yet keeps the simulator out of text, not of embeddings", () => {
    const text = route([sim("sim-fast")], { constraints: c(), promptTokens: 10, maxOutputTokens: 10, realProviderEnabled: false });
    expect(text.chosen.id).toBe("sim-fast");
    expect(() => route([sim("sim-fast")], { constraints: c(), promptTokens: 10, maxOutputTokens: 10, realProviderEnabled: true })).toThrow(/simulator/);
    const embeddings = c({ requiredCapabilities: ["embeddings"] });
    const embed = route([sim("sim-embed", { capabilities: ["embeddings"] })], {
      constraints: embeddings,
      promptTokens: 10,
      maxOutputTokens: 0,
      realProviderEnabled: true,
    });
    expect(embed.chosen.id).toBe("sim-embed");
  });

  it("embeddings fall back to the simulator only when no real provider offers an embedding model", () => {
    const embeddings = c({ requiredCapabilities: ["embeddings"] });
    const simEmbed = sim("sim-embed", { capabilities: ["embeddings"] });
    const chat = model("claude", { providerKind: "anthropic" });
    expect(route([simEmbed, chat], { constraints: embeddings, promptTokens: 10, maxOutputTokens: 0 }).chosen.id).toBe("sim-embed");
    const realEmbed = model("te3", { capabilities: ["embeddings"], inputPrice: 0.02, outputPrice: 0 });
    expect(route([simEmbed, chat, realEmbed], { constraints: embeddings, promptTokens: 10, maxOutputTokens: 0 }).chosen.id).toBe("te3");
  });

  it("a timeout-prone model loses even at $0: reliability counts in time as well as money", () => {
    const flaky = local("a-flaky", { inputPrice: 0, outputPrice: 0, errorRate: 0.5, failureRate: 0.5, latencyP95Ms: 100 });
    const steady = local("b-steady", { inputPrice: 0, outputPrice: 0, errorRate: 0, failureRate: 0.05, latencyP95Ms: 100 });
    expect(route([flaky, steady], { constraints: c(), promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("b-steady");
    expect(expectedCallMs(flaky, 10)!).toBeGreaterThan(expectedCallMs(steady, 10)! + 10_000);
    // the failure rate also raises the expected cost of a paid model
    expect(expectedCost(1, 0.5)).toBeCloseTo(2 + FAILED_CALL_USD, 12);
  });

  it("property: a failing $0 model is penalised in money too; it loses to a reliable model that costs a little", () => {
    for (const rate of [0.2, 0.5, 0.9, 1]) expect(expectedCost(0, rate)).toBeGreaterThan(0);
    for (let r = 0; r < 0.95; r += 0.05) expect(expectedCost(0, r + 0.05)).toBeGreaterThan(expectedCost(0, r));
    const flaky = local("a-free", { inputPrice: 0, outputPrice: 0, errorRate: 0.6, failureRate: 0.6 });
    const cheap = model("b-cheap", { inputPrice: 0.01, outputPrice: 0.01, failureRate: 0.05 });
    expect(route([flaky, cheap], { constraints: c(), promptTokens: 1000, maxOutputTokens: 1000 }).chosen.id).toBe("b-cheap");
  });

  it("the default fast and balanced presets never route to the simulator when only Anthropic is configured", () => {
    const catalog = [
      sim("sim-fast", { quality: 0.6, latencyP95Ms: 5 }),
      sim("sim-balanced", { quality: 0.75, latencyP95Ms: 20 }),
      sim("sim-capable", { quality: 0.9, latencyP95Ms: 50 }),
      model("claude-haiku", {
        providerId: "prv_ant",
        providerKind: "anthropic",
        providerName: "Anthropic",
        quality: 0.75,
        inputPrice: 1,
        outputPrice: 5,
        latencyP95Ms: null,
      }),
      model("claude-sonnet", {
        providerId: "prv_ant",
        providerKind: "anthropic",
        providerName: "Anthropic",
        quality: 0.9,
        inputPrice: 3,
        outputPrice: 15,
        latencyP95Ms: null,
      }),
    ];
    for (const preset of DEFAULT_PRESETS) {
      const decision = route(catalog, { constraints: c(preset.policy), promptTokens: 100, maxOutputTokens: 100 });
      expect(decision.chosen.id, preset.name).toMatch(/^claude-/);
      expect(
        decision.fallbacks.every((f) => f.id.startsWith("claude-")),
        preset.name,
      ).toBe(true);
    }
  });

  it("an observed p95 excludes a model only from MIN_LATENCY_SAMPLES calls on; a probe lets it through and goes first", () => {
    const capped = c({ maxP95LatencyMs: 1_000 });
    const slowOnce = model("a-cheap", { inputPrice: 0.1, latencyP95Ms: 9_000, latencySamples: 1 });
    const other = model("b-other", { inputPrice: 1, latencyP95Ms: 500 });
    expect(route([slowOnce, other], { constraints: capped, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("a-cheap");
    const slow = { ...slowOnce, latencySamples: MIN_LATENCY_SAMPLES };
    expect(route([slow, other], { constraints: capped, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("b-other");
    const probed = route([other, { ...slow, inputPrice: 5 }], { constraints: capped, promptTokens: 10, maxOutputTokens: 10, probe: new Set(["a-cheap"]) });
    expect(probed.chosen.id).toBe("a-cheap");
    expect(probed.fallbacks.map((f) => f.id)).toEqual(["b-other"]);
  });

  it("property: more failures never make a model preferred, whatever the prices (random catalogs)", () => {
    let seed = 11;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let k = 0; k < 300; k++) {
      const price = random() < 0.3 ? 0 : random() * 5;
      const rate = random() * 0.5;
      const a = model("a", { inputPrice: price, outputPrice: price, failureRate: rate, latencyP95Ms: 200 + Math.floor(random() * 800) });
      const worse = { ...a, id: "b", displayName: "b", failureRate: rate + 0.05 + random() * 0.4 };
      expect(route([worse, a], { constraints: c(), promptTokens: 100, maxOutputTokens: 100 }).chosen.id).toBe("a");
    }
  });
});
