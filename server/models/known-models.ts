/**
 * Well-known models with list prices (USD per million tokens), context windows, capabilities and a seeded
 * quality estimate (0..1, a rough relative score; every workspace can edit its own). Used to prefill the
 * catalog when someone adds a model id we know. Prices change: these are defaults, not truth.
 */
import type { Capability } from "@/lib/schemas/model-policy";
import type { ModelSuggestion, ProviderKind } from "@/lib/schemas/models";
import { SIMULATOR_MODELS } from "./simulator";

interface Known {
  modelId: string;
  aliases?: string[];
  displayName: string;
  inputPrice: number;
  outputPrice: number;
  contextWindow: number;
  capabilities: Capability[];
  quality: number;
}

const TJV: Capability[] = ["tools", "json", "vision"];
const TJ: Capability[] = ["tools", "json"];

const OPENAI: Known[] = [
  { modelId: "gpt-4o", displayName: "GPT-4o", inputPrice: 2.5, outputPrice: 10, contextWindow: 128_000, capabilities: TJV, quality: 0.85 },
  { modelId: "gpt-4o-mini", displayName: "GPT-4o mini", inputPrice: 0.15, outputPrice: 0.6, contextWindow: 128_000, capabilities: TJV, quality: 0.7 },
  { modelId: "gpt-4.1", displayName: "GPT-4.1", inputPrice: 2, outputPrice: 8, contextWindow: 1_047_576, capabilities: TJV, quality: 0.88 },
  { modelId: "gpt-4.1-mini", displayName: "GPT-4.1 mini", inputPrice: 0.4, outputPrice: 1.6, contextWindow: 1_047_576, capabilities: TJV, quality: 0.78 },
  { modelId: "gpt-4.1-nano", displayName: "GPT-4.1 nano", inputPrice: 0.1, outputPrice: 0.4, contextWindow: 1_047_576, capabilities: TJV, quality: 0.6 },
  { modelId: "gpt-5", displayName: "GPT-5", inputPrice: 1.25, outputPrice: 10, contextWindow: 400_000, capabilities: TJV, quality: 0.95 },
  { modelId: "gpt-5-mini", displayName: "GPT-5 mini", inputPrice: 0.25, outputPrice: 2, contextWindow: 400_000, capabilities: TJV, quality: 0.85 },
  { modelId: "gpt-5-nano", displayName: "GPT-5 nano", inputPrice: 0.05, outputPrice: 0.4, contextWindow: 400_000, capabilities: TJV, quality: 0.7 },
  { modelId: "o3-mini", displayName: "o3-mini", inputPrice: 1.1, outputPrice: 4.4, contextWindow: 200_000, capabilities: TJ, quality: 0.85 },
  { modelId: "o4-mini", displayName: "o4-mini", inputPrice: 1.1, outputPrice: 4.4, contextWindow: 200_000, capabilities: TJV, quality: 0.87 },
  { modelId: "o3", displayName: "o3", inputPrice: 2, outputPrice: 8, contextWindow: 200_000, capabilities: TJV, quality: 0.93 },
  { modelId: "gpt-3.5-turbo", displayName: "GPT-3.5 Turbo", inputPrice: 0.5, outputPrice: 1.5, contextWindow: 16_385, capabilities: TJ, quality: 0.5 },
  {
    modelId: "text-embedding-3-small",
    displayName: "Embedding 3 small",
    inputPrice: 0.02,
    outputPrice: 0,
    contextWindow: 8_191,
    capabilities: ["embeddings"],
    quality: 0.6,
  },
  {
    modelId: "text-embedding-3-large",
    displayName: "Embedding 3 large",
    inputPrice: 0.13,
    outputPrice: 0,
    contextWindow: 8_191,
    capabilities: ["embeddings"],
    quality: 0.75,
  },
];

