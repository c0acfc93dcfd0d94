import { describe, expect, it } from "vitest";
import { embed, embedMany, generateText, jsonSchema, Output, stepCountIs, streamText, tool } from "ai";
import { z } from "zod";
import { createSimulatorEmbeddingModel, createSimulatorModel, SIMULATED_PREFIX, simulatedEmbedding, valueForSchema } from "./simulator";

const model = (id = "sim-balanced") => createSimulatorModel(id, { latencyMs: 0 });

describe("simulator: text", () => {
  it("answers deterministically, labelled as simulated, summarising the last user message", async () => {
    const a = await generateText({ model: model(), prompt: "What is the capital of France?" });
    const b = await generateText({ model: model(), prompt: "What is the capital of France?" });
    const c = await generateText({ model: model(), prompt: "What is the capital of Spain?" });
    expect(a.text).toBe(b.text);
    expect(a.text).not.toBe(c.text);
    expect(a.text.startsWith(SIMULATED_PREFIX)).toBe(true);
    expect(a.text).toContain("What is the capital of France?");
    expect(a.finishReason).toBe("stop");
  });

  it("differs per model id and uses the last user message of a conversation", async () => {
    const messages = [
      { role: "user" as const, content: "first question" },
      { role: "assistant" as const, content: "first answer" },
      { role: "user" as const, content: "second question" },
    ];
    const fast = await generateText({ model: model("sim-fast"), system: "be brief", messages });
    const capable = await generateText({ model: model("sim-capable"), system: "be brief", messages });
    expect(fast.text).toContain("second question");
    expect(fast.text).not.toContain("first question");
    expect(fast.text).not.toBe(capable.text);
  });

  it("reports usage as characters / 4 and respects maxOutputTokens", async () => {
    const prompt = "x".repeat(400);
    const result = await generateText({ model: model(), prompt });
    expect(result.usage.inputTokens).toBe(100);
    expect(result.usage.outputTokens).toBe(Math.ceil(result.text.length / 4));
    const short = await generateText({ model: model(), prompt, maxOutputTokens: 5 });
    expect(short.text.length).toBeLessThanOrEqual(20);
    expect(short.finishReason).toBe("length");
    expect(short.usage.outputTokens).toBeLessThanOrEqual(5);
  });

  it("streams the same text in several chunks, with usage at the end", async () => {
    const whole = await generateText({ model: model(), prompt: "Tell me about streaming please" });
    const result = streamText({ model: model(), prompt: "Tell me about streaming please" });
    const deltas: string[] = [];
    for await (const delta of result.textStream) deltas.push(delta);
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.join("")).toBe(whole.text);
    const usage = await result.usage;
    expect(usage.inputTokens).toBe(whole.usage.inputTokens);
    expect(usage.outputTokens).toBe(whole.usage.outputTokens);
  });

  it("waits for its simulated latency and honours an abort signal", async () => {
    const slow = createSimulatorModel("sim-capable", { latencyMs: 80 });
    const started = Date.now();
    await generateText({ model: slow, prompt: "hi" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 10);
    await expect(
      generateText({ model: createSimulatorModel("sim-capable", { latencyMs: 5_000 }), prompt: "hi", abortSignal: controller.signal, maxRetries: 0 }),
    ).rejects.toThrow();
  });
});

describe("simulator: tool calls", () => {
  const weatherInput = z.object({ city: z.string(), unit: z.enum(["celsius", "fahrenheit"]), days: z.number().int().min(1).max(7) });
  const tools = {
    get_weather: tool({ description: "Weather for a city", inputSchema: weatherInput }),
    searchDocs: tool({ description: "Search the docs", inputSchema: z.object({ query: z.string().min(3) }) }),
  };

  it("calls the tool the prompt names, with arguments valid for its schema", async () => {
    const result = await generateText({ model: model(), tools, prompt: "Please get the weather in Paris" });
    expect(result.toolCalls).toHaveLength(1);
    const call = result.toolCalls[0]!;
    expect(call.toolName).toBe("get_weather");
    expect(weatherInput.parse(call.input)).toEqual(call.input);
    expect(call.input).toMatchObject({ unit: "celsius", days: 1 });
    expect(result.finishReason).toBe("tool-calls");
  });

  it("matches camelCase tool names by their words, and fills free-text fields from the request", async () => {
    const result = await generateText({ model: model(), tools, prompt: "search the docs for routing presets" });
    expect(result.toolCalls[0]?.toolName).toBe("searchDocs");
    expect((result.toolCalls[0]!.input as { query: string }).query).toContain("routing presets");
  });

  it("answers in text when no tool is asked for, and calls the first tool when asked for 'a tool' or required", async () => {
    const plain = await generateText({ model: model(), tools, prompt: "hello there" });
    expect(plain.toolCalls).toHaveLength(0);
    expect(plain.text.startsWith(SIMULATED_PREFIX)).toBe(true);
    const asked = await generateText({ model: model(), tools, prompt: "use a tool to help me" });
    expect(asked.toolCalls[0]?.toolName).toBe("get_weather");
    const required = await generateText({ model: model(), tools, toolChoice: "required", prompt: "hello there" });
    expect(required.toolCalls[0]?.toolName).toBe("get_weather");
    const specific = await generateText({ model: model(), tools, toolChoice: { type: "tool", toolName: "searchDocs" }, prompt: "hello" });
    expect(specific.toolCalls[0]?.toolName).toBe("searchDocs");
    const none = await generateText({ model: model(), tools, toolChoice: "none", prompt: "get the weather" });
    expect(none.toolCalls).toHaveLength(0);
  });

  it("runs a multi-step tool loop to a final text answer that uses the tool result", async () => {
    const result = await generateText({
      model: model(),
      tools: { get_weather: tool({ ...tools.get_weather, execute: async ({ city }) => ({ city, temperature: 21 }) }) },
      stopWhen: stepCountIs(5),
      prompt: "get the weather in Rome",
    });
    expect(result.steps).toHaveLength(2);
    expect(result.text.startsWith(SIMULATED_PREFIX)).toBe(true);
    expect(result.text).toContain("temperature");
    expect(result.usage.inputTokens).toBe(result.steps[0]!.usage.inputTokens! + result.steps[1]!.usage.inputTokens!);
  });

  it("streams tool calls", async () => {
    const result = streamText({ model: model(), tools, prompt: "get the weather in Oslo" });
    const calls = await result.toolCalls;
    expect(calls[0]?.toolName).toBe("get_weather");
    const parts: string[] = [];
    for await (const part of result.fullStream) parts.push(part.type);
    expect(parts).toContain("tool-input-delta");
    expect(parts).toContain("tool-call");
  });
});

