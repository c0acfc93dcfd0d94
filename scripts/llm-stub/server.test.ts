import { createAnthropic } from "@ai-sdk/anthropic";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { APICallError, Output, embed, embedMany, generateText, stepCountIs, streamText, tool } from "ai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { minimalValue, startLlmStub, type LlmStub } from "./server";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let stub: LlmStub;

beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

function provider(options: { structured?: boolean } = {}) {
  return createOpenAICompatible({
    name: "stub",
    baseURL: stub.url,
    apiKey: "sk-test-key",
    includeUsage: true,
    supportsStructuredOutputs: options.structured ?? true,
  });
}

async function post(path: string, body: unknown) {
  return fetch(`${stub.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
}

describe("LLM stub with plain fetch", () => {
  it("binds 127.0.0.1 on a random port and lists models", async () => {
    expect(stub.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const res = await fetch(`${stub.url}/models`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { id: string }[] };
    expect(body.data.map((m) => m.id)).toContain("stub-small");
  });

  it("answers a non-streaming chat completion with usage", async () => {
    const res = await post("/chat/completions", { model: "m1", messages: [{ role: "user", content: "hello there" }] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
    expect(body.choices[0]!.message.content).toBe("[stub m1] hello there");
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
    expect(stub.calls).toHaveLength(1);
    expect(stub.calls[0]).toMatchObject({ path: "/v1/chat/completions", model: "m1", stream: false });
  });

  it("streams SSE chunks with tool-call deltas and a final usage chunk", async () => {
    const res = await post("/chat/completions", {
      model: "m1",
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "please call lookup" }],
      tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } }, required: ["q"] } } }],
    });
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const text = await res.text();
    const events = text
      .split("\n\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6));
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events
      .slice(0, -1)
      .map(
        (e) =>
          JSON.parse(e) as { choices: { delta: { tool_calls?: { function: { arguments?: string } }[] }; finish_reason: string | null }[]; usage?: unknown },
      );
    const args = chunks
      .flatMap((c) => c.choices.flatMap((ch) => ch.delta.tool_calls ?? []))
      .map((t) => t.function.arguments ?? "")
      .join("");
    expect(JSON.parse(args)).toEqual({ q: "stub" });
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "tool_calls")).toBe(true);
    expect(chunks.at(-1)!.usage).toMatchObject({ prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) });
  });

  it("scripted faults: status with Retry-After, times, per model, delay, malformed", async () => {
    stub.fail({ status: 429, retryAfterSeconds: 2, times: 2 });
    stub.fail({ status: 500, model: "other" });
    const first = await post("/chat/completions", { model: "m1", messages: [] });
    expect(first.status).toBe(429);
    expect(first.headers.get("retry-after")).toBe("2");
    expect((await post("/chat/completions", { model: "m1", messages: [] })).status).toBe(429);
    expect((await post("/chat/completions", { model: "m1", messages: [] })).status).toBe(200);
    expect((await post("/chat/completions", { model: "other", messages: [] })).status).toBe(500);

    stub.fail({ delayMs: 150 });
    const started = Date.now();
    expect((await post("/chat/completions", { model: "m1", messages: [] })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);

    stub.fail({ malformed: true });
    const broken = await post("/chat/completions", { model: "m1", messages: [] });
    expect(broken.status).toBe(200);
    await expect(broken.clone().json()).rejects.toThrow();
    expect(stub.calls).toHaveLength(6);
  });

  it("scripted replies: matched on the request, in order, times; JSON output and text; a reset drops them", async () => {
    const json = { model: "m1", response_format: { type: "json_schema", json_schema: { name: "v", schema: { type: "object", properties: {} } } } };
    const content = async (res: Response) => ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
    stub.reply({ when: "review this", content: '{"verdict":"revise"}', times: 2 });
    stub.reply({ content: "anything else" });
    expect(await content(await post("/chat/completions", { ...json, messages: [{ role: "user", content: "please review this" }] }))).toBe(
      '{"verdict":"revise"}',
    );
    expect(await content(await post("/chat/completions", { model: "m1", messages: [{ role: "user", content: "write" }] }))).toBe("anything else");
    expect(await content(await post("/chat/completions", { ...json, messages: [{ role: "user", content: "review this" }] }))).toBe('{"verdict":"revise"}');
    expect(await content(await post("/chat/completions", { ...json, messages: [{ role: "user", content: "review this" }] }))).toBe("{}");
    stub.reply({ content: "dropped" });
    stub.reset();
    expect(await content(await post("/chat/completions", { model: "m1", messages: [{ role: "user", content: "hi" }] }))).toBe("[stub m1] hi");
  });

  it("hold(): requests are recorded but not answered until release(), then all are; a client that leaves is let go", async () => {
    stub.hold();
    let answered = 0;
    const ask = (text: string) =>
      post("/chat/completions", { model: "m1", messages: [{ role: "user", content: text }] }).then(async (res) => {
        answered++;
        return res.status;
      });
    const first = ask("one");
    const second = ask("two");
    const gone = new AbortController();
    const third = fetch(`${stub.url}/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m1", messages: [{ role: "user", content: "three" }] }),
      signal: gone.signal,
    }).catch(() => "aborted");
    await expect.poll(() => stub.calls.length).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(answered).toBe(0);
    expect(stub.inFlight).toBe(3);
    gone.abort();
    expect(await third).toBe("aborted");
    await expect.poll(() => stub.inFlight).toBe(2);
    stub.release();
    expect(await Promise.all([first, second])).toEqual([200, 200]);
    expect(stub.calls.map((c) => c.reply)).toEqual(["[stub m1] one", "[stub m1] two", undefined]);
    expect(stub.calls[2]!.abortedAt).toBeDefined();
    // released: the next request is answered at once
    expect(await ask("four")).toBe(200);
  });

  it("produces a minimal valid object for a JSON schema", () => {
    const schema = z.toJSONSchema(
      z.object({
        title: z.string().min(6),
        count: z.number().int().min(3),
        tags: z.array(z.string()).min(2),
        kind: z.enum(["a", "b"]),
        when: z.iso.datetime(),
        nested: z.object({ ok: z.boolean(), note: z.string().optional() }),
        maybe: z.string().nullable(),
      }),
    );
    const value = minimalValue(schema);
    expect(value).toEqual({
      title: "stubxx",
      count: 3,
      tags: ["stub", "stub"],
      kind: "a",
      when: "2026-01-01T00:00:00.000Z",
      nested: { ok: false },
      maybe: "stub",
    });
  });
});