const ANTHROPIC: Known[] = [
  {
    modelId: "claude-sonnet-4-20250514",
    aliases: ["claude-sonnet-4", "claude-sonnet-4-0"],
    displayName: "Claude Sonnet 4",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.9,
  },
  {
    modelId: "claude-sonnet-4-5-20250929",
    aliases: ["claude-sonnet-4-5", "claude-sonnet-4.5"],
    displayName: "Claude Sonnet 4.5",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.93,
  },
  {
    modelId: "claude-opus-4-20250514",
    aliases: ["claude-opus-4", "claude-opus-4-0"],
    displayName: "Claude Opus 4",
    inputPrice: 15,
    outputPrice: 75,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.94,
  },
  {
    modelId: "claude-opus-4-1-20250805",
    aliases: ["claude-opus-4-1", "claude-opus-4.1"],
    displayName: "Claude Opus 4.1",
    inputPrice: 15,
    outputPrice: 75,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.95,
  },
  {
    modelId: "claude-haiku-4-5-20251001",
    aliases: ["claude-haiku-4-5", "claude-haiku-4.5"],
    displayName: "Claude Haiku 4.5",
    inputPrice: 1,
    outputPrice: 5,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.8,
  },
  {
    modelId: "claude-3-7-sonnet-20250219",
    aliases: ["claude-3-7-sonnet", "claude-3-7-sonnet-latest", "claude-3.7-sonnet"],
    displayName: "Claude 3.7 Sonnet",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.87,
  },
  {
    modelId: "claude-3-5-sonnet-20241022",
    aliases: ["claude-3-5-sonnet", "claude-3-5-sonnet-latest", "claude-3.5-sonnet"],
    displayName: "Claude 3.5 Sonnet",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.84,
  },
  {
    modelId: "claude-3-5-haiku-20241022",
    aliases: ["claude-3-5-haiku", "claude-3-5-haiku-latest", "claude-3.5-haiku"],
    displayName: "Claude 3.5 Haiku",
    inputPrice: 0.8,
    outputPrice: 4,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.7,
  },
];

/** Open-weight models as Ollama / vLLM / LM Studio serve them: free to call (you pay for the hardware). */
const OPEN_WEIGHTS: Known[] = [
  {
    modelId: "llama3.1:8b",
    aliases: ["llama3.1", "llama3.1:latest", "meta-llama/llama-3.1-8b-instruct", "meta-llama/Llama-3.1-8B-Instruct"],
    displayName: "Llama 3.1 8B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 128_000,
    capabilities: TJ,
    quality: 0.45,
  },
  {
    modelId: "llama3.1:70b",
    aliases: ["meta-llama/llama-3.1-70b-instruct", "meta-llama/Llama-3.1-70B-Instruct"],
    displayName: "Llama 3.1 70B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 128_000,
    capabilities: TJ,
    quality: 0.7,
  },
  {
    modelId: "llama3.2:3b",
    aliases: ["llama3.2", "llama3.2:latest"],
    displayName: "Llama 3.2 3B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 128_000,
    capabilities: TJ,
    quality: 0.35,
  },
  {
    modelId: "llama3.3:70b",
    aliases: ["llama3.3", "llama3.3:latest", "meta-llama/llama-3.3-70b-instruct", "meta-llama/Llama-3.3-70B-Instruct"],
    displayName: "Llama 3.3 70B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 128_000,
    capabilities: TJ,
    quality: 0.72,
  },
  {
    modelId: "qwen2.5:7b",
    aliases: ["qwen2.5", "qwen2.5:latest", "Qwen/Qwen2.5-7B-Instruct"],
    displayName: "Qwen 2.5 7B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 32_768,
    capabilities: TJ,
    quality: 0.5,
  },
  {
    modelId: "qwen2.5:72b",
    aliases: ["Qwen/Qwen2.5-72B-Instruct"],
    displayName: "Qwen 2.5 72B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 32_768,
    capabilities: TJ,
    quality: 0.74,
  },
  {
    modelId: "qwen2.5-coder:7b",
    aliases: ["qwen2.5-coder", "qwen2.5-coder:latest"],
    displayName: "Qwen 2.5 Coder 7B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 32_768,
    capabilities: TJ,
    quality: 0.5,
  },
  {
    modelId: "mistral:7b",
    aliases: ["mistral", "mistral:latest", "mistralai/Mistral-7B-Instruct-v0.3"],
    displayName: "Mistral 7B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 32_768,
    capabilities: TJ,
    quality: 0.35,
  },
  {
    modelId: "gemma2:9b",
    aliases: ["gemma2", "gemma2:latest"],
    displayName: "Gemma 2 9B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 8_192,
    capabilities: ["json"],
    quality: 0.45,
  },
  {
    modelId: "deepseek-r1:8b",
    aliases: ["deepseek-r1", "deepseek-r1:latest"],
    displayName: "DeepSeek R1 8B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 128_000,
    capabilities: ["json"],
    quality: 0.5,
  },
  {
    modelId: "nomic-embed-text",
    aliases: ["nomic-embed-text:latest"],
    displayName: "Nomic Embed Text",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 8_192,
    capabilities: ["embeddings"],
    quality: 0.5,
  },
  {
    modelId: "mxbai-embed-large",
    aliases: ["mxbai-embed-large:latest"],
    displayName: "mxbai Embed Large",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 512,
    capabilities: ["embeddings"],
    quality: 0.55,
  },
];

