/**
 * Prompt-cache prices when a model row sets none: the provider's usual ratio to the model's input price. Cache reads
 * are discounted; Anthropic also charges for writing the cache. Where the ratio is unknown (an OpenAI-compatible
 * server), cached tokens are priced as plain input: the ledger may then read a little above the invoice, never below.
 */

export interface CachePriceRule {
  /** cache read price = ratio x input price */
  read: number;
  /** cache write price = ratio x input price */
  write: number;
  source: string;
  asOf: string;
}

const ANTHROPIC: CachePriceRule = {
  read: 0.1,
  write: 1.25,
  source: "https://docs.anthropic.com/en/docs/build-with-claude/prompt-caching (5-minute cache)",
  asOf: "2026-11-01",
};
const OPENAI_SOURCE = "https://openai.com/api/pricing (cached input)";
const GOOGLE: CachePriceRule = { read: 0.25, write: 1, source: "https://ai.google.dev/gemini-api/docs/pricing (context caching)", asOf: "2026-11-01" };
const PLAIN: CachePriceRule = { read: 1, write: 1, source: "no known discount: priced as input", asOf: "2026-11-01" };

/** OpenAI's discount depends on the model family (checked in order: the first prefix that matches wins). */
const OPENAI_FAMILIES: [prefix: string, read: number][] = [
  ["gpt-5", 0.1],
  ["gpt-4.1", 0.25],
  ["o3-mini", 0.5],
  ["o4-mini", 0.25],
  ["o3", 0.25],
  ["o1", 0.5],
  ["gpt-4o", 0.5],
];

export function cachePriceRule(providerKind: string, modelId: string): CachePriceRule {
  const id = modelId.toLowerCase();
  if (providerKind === "anthropic" || (providerKind === "bedrock" && id.includes("claude")) || (providerKind === "vertex" && id.includes("claude"))) {
    return ANTHROPIC;
  }
  if (providerKind === "openai" || providerKind === "azure") {
    const family = OPENAI_FAMILIES.find(([prefix]) => id.startsWith(prefix));
    return family ? { read: family[1], write: 1, source: OPENAI_SOURCE, asOf: "2026-11-01" } : PLAIN;
  }
  if (providerKind === "google" || providerKind === "vertex") return GOOGLE;
  return PLAIN;
}

export interface CachePrices {
  cacheReadPrice: number;
  cacheWritePrice: number;
}

/** The prices a call is charged at: the row's own, else the provider's usual ratio (USD per million tokens). */
export function effectiveCachePrices(model: {
  providerKind: string;
  modelId: string;
  inputPrice: number;
  cacheReadPrice?: number | null;
  cacheWritePrice?: number | null;
}): CachePrices {
  const rule = cachePriceRule(model.providerKind, model.modelId);
  return {
    cacheReadPrice: model.cacheReadPrice ?? round6(model.inputPrice * rule.read),
    cacheWritePrice: model.cacheWritePrice ?? round6(model.inputPrice * rule.write),
  };
}

function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
