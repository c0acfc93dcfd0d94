/**
 * A plain-text call straight on the provider's `doStream` / `doGenerate`, without `streamText`'s and
 * `generateText`'s machinery (the stream result tees the stream into several web streams, each chunk passing a chain
 * of TransformStreams: on Node 20 about 1.5 ms of CPU per call; the generate result builds steps, output and
 * telemetry wrappers around one call: about 0.3-0.5 ms). Used by the gateway for the common case only: a text prompt
 * with optional instructions, no tools, no structured output, tracing off (with tracing on, the SDK's functions
 * record the call's span). The answer has the same shape as the SDK's: the text (deltas joined, or the text parts),
 * the usage in the SDK's form and the unified finish reason.
 */
import type { LanguageModelV4, LanguageModelV4Prompt, LanguageModelV4StreamPart, LanguageModelV4Usage } from "@ai-sdk/provider";
import { systemCacheOptions } from "./prompt-cache";
import { NoContentGeneratedError, type LanguageModelUsage } from "ai";

export interface DirectStreamCall {
  system?: string;
  prompt: string;
  maxOutputTokens: number;
  temperature?: number;
  signal: AbortSignal;
  /** called on each part of the stream (the gateway's first-byte and idle timeouts watch them) */
  onActivity?: () => void;
}

export interface DirectStreamAnswer {
  text: string;
  usage: LanguageModelUsage;
  finishReason: string;
}

/** The provider's usage in the SDK's form (what `streamText` reports as `totalUsage` for a single call). */
export function sdkUsage(usage: LanguageModelV4Usage): LanguageModelUsage {
  const input = usage.inputTokens.total;
  const output = usage.outputTokens.total;
  return {
    inputTokens: input,
    inputTokenDetails: {
      noCacheTokens: usage.inputTokens.noCache,
      cacheReadTokens: usage.inputTokens.cacheRead,
      cacheWriteTokens: usage.inputTokens.cacheWrite,
    },
    outputTokens: output,
    outputTokenDetails: { textTokens: usage.outputTokens.text, reasoningTokens: usage.outputTokens.reasoning },
    totalTokens: input === undefined && output === undefined ? undefined : (input ?? 0) + (output ?? 0),
    raw: usage.raw,
  } as LanguageModelUsage;
}

export function promptOf(call: Pick<DirectStreamCall, "system" | "prompt">, providerId = ""): LanguageModelV4Prompt {
  const cache = systemCacheOptions(providerId, call.system);
  return [
    ...(call.system ? [{ role: "system" as const, content: call.system, ...(cache ? { providerOptions: cache } : {}) }] : []),
    { role: "user" as const, content: [{ type: "text" as const, text: call.prompt }] },
  ];
}

/** The call's options as `streamText` / `generateText` pass them for a text prompt without tools. */
function callOptions(model: LanguageModelV4, call: DirectStreamCall) {
  return {
    prompt: promptOf(call, model.provider),
    maxOutputTokens: call.maxOutputTokens,
    ...(call.temperature !== undefined ? { temperature: call.temperature } : {}),
    abortSignal: call.signal,
    // what the SDK passes for a call without tools (the simulator's answer depends on the whole call)
    toolChoice: { type: "auto" as const },
  };
}

/**
 * One answer in one piece (`doGenerate`): its text parts joined (reasoning left out, as `generateText`'s `text`),
 * the usage and the finish reason. Failures are thrown as `generateText` (no retries) throws them; the abort reason
 * when the signal fired.
 */
export async function generateDirect(model: LanguageModelV4, call: Omit<DirectStreamCall, "onActivity">): Promise<DirectStreamAnswer> {
  try {
    const result = await model.doGenerate(callOptions(model, call));
    let text = "";
    for (const part of result.content) if (part.type === "text") text += part.text;
    return { text, usage: sdkUsage(result.usage), finishReason: result.finishReason.unified };
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason ?? error;
    throw error;
  }
}

/**
 * Streams one answer, each text delta to `onDelta` as it arrives. Failures are thrown as `streamText` reports them:
 * an `error` part's error, the abort reason when the signal fired, a stream without a `finish` part as
 * NoContentGeneratedError. Leaving the loop early cancels the response body.
 */
export async function streamDirect(model: LanguageModelV4, call: DirectStreamCall, onDelta: (delta: string) => void): Promise<DirectStreamAnswer> {
  let text = "";
  let usage: LanguageModelUsage | undefined;
  let finishReason = "unknown";
  try {
    const { stream } = await model.doStream({ ...callOptions(model, call), includeRawChunks: false });
    for await (const part of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) {
      if (part.type !== "stream-start") call.onActivity?.();
      switch (part.type) {
        case "text-delta":
          text += part.delta;
          onDelta(part.delta);
          break;
        case "finish":
          usage = sdkUsage(part.usage);
          finishReason = part.finishReason.unified;
          break;
        case "error":
          throw part.error;
      }
    }
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason ?? error;
    throw error;
  }
  if (call.signal.aborted) throw call.signal.reason;
  if (!usage) throw new NoContentGeneratedError({ message: "The stream ended without finishing" });
  return { text, usage, finishReason };
}