const SIMULATOR: Known[] = Object.entries(SIMULATOR_MODELS).map(([modelId, m]) => ({
  modelId,
  displayName: m.displayName,
  inputPrice: m.inputPrice,
  outputPrice: m.outputPrice,
  contextWindow: m.contextWindow,
  capabilities: simulatorCapabilities(modelId),
  quality: m.quality,
}));

/** What each simulator model claims: it can call tools, answer JSON and embed; the capable one accepts images. */
export function simulatorCapabilities(modelId: string): Capability[] {
  return modelId === "sim-capable" ? ["tools", "json", "vision", "embeddings"] : ["tools", "json", "embeddings"];
}

const BY_KIND: Record<ProviderKind, Known[]> = {
  openai: OPENAI,
  anthropic: ANTHROPIC,
  // gateways (OpenRouter, LiteLLM …) also serve the cloud models, often as "vendor/model"
  openai_compatible: [...OPEN_WEIGHTS, ...OPENAI, ...ANTHROPIC],
  simulator: SIMULATOR,
};

function toSuggestion(kind: ProviderKind, k: Known, modelId: string): ModelSuggestion {
  return {
    kind,
    modelId,
    displayName: k.displayName,
    inputPrice: k.inputPrice,
    outputPrice: k.outputPrice,
    contextWindow: k.contextWindow,
    capabilities: [...k.capabilities],
    quality: k.quality,
  };
}

function matches(k: Known, id: string): boolean {
  return [k.modelId, ...(k.aliases ?? [])].some((name) => name.toLowerCase() === id);
}

/**
 * Prefill for a model id: an exact id or alias, else a dated/tagged variant of a known id
 * ("gpt-4o-2024-08-06", "llama3.1:8b-instruct-q4_K_M"), else a gateway's "vendor/model" form. Null when unknown.
 */
export function suggestModel(kind: ProviderKind, modelId: string): ModelSuggestion | null {
  const id = modelId.trim().toLowerCase();
  if (!id) return null;
  const table = BY_KIND[kind];
  const exact = table.find((k) => matches(k, id));
  if (exact) return toSuggestion(kind, exact, modelId.trim());
  // longest known id that the given one extends with a version or tag suffix
  let best: Known | undefined;
  let bestLength = 0;
  for (const k of table) {
    for (const name of [k.modelId, ...(k.aliases ?? [])]) {
      const n = name.toLowerCase();
      if (n.length > bestLength && id.startsWith(n) && /^[-:@._]/.test(id.slice(n.length))) {
        best = k;
        bestLength = n.length;
      }
    }
  }
  if (best) return toSuggestion(kind, best, modelId.trim());
  const slash = id.lastIndexOf("/");
  if (slash > 0 && kind === "openai_compatible") {
    const inner = suggestModel(kind, modelId.trim().slice(slash + 1));
    return inner ? { ...inner, modelId: modelId.trim() } : null;
  }
  return null;
}

/** The well-known models of a kind (for the add-model form's list). */
export function knownModels(kind: ProviderKind): ModelSuggestion[] {
  const own = kind === "openai_compatible" ? OPEN_WEIGHTS : BY_KIND[kind];
  return own.map((k) => toSuggestion(kind, k, k.modelId));
}

/** A cheap, widely available model to test a connection with when the catalog has none for the provider. */
export const DEFAULT_TEST_MODEL: Partial<Record<ProviderKind, string>> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-20241022",
  simulator: "sim-fast",
};
