/**
 * Connecting a provider in one step (the first-run setup) against the local LLM stub: the key in the vault, the
 * provider, its known models in the catalog, the simulator out of routing; a refused key leaves nothing behind.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";

const KEY = "sk-live-CONNECTSECRET-0123456789abcdef";

let stub: LlmStub;
beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

const rows = async (ws: TestWorkspace) => ({
  secrets: await db().secret.count({ where: { workspaceId: ws.id } }),
  providers: await db().provider.count({ where: { workspaceId: ws.id, kind: { not: "simulator" } } }),
  models: await db().model.count({ where: { workspaceId: ws.id } }),
});

describe("connecting a provider in one step", () => {
  it("stores the key, creates the provider and adds its known models; the key is never returned", async () => {
    const ws = await makeWorkspace("connect");
    stub.modelList({ ids: ["gpt-4o-mini", "some-unknown-model"] });
    const owner = callerFor(ws.users.owner, ws.slug);
    const out = await owner.providers.connect({ kind: "openai", apiKey: KEY, baseUrl: stub.url });
    expect(out.provider).toMatchObject({ name: "OpenAI", kind: "openai" });
    expect(out.models).toEqual(["gpt-4o-mini"]);
    expect(JSON.stringify(out)).not.toContain("CONNECTSECRET");
    expect(stub.calls).toEqual([expect.objectContaining({ path: "/v1/models", apiKey: KEY })]);
    const secret = await db().secret.findFirstOrThrow({ where: { workspaceId: ws.id, name: "OPENAI_API_KEY" } });
    expect(out.provider.secretId).toBe(secret.id);
    const catalog = await db().model.findMany({ where: { workspaceId: ws.id, providerId: out.provider.id } });
    expect(catalog.map((m) => [m.modelId, Number(m.inputPrice)])).toEqual([["gpt-4o-mini", 0.15]]);
    // a second connection of the same kind gets its own names
    stub.modelList({ ids: ["gpt-4o-mini"] });
    const second = await owner.providers.connect({ kind: "openai", apiKey: KEY, baseUrl: stub.url });
    expect(second.provider.name).toBe("OpenAI 2");
    expect(await db().secret.count({ where: { workspaceId: ws.id, name: "OPENAI_API_KEY_2" } })).toBe(1);
  });

  it("leaves nothing behind when the provider refuses the key", async () => {
    const ws = await makeWorkspace("connect-refused");
    const before = await rows(ws);
    stub.modelList({ status: 401 });
    const owner = callerFor(ws.users.owner, ws.slug);
    const result = await outcome(owner.providers.connect({ kind: "openai", apiKey: KEY, baseUrl: stub.url }));
    expect(result).toMatchObject({ ok: false, appCode: "UPSTREAM_ERROR" });
    expect(await rows(ws)).toEqual(before);
  });

  it("asks for what each kind needs, refuses a member without models:manage, and is 201 over REST", async () => {
    const ws = await makeWorkspace("connect-rest");
    const owner = callerFor(ws.users.owner, ws.slug);
    expect(await outcome(owner.providers.connect({ kind: "openai_compatible" }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(owner.providers.connect({ kind: "anthropic" }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    const member = callerFor(ws.users.member, ws.slug);
    expect(await outcome(member.providers.connect({ kind: "openai", apiKey: KEY, baseUrl: stub.url }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    stub.modelList({ ids: ["llama3.1:8b"] });
    const key = await makeApiKey(ws, "admin");
    const res = await rest("POST", "/api/v1/providers/connect", { key: key.raw, body: { kind: "openai_compatible", baseUrl: stub.url } });
    expect(res.status).toBe(201);
    // a local server's models are all added, free
    expect(res.body).toMatchObject({ provider: { kind: "openai_compatible", isLocal: true }, models: expect.arrayContaining(["llama3.1:8b", "stub-small"]) });
  });
});
