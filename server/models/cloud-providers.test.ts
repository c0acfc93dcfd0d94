/**
 * Azure OpenAI, Amazon Bedrock, Google (Gemini API and Vertex AI) and Mistral through their AI SDK packages, against
 * the LLM stub: each one's wire protocol, how its key is sent, that the egress guard checks its base URL, and that no
 * secret shows in an error. Bedrock streams (ConverseStream) in the stub's AWS event-stream messages.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { generateText, Output, streamText, tool } from "ai";
import { z } from "zod";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { AppError } from "@/lib/errors";
import { createEmbeddingModel, createLanguageModel, loadProviderPackage, type ProviderConnection } from "./provider-factory";
import { safeProviderError } from "./provider-errors";

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
afterEach(() => vi.unstubAllEnvs());

const conn = (kind: ProviderConnection["kind"], baseUrl: string | null, settings: ProviderConnection["settings"] = {}): ProviderConnection => ({
  id: "prv_cloud00000",
  kind,
  name: `My ${kind}`,
  baseUrl,
  isLocal: false,
  settings,
});

/** The stub's origin (its URL without /v1). */
const origin = () => stub.url.replace(/\/v1$/, "");

const AWS_KEYS = { accessKeyId: "AKIASTUBSTUBSTUB0001", secretAccessKey: "stub/secret/access/key/never-shown-1234", sessionToken: "stub-session-token-xyz" };

function serviceAccount(tokenUri: string) {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return JSON.stringify({
    type: "service_account",
    project_id: "cadre-test-project",
    private_key_id: "k1",
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    client_email: "cadre@cadre-test-project.iam.gserviceaccount.com",
    token_uri: tokenUri,
  });
}

describe("Azure OpenAI", () => {
  it("a dated api-version calls the deployment's chat completions with the api-key header (generate and stream)", async () => {
    const model = createLanguageModel(conn("azure", `${origin()}/openai`, { apiVersion: "2024-10-21" }), "my-gpt-4o-deployment", "azure-key-123456");
    const result = await generateText({ model, prompt: "hello azure" });
    expect(result.text).toBe("[stub my-gpt-4o-deployment] hello azure");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({
      path: "/openai/deployments/my-gpt-4o-deployment/chat/completions",
      query: "?api-version=2024-10-21",
      apiKey: "azure-key-123456",
    });
    const streamed = streamText({ model, prompt: "stream azure" });
    expect(await streamed.text).toBe("[stub my-gpt-4o-deployment] stream azure");
    expect(stub.calls[1]).toMatchObject({ stream: true });
  });

  it("without an api-version, the v1 API under the base URL", async () => {
    const model = createLanguageModel(conn("azure", `${origin()}/openai/v1`), "gpt-4.1-mini", "azure-key-123456");
    expect((await generateText({ model, prompt: "v1 api" })).text).toBe("[stub gpt-4.1-mini] v1 api");
    expect(stub.calls[0]).toMatchObject({ path: "/openai/v1/chat/completions", apiKey: "azure-key-123456" });
  });

  it("needs a base URL and never takes AZURE_API_KEY from the environment", () => {
    vi.stubEnv("AZURE_API_KEY", "operator-key");
    expect(() => createLanguageModel(conn("azure", null), "d", "k")).toThrow(/base URL/);
    expect(() => createLanguageModel(conn("azure", "https://res.openai.azure.com/openai"), "d", undefined)).toThrow(/no API key/);
  });
});

describe("Mistral", () => {
  it("chat completions with a bearer key (generate, stream, tools)", async () => {
    const model = createLanguageModel(conn("mistral", stub.url), "mistral-small-latest", "mistral-key-987654");
    expect((await generateText({ model, prompt: "bonjour" })).text).toBe("[stub mistral-small-latest] bonjour");
    expect(stub.calls[0]).toMatchObject({ path: "/v1/chat/completions", apiKey: "mistral-key-987654" });
    expect(await streamText({ model, prompt: "stream mistral" }).text).toBe("[stub mistral-small-latest] stream mistral");
    const withTool = await generateText({ model, tools: { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) }, prompt: "please lookup" });
    expect(withTool.toolCalls[0]?.toolName).toBe("lookup");
  });
});

