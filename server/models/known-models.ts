/**
 * Well-known models with list prices (USD per million tokens), context windows, capabilities and a seeded
 * quality estimate (0..1, a rough relative score; every workspace can edit its own). Used to prefill the
 * catalog when someone adds a model id we know. Prices change: these are defaults, not truth, so each entry says
 * where its figures come from and as of when (`priceSource`, `priceAsOf`), and the same for its quality score
 * (`qualitySource`, `qualityAsOf`), its context window and capabilities (`specsSource`, `specsAsOf`) and its deprecation
 * status (`lifecycleSource`, `lifecycleAsOf`); the last two say whether their date is a check date (`as_of`) or the
 * day the entry was written here (`recorded_on`: every entry's required `recordedOn`, taken from the git history). `deprecatedAt` / `retiredAt` are the provider's announced dates: a retired model
 * is shown as such and routed to only when pinned. `reasoning` marks models that reason by default (o-series,
 * GPT-5, Gemini 2.5 thinking, DeepSeek R1, Magistral): they spend output tokens thinking before they answer, so
 * routing gives them at least REASONING_MIN_OUTPUT_TOKENS. Claude's extended thinking is off unless a request turns
 * it on, and Cadre does not, so Claude models are not flagged.
 */
import type { Capability } from "@/lib/schemas/model-policy";
import type { FactDateKind, ModelSuggestion, ProviderKind } from "@/lib/schemas/models";
import { SIMULATOR_MODELS } from "./simulator";

interface Known {
  modelId: string;
  /**
   * The day this entry's figures were written into Cadre's repository (YYYY-MM-DD, from its git history), required:
   * the date its context window and capabilities are given with (the providers' pages carry no date of their own), and
   * the earliest its deprecation status can be as of.
   */
  recordedOn: string;
  aliases?: string[];
  displayName: string;
  inputPrice: number;
  outputPrice: number;
  contextWindow: number;
  capabilities: Capability[];
  quality: number;
  reasoning?: boolean;
  /** its own timeouts (seconds), where the defaults of ./timeouts.ts would cut it off: see SLOW_THINKER */
  firstByteTimeoutSeconds?: number;
  callTimeoutBaseSeconds?: number;
  deprecatedAt?: string;
  retiredAt?: string;
}

/**
 * Where a table's figures come from and as of when. Prices and quality carry the date they were checked ("as of");
 * context windows and capabilities (`specs`) and deprecation and retirement dates (`lifecycle`) carry the day they
 * were recorded in Cadre where no check date is known (`*DateKind`: "as_of" or "recorded_on"), never a date the
 * provider did not publish.
 */
interface Dated {
  priceSource: string;
  priceAsOf: string;
  qualitySource: string | null;
  qualityAsOf: string | null;
}

/** The other sources of a table: where its context windows, capabilities and deprecations are published. */
interface TableSources {
  specsSource: string;
  lifecycleSource: string;
  /** the date the lifecycle facts were checked against their source, where the table states one */
  lifecycleAsOf?: string;
  /** the day the table's deprecation and retirement dates were recorded (they were added after the first entries) */
  lifecycleRecordedOn: string;
}

/** The seeded quality scores are Cadre's own hand-set relative estimates, not measurements. */
const SEED_QUALITY = "Cadre seed estimate: a hand-set relative score, not measured";
const SEED_QUALITY_AS_OF = "2025-11-21";

/** When Cadre's simulator models were recorded (they are built from server/models/simulator.ts). */
const SIMULATOR_RECORDED_ON = "2026-11-21";

/**
 * The output floor of a reasoning model: its hidden reasoning counts against maxOutputTokens, and with a small limit
 * it can spend all of it thinking and answer nothing (finish reason `length`, empty text).
 */
export const REASONING_MIN_OUTPUT_TOKENS = 8_192;

