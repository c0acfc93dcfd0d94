/**
 * A workspace's egress lists: edited through tRPC and REST with `settings:update`, audited, validated; they narrow
 * what its providers reach (Test connection and gateway calls) and never open what the operator's rules refuse.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { testConnection } from "@/server/models/providers";
import { generate } from "@/server/models/gateway";
import { ensureDefaultCatalog } from "@/server/models/catalog";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { appErrorOf, auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeAll(async () => {
  stub = await startLlmStub();
});
afterAll(async () => {
  await stub.close();
});
beforeEach(async () => {
  stub.reset();
  ws = await makeWorkspace("egress");
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
});

const owner = () => callerFor(ws.users.owner, ws.slug);

async function stubProvider(baseUrl = stub.url) {
  await ensureDefaultCatalog(ctx);
  const provider = await db().provider.create({
    data: { id: newId("prv"), workspaceId: ws.id, name: `Stub ${uniq()}`, kind: "openai_compatible", baseUrl, isLocal: true },
  });
  const model = await db().model.create({
    data: {
      id: newId("mdl"),
      workspaceId: ws.id,
      providerId: provider.id,
      modelId: "stub-small",
      displayName: "stub-small",
      inputPrice: 0,
      outputPrice: 0,
      contextWindow: 8000,
      capabilities: [],
      quality: 0.5,
    },
  });
  await db().provider.updateMany({ where: { workspaceId: ws.id, kind: "simulator" }, data: { enabled: false } });
  return { provider, model };
}

const ask = {
  policy: { type: "constraints" as const, constraints: { requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false } },
  prompt: "hello",
  maxOutputTokens: 20,
};

describe("editing the lists", () => {
  it("owner edits through tRPC (normalised, audited); an admin key reads and writes them over REST", async () => {
    expect(await owner().workspaces.egress()).toEqual({ allowHosts: [], denyHosts: [] });
    const saved = await owner().workspaces.updateEgress({ allowHosts: ["API.OpenAI.com", "*.corp.example", "api.openai.com"], denyHosts: ["10.0.0.0/8"] });
    expect(saved).toEqual({ allowHosts: ["api.openai.com", "*.corp.example"], denyHosts: ["10.0.0.0/8"] });
    const [entry] = await auditRows(ws.id, "workspace.egress.update");
    expect(entry).toMatchObject({ targetId: ws.id, metadata: { from: { allowHosts: [], denyHosts: [] }, to: saved } });

    const key = (await makeApiKey(ws, "admin")).raw;
    expect(await rest("GET", "/api/v1/egress", { key })).toMatchObject({ status: 200, body: saved });
    const put = await rest("PUT", "/api/v1/egress", { key, body: { denyHosts: [] } });
    expect(put).toMatchObject({ status: 200, body: { allowHosts: saved.allowHosts, denyHosts: [] } });
    expect(await auditRows(ws.id, "workspace.egress.update")).toHaveLength(2);
  });

  it("members cannot change them; invalid entries are refused naming the entry, and nothing is written", async () => {
    expect(await outcome(callerFor(ws.users.member, ws.slug).workspaces.updateEgress({ denyHosts: ["x.example"] }))).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect(await outcome(owner().workspaces.updateEgress({ allowHosts: ["not a host!"] }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      message: expect.stringContaining("not a host!"),
    });
    const key = (await makeApiKey(ws, "owner")).raw;
    const bad = await rest("PUT", "/api/v1/egress", { key, body: { denyHosts: ["300.1.1.1/8"] } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).toContain("300.1.1.1/8");
    expect(await owner().workspaces.egress()).toEqual({ allowHosts: [], denyHosts: [] });
    expect(await auditRows(ws.id, "workspace.egress.update")).toHaveLength(0);
  });
});

describe("the lists narrow model calls", () => {
  it("a denied host: Test connection is refused (403) and the gateway moves on without calling it", async () => {
    const { provider } = await stubProvider();
    await owner().workspaces.updateEgress({ denyHosts: ["127.0.0.1"] });
    const refused = await appErrorOf(testConnection(ctx, provider.id));
    expect(refused).toMatchObject({ code: "EGRESS_REFUSED", httpStatus: 403, message: expect.stringContaining("on this workspace's egress deny list") });
    const failed = await appErrorOf(generate(ctx, ask));
    expect(failed.message).toContain("egress deny list");
    expect(stub.calls).toHaveLength(0);

    await owner().workspaces.updateEgress({ denyHosts: [] });
    expect((await generate(ctx, ask)).text).toContain("hello");
    expect(stub.calls).toHaveLength(1);
  });

  it("an allow list: hosts not on it are refused, hosts on it are reached", async () => {
    const { provider } = await stubProvider();
    await owner().workspaces.updateEgress({ allowHosts: ["api.openai.com"] });
    expect(await appErrorOf(testConnection(ctx, provider.id))).toMatchObject({
      code: "EGRESS_REFUSED",
      message: expect.stringContaining("not on this workspace's egress allow list"),
    });
    expect(stub.calls).toHaveLength(0);
    await owner().workspaces.updateEgress({ allowHosts: ["api.openai.com", "127.0.0.1"] });
    expect(await testConnection(ctx, provider.id)).toMatchObject({ ok: true });
    expect(stub.calls).toHaveLength(1);
  });

  it("a workspace allow list never opens a private address the operator did not allow", async () => {
    const { provider } = await stubProvider("http://10.0.0.5:8000/v1");
    await owner().workspaces.updateEgress({ allowHosts: ["10.0.0.5", "10.0.0.0/8"] });
    expect(await appErrorOf(testConnection(ctx, provider.id))).toMatchObject({
      code: "EGRESS_REFUSED",
      message: expect.stringContaining("10.0.0.5 is in a private range"),
    });
  });
});