describe("Google Gemini API", () => {
  it("generateContent and streamGenerateContent with x-goog-api-key; tools and JSON output", async () => {
    const model = createLanguageModel(conn("google", `${origin()}/v1beta`), "gemini-2.5-flash", "AIza-google-key-1111");
    const result = await generateText({ model, prompt: "hello gemini" });
    expect(result.text).toBe("[stub gemini-2.5-flash] hello gemini");
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({ path: "/v1beta/models/gemini-2.5-flash:generateContent", stream: false, apiKey: "AIza-google-key-1111" });

    const streamed = streamText({ model, prompt: "stream gemini please" });
    expect(await streamed.text).toBe("[stub gemini-2.5-flash] stream gemini please");
    expect((await streamed.usage).outputTokens).toBeGreaterThan(0);
    expect(stub.calls[1]).toMatchObject({ path: "/v1beta/models/gemini-2.5-flash:streamGenerateContent", stream: true });

    const withTool = await generateText({ model, tools: { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) }, prompt: "please lookup" });
    expect(withTool.toolCalls[0]?.toolName).toBe("lookup");
    const schema = z.object({ title: z.string(), n: z.number() });
    const json = await generateText({ model, output: Output.object({ schema }), prompt: "give json" });
    expect(schema.parse(json.output)).toBeTruthy();
  });

  it("reports a cut answer's finish reason and its thinking tokens", async () => {
    stub.fail({ status: 200, content: "", finishReason: "length", reasoningTokens: 500 });
    const model = createLanguageModel(conn("google", `${origin()}/v1beta`), "gemini-2.5-pro", "AIza-google-key-1111");
    const result = await generateText({ model, prompt: "think hard" });
    expect(result.finishReason).toBe("length");
    expect(result.text).toBe("");
    expect(result.usage.outputTokenDetails.reasoningTokens).toBe(500);
  });

  it("builds an embedding model (the stub does not serve Gemini embeddings)", () => {
    const model = createEmbeddingModel(conn("google", `${origin()}/v1beta`), "gemini-embedding-001", "AIza-google-key-1111");
    expect(model.provider).toMatch(/google/);
  });
});

