/**
 * How to ask each provider kind for its model list, and how to read the answer (pure: no I/O). Kinds without a list
 * to read (Azure's deployments are the resource's own names, Bedrock and Vertex list through their cloud's APIs,
 * the simulator is local) get null: Cadre's known models of the kind stand in.
 */
import { z } from "zod";
import type { ProviderKind } from "@/lib/schemas/models";

const DEFAULT_BASE: Partial<Record<ProviderKind, string>> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com/v1",
  google: "https://generativelanguage.googleapis.com/v1beta",
  mistral: "https://api.mistral.ai/v1",
};

/** Ids in OpenAI's list that are not chat models (embeddings, speech, images, moderation, legacy completions). */
const NOT_CHAT = /(embed|whisper|tts|dall-e|moderation|davinci|babbage|transcribe|audio|realtime|image|search|computer-use|codex-mini)/i;

export interface ModelListRequest {
  url: string;
  headers: Record<string, string>;
}

export function modelListRequest(provider: { kind: ProviderKind; baseUrl: string | null }, apiKey: string | undefined): ModelListRequest | null {
  const base = (provider.baseUrl?.trim() || DEFAULT_BASE[provider.kind] || "").replace(/\/+$/, "");
  const bearer: Record<string, string> = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
  switch (provider.kind) {
    case "openai":
    case "openai_compatible":
    case "mistral":
      return base ? { url: `${base}/models`, headers: { accept: "application/json", ...bearer } } : null;
    case "anthropic":
      return {
        url: `${base}/models?limit=1000`,
        headers: { accept: "application/json", "anthropic-version": "2023-06-01", ...(apiKey ? { "x-api-key": apiKey } : {}) },
      };
    case "google":
      return { url: `${base}/models?pageSize=1000`, headers: { accept: "application/json", ...(apiKey ? { "x-goog-api-key": apiKey } : {}) } };
    default:
      return null;
  }
}

const openAiList = z.object({ data: z.array(z.object({ id: z.string().min(1).max(200), display_name: z.string().max(200).optional() })) });
const geminiList = z.object({
  models: z
    .array(
      z.object({ name: z.string().min(1).max(220), displayName: z.string().max(200).optional(), supportedGenerationMethods: z.array(z.string()).optional() }),
    )
    .default([]),
});

/** The chat models an answer lists ({ id, name }), or null when it is not a model list of that kind. */
export function parseModelList(kind: ProviderKind, body: unknown): { id: string; name: string }[] | null {
  if (kind === "google") {
    const parsed = geminiList.safeParse(body);
    if (!parsed.success) return null;
    return parsed.data.models
      .filter((m) => !m.supportedGenerationMethods || m.supportedGenerationMethods.includes("generateContent"))
      .map((m) => {
        const id = m.name.replace(/^models\//, "");
        return { id, name: m.displayName ?? id };
      });
  }
  const parsed = openAiList.safeParse(body);
  if (!parsed.success) return null;
  const models = parsed.data.data.map((m) => ({ id: m.id, name: m.display_name ?? m.id }));
  return kind === "openai" ? models.filter((m) => !NOT_CHAT.test(m.id)) : models;
}
