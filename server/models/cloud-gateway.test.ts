/**
 * The cloud provider kinds through the gateway, with their real AI SDK packages, against the LLM stub: a Bedrock
 * ConverseStream call streamed (AWS event-stream messages) and costed, and embeddings through `embed` for Azure OpenAI,
 * Bedrock (Titan, Cohere), the Gemini API, Vertex AI and Mistral, each with its usage row priced on the provider's own
 * token count (the Gemini API reports none: the gateway's estimate).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import type { ProviderKind } from "@/lib/schemas/models";
import { createSecret } from "@/server/vault/service";
import { costOf } from "@/server/ledger/record";
import { uniq, type TestWorkspace } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { useStubGateway } from "@/test/fixtures/stub-gateway";
import type { Capability } from "@/lib/schemas/model-policy";
import { createModel } from "./catalog";
import { embed } from "./embed";
import { generate } from "./gateway";
import { heuristicTokens } from "./token-estimate";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("cloudgw");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const KEY = "cloud-gw-key-0123456789";
const AWS = { accessKeyId: "AKIASTUBGATEWAY00001", secretAccessKey: "aws-gateway-secret-abcdef0123" };
const origin = () => stub.url.replace(/\/v1$/, "");
const stubTokens = (text: string) => Math.max(1, Math.ceil(text.length / 4)); // the stub's count
const usageRows = () => db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });

/** A provider of a kind with its key in the vault, and one model of it in the catalog. */
async function cloudModel(
  kind: ProviderKind,
  baseUrl: string,
  modelId: string,
  opts: { settings?: object; capabilities?: Capability[]; inputPrice?: number } = {},
) {
  const secret = await createSecret(ctx, { name: `KEY_${uniq()}`, value: kind === "bedrock" ? JSON.stringify(AWS) : KEY });
  const provider = await db().provider.create({
    data: {
      id: newId("prv"),
      workspaceId: ws.id,
      name: `${kind} ${uniq()}`,
      kind,
      baseUrl,
      secretId: secret.id,
      isLocal: false,
      settings: opts.settings ?? {},
    },
  });
  return createModel(ctx, {
    providerId: provider.id,
    modelId,
    inputPrice: opts.inputPrice ?? 0.1,
    outputPrice: opts.inputPrice === undefined ? 0 : opts.inputPrice * 2,
    contextWindow: 8_000,
    capabilities: opts.capabilities ?? ["embeddings"],
  });
}

describe("Bedrock ConverseStream through the gateway", () => {
  it("streams the answer in parts, signed with the vault's key pair, and records its usage", async () => {
    const model = await cloudModel("bedrock", origin(), "amazon.nova-micro-v1:0", {
      settings: { region: "us-east-1" },
      capabilities: ["tools", "json"],
      inputPrice: 1,
    });
    const deltas: string[] = [];
    const prompt = "stream this through bedrock";
    const result = await generate(ctx, { policy: { type: "pinned", modelId: model.id }, prompt, maxOutputTokens: 200, onTextDelta: (d) => deltas.push(d) });
    const answer = `[stub amazon.nova-micro-v1:0] ${prompt}`;
    expect(result.text).toBe(answer);
    expect(deltas.join("")).toBe(answer);
    expect(deltas.length).toBeGreaterThan(3);
    expect(stub.calls.map((c) => [c.path, c.stream, c.apiKey])).toEqual([
      [`/model/${encodeURIComponent("amazon.nova-micro-v1:0")}/converse-stream`, true, AWS.accessKeyId],
    ]);
    expect(result.usage.outputTokens).toBe(stubTokens(answer));
    const rows = await usageRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ outcome: "ok", providerKind: "bedrock", outputTokens: stubTokens(answer), inputTokens: result.usage.inputTokens });
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(costOf({ inputPrice: 1, outputPrice: 2 }, result.usage.inputTokens, stubTokens(answer)), 12);
  });
});

