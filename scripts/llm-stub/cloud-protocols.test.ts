/** The LLM stub's Gemini, Bedrock Converse, Azure deployment and token routes, over raw HTTP. */
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

  it("Bedrock Converse answers; converse-stream is refused (no event-stream framing); SigV4 records the access key id only", async () => {
    const body = { messages: [{ role: "user", content: [{ text: "hi aws" }] }], inferenceConfig: { maxTokens: 10 } };
    const signed = { authorization: "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/bedrock/aws4_request, SignedHeaders=host, Signature=abc" };
    const res = await post(`/model/${encodeURIComponent("amazon.nova-micro-v1:0")}/converse`, body, signed);
    expect(await res.json()).toMatchObject({ output: { message: { content: [{ text: "[stub amazon.nova-micro-v1:0] hi aws" }] } }, stopReason: "end_turn" });
    expect(stub.calls[0]).toMatchObject({ model: "amazon.nova-micro-v1:0", apiKey: "AKIAEXAMPLE" });
    expect((await post("/model/m/converse-stream", body)).status).toBe(400);
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