describe("LLM stub with @ai-sdk/openai-compatible", () => {
  it("generateText returns text and usage", async () => {
    const result = await generateText({ model: provider().chatModel("stub-small"), prompt: "Say hi", maxRetries: 0 });
    expect(result.text).toBe("[stub stub-small] Say hi");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]!.apiKey).toBe("sk-test-key");
  });

  it("streamText streams the text and reports usage", async () => {
    const result = streamText({ model: provider().chatModel("stub-small"), prompt: "stream these words please", maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join("")).toBe("[stub stub-small] stream these words please");
    const usage = await result.usage;
    expect(usage.outputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]!.stream).toBe(true);
  });

  it("makes tool calls (generateText and streamText)", async () => {
    const tools = {
      weather: tool({ description: "Weather for a city", inputSchema: z.object({ city: z.string(), days: z.number().int().min(1) }) }),
    };
    const result = await generateText({ model: provider().chatModel("stub-small"), prompt: "use weather for Paris", tools, maxRetries: 0 });
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]).toMatchObject({ toolName: "weather", input: { city: "stub", days: 1 } });
    expect(result.finishReason).toBe("tool-calls");

    const streamed = streamText({ model: provider().chatModel("stub-small"), prompt: "use weather", tools, maxRetries: 0 });
    const calls = await streamed.toolCalls;
    expect(calls[0]).toMatchObject({ toolName: "weather", input: { city: "stub", days: 1 } });
  });

  it("answers structured output per json_schema", async () => {
    const schema = z.object({ summary: z.string(), score: z.number().min(0).max(1), labels: z.array(z.string()) });
    const result = await generateText({ model: provider().chatModel("stub-small"), prompt: "summarise", output: Output.object({ schema }), maxRetries: 0 });
    expect(result.output).toEqual({ summary: "stub", score: 0, labels: [] });
    expect((stub.calls[0]!.body as { response_format: { type: string } }).response_format.type).toBe("json_schema");
  });

  it("embeds deterministically", async () => {
    const model = provider().embeddingModel("stub-embed");
    const one = await embed({ model, value: "hello", maxRetries: 0 });
    const again = await embed({ model, value: "hello", maxRetries: 0 });
    expect(one.embedding).toEqual(again.embedding);
    expect(one.embedding).toHaveLength(8);
    const many = await embedMany({ model, values: ["a", "b"], maxRetries: 0 });
    expect(many.embeddings).toHaveLength(2);
    expect(many.embeddings[0]).not.toEqual(many.embeddings[1]);
  });

  it("answers scripted embedding vectors (normalised) for texts that contain their phrase, until reset or `times`", async () => {
    const model = provider().embeddingModel("stub-embed");
    stub.embedding({ when: "apples", vector: [3, 4] });
    stub.embedding({ when: "pears", vector: [0, 2], times: 1 });
    const first = await embedMany({ model, values: ["red apples", "green pears", "plums"], maxRetries: 0 });
    expect(first.embeddings[0]).toEqual([0.6, 0.8]);
    expect(first.embeddings[1]).toEqual([0, 1]);
    expect(first.embeddings[2]).toHaveLength(8);
    const second = await embedMany({ model, values: ["apples again", "pears again"], maxRetries: 0 });
    expect(second.embeddings[0]).toEqual([0.6, 0.8]);
    expect(second.embeddings[1]).toHaveLength(8);
    stub.reset();
    expect((await embed({ model, value: "apples", maxRetries: 0 })).embedding).toHaveLength(8);
  });

  it("surfaces scripted faults as APICallError with status and Retry-After", async () => {
    stub.fail({ status: 429, retryAfterSeconds: 3 });
    const error = await generateText({ model: provider().chatModel("stub-small"), prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const apiError = error as APICallError;
    expect(apiError.statusCode).toBe(429);
    expect(apiError.responseHeaders?.["retry-after"]).toBe("3");
    expect(apiError.isRetryable).toBe(true);

    stub.fail({ malformed: true });
    await expect(generateText({ model: provider().chatModel("stub-small"), prompt: "x", maxRetries: 0 })).rejects.toThrow();
  });

  it("mid-stream faults: text first, then a broken chunk, a stall or a cut connection", async () => {
    const model = provider().chatModel("stub-small");
    const run = async (kind: "malformed" | "stall" | "cut") => {
      stub.fail({ midStream: { afterChunks: 3, kind } });
      // the stall is ended by this timeout: long enough that the first chunks arrive on a loaded machine
      const result = streamText({ model, prompt: "three words here", maxRetries: 0, abortSignal: AbortSignal.timeout(1_500), onError: () => {} });
      const seen: string[] = [];
      try {
        for await (const part of result.stream) {
          if (part.type === "text-delta") seen.push(part.text);
          if (part.type === "error" || part.type === "abort") seen.push(`<${part.type}>`);
        }
      } catch {
        seen.push("<thrown>");
      }
      return seen;
    };
    // chunk 0 is the role, 1 and 2 carry "[stub " and "stub-small] "
    expect(await run("malformed")).toEqual(["[stub ", "stub-small] ", "<error>", "words ", "here"]);
    expect(await run("stall")).toEqual(["[stub ", "stub-small] ", "<abort>"]);
    expect(await run("cut")).toEqual(["[stub ", "stub-small] ", "<thrown>"]);
  });

  it("times out on a slow response via an abort signal", async () => {
    stub.fail({ delayMs: 2_000 });
    const started = Date.now();
    await expect(
      generateText({ model: provider().chatModel("stub-small"), prompt: "x", maxRetries: 0, abortSignal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe("LLM stub with @ai-sdk/anthropic", () => {
  const anthropic = () => createAnthropic({ baseURL: stub.url, apiKey: "sk-ant-test" });

  it("generateText over the Messages API", async () => {
    const result = await generateText({ model: anthropic()("claude-3-5-haiku-latest"), prompt: "hello", maxRetries: 0 });
    expect(result.text).toBe("[stub claude-3-5-haiku-latest] hello");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    // (a request of the test before, aborted on the client, may reach the stub late: look for this one)
    expect(stub.calls.find((c) => c.path === "/v1/messages")).toMatchObject({ path: "/v1/messages", apiKey: "sk-ant-test" });
  });

  it("tool_use and streaming", async () => {
    const tools = { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) };
    const result = await generateText({ model: anthropic()("claude-3-5-haiku-latest"), prompt: "lookup something", tools, maxRetries: 0 });
    expect(result.toolCalls[0]).toMatchObject({ toolName: "lookup", input: { q: "stub" } });
    const streamed = streamText({ model: anthropic()("claude-3-5-haiku-latest"), prompt: "stream me", maxRetries: 0 });
    expect(await streamed.text).toBe("[stub claude-3-5-haiku-latest] stream me");
  });

  it("structured output", async () => {
    const schema = z.object({ answer: z.string(), n: z.number().int() });
    const result = await generateText({ model: anthropic()("claude-sonnet-4-5"), prompt: "json please", output: Output.object({ schema }), maxRetries: 0 });
    expect(result.output).toEqual({ answer: "stub", n: 0 });
  });
});

describe("LLM stub with @ai-sdk/openai", () => {
  const openai = () => createOpenAI({ baseURL: stub.url, apiKey: "sk-openai-test" });

  it("chat completions model: text, tools, streaming", async () => {
    const result = await generateText({ model: openai().chat("gpt-4o-mini"), prompt: "hi", maxRetries: 0 });
    expect(result.text).toBe("[stub gpt-4o-mini] hi");
    const tools = { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) };
    const called = await generateText({ model: openai().chat("gpt-4o-mini"), prompt: "lookup x", tools, maxRetries: 0 });
    expect(called.toolCalls[0]).toMatchObject({ toolName: "lookup", input: { q: "stub" } });
    const streamed = streamText({ model: openai().chat("gpt-4o-mini"), prompt: "stream", maxRetries: 0 });
    expect(await streamed.text).toBe("[stub gpt-4o-mini] stream");
  });

  it("responses model (the default): text, tools, structured output", async () => {
    const result = await generateText({ model: openai()("gpt-4o-mini"), prompt: "hi", maxRetries: 0 });
    expect(result.text).toBe("[stub gpt-4o-mini] hi");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({ path: "/v1/responses", apiKey: "sk-openai-test" });
    const tools = { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) };
    const called = await generateText({ model: openai()("gpt-4o-mini"), prompt: "lookup x", tools, maxRetries: 0 });
    expect(called.toolCalls[0]).toMatchObject({ toolName: "lookup", input: { q: "stub" } });
    const structured = await generateText({
      model: openai()("gpt-4o-mini"),
      prompt: "json",
      output: Output.object({ schema: z.object({ a: z.string() }) }),
      maxRetries: 0,
    });
    expect(structured.output).toEqual({ a: "stub" });
  });
});

describe("LLM stub with chunkDelayMs (paced streams)", () => {
  const DELAY = 60;
  let paced: LlmStub;
  beforeAll(async () => {
    paced = await startLlmStub({ chunkDelayMs: DELAY });
  });
  afterAll(async () => {
    await paced.close();
  });

  /** the arrival time of each text delta of a streamed answer, and the whole text */
  async function timedDeltas(stream: AsyncIterable<string>) {
    const at: number[] = [];
    let text = "";
    for await (const piece of stream) {
      at.push(performance.now());
      text += piece;
    }
    return { at, text, gaps: at.slice(1).map((t, i) => t - at[i]!) };
  }

  /**
   * Each chunk waited DELAY on the stub. A busy event loop (CI runs two test passes side by side on two cores) may
   * deliver the first arrival late and bunch a few, never the whole stream: an unpaced stream arrives at once.
   */
  function expectPaced(at: number[], gaps: number[]) {
    expect(at.at(-1)! - at[0]!).toBeGreaterThanOrEqual(0.75 * gaps.length * DELAY);
    expect(gaps.filter((g) => g >= DELAY / 2).length).toBeGreaterThanOrEqual(gaps.length / 2);
  }

  it("spaces the text chunks of an OpenAI chat completions stream", async () => {
    const model = createOpenAICompatible({ name: "paced", baseURL: paced.url, apiKey: "k" }).chatModel("stub-small");
    const { at, text, gaps } = await timedDeltas(streamText({ model, prompt: "one two three four five six seven eight", maxRetries: 0 }).textStream);
    expect(text).toBe("[stub stub-small] one two three four five six seven eight");
    expect(paced.calls.at(-1)!.reply).toBe(text);
    expect(at).toHaveLength(10);
    expectPaced(at, gaps);
  });

  it("spaces the text deltas of an Anthropic stream", async () => {
    const model = createAnthropic({ baseURL: paced.url, apiKey: "k" })("claude-3-5-haiku-latest");
    const { at, text, gaps } = await timedDeltas(streamText({ model, prompt: "alpha beta gamma delta epsilon zeta eta", maxRetries: 0 }).textStream);
    expect(text).toBe("[stub claude-3-5-haiku-latest] alpha beta gamma delta epsilon zeta eta");
    expect(at).toHaveLength(9);
    expectPaced(at, gaps);
  });

  it("does not pace non-streamed answers, and survives a client that leaves mid-stream", async () => {
    const model = createOpenAICompatible({ name: "paced", baseURL: paced.url, apiKey: "k" }).chatModel("stub-small");
    // 40 words: paced, the answer would take at least 40 × DELAY; half of that leaves room for a busy machine (CI
    // runs three test passes side by side on two cores)
    const words = Array.from({ length: 39 }, (_, i) => `w${i}`).join(" ");
    const started = performance.now();
    const whole = await generateText({ model, prompt: words, maxRetries: 0 });
    expect(whole.text).toBe(`[stub stub-small] ${words}`);
    expect(performance.now() - started).toBeLessThan(20 * DELAY);

    const controller = new AbortController();
    const res = await fetch(`${paced.url}/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "m1", stream: true, messages: [{ role: "user", content: "a b c d e f g h i j" }] }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain("data: ");
    controller.abort();
    await reader.read().catch(() => undefined);
    // the stub survives the cut and answers the next request
    expect((await generateText({ model, prompt: "again", maxRetries: 0 })).text).toBe("[stub stub-small] again");
  });
});

describe("LLM stub: scripted tool calls drive an agent's loop", () => {
  const anthropicModel = () => createAnthropic({ baseURL: stub.url, apiKey: "sk-ant-test" })("claude-3-5-haiku-latest");
  const models = {
    "OpenAI chat completions": () => provider().chatModel("stub-small"),
    "Anthropic Messages": anthropicModel,
  };
  /** two tools that record what they were called with */
  function recordingTools() {
    const seen: string[] = [];
    const tools = {
      add: tool({
        inputSchema: z.object({ a: z.number(), b: z.number() }),
        execute: async ({ a, b }) => {
          seen.push(`add ${a} ${b}`);
          return { sum: a + b };
        },
      }),
      clock: tool({
        inputSchema: z.object({ zone: z.string() }),
        execute: async ({ zone }) => {
          seen.push(`clock ${zone}`);
          return { time: `12:00 ${zone}` };
        },
      }),
    };
    return { seen, tools };
  }

  for (const [name, model] of Object.entries(models)) {
    for (const streaming of [false, true]) {
      it(`${name}${streaming ? ", streamed" : ""}: two parallel calls, then one, then the answer with the results seen`, async () => {
        const { seen, tools } = recordingTools();
        stub.toolCalls({
          calls: [
            { name: "add", arguments: { a: 2, b: 3 } },
            { name: "clock", arguments: { zone: "UTC" } },
          ],
        });
        stub.toolCalls({ calls: [{ name: "add", arguments: { a: 5, b: 7 } }], when: "12:00 UTC" });
        stub.reply({ content: "The sum is 12." }); // the first request without a script of its own
        const options = { model: model(), prompt: "Add some numbers.", tools, stopWhen: stepCountIs(5), maxRetries: 0 };
        const result = streaming ? await streamText(options).steps : (await generateText(options)).steps;
        expect(seen).toEqual(["add 2 3", "clock UTC", "add 5 7"]);
        expect(result.map((s) => s.toolCalls.map((c) => c.toolName))).toEqual([["add", "clock"], ["add"], []]);
        expect(result.at(-1)?.text).toBe("The sum is 12.");
        // the results went back to the model as tool results (its third request holds both earlier sums)
        const bodies = stub.calls.filter((c) => c.path.endsWith("/chat/completions") || c.path === "/v1/messages").map((c) => JSON.stringify(c.body));
        expect(bodies).toHaveLength(3);
        expect(bodies[1]).toMatch(/sum[^0-9]*5/);
        expect(bodies[1]).toContain("12:00 UTC");
        expect(bodies[2]).toMatch(/sum[^0-9]*12/);
      });
    }
  }

  it("answers only a request that offers every tool it names, and reset() drops it", async () => {
    const { tools } = recordingTools();
    stub.toolCalls({ calls: [{ name: "search", arguments: { q: "x" } }] });
    const plain = await generateText({ model: provider().chatModel("stub-small"), prompt: "hello", tools, maxRetries: 0 });
    expect(plain.toolCalls).toEqual([]); // "search" is not offered: the script waits
    const { tools: more } = recordingTools();
    const withSearch = { ...more, search: tool({ inputSchema: z.object({ q: z.string() }) }) };
    const called = await generateText({ model: provider().chatModel("stub-small"), prompt: "hello", tools: withSearch, maxRetries: 0 });
    expect(called.toolCalls).toMatchObject([{ toolName: "search", input: { q: "x" } }]);
    stub.toolCalls({ calls: [{ name: "search", arguments: { q: "y" } }] });
    stub.reset();
    const after = await generateText({ model: provider().chatModel("stub-small"), prompt: "hello", tools: withSearch, maxRetries: 0 });
    expect(after.toolCalls).toEqual([]);
  });
});