describe("embeddings of the cloud kinds through the gateway", () => {
  const values = ["the first text to embed", "a second, longer text to embed here"];
  const stubCount = values.reduce((n, v) => n + stubTokens(v), 0);
  const cases: {
    name: string;
    kind: ProviderKind;
    baseUrl: () => string;
    modelId: string;
    settings?: object;
    /** the stub's paths, one per provider call */
    paths: string[];
    key: string;
    /** the input tokens of the usage row */
    tokens: number;
  }[] = [
    {
      name: "Azure OpenAI (a deployment, dated api-version)",
      kind: "azure",
      baseUrl: () => `${origin()}/openai`,
      settings: { apiVersion: "2024-10-21" },
      modelId: "my-embedding-deployment",
      paths: ["/openai/deployments/my-embedding-deployment/embeddings"],
      key: KEY,
      tokens: stubCount,
    },
    {
      name: "Bedrock Titan (one text per call)",
      kind: "bedrock",
      baseUrl: origin,
      settings: { region: "us-east-1" },
      modelId: "amazon.titan-embed-text-v2:0",
      paths: [0, 1].map(() => `/model/${encodeURIComponent("amazon.titan-embed-text-v2:0")}/invoke`),
      key: AWS.accessKeyId,
      tokens: stubCount,
    },
    {
      name: "Bedrock Cohere (the count in a response header)",
      kind: "bedrock",
      baseUrl: origin,
      settings: { region: "us-east-1" },
      modelId: "cohere.embed-english-v3",
      paths: [`/model/${encodeURIComponent("cohere.embed-english-v3")}/invoke`],
      key: AWS.accessKeyId,
      tokens: stubCount,
    },
    {
      name: "Gemini API (batchEmbedContents, no usage reported: estimated)",
      kind: "google",
      baseUrl: () => `${origin()}/v1beta`,
      modelId: "gemini-embedding-001",
      paths: ["/v1beta/models/gemini-embedding-001:batchEmbedContents"],
      key: KEY,
      tokens: values.reduce((n, v) => n + heuristicTokens(v), 0),
    },
    {
      name: "Vertex AI (predict, express-mode key)",
      kind: "vertex",
      baseUrl: () => `${origin()}/v1/publishers/google`,
      modelId: "gemini-embedding-001",
      paths: ["/v1/publishers/google/models/gemini-embedding-001:predict"],
      key: KEY,
      tokens: stubCount,
    },
    { name: "Mistral", kind: "mistral", baseUrl: () => stub.url, modelId: "mistral-embed", paths: ["/v1/embeddings"], key: KEY, tokens: stubCount },
  ];

  for (const c of cases) {
    it(`${c.name}: one vector per text, an ok usage row priced on its tokens`, async () => {
      const model = await cloudModel(c.kind, c.baseUrl(), c.modelId, { settings: c.settings, inputPrice: 0.1 });
      stub.embedding({ when: "first text", vector: [3, 4] });
      const result = await embed(ctx, { policy: { type: "pinned", modelId: model.id }, values, runId: "run_cloud_embed", stepId: "s1.embed" });
      expect(result.model).toMatchObject({ id: model.id, providerKind: c.kind });
      expect(result.embeddings).toHaveLength(2);
      expect(result.embeddings[0]).toEqual([0.6, 0.8]);
      expect(result.embeddings[1]!.length).toBeGreaterThan(2);
      expect(stub.calls.map((call) => call.path)).toEqual(c.paths);
      for (const call of stub.calls) expect(call.apiKey).toBe(c.key);
      expect(result.usage.inputTokens).toBe(c.tokens);
      const rows = await usageRows();
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        outcome: "ok",
        providerKind: c.kind,
        modelName: c.modelId,
        runId: "run_cloud_embed",
        stepId: "s1.embed",
        inputTokens: c.tokens,
        outputTokens: 0,
      });
      expect(Number(rows[0]!.costUsd)).toBeCloseTo(costOf({ inputPrice: 0.1, outputPrice: 0 }, c.tokens, 0), 12);
    });
  }
});
