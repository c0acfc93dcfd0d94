/**
 * The direct streamed call answers exactly what `streamText` answers for the same call (text, deltas, usage, finish
 * reason), on both wire protocols of the LLM stub, and fails the way it does (error status, broken chunk, abort); the
 * direct call in one piece answers what `generateText` answers and fails the way it does.
 */
import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { generateText, streamText } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { generateDirect, streamDirect } from "./stream-direct";

let stub: LlmStub;
beforeAll(async () => {
  stub = await startLlmStub({});
});
afterAll(async () => {
  await stub.close();
});

const models: Record<string, () => LanguageModelV4> = {
  openai_compatible: () => createOpenAICompatible({ name: "stub", baseURL: stub.url, apiKey: "k", includeUsage: true })("stub-small") as LanguageModelV4,
  anthropic: () => createAnthropic({ baseURL: stub.url, apiKey: "k" })("stub-small") as LanguageModelV4,
};

const call = { system: "Answer in one sentence.", prompt: "Name three rivers of Europe.", maxOutputTokens: 64, temperature: 0.2 };

/** The same call through the SDK's own functions (the reference). */
const sdkCall = (model: LanguageModelV4) => ({
  model,
  instructions: call.system,
  prompt: call.prompt,
  maxOutputTokens: call.maxOutputTokens,
  temperature: call.temperature,
  maxRetries: 0,
});

async function viaStreamText(model: LanguageModelV4) {
  const result = streamText({ ...sdkCall(model), onError: () => {} });
  const deltas: string[] = [];
  let usage: unknown;
  let finishReason = "";
  for await (const part of result.stream) {
    if (part.type === "text-delta") deltas.push(part.text);
    if (part.type === "finish") {
      usage = part.totalUsage;
      finishReason = part.finishReason;
    }
    if (part.type === "error") throw part.error;
  }
  return { text: deltas.join(""), deltas, usage, finishReason };
}

describe.each(Object.keys(models))("direct stream over %s", (kind) => {
  it("answers what streamText answers: text, deltas, usage and finish reason; the request carries the same prompt", async () => {
    const model = models[kind]!();
    stub.reset();
    const reference = await viaStreamText(model);
    const referenceBody = stub.calls.at(-1)!.body;
    const deltas: string[] = [];
    const direct = await streamDirect(model, { ...call, signal: new AbortController().signal }, (d) => deltas.push(d));
    const directBody = stub.calls.at(-1)!.body;

    expect(direct.text).toContain("[stub stub-small]");
    expect(direct.text).toBe(reference.text);
    expect(deltas).toEqual(reference.deltas);
    expect(deltas.length).toBeGreaterThan(1);
    expect(direct.finishReason).toBe(reference.finishReason);
    expect(direct.usage).toEqual(reference.usage);
    expect(direct.usage.inputTokens).toBeGreaterThan(0);
    expect(direct.usage.totalTokens).toBe((direct.usage.inputTokens ?? 0) + (direct.usage.outputTokens ?? 0));
    expect(directBody).toEqual(referenceBody);
  });

  it.runIf(kind === "openai_compatible")("reports a cut answer's finish reason", async () => {
    stub.fail({ content: "a long answer cut", finishReason: "length" });
    const direct = await streamDirect(models[kind]!(), { ...call, signal: new AbortController().signal }, () => {});
    expect(direct.finishReason).toBe("length");
  });

  it("throws on an error status, a broken chunk and a cut connection, like streamText", async () => {
    stub.fail({ status: 500 });
    await expect(streamDirect(models[kind]!(), { ...call, signal: new AbortController().signal }, () => {})).rejects.toMatchObject({ statusCode: 500 });
    for (const midStream of [
      { afterChunks: 4, kind: "malformed" as const },
      { afterChunks: 4, kind: "cut" as const },
    ]) {
      stub.fail({ midStream });
      const deltas: string[] = [];
      await expect(streamDirect(models[kind]!(), { ...call, signal: new AbortController().signal }, (d) => deltas.push(d))).rejects.toBeTruthy();
      expect(deltas.length).toBeGreaterThan(0);
    }
  });

  it("an aborted call throws the abort's reason", async () => {
    const controller = new AbortController();
    const reason = new Error("cancelled by the run");
    controller.abort(reason);
    await expect(streamDirect(models[kind]!(), { ...call, signal: controller.signal }, () => {})).rejects.toBe(reason);
  });
});

describe.each(Object.keys(models))("direct call in one piece over %s", (kind) => {
  it("answers what generateText answers: text, usage and finish reason; the request carries the same body", async () => {
    const model = models[kind]!();
    stub.reset();
    const reference = await generateText(sdkCall(model));
    const referenceBody = stub.calls.at(-1)!.body;
    const direct = await generateDirect(model, { ...call, signal: new AbortController().signal });
    expect(direct.text).toContain("[stub stub-small]");
    expect(direct.text).toBe(reference.text);
    expect(direct.finishReason).toBe(reference.finishReason);
    expect(direct.usage).toEqual(reference.usage);
    expect(direct.usage.inputTokens).toBeGreaterThan(0);
    expect(stub.calls.at(-1)!.body).toEqual(referenceBody);
  });

  it.runIf(kind === "openai_compatible")("reports a cut answer's finish reason", async () => {
    stub.fail({ content: "a long answer cut", finishReason: "length" });
    const direct = await generateDirect(models[kind]!(), { ...call, signal: new AbortController().signal });
    expect(direct).toMatchObject({ text: "a long answer cut", finishReason: "length" });
  });

  it("throws on an error status like generateText; an aborted call throws the abort's reason", async () => {
    stub.fail({ status: 500 });
    await expect(generateDirect(models[kind]!(), { ...call, signal: new AbortController().signal })).rejects.toMatchObject({ statusCode: 500 });
    const controller = new AbortController();
    const reason = new Error("cancelled by the run");
    controller.abort(reason);
    await expect(generateDirect(models[kind]!(), { ...call, signal: controller.signal })).rejects.toBe(reason);
  });
});