/**
 * A call's request as a model gets it: a reasoning model asked for fewer than REASONING_MIN_OUTPUT_TOKENS gets that
 * much more room for its thinking (added, not a floor, so that a retry with more room still grows), others as asked.
 */
export function withReasoningRoom<T extends { maxOutputTokens: number }>(entry: { reasoning?: boolean }, req: T): T {
  if (!entry.reasoning || req.maxOutputTokens >= REASONING_MIN_OUTPUT_TOKENS) return req;
  return { ...req, maxOutputTokens: req.maxOutputTokens + REASONING_MIN_OUTPUT_TOKENS };
}

/**
 * Timeouts of the reasoning models (./timeouts.ts; the defaults are 60 s to the first byte and a 60 s whole-call base).
 * A reasoning model thinks before it writes, and its thinking is not streamed as text: a stream shows nothing until it is
 * done, which the default first-byte timeout takes for a dead call. Cadre's own figures, not the providers': generous
 * bounds of the thinking time seen at default effort, not typical times.
 * - SLOW_THINKER (o3, GPT-5, Gemini 2.5 Pro, Magistral Medium, DeepSeek R1 on your own hardware): minutes of thinking on
 *   a hard prompt, so 300 s to the first byte and a 300 s base (the whole call is capped at 10 minutes anyway).
 * - QUICK_THINKER (o3-mini, o4-mini, GPT-5 mini and nano, Gemini 2.5 Flash): 120 s to the first byte, a 180 s base.
 * Claude's extended thinking is off unless a request turns it on and Cadre does not, so Claude models keep the defaults;
 * a workspace can set its own figures on any model.
 */
const SLOW_THINKER = { reasoning: true, firstByteTimeoutSeconds: 300, callTimeoutBaseSeconds: 300 } as const;
const QUICK_THINKER = { reasoning: true, firstByteTimeoutSeconds: 120, callTimeoutBaseSeconds: 180 } as const;

const TJV: Capability[] = ["tools", "json", "vision"];
const TJ: Capability[] = ["tools", "json"];