describe("simulator: JSON per schema", () => {
  const schema = z.object({
    title: z.string().min(5),
    count: z.number().int().min(3),
    ratio: z.number().gt(0).lt(1),
    done: z.boolean(),
    level: z.enum(["low", "mid", "high"]),
    tags: z.array(z.string()).min(2),
    owner: z.object({ email: z.email(), id: z.uuid(), site: z.url() }),
    note: z.string().nullable(),
    maybe: z.string().optional(),
    kind: z.union([z.literal("a"), z.literal("b")]),
    when: z.iso.datetime(),
  });

  it("produces an object that parses with the requested zod schema, deterministically", async () => {
    const a = await generateText({ model: model(), output: Output.object({ schema }), prompt: "Describe the plan" });
    const b = await generateText({ model: model(), output: Output.object({ schema }), prompt: "Describe the plan" });
    expect(schema.parse(a.output)).toEqual(a.output);
    expect(a.output).toEqual(b.output);
    expect(a.output.tags).toHaveLength(2);
    expect(a.output.count).toBe(3);
    expect(a.output.level).toBe("low");
  });

  it("handles arrays, choices, recursive $refs and plain JSON mode", async () => {
    const arr = await generateText({ model: model(), output: Output.array({ element: z.object({ name: z.string() }) }), prompt: "list" });
    expect(arr.output.length).toBeGreaterThanOrEqual(1);
    const choice = await generateText({ model: model(), output: Output.choice({ options: ["yes", "no"] }), prompt: "pick" });
    expect(["yes", "no"]).toContain(choice.output);
    const anyJson = await generateText({ model: model(), output: Output.json(), prompt: "anything" });
    expect(anyJson.output).toMatchObject({ simulated: true });
    const tree = jsonSchema<{ name: string; children: unknown[] }>({
      type: "object",
      properties: { name: { type: "string" }, children: { type: "array", items: { $ref: "#" } } },
      required: ["name", "children"],
      additionalProperties: false,
    });
    const rec = await generateText({ model: model(), output: Output.object({ schema: tree }), prompt: "tree" });
    expect(rec.output.name).toEqual(expect.any(String));
  });

  it("streams JSON that parses at the end", async () => {
    const result = streamText({ model: model(), output: Output.object({ schema }), prompt: "Describe the plan" });
    for await (const _ of result.partialOutputStream) void _;
    expect(schema.parse(await result.output)).toBeTruthy();
  });

  it("valueForSchema covers bounds, formats, allOf and defaults", () => {
    expect(valueForSchema({ type: "integer", exclusiveMinimum: 10, multipleOf: 5 })).toBe(15);
    expect(valueForSchema({ type: "number", maximum: -3 })).toBe(-3);
    expect(valueForSchema({ type: "string", maxLength: 3 })).toHaveLength(3);
    expect(valueForSchema({ type: "string", pattern: "^[0-9]+$" })).toMatch(/^[0-9]+$/);
    expect(valueForSchema({ type: ["null", "string"], format: "date" })).toBe("2025-01-01");
    expect(
      valueForSchema({
        allOf: [
          { type: "object", properties: { a: { type: "integer" } }, required: ["a"] },
          { properties: { b: { const: 2 } }, required: ["b"] },
        ],
      }),
    ).toEqual({ a: 1, b: 2 });
    expect(valueForSchema({ type: "string", default: "d" })).toBe("d");
    expect(valueForSchema({ type: "array", items: { type: "string" }, maxItems: 0 })).toEqual([]);
  });
});

describe("simulator: embeddings", () => {
  it("embeds deterministically, normalised, with similar texts closer than unrelated ones", async () => {
    const m = createSimulatorEmbeddingModel("sim-embed", { latencyMs: 0 });
    const { embedding } = await embed({ model: m, value: "the cat sat on the mat" });
    expect(embedding).toHaveLength(384);
    expect(embedding).toEqual(simulatedEmbedding("the cat sat on the mat"));
    const norm = Math.sqrt(embedding.reduce((s, v) => s + v * v, 0));
    expect(norm).toBeCloseTo(1, 6);
    const { embeddings } = await embedMany({ model: m, values: ["the cat sat on the mat", "a cat sat on a mat", "quarterly revenue forecast"] });
    const dot = (x: number[], y: number[]) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(dot(embeddings[0]!, embeddings[1]!)).toBeGreaterThan(dot(embeddings[0]!, embeddings[2]!));
  });
});