describe("Google Vertex AI", () => {
  it("express mode: an API key, generate and stream", async () => {
    vi.stubEnv("GOOGLE_VERTEX_API_KEY", "operator-vertex-key");
    const model = createLanguageModel(conn("vertex", `${origin()}/v1/publishers/google`), "gemini-2.5-flash-lite", "vertex-express-key-42");
    expect((await generateText({ model, prompt: "hello vertex" })).text).toBe("[stub gemini-2.5-flash-lite] hello vertex");
    expect(stub.calls[0]).toMatchObject({ path: "/v1/publishers/google/models/gemini-2.5-flash-lite:generateContent", apiKey: "vertex-express-key-42" });
    expect(await streamText({ model, prompt: "stream vertex" }).text).toBe("[stub gemini-2.5-flash-lite] stream vertex");
  });

  it("a service-account key: its token is fetched through the egress guard and sent as a bearer token", async () => {
    vi.stubEnv("GOOGLE_VERTEX_API_KEY", "operator-vertex-key");
    const key = serviceAccount(`${origin()}/token`);
    const provider = conn("vertex", `${origin()}/v1beta1/projects/cadre-test-project/locations/us-central1/publishers/google`, { location: "us-central1" });
    const model = createLanguageModel(provider, "gemini-2.5-flash", key);
    expect((await generateText({ model, prompt: "hello sa" })).text).toBe("[stub gemini-2.5-flash] hello sa");
    expect(stub.calls[0]).toMatchObject({ path: "/token", body: { issuer: "cadre@cadre-test-project.iam.gserviceaccount.com" } });
    expect(stub.calls[1]).toMatchObject({ apiKey: "stub-token-for-cadre@cadre-test-project.iam.gserviceaccount.com" });
  });

  it("a service-account token is exchanged once and reused until 5 minutes before it expires", async () => {
    const key = serviceAccount(`${origin()}/token`);
    const provider = conn("vertex", `${origin()}/v1beta1/projects/cadre-test-project/locations/us-central1/publishers/google`, { location: "us-central1" });
    const exchanges = () => stub.calls.filter((c) => c.path === "/token").length;
    const ask = () => generateText({ model: createLanguageModel(provider, "gemini-2.5-flash", key), prompt: "again", maxRetries: 0 });
    await Promise.all([ask(), ask()]);
    await ask();
    expect(exchanges()).toBe(1);
    // the stub's token lives 3600 s: at 56 minutes it is no longer used
    const now = Date.now();
    const clock = vi.spyOn(Date, "now").mockReturnValue(now + 56 * 60_000);
    try {
      await ask();
    } finally {
      clock.mockRestore();
    }
    expect(exchanges()).toBe(2);
  });

  it("a service-account key needs a location; a broken key file is named without its content", () => {
    expect(() => createLanguageModel(conn("vertex", null), "gemini-2.5-flash", serviceAccount("https://oauth2.googleapis.com/token"))).toThrow(
      /project and location/,
    );
    const broken = '{"client_email": "x@y", "private_key": "-----BEGIN secret-material-abc'; // not JSON
    const error = (() => {
      try {
        createLanguageModel(conn("vertex", null, { location: "us-central1", project: "cadre-test" }), "m", broken);
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(AppError);
    expect(error?.message).not.toContain("secret-material");
  });
});

describe("Amazon Bedrock", () => {
  it("Converse signed with SigV4 from the vault's key pair (the secret key never leaves the process)", async () => {
    vi.stubEnv("AWS_BEARER_TOKEN_BEDROCK", "operator-bedrock-token");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIAOPERATOR");
    const model = createLanguageModel(conn("bedrock", origin(), { region: "us-east-1" }), "amazon.nova-micro-v1:0", JSON.stringify(AWS_KEYS));
    const result = await generateText({ model, prompt: "hello bedrock" });
    expect(result.text).toBe("[stub amazon.nova-micro-v1:0] hello bedrock");
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(stub.calls[0]).toMatchObject({ path: `/model/${encodeURIComponent("amazon.nova-micro-v1:0")}/converse`, apiKey: AWS_KEYS.accessKeyId });
    expect(JSON.stringify(stub.calls[0])).not.toContain(AWS_KEYS.secretAccessKey);

    const withTool = await generateText({ model, tools: { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) }, prompt: "please lookup" });
    expect(withTool.toolCalls[0]?.toolName).toBe("lookup");
  });

  it("ConverseStream: the event-stream messages decode to text deltas, a tool call and usage", async () => {
    const model = createLanguageModel(conn("bedrock", origin(), { region: "us-east-1" }), "amazon.nova-micro-v1:0", JSON.stringify(AWS_KEYS));
    const streamed = streamText({ model, prompt: "stream from bedrock please" });
    const deltas: string[] = [];
    for await (const delta of streamed.textStream) deltas.push(delta);
    expect(deltas.join("")).toBe("[stub amazon.nova-micro-v1:0] stream from bedrock please");
    expect(deltas.length).toBeGreaterThan(3);
    expect(await streamed.finishReason).toBe("stop");
    expect((await streamed.usage).outputTokens).toBe(Math.ceil("[stub amazon.nova-micro-v1:0] stream from bedrock please".length / 4));
    expect(stub.calls[0]).toMatchObject({
      path: `/model/${encodeURIComponent("amazon.nova-micro-v1:0")}/converse-stream`,
      stream: true,
      apiKey: AWS_KEYS.accessKeyId,
    });

    const withTool = streamText({ model, tools: { lookup: tool({ inputSchema: z.object({ q: z.string() }) }) }, prompt: "please lookup" });
    expect((await withTool.toolCalls)[0]).toMatchObject({ toolName: "lookup", input: { q: "stub" } });
    expect(await withTool.finishReason).toBe("tool-calls");

    // a message whose checksum does not match fails the stream
    stub.fail({ midStream: { afterChunks: 2, kind: "malformed" } });
    const broken = streamText({ model, prompt: "break it", onError: () => {} });
    await expect(broken.text).rejects.toThrow();
  });

  it("a Bedrock API key is sent as a bearer token", async () => {
    const model = createLanguageModel(conn("bedrock", origin(), { region: "eu-west-1" }), "eu.anthropic.claude-haiku-4-5-20251001-v1:0", "bedrock-api-key-xyz");
    expect((await generateText({ model, prompt: "hi" })).text).toBe("[stub eu.anthropic.claude-haiku-4-5-20251001-v1:0] hi");
    expect(stub.calls[0]?.apiKey).toBe("bedrock-api-key-xyz");
  });

  it("an error names the status, never the secret key", async () => {
    stub.fail({ status: 403 });
    const model = createLanguageModel(conn("bedrock", origin(), { region: "us-east-1" }), "amazon.nova-micro-v1:0", JSON.stringify(AWS_KEYS));
    const error = await generateText({ model, prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    const message = safeProviderError(error, [JSON.stringify(AWS_KEYS), AWS_KEYS.secretAccessKey]);
    expect(message).toMatch(/^HTTP 403/);
    expect(message).not.toContain(AWS_KEYS.secretAccessKey);
    expect(String((error as Error).message)).not.toContain(AWS_KEYS.secretAccessKey);
  });

  it("needs a region and a key, and rejects a key pair without its secret", () => {
    expect(() => createLanguageModel(conn("bedrock", null), "m", JSON.stringify(AWS_KEYS))).toThrow(/region/);
    expect(() => createLanguageModel(conn("bedrock", null, { region: "us-east-1" }), "m", undefined)).toThrow(/credentials/);
    expect(() => createLanguageModel(conn("bedrock", null, { region: "us-east-1" }), "m", '{"accessKeyId": "AKIA"}')).toThrow(/secretAccessKey/);
  });
});

describe("the egress guard", () => {
  const kinds: [ProviderConnection["kind"], string, ProviderConnection["settings"], string][] = [
    ["azure", "/openai", { apiVersion: "2024-10-21" }, "k"],
    ["mistral", "/v1", {}, "k"],
    ["google", "/v1beta", {}, "k"],
    ["vertex", "/v1/publishers/google", {}, "k"],
    ["bedrock", "", { region: "us-east-1" }, JSON.stringify(AWS_KEYS)],
  ];
  it.each(kinds)("checks %s's base URL: a host the workspace denies gets no request", async (kind, path, settings, key) => {
    const provider = { ...conn(kind, `${origin()}${path}`, settings), egress: { allowHosts: [], denyHosts: ["127.0.0.1"] } };
    const error = await generateText({ model: createLanguageModel(provider, "m-1", key), prompt: "x", maxRetries: 0 }).catch((e: unknown) => e);
    expect(JSON.stringify(error, Object.getOwnPropertyNames(error))).toMatch(/EGRESS_REFUSED|refused|denied/i);
    expect(stub.calls).toHaveLength(0);
  });

  it("checks a service-account key's token endpoint too", async () => {
    const provider = {
      ...conn("vertex", `${origin()}/v1beta1/projects/p/locations/us-central1/publishers/google`, { location: "us-central1", project: "cadre-test" }),
      egress: { allowHosts: [], denyHosts: ["127.0.0.1"] },
    };
    const model = createLanguageModel(provider, "gemini-2.5-flash", serviceAccount(`${origin()}/token`));
    await expect(generateText({ model, prompt: "x", maxRetries: 0 })).rejects.toBeTruthy();
    expect(stub.calls).toHaveLength(0);
  });
});