const OPENAI: Known[] = [
  {
    modelId: "gpt-4o",
    recordedOn: "2026-11-21",
    displayName: "GPT-4o",
    inputPrice: 2.5,
    outputPrice: 10,
    contextWindow: 128_000,
    capabilities: TJV,
    quality: 0.85,
  },
  {
    modelId: "gpt-4o-mini",
    recordedOn: "2026-11-21",
    displayName: "GPT-4o mini",
    inputPrice: 0.15,
    outputPrice: 0.6,
    contextWindow: 128_000,
    capabilities: TJV,
    quality: 0.7,
  },
  {
    modelId: "gpt-4.1",
    recordedOn: "2026-11-21",
    displayName: "GPT-4.1",
    inputPrice: 2,
    outputPrice: 8,
    contextWindow: 1_047_576,
    capabilities: TJV,
    quality: 0.88,
  },
  {
    modelId: "gpt-4.1-mini",
    recordedOn: "2026-11-21",
    displayName: "GPT-4.1 mini",
    inputPrice: 0.4,
    outputPrice: 1.6,
    contextWindow: 1_047_576,
    capabilities: TJV,
    quality: 0.78,
  },
  {
    modelId: "gpt-4.1-nano",
    recordedOn: "2026-11-21",
    displayName: "GPT-4.1 nano",
    inputPrice: 0.1,
    outputPrice: 0.4,
    contextWindow: 1_047_576,
    capabilities: TJV,
    quality: 0.6,
  },
  {
    modelId: "gpt-5",
    recordedOn: "2026-11-21",
    displayName: "GPT-5",
    inputPrice: 1.25,
    outputPrice: 10,
    contextWindow: 400_000,
    capabilities: TJV,
    quality: 0.95,
    ...SLOW_THINKER,
  },
  {
    modelId: "gpt-5-mini",
    recordedOn: "2026-11-21",
    displayName: "GPT-5 mini",
    inputPrice: 0.25,
    outputPrice: 2,
    contextWindow: 400_000,
    capabilities: TJV,
    quality: 0.85,
    ...QUICK_THINKER,
  },
  {
    modelId: "gpt-5-nano",
    recordedOn: "2026-11-21",
    displayName: "GPT-5 nano",
    inputPrice: 0.05,
    outputPrice: 0.4,
    contextWindow: 400_000,
    capabilities: TJV,
    quality: 0.7,
    ...QUICK_THINKER,
  },
  {
    modelId: "o3-mini",
    recordedOn: "2026-11-21",
    displayName: "o3-mini",
    inputPrice: 1.1,
    outputPrice: 4.4,
    contextWindow: 200_000,
    capabilities: TJ,
    quality: 0.85,
    ...QUICK_THINKER,
  },
  {
    modelId: "o4-mini",
    recordedOn: "2026-11-21",
    displayName: "o4-mini",
    inputPrice: 1.1,
    outputPrice: 4.4,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.87,
    ...QUICK_THINKER,
  },
  {
    modelId: "o3",
    recordedOn: "2026-11-21",
    displayName: "o3",
    inputPrice: 2,
    outputPrice: 8,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.93,
    ...SLOW_THINKER,
  },
  {
    modelId: "gpt-3.5-turbo",
    recordedOn: "2026-11-21",
    displayName: "GPT-3.5 Turbo",
    inputPrice: 0.5,
    outputPrice: 1.5,
    contextWindow: 16_385,
    capabilities: TJ,
    quality: 0.5,
  },
  {
    modelId: "text-embedding-3-small",
    recordedOn: "2026-11-21",
    displayName: "Embedding 3 small",
    inputPrice: 0.02,
    outputPrice: 0,
    contextWindow: 8_191,
    capabilities: ["embeddings"],
    quality: 0.6,
  },
  {
    modelId: "text-embedding-3-large",
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
    aliases: ["claude-3-7-sonnet", "claude-3-7-sonnet-latest", "claude-3.7-sonnet"],
    displayName: "Claude 3.7 Sonnet",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.87,
    deprecatedAt: "2025-10-28",
    retiredAt: "2026-02-19",
  },
  {
    modelId: "claude-3-5-sonnet-20241022",
    recordedOn: "2026-11-21",
    aliases: ["claude-3-5-sonnet", "claude-3-5-sonnet-latest", "claude-3.5-sonnet"],
    displayName: "Claude 3.5 Sonnet",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.84,
    deprecatedAt: "2025-08-13",
    retiredAt: "2025-10-22",
  },
  {
    modelId: "claude-3-5-haiku-20241022",
    recordedOn: "2026-11-21",
    aliases: ["claude-3-5-haiku", "claude-3-5-haiku-latest", "claude-3.5-haiku"],
    displayName: "Claude 3.5 Haiku",
    inputPrice: 0.8,
    outputPrice: 4,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.7,
    deprecatedAt: "2025-10-28",
    retiredAt: "2026-02-19",
  },
  {
    modelId: "claude-opus-4-5-20251101",
    recordedOn: "2026-12-04",
    aliases: ["claude-opus-4-5", "claude-opus-4.5"],
    displayName: "Claude Opus 4.5",
    inputPrice: 5,
    outputPrice: 25,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.96,
  },
];

/** Open-weight models as Ollama / vLLM / LM Studio serve them: free to call (you pay for the hardware). */
const OPEN_WEIGHTS: Known[] = [
  {
    modelId: "llama3.1:8b",
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
    aliases: ["deepseek-r1", "deepseek-r1:latest"],
    displayName: "DeepSeek R1 8B",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 128_000,
    capabilities: ["json"],
    quality: 0.5,
    ...SLOW_THINKER,
  },
  {
    modelId: "nomic-embed-text",
    recordedOn: "2026-11-21",
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
    recordedOn: "2026-11-21",
    aliases: ["mxbai-embed-large:latest"],
    displayName: "mxbai Embed Large",
    inputPrice: 0,
    outputPrice: 0,
    contextWindow: 512,
    capabilities: ["embeddings"],
    quality: 0.55,
  },
];

