import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { embed, generateText, Output, streamText, tool } from "ai";
import { z } from "zod";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { AppError } from "@/lib/errors";
import { createEmbeddingModel, createLanguageModel, loadProviderPackage, type ProviderConnection } from "./provider-factory";
import { SIMULATED_PREFIX } from "./simulator";
import { isLocalBaseUrl, redactSecrets, safeProviderError } from "./provider-errors";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let stub: LlmStub;
beforeAll(async () => {
  // the cloud kinds' packages load at their first use (the gateway loads them; these tests build models directly)
  for (const kind of ["azure", "bedrock", "google", "vertex", "mistral"] as const) await loadProviderPackage(kind);
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

const conn = (kind: ProviderConnection["kind"], baseUrl: string | null = null): ProviderConnection => ({
  id: "prv_test000000",
  kind,
  name: `My ${kind} server`,
  baseUrl,
  isLocal: true,
});

describe("createLanguageModel", () => {
  it("openai_compatible: a non-streaming completion with usage, sending the key", async () => {
    const model = createLanguageModel(conn("openai_compatible", stub.url), "stub-small", "sk-compat-123456");
    const result = await generateText({ model, prompt: "hello stub" });
    expect(result.text).toBe("[stub stub-small] hello stub");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({ path: "/v1/chat/completions", model: "stub-small", stream: false, apiKey: "sk-compat-123456" });
  });

  it("openai_compatible: streaming text with usage (includeUsage), tool calls and JSON per schema", async () => {
    const model = createLanguageModel(conn("openai_compatible", `${stub.url}/`), "stub-large", undefined);
    const streamed = streamText({ model, prompt: "stream this please" });
    let text = "";
    for await (const delta of streamed.textStream) text += delta;
    expect(text).toBe("[stub stub-large] stream this please");
    expect((await streamed.usage).outputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({ stream: true, apiKey: null });

    const withTool = await generateText({ model, tools: { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) }, prompt: "please lookup things" });
    expect(withTool.toolCalls[0]?.toolName).toBe("lookup");

    const schema = z.object({ title: z.string(), n: z.number() });
    const json = await generateText({ model, output: Output.object({ schema }), prompt: "give json" });
    expect(schema.parse(json.output)).toBeTruthy();
  });

  it("openai with baseURL = the stub (Chat Completions API)", async () => {
    const model = createLanguageModel(conn("openai", stub.url), "gpt-4o-mini", "sk-openai-abcdef");
    const result = await generateText({ model, prompt: "hi openai" });
    expect(result.text).toBe("[stub gpt-4o-mini] hi openai");
    expect(stub.calls[0]).toMatchObject({ path: "/v1/chat/completions", apiKey: "sk-openai-abcdef" });
    const streamed = streamText({ model, prompt: "stream openai" });
    expect(await streamed.text).toBe("[stub gpt-4o-mini] stream openai");
  });

  it("anthropic against the stub's /v1/messages", async () => {
    const model = createLanguageModel(conn("anthropic", stub.url), "claude-3-5-haiku-20241022", "sk-ant-test-999999");
    const result = await generateText({ model, prompt: "hi claude", maxOutputTokens: 50 });
    expect(result.text).toBe("[stub claude-3-5-haiku-20241022] hi claude");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({ path: "/v1/messages", apiKey: "sk-ant-test-999999" });
  });

  it("simulator: offline, labelled", async () => {
    const result = await generateText({ model: createLanguageModel(conn("simulator"), "sim-fast", undefined), prompt: "anything" });
    expect(result.text.startsWith(SIMULATED_PREFIX)).toBe(true);
    expect(stub.calls).toHaveLength(0);
  });

  it("never falls back to the server's environment key for cloud providers", () => {
    expect(() => createLanguageModel(conn("openai"), "gpt-4o", undefined)).toThrow(AppError);
    expect(() => createLanguageModel(conn("anthropic"), "claude-sonnet-4-20250514", "")).toThrow(/no API key/);
    expect(() => createLanguageModel(conn("openai_compatible"), "x", "k")).toThrow(/base URL/);
  });

  it("surfaces an upstream error from the stub", async () => {
    stub.fail({ status: 401 });
    const model = createLanguageModel(conn("openai_compatible", stub.url), "stub-small", "sk-secret-key-value-1234");
    const error = await generateText({ model, prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    const message = safeProviderError(error, ["sk-secret-key-value-1234"]);
    expect(message).toMatch(/^HTTP 401 \(check the API key; code invalid_request_error\)$/);
  });
});

describe("createEmbeddingModel", () => {
  it("embeds through an OpenAI-compatible server, OpenAI and the simulator; Anthropic has none", async () => {
    const viaStub = await embed({ model: createEmbeddingModel(conn("openai_compatible", stub.url), "stub-embed", undefined), value: "hello" });
    expect(viaStub.embedding.length).toBeGreaterThan(0);
    const viaOpenAI = await embed({ model: createEmbeddingModel(conn("openai", stub.url), "text-embedding-3-small", "sk-x-123456"), value: "hello" });
    expect(viaOpenAI.embedding.length).toBeGreaterThan(0);
    expect(stub.calls.map((c) => c.path)).toEqual(["/v1/embeddings", "/v1/embeddings"]);
    const sim = await embed({ model: createEmbeddingModel(conn("simulator"), "sim-fast", undefined), value: "hello" });
    expect(sim.embedding).toHaveLength(384);
    expect(() => createEmbeddingModel(conn("anthropic", stub.url), "x", "k")).toThrow(/no embedding/);
  });
});

describe("provider errors and local addresses", () => {
  it("redacts keys and key-shaped strings", () => {
    expect(redactSecrets("Incorrect API key provided: sk-proj-abcdefgh1234", [])).toBe("Incorrect API key provided: [redacted]");
    expect(redactSecrets("bad key mysecretvalue123456 here", ["mysecretvalue123456"])).toBe("bad key [redacted] here");
    expect(redactSecrets("masked mysecret…123456", ["mysecretvalue123456"])).not.toContain("123456");
  });

  it("names an unreachable host without details that could leak", async () => {
    const model = createLanguageModel(conn("openai_compatible", "http://127.0.0.1:1/v1"), "m", "sk-abcdef-123456");
    const error = await generateText({ model, prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    expect(safeProviderError(error, ["sk-abcdef-123456"], { baseUrl: "http://127.0.0.1:1/v1" })).toMatch(/^Could not reach http:\/\/127\.0\.0\.1:1/);
  });

  it("classifies base URLs as local or cloud", () => {
    for (const url of [
      "http://localhost:11434/v1",
      "http://127.0.0.1:8000",
      "http://[::1]:1234/v1",
      "http://10.1.2.3/v1",
      "http://172.20.0.5",
      "http://192.168.1.10:1234",
      "http://ollama:11434/v1",
      "http://gpu.local/v1",
      "http://[::ffff:127.0.0.1]/v1",
      "http://[fd00::1]/",
    ]) {
      expect(isLocalBaseUrl(url), url).toBe(true);
    }
    for (const url of ["https://api.openai.com/v1", "https://openrouter.ai/api/v1", "http://8.8.8.8/v1", "http://172.32.0.1", null]) {
      expect(isLocalBaseUrl(url), String(url)).toBe(false);
    }
  });
});
