/**
 * Prompt caching for long, stable system prompts. OpenAI and Gemini cache long prompt prefixes by themselves;
 * Anthropic caches only what the request marks, so a system prompt long enough to be cached (Anthropic's minimum is
 * 1,024 tokens on most models; a shorter marked prompt is simply not cached) is sent with an ephemeral cache mark.
 * Agent instructions are the stable part of every call of an agent, so later calls read them at a tenth of the
 * input price (the ledger prices cache reads and writes apart: server/ledger/usage-cost.ts).
 */
import type { SharedV4ProviderOptions } from "@ai-sdk/provider";

/** characters per token, the conservative side of the usual 3-4 */
const CHARS_PER_TOKEN = 4;
export const PROMPT_CACHE_MIN_TOKENS = 1024;

/** The provider options that mark a system prompt for caching, or undefined when it should not be marked. */
export function systemCacheOptions(providerId: string, system: string | undefined): SharedV4ProviderOptions | undefined {
  if (!system || !providerId.startsWith("anthropic")) return undefined;
  if (system.length / CHARS_PER_TOKEN < PROMPT_CACHE_MIN_TOKENS) return undefined;
  return { anthropic: { cacheControl: { type: "ephemeral" } } };
}