/** Gemini models as the Gemini API and Vertex AI serve them (prices for prompts up to 200k tokens; standard tier). */
const GEMINI: Known[] = [
  {
    modelId: "gemini-2.5-pro",
    recordedOn: "2026-12-04",
    displayName: "Gemini 2.5 Pro",
    inputPrice: 1.25,
    outputPrice: 10,
    contextWindow: 1_048_576,
    capabilities: TJV,
    quality: 0.93,
    ...SLOW_THINKER,
  },
  {
    modelId: "gemini-2.5-flash",
    recordedOn: "2026-12-04",
    displayName: "Gemini 2.5 Flash",
    inputPrice: 0.3,
    outputPrice: 2.5,
    contextWindow: 1_048_576,
    capabilities: TJV,
    quality: 0.84,
    ...QUICK_THINKER,
  },
  {
    modelId: "gemini-2.5-flash-lite",
    recordedOn: "2026-12-04",
    displayName: "Gemini 2.5 Flash-Lite",
    inputPrice: 0.1,
    outputPrice: 0.4,
    contextWindow: 1_048_576,
    capabilities: TJV,
    quality: 0.72,
  },
  {
    modelId: "gemini-2.0-flash",
    recordedOn: "2026-12-04",
    aliases: ["gemini-2.0-flash-001"],
    displayName: "Gemini 2.0 Flash",
    inputPrice: 0.1,
    outputPrice: 0.4,
    contextWindow: 1_048_576,
    capabilities: TJV,
    quality: 0.75,
  },
  {
    modelId: "gemini-1.5-pro",
    recordedOn: "2026-12-04",
    aliases: ["gemini-1.5-pro-002"],
    displayName: "Gemini 1.5 Pro",
    inputPrice: 1.25,
    outputPrice: 5,
    contextWindow: 2_097_152,
    capabilities: TJV,
    quality: 0.8,
    retiredAt: "2025-09-24",
  },
  {
    modelId: "gemini-embedding-001",
    recordedOn: "2026-12-04",
    displayName: "Gemini Embedding",
    inputPrice: 0.15,
    outputPrice: 0,
    contextWindow: 2_048,
    capabilities: ["embeddings"],
    quality: 0.75,
  },
];

const MISTRAL: Known[] = [
  {
    modelId: "mistral-large-latest",
    recordedOn: "2026-12-04",
    aliases: ["mistral-large-2411"],
    displayName: "Mistral Large",
    inputPrice: 2,
    outputPrice: 6,
    contextWindow: 131_072,
    capabilities: TJ,
    quality: 0.82,
  },
  {
    modelId: "mistral-medium-latest",
    recordedOn: "2026-12-04",
    aliases: ["mistral-medium-2505", "mistral-medium-2508"],
    displayName: "Mistral Medium 3",
    inputPrice: 0.4,
    outputPrice: 2,
    contextWindow: 131_072,
    capabilities: TJV,
    quality: 0.8,
  },
  {
    modelId: "mistral-small-latest",
    recordedOn: "2026-12-04",
    aliases: ["mistral-small-2503", "mistral-small-2506"],
    displayName: "Mistral Small 3",
    inputPrice: 0.1,
    outputPrice: 0.3,
    contextWindow: 131_072,
    capabilities: TJV,
    quality: 0.66,
  },
  {
    modelId: "codestral-latest",
    recordedOn: "2026-12-04",
    aliases: ["codestral-2501", "codestral-2508"],
    displayName: "Codestral",
    inputPrice: 0.3,
    outputPrice: 0.9,
    contextWindow: 262_144,
    capabilities: TJ,
    quality: 0.7,
  },
  {
    modelId: "magistral-medium-latest",
    recordedOn: "2026-12-04",
    aliases: ["magistral-medium-2506", "magistral-medium-2507"],
    displayName: "Magistral Medium",
    inputPrice: 2,
    outputPrice: 5,
    contextWindow: 40_960,
    capabilities: TJ,
    quality: 0.82,
    ...SLOW_THINKER,
  },
  {
    modelId: "ministral-8b-latest",
    recordedOn: "2026-12-04",
    aliases: ["ministral-8b-2410"],
    displayName: "Ministral 8B",
    inputPrice: 0.1,
    outputPrice: 0.1,
    contextWindow: 131_072,
    capabilities: TJ,
    quality: 0.5,
  },
  {
    modelId: "mistral-embed",
    recordedOn: "2026-12-04",
    displayName: "Mistral Embed",
    inputPrice: 0.1,
    outputPrice: 0,
    contextWindow: 8_192,
    capabilities: ["embeddings"],
    quality: 0.6,
  },
];

