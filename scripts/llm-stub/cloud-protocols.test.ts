/** The LLM stub's Gemini, Bedrock Converse and ConverseStream, Azure deployment, embedding and token routes, over raw HTTP. */
import { crc32 } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startLlmStub, type LlmStub } from "./server";

let stub: LlmStub;
beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

const origin = () => stub.url.replace(/\/v1$/, "");
const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${origin()}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("LLM stub cloud protocols", () => {
  it("Gemini generateContent: the text, the finish reason and usage; streamGenerateContent as SSE frames", async () => {
    const body = { contents: [{ role: "user", parts: [{ text: "hello there" }] }] };
    const res = await post("/v1beta/models/gemini-x:generateContent", body, { "x-goog-api-key": "g-key" });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      candidates: [{ content: { role: "model", parts: [{ text: "[stub gemini-x] hello there" }] }, finishReason: "STOP" }],
      usageMetadata: { promptTokenCount: expect.any(Number), candidatesTokenCount: expect.any(Number) },
    });
    expect(stub.calls[0]).toMatchObject({ model: "gemini-x", stream: false, apiKey: "g-key", reply: "[stub gemini-x] hello there" });

    stub.fail({ status: 200, finishReason: "length", content: "cut" });
    const streamed = await (await post("/v1beta/models/gemini-x:streamGenerateContent?alt=sse", body)).text();
    const frames = streamed
      .split("\r\n\r\n")
      .filter(Boolean)
      .map((f) => JSON.parse(f.replace(/^data: /, "")));
    expect(frames.at(-1)).toMatchObject({ candidates: [{ finishReason: "MAX_TOKENS" }] });
    expect(frames.map((f) => f.candidates[0].content.parts[0]?.text ?? "").join("")).toBe("cut");
  });

  /** AWS event-stream messages: each checked against its two CRC32s, its `:event-type` header and JSON payload. */
  function decodeEventStream(bytes: Buffer): { type: string; data: Record<string, unknown> }[] {
    const events: { type: string; data: Record<string, unknown> }[] = [];
    for (let at = 0; at < bytes.length; ) {
      const total = bytes.readUInt32BE(at);
      const headersLength = bytes.readUInt32BE(at + 4);
      expect(bytes.readUInt32BE(at + 8)).toBe(crc32(bytes.subarray(at, at + 8)));
      expect(bytes.readUInt32BE(at + total - 4)).toBe(crc32(bytes.subarray(at, at + total - 4)));
      const headers: Record<string, string> = {};
      for (let h = at + 12; h < at + 12 + headersLength; ) {
        const name = bytes.toString("utf8", h + 1, h + 1 + bytes[h]!);
        h += 1 + bytes[h]!;
        expect(bytes[h]).toBe(7); // a string
        const length = bytes.readUInt16BE(h + 1);
        headers[name] = bytes.toString("utf8", h + 3, h + 3 + length);
        h += 3 + length;
      }
      expect(headers[":message-type"]).toBe("event");
      events.push({ type: headers[":event-type"]!, data: JSON.parse(bytes.toString("utf8", at + 12 + headersLength, at + total - 4)) });
      at += total;
    }
    return events;
  }

  it("Bedrock Converse answers; ConverseStream as event-stream messages; SigV4 records the access key id only", async () => {
    const body = { messages: [{ role: "user", content: [{ text: "hi aws" }] }], inferenceConfig: { maxTokens: 10 } };
    const signed = { authorization: "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc" };
    const res = await post(`/model/${encodeURIComponent("amazon.nova-micro-v1:0")}/converse`, body, signed);
    expect(await res.json()).toMatchObject({ output: { message: { content: [{ text: "[stub amazon.nova-micro-v1:0] hi aws" }] } }, stopReason: "end_turn" });
    expect(stub.calls[0]).toMatchObject({ model: "amazon.nova-micro-v1:0", apiKey: "AKIAEXAMPLE" });
    const streamed = await post("/model/m/converse-stream", body);
    expect(streamed.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
    const events = decodeEventStream(Buffer.from(await streamed.arrayBuffer()));
    expect(events[0]).toEqual({ type: "messageStart", data: { role: "assistant" } });
    const text = events.filter((e) => e.type === "contentBlockDelta").map((e) => (e.data.delta as { text: string }).text);
    expect(text.join("")).toBe("[stub m] hi aws");
    expect(events.slice(-3).map((e) => e.type)).toEqual(["contentBlockStop", "messageStop", "metadata"]);
    expect(events.at(-1)!.data).toMatchObject({ usage: { inputTokens: expect.any(Number), outputTokens: Math.ceil("[stub m] hi aws".length / 4) } });
  });

  it("embeddings: Gemini embedContent and batchEmbedContents, Vertex predict, Bedrock Titan / Cohere / Nova, Azure deployments", async () => {
    stub.embedding({ when: "alpha", vector: [0, 2] });
    const one = await (await post("/v1beta/models/e:embedContent", { content: { parts: [{ text: "alpha" }] } })).json();
    expect(one).toEqual({ embedding: { values: [0, 1] } });
    const batch = await (
      await post("/v1beta/models/e:batchEmbedContents", { requests: [{ content: { parts: [{ text: "alpha" }] } }, { content: { parts: [{ text: "beta" }] } }] })
    ).json();
    expect(batch.embeddings.map((e: { values: number[] }) => e.values.length)).toEqual([2, 8]);
    const vertex = await (await post("/v1/publishers/google/models/e:predict", { instances: [{ content: "alpha beta" }] })).json();
    expect(vertex.predictions[0].embeddings).toEqual({ values: [0, 1], statistics: { token_count: 3, truncated: false } });
    const titan = await (await post("/model/amazon.titan-embed-text-v2%3A0/invoke", { inputText: "alpha" })).json();
    expect(titan).toEqual({ embedding: [0, 1], inputTextTokenCount: 2 });
    const cohere = await post("/model/cohere.embed-english-v3/invoke", { texts: ["alpha", "gamma"], input_type: "search_query" });
    expect(cohere.headers.get("x-amzn-bedrock-input-token-count")).toBe("4");
    expect((await cohere.json()).embeddings[0]).toEqual([0, 1]);
    const nova = await (
      await post("/model/amazon.nova-2-multimodal-embeddings-v1%3A0/invoke", { singleEmbeddingParams: { embeddingDimension: 4, text: { value: "delta" } } })
    ).json();
    expect(nova).toMatchObject({ embeddings: [{ embeddingType: "TEXT", embedding: expect.any(Array) }], inputTokenCount: 2 });
    expect(nova.embeddings[0].embedding).toHaveLength(4);
    const azure = await (await post("/openai/deployments/emb/embeddings?api-version=2024-10-21", { input: ["alpha"] }, { "api-key": "az" })).json();
    expect(azure.data[0].embedding).toEqual([0, 1]);
    expect(stub.calls.map((c) => c.model)).toEqual([
      "e",
      "e",
      "e",
      "amazon.titan-embed-text-v2:0",
      "cohere.embed-english-v3",
      "amazon.nova-2-multimodal-embeddings-v1:0",
      "emb",
    ]);
  });

  it("Azure deployments: chat completions for the deployment, the api-key header and the api-version recorded", async () => {
    const res = await post(
      "/openai/deployments/my-dep/chat/completions?api-version=2024-10-21",
      { messages: [{ role: "user", content: "x" }] },
      { "api-key": "az" },
    );
    expect((await res.json()).choices[0].message.content).toBe("[stub my-dep] x");
    expect(stub.calls[0]).toMatchObject({ model: "my-dep", apiKey: "az", query: "?api-version=2024-10-21" });
  });

  it("the token endpoint answers a JWT bearer grant and refuses anything else", async () => {
    const claims = Buffer.from(JSON.stringify({ iss: "sa@example.test" })).toString("base64url");
    const form = (grant: string, assertion: string) =>
      fetch(`${origin()}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ grant_type: grant, assertion }),
      });
    const ok = await form("urn:ietf:params:oauth:grant-type:jwt-bearer", `h.${claims}.s`);
    expect(await ok.json()).toMatchObject({ access_token: "stub-token-for-sa@example.test", token_type: "Bearer" });
    expect((await form("client_credentials", "x")).status).toBe(400);
  });
});
