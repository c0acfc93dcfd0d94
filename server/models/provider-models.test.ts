/**
 * A provider's available models against the local LLM stub: its own list read with the vault key through the egress
 * guard, matched with Cadre's known models; adding chosen ones to the catalog all or none.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createSecret } from "@/server/vault/service";
import { updateEgressLists } from "@/server/workspaces/egress-lists";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";

const KEY = "sk-live-LISTSECRETvalue-0123456789abcdef";

let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
let secretId: string;
beforeAll(async () => {
  stub = await startLlmStub();
  ws = await makeWorkspace("plist");
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
  secretId = (await createSecret(ctx, { name: `LIST_KEY_${uniq()}`, value: KEY })).id;
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

const owner = () => callerFor(ws.users.owner, ws.slug);
const provider = (kind: "openai" | "openai_compatible" | "anthropic" | "azure", extra: { baseUrl?: string | null } = {}) =>
  owner().providers.create({ name: `List ${kind} ${uniq()}`, kind, baseUrl: stub.url, secretId, ...extra });

describe("available models", () => {
  it("reads an OpenAI-compatible server's list with the vault key: known models prefilled first, the catalog's marked", async () => {
    stub.modelList({ ids: ["llama3.1:8b"] });
    const p = await provider("openai_compatible");
    await owner().models.create({ providerId: p.id, modelId: "stub-small", inputPrice: 0, outputPrice: 0 });
    const list = await owner().providers.availableModels({ providerId: p.id });
    expect(list.source).toBe("provider");
    expect(list.models.map((m) => m.modelId)).toEqual(["llama3.1:8b", "stub-embed", "stub-large", "stub-small"]);
    expect(list.models[0]).toMatchObject({ modelId: "llama3.1:8b", inCatalog: false, known: { inputPrice: 0, outputPrice: 0 } });
    expect(list.models.find((m) => m.modelId === "stub-small")).toMatchObject({ inCatalog: true, known: null });
    expect(stub.calls).toEqual([expect.objectContaining({ path: "/v1/models", apiKey: KEY })]);
    expect(JSON.stringify(list)).not.toContain("LISTSECRET");
  });

  it("leaves OpenAI's non-chat models out, and asks Anthropic with its own headers", async () => {
    stub.modelList({ ids: ["gpt-4o-mini", "text-embedding-3-small", "whisper-1", "dall-e-3"] });
    const openai = await owner().providers.availableModels({ providerId: (await provider("openai")).id });
    expect(openai.models.map((m) => m.modelId)).toEqual(["gpt-4o-mini", "stub-large", "stub-small"]);
    expect(openai.models[0]!.known).toMatchObject({ displayName: "GPT-4o mini", inputPrice: 0.15, outputPrice: 0.6 });
    stub.reset();
    await owner().providers.availableModels({ providerId: (await provider("anthropic")).id });
    expect(stub.calls).toEqual([expect.objectContaining({ path: "/v1/models", apiKey: KEY })]);
  });

  it("offers Cadre's known models where the provider has no list to read (Azure deployments), calling nobody", async () => {
    const p = await provider("azure", { baseUrl: "https://example-resource.openai.azure.com/openai" });
    const list = await owner().providers.availableModels({ providerId: p.id });
    expect(list.source).toBe("known");
    expect(list.models.length).toBeGreaterThan(3);
    expect(list.models.every((m) => m.known !== null)).toBe(true);
    expect(stub.calls).toHaveLength(0);
  });

  it("a refused key is an upstream error that names the host and the status, never the key or the server's text", async () => {
    stub.modelList({ status: 401 });
    const p = await provider("openai_compatible");
    const error = await outcome(owner().providers.availableModels({ providerId: p.id }));
    expect(error).toMatchObject({ code: "BAD_GATEWAY" });
    expect(String((error as { message: string }).message)).toMatch(/127\.0\.0\.1:\d+ refused the provider's key \(401\)/);
    expect(JSON.stringify(error)).not.toMatch(/LISTSECRET|scripted/);
  });

  it("goes through the egress guard: a host on the workspace's deny list is refused and nothing is sent", async () => {
    const other = await makeWorkspace("plistdeny");
    const otherCtx = await resolveUserTenant(other.users.owner, other.slug, `req_test${uniq()}`);
    await updateEgressLists(otherCtx, { denyHosts: ["127.0.0.1"] });
    const p = await callerFor(other.users.owner, other.slug).providers.create({ name: `Denied ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url });
    expect(await outcome(callerFor(other.users.owner, other.slug).providers.availableModels({ providerId: p.id }))).toMatchObject({ code: "FORBIDDEN" });
    expect(stub.calls).toHaveLength(0);
  });
});

describe("adding available models", () => {
  it("adds known models prefilled and unknown ones with their prices, audited; ids already there are skipped", async () => {
    stub.modelList({ ids: ["gpt-4o-mini"] });
    const p = await provider("openai");
    await owner().models.create({ providerId: p.id, modelId: "stub-small", inputPrice: 1, outputPrice: 1 });
    const result = await owner().providers.addModels({
      providerId: p.id,
      models: [{ modelId: "gpt-4o-mini" }, { modelId: "stub-large", inputPrice: 3, outputPrice: 4 }, { modelId: "stub-small" }],
    });
    expect(result.skipped).toEqual(["stub-small"]);
    expect(result.added.map((m) => [m.modelId, m.inputPrice, m.outputPrice, m.displayName])).toEqual([
      ["gpt-4o-mini", 0.15, 0.6, "GPT-4o mini"],
      ["stub-large", 3, 4, "stub-large"],
    ]);
    const audited = (await auditRows(ws.id, "model.create")).filter((a) => result.added.some((m) => m.id === a.targetId));
    expect(audited).toHaveLength(2);
    const after = await owner().providers.availableModels({ providerId: p.id });
    expect(after.models.filter((m) => m.inCatalog).map((m) => m.modelId)).toEqual(["gpt-4o-mini", "stub-large", "stub-small"]);
  });

  it("all or none: an unknown model without prices refuses the whole request, naming it, and adds nothing", async () => {
    const p = await provider("openai");
    const error = await outcome(owner().providers.addModels({ providerId: p.id, models: [{ modelId: "gpt-4o" }, { modelId: "mystery-model" }] }));
    expect(error).toMatchObject({ code: "UNPROCESSABLE_CONTENT" });
    expect(String((error as { message: string }).message)).toContain('"mystery-model" is not a model Cadre knows');
    expect(await db().model.count({ where: { providerId: p.id } })).toBe(0);
  });
});

describe("tenancy and the REST API", () => {
  it("another workspace's member and API key get 404; an admin key of the workspace lists and adds over REST", async () => {
    const p = await provider("openai_compatible");
    const stranger = await makeWorkspace("plistother");
    expect(await outcome(callerFor(stranger.users.owner, stranger.slug).providers.availableModels({ providerId: p.id }))).toMatchObject({ code: "NOT_FOUND" });
    expect(
      await outcome(
        callerFor(stranger.users.owner, stranger.slug).providers.addModels({
          providerId: p.id,
          models: [{ modelId: "stub-small", inputPrice: 0, outputPrice: 0 }],
        }),
      ),
    ).toMatchObject({ code: "NOT_FOUND" });
    const strangerKey = (await makeApiKey(stranger, "admin")).raw;
    expect((await rest("GET", "/api/v1/providers/{providerId}/available-models", { key: strangerKey, params: { providerId: p.id } })).status).toBe(404);

    const key = (await makeApiKey(ws, "admin")).raw;
    const listed = await rest("GET", "/api/v1/providers/{providerId}/available-models", { key, params: { providerId: p.id } });
    expect(listed.status).toBe(200);
    expect((listed.body as { source: string }).source).toBe("provider");
    const added = await rest("POST", "/api/v1/providers/{providerId}/available-models", {
      key,
      params: { providerId: p.id },
      body: { models: [{ modelId: "stub-small", inputPrice: 0, outputPrice: 0 }] },
    });
    expect(added.status).toBe(201);
    expect((added.body as { added: { modelId: string }[] }).added.map((m) => m.modelId)).toEqual(["stub-small"]);
    expect(await db().model.count({ where: { providerId: p.id } })).toBe(1);
  });
});