/**
 * Bedrock model ids (on-demand, us-east-1 list prices). A cross-region inference profile id ("us.anthropic…",
 * "eu.…", "apac.…", "global.…") matches the model it routes to. Anthropic models on Bedrock cost what Anthropic lists.
 */
const BEDROCK: Known[] = [
  {
    modelId: "anthropic.claude-sonnet-4-5-20250929-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Claude Sonnet 4.5 (Bedrock)",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.93,
  },
  {
    modelId: "anthropic.claude-sonnet-4-20250514-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Claude Sonnet 4 (Bedrock)",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.9,
  },
  {
    modelId: "anthropic.claude-haiku-4-5-20251001-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Claude Haiku 4.5 (Bedrock)",
    inputPrice: 1,
    outputPrice: 5,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.8,
  },
  {
    modelId: "anthropic.claude-3-5-sonnet-20241022-v2:0",
    recordedOn: "2026-12-04",
    displayName: "Claude 3.5 Sonnet v2 (Bedrock)",
    inputPrice: 3,
    outputPrice: 15,
    contextWindow: 200_000,
    capabilities: TJV,
    quality: 0.84,
    deprecatedAt: "2025-08-13",
  },
  {
    modelId: "amazon.nova-pro-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Amazon Nova Pro",
    inputPrice: 0.8,
    outputPrice: 3.2,
    contextWindow: 300_000,
    capabilities: TJV,
    quality: 0.75,
  },
  {
    modelId: "amazon.nova-lite-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Amazon Nova Lite",
    inputPrice: 0.06,
    outputPrice: 0.24,
    contextWindow: 300_000,
    capabilities: TJV,
    quality: 0.62,
  },
  {
    modelId: "amazon.nova-micro-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Amazon Nova Micro",
    inputPrice: 0.035,
    outputPrice: 0.14,
    contextWindow: 128_000,
    capabilities: TJ,
    quality: 0.5,
  },
  {
    modelId: "meta.llama3-3-70b-instruct-v1:0",
    recordedOn: "2026-12-04",
    displayName: "Llama 3.3 70B (Bedrock)",
    inputPrice: 0.72,
    outputPrice: 0.72,
    contextWindow: 128_000,
    capabilities: TJ,
    quality: 0.72,
  },
];

