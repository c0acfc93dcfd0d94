/**
 * Turns a provider connection (a row of the catalog plus its decrypted key) into AI SDK models.
 * This is the only place that knows the provider packages; everything else speaks `LanguageModelV4`.
 */
import type { EmbeddingModelV4, LanguageModelV4 } from "@ai-sdk/provider";
import { createOpenAI } from "@ai-sdk/openai";
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { AppError } from "@/lib/errors";
import type { ProviderKind } from "@/lib/schemas/models";
import { createSimulatorEmbeddingModel, createSimulatorModel } from "./simulator";

export type { ProviderKind };

export interface ProviderConnection {
  id: string;
  kind: ProviderKind;
  name: string;
  baseUrl: string | null;
  isLocal: boolean;
}

/** The AI SDK's provider name for an OpenAI-compatible endpoint: a slug of the connection's name. */
function compatibleName(provider: ProviderConnection): string {
  const slug = provider.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return slug || "openai-compatible";
}

/**
 * The key to hand to a cloud provider package. Never undefined: the packages would otherwise fall back to
 * OPENAI_API_KEY / ANTHROPIC_API_KEY from the server's environment, and one workspace must never spend
 * another's (or the operator's) key. A keyless connection only makes sense with a base URL (a local gateway).
 */
function keyFor(provider: ProviderConnection, apiKey: string | undefined): string {
  if (apiKey) return apiKey;
  if (provider.baseUrl) return "";
  throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no API key: pick a vault secret for it`);
}

function trimmedBaseUrl(provider: ProviderConnection): string | undefined {
  return provider.baseUrl ? provider.baseUrl.replace(/\/+$/, "") : undefined;
}

/** A language model for one provider + model id. apiKey is the decrypted key (undefined for simulator / keyless local servers). */
export function createLanguageModel(provider: ProviderConnection, modelId: string, apiKey: string | undefined): LanguageModelV4 {
  switch (provider.kind) {
    case "simulator":
      return createSimulatorModel(modelId);
    case "openai":
      // the Chat Completions API: what every OpenAI model and every OpenAI-style gateway serves
      return createOpenAI({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider) }).chat(modelId);
    case "anthropic":
      return createAnthropic({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider) }).languageModel(modelId);
    case "openai_compatible": {
      const baseURL = trimmedBaseUrl(provider);
      if (!baseURL) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no base URL`);
      return createOpenAICompatible({
        name: compatibleName(provider),
        baseURL,
        apiKey: apiKey || undefined,
        includeUsage: true,
        supportsStructuredOutputs: true,
      }).chatModel(modelId);
    }
    default: {
      const kind: never = provider.kind;
      throw new AppError("BAD_REQUEST", `Unknown provider kind ${String(kind)}`);
    }
  }
}

/** An embedding model where the provider has one (OpenAI, OpenAI-compatible, the simulator); Anthropic has none. */
export function createEmbeddingModel(provider: ProviderConnection, modelId: string, apiKey: string | undefined): EmbeddingModelV4 {
  switch (provider.kind) {
    case "simulator":
      return createSimulatorEmbeddingModel(modelId);
    case "openai":
      return createOpenAI({ apiKey: keyFor(provider, apiKey), baseURL: trimmedBaseUrl(provider) }).embeddingModel(modelId);
    case "openai_compatible": {
      const baseURL = trimmedBaseUrl(provider);
      if (!baseURL) throw new AppError("BAD_REQUEST", `The provider "${provider.name}" has no base URL`);
      return createOpenAICompatible({ name: compatibleName(provider), baseURL, apiKey: apiKey || undefined }).embeddingModel(modelId);
    }
    case "anthropic":
      throw new AppError("BAD_REQUEST", "Anthropic has no embedding models: use OpenAI, an OpenAI-compatible server or the simulator");
    default: {
      const kind: never = provider.kind;
      throw new AppError("BAD_REQUEST", `Unknown provider kind ${String(kind)}`);
    }
  }
}