const SIMULATOR: Known[] = Object.entries(SIMULATOR_MODELS).map(([modelId, m]) => ({
  modelId,
  recordedOn: SIMULATOR_RECORDED_ON,
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
  // Azure model ids are deployment names, usually the OpenAI model's name
  azure: OPENAI,
  bedrock: BEDROCK,
  google: GEMINI,
  vertex: GEMINI,
  mistral: MISTRAL,
  simulator: SIMULATOR,
};

const PRICING_PAGE = (provider: string, asOf: string): Dated => ({
  priceSource: `${provider} pricing page (list price)`,
  priceAsOf: asOf,
  qualitySource: SEED_QUALITY,
  qualityAsOf: SEED_QUALITY_AS_OF,
});

/** Where each table's figures come from. Retirement dates come from the providers' deprecation pages. */
const DATED: Record<ProviderKind, Dated> = {
  openai: PRICING_PAGE("https://openai.com/api/pricing", "2025-09-01"),
  anthropic: PRICING_PAGE("https://www.anthropic.com/pricing (retirements: https://docs.anthropic.com/en/docs/about-claude/model-deprecations)", "2025-11-24"),
  openai_compatible: PRICING_PAGE("open weights served by yourself: no per-token price", "2025-09-01"),
  azure: PRICING_PAGE("Azure OpenAI pricing page, global deployment (equal to OpenAI's list price)", "2025-09-01"),
  bedrock: PRICING_PAGE("https://aws.amazon.com/bedrock/pricing, on-demand us-east-1", "2025-10-15"),
  google: PRICING_PAGE("https://ai.google.dev/gemini-api/docs/pricing, paid tier, prompts up to 200k tokens", "2025-09-01"),
  vertex: PRICING_PAGE("https://cloud.google.com/vertex-ai/generative-ai/pricing, prompts up to 200k tokens", "2025-09-01"),
  mistral: PRICING_PAGE("https://mistral.ai/pricing", "2025-09-01"),
  simulator: {
    priceSource: "Cadre simulator: notional prices, nothing is billed",
    priceAsOf: "2025-11-21",
    qualitySource: "Cadre simulator: notional",
    qualityAsOf: "2025-11-21",
  },
};

/** Deprecation and retirement dates were recorded for every table on this day (migration 20261208_800). */
const LIFECYCLE_RECORDED_ON = "2026-12-04";

/** Where each table's context windows, capabilities and deprecations come from. */
const SOURCES: Record<ProviderKind, TableSources> = {
  openai: {
    specsSource: "https://platform.openai.com/docs/models",
    lifecycleSource: "https://platform.openai.com/docs/deprecations",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  anthropic: {
    specsSource: "https://docs.anthropic.com/en/docs/about-claude/models/overview",
    lifecycleSource: "https://docs.anthropic.com/en/docs/about-claude/model-deprecations",
    // the table's price source names this page with its date
    lifecycleAsOf: "2025-11-24",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  openai_compatible: {
    specsSource: "the model's card in the Ollama library (https://ollama.com/library) or on Hugging Face",
    lifecycleSource: "open weights served by yourself: no provider retires them",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  azure: {
    specsSource: "https://learn.microsoft.com/azure/ai-foundry/openai/concepts/models",
    lifecycleSource: "https://learn.microsoft.com/azure/ai-foundry/openai/concepts/model-retirements",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  bedrock: {
    specsSource: "https://docs.aws.amazon.com/bedrock/latest/userguide/models-supported.html",
    lifecycleSource: "https://docs.aws.amazon.com/bedrock/latest/userguide/model-lifecycle.html",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  google: {
    specsSource: "https://ai.google.dev/gemini-api/docs/models",
    lifecycleSource: "https://ai.google.dev/gemini-api/docs/changelog",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  vertex: {
    specsSource: "https://cloud.google.com/vertex-ai/generative-ai/docs/models",
    lifecycleSource: "https://cloud.google.com/vertex-ai/generative-ai/docs/learn/model-versions",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  mistral: {
    specsSource: "https://docs.mistral.ai/getting-started/models/",
    lifecycleSource: "https://docs.mistral.ai/getting-started/models/ (deprecated models)",
    lifecycleRecordedOn: LIFECYCLE_RECORDED_ON,
  },
  simulator: {
    specsSource: "Cadre simulator (server/models/simulator.ts)",
    lifecycleSource: "Cadre simulator: never retired",
    lifecycleRecordedOn: "2026-11-21",
  },
};

/** The sources and dates of a known model's facts, as the API shows them. */
export interface FactSources extends Dated {
  specsSource: string;
  specsAsOf: string;
  specsDateKind: FactDateKind;
  lifecycleSource: string;
  lifecycleAsOf: string;
  lifecycleDateKind: FactDateKind;
}

function tableOf(kind: ProviderKind, k: Known): ProviderKind {
  if (kind !== "openai_compatible") return kind;
  // a gateway serving a cloud model: that model's own table
  if (OPENAI.includes(k)) return "openai";
  if (ANTHROPIC.includes(k)) return "anthropic";
  return kind;
}

function dated(kind: ProviderKind, k: Known): FactSources {
  const table = tableOf(kind, k);
  const sources = SOURCES[table];
  // the table's check date where it states one; else the later of the day the table's lifecycle dates were recorded
  // and the day the entry was
  const lifecycleChecked = sources.lifecycleAsOf;
  // biome-ignore lint/complexity/useMathMinMax: ISO dates compared as strings (Math.max would make them NaN)
  const lifecycleRecorded = k.recordedOn > sources.lifecycleRecordedOn ? k.recordedOn : sources.lifecycleRecordedOn;
  return {
    ...DATED[table],
    specsSource: sources.specsSource,
    specsAsOf: k.recordedOn,
    specsDateKind: "recorded_on",
    lifecycleSource: sources.lifecycleSource,
    lifecycleAsOf: lifecycleChecked ?? lifecycleRecorded,
    lifecycleDateKind: lifecycleChecked ? "as_of" : "recorded_on",
  };
}

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
    reasoning: k.reasoning ?? false,
    firstByteTimeoutSeconds: k.firstByteTimeoutSeconds ?? null,
    callTimeoutBaseSeconds: k.callTimeoutBaseSeconds ?? null,
    deprecatedAt: k.deprecatedAt ?? null,
    retiredAt: k.retiredAt ?? null,
    ...dated(kind, k),
  };
}

function matches(k: Known, id: string): boolean {
  return [k.modelId, ...(k.aliases ?? [])].some((name) => name.toLowerCase() === id);
}

/** Bedrock's cross-region inference profiles prefix the model id with a geography. */
const BEDROCK_PROFILE = /^(us|eu|apac|us-gov|global)\./;

/**
 * Prefill for a model id: an exact id or alias, else a dated/tagged variant of a known id
 * ("gpt-4o-2024-08-06", "llama3.1:8b-instruct-q4_K_M"), else a gateway's "vendor/model" form, else (Bedrock) an
 * inference profile of a known model, else (Vertex) a "model@version" id. Null when unknown.
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
  if (kind === "bedrock" && BEDROCK_PROFILE.test(id)) {
    const inner = suggestModel(kind, modelId.trim().replace(/^[a-z-]+\./i, ""));
    return inner ? { ...inner, modelId: modelId.trim() } : null;
  }
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

/** Whether a model is retired on a day: its retirement date has come. */
export function isRetired(retiredAt: string | Date | null | undefined, now: Date = new Date()): boolean {
  if (!retiredAt) return false;
  const day = typeof retiredAt === "string" ? retiredAt : retiredAt.toISOString().slice(0, 10);
  return day <= now.toISOString().slice(0, 10);
}

/**
 * A cheap, current model to test a connection with when the catalog has none for the provider (none is retired: a
 * test that fails because the default model is gone would blame the key). Azure needs a deployment name: no default.
 */
export const DEFAULT_TEST_MODEL: Partial<Record<ProviderKind, string>> = {
  openai: "gpt-4.1-nano",
  anthropic: "claude-haiku-4-5-20251001",
  bedrock: "amazon.nova-micro-v1:0",
  google: "gemini-2.5-flash-lite",
  vertex: "gemini-2.5-flash-lite",
  mistral: "mistral-small-latest",
  simulator: "sim-fast",
};
