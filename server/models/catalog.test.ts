/**
 * Providers and the model catalog through their services, tRPC and REST against the real database:
 * CRUD and validation, the simulator's special rules, seeding, suggestions, and the tenant line.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createWorkspace } from "@/server/workspaces/workspaces";
import { initialise } from "@/server/users/init";
import { createSecret } from "@/server/vault/service";
import { modelConstraintsSchema } from "@/lib/schemas/model-policy";
import { modelSchema, providerSchema } from "@/lib/schemas/models";
import { auditRows, callerFor, makeApiKey, makeUser, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { DEFAULT_PRESETS, ensureDefaultCatalog, listModels, seedDefaultCatalog, suggestModel } from "./catalog";
import { createProvider, listProviders } from "./providers";

const as = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer" = "owner") => callerFor(ws.users[role], ws.slug);
const ctxOf = (ws: TestWorkspace, role: "owner" | "admin" | "member" | "viewer" = "owner"): Promise<TenantContext> =>
  resolveUserTenant(ws.users[role], ws.slug, `req_test${uniq()}`);

let a: TestWorkspace;
let b: TestWorkspace;
let keyA: string;
let keyB: string;
let secretA: string;
let secretB: string;
beforeAll(async () => {
  a = await makeWorkspace("models-a");
  b = await makeWorkspace("models-b");
  keyA = (await makeApiKey(a, "owner")).raw;
  keyB = (await makeApiKey(b, "owner")).raw;
  secretA = (await createSecret(await ctxOf(a), { name: `OPENAI_${uniq()}`, value: "sk-test-aaaaaaaaaaaaaaaaaaaa" })).id;
  secretB = (await createSecret(await ctxOf(b), { name: `OPENAI_${uniq()}`, value: "sk-test-bbbbbbbbbbbbbbbbbbbb" })).id;
});

describe("the default catalog", () => {
  it("createWorkspace seeds the simulator, its three models and the presets fast/balanced/capable", async () => {
    const user = await makeUser("seed");
    const slug = `seed-${uniq()}`;
    const ws = await createWorkspace(user, { name: "Seeded", slug });
    const providers = await db().provider.findMany({ where: { workspaceId: ws.id } });
    expect(providers).toEqual([expect.objectContaining({ name: "Simulator", kind: "simulator", isLocal: true, enabled: true })]);
    const models = await db().model.findMany({ where: { workspaceId: ws.id }, orderBy: { quality: "asc" } });
    expect(models.map((m) => m.modelId)).toEqual(["sim-fast", "sim-balanced", "sim-capable"]);
    // different prices and qualities, so that the presets pick different models
    expect(new Set(models.map((m) => Number(m.inputPrice))).size).toBe(3);
    const presets = await db().routingPreset.findMany({ where: { workspaceId: ws.id }, orderBy: { name: "asc" } });
    expect(presets.map((p) => p.name)).toEqual(["balanced", "capable", "fast"]);
    for (const p of presets) expect(modelConstraintsSchema.parse(p.policy)).toEqual(p.policy);
    expect(presets.find((p) => p.name === "fast")!.policy).toMatchObject({ minQuality: 0.3, maxP95LatencyMs: 2000 });
    expect(presets.find((p) => p.name === "capable")!.policy).toMatchObject({ minQuality: 0.8 });
    // each preset is satisfiable by a simulator model
    for (const preset of DEFAULT_PRESETS) expect(models.some((m) => m.quality >= (preset.policy.minQuality ?? 0))).toBe(true);
  });

  it("ensureDefaultCatalog seeds an older workspace once, and is idempotent (also concurrently)", async () => {
    const ws = await makeWorkspace("legacy");
    const ctx = await ctxOf(ws);
    expect(await db().provider.count({ where: { workspaceId: ws.id } })).toBe(0);
    await Promise.all([ensureDefaultCatalog(ctx), ensureDefaultCatalog(ctx), ensureDefaultCatalog(ctx)]);
    await ensureDefaultCatalog(ctx);
    await db().$transaction((tx) => seedDefaultCatalog(tx, ws.id));
    expect(await db().provider.count({ where: { workspaceId: ws.id, kind: "simulator" } })).toBe(1);
    expect(await db().model.count({ where: { workspaceId: ws.id } })).toBe(3);
    expect(await db().routingPreset.count({ where: { workspaceId: ws.id } })).toBe(3);
    // a deleted simulator model is not brought back by the next listing
    const fast = await db().model.findFirstOrThrow({ where: { workspaceId: ws.id, modelId: "sim-fast" } });
    await as(ws).models.delete({ id: fast.id });
    expect((await listModels(ctx)).items.map((m) => m.modelId).sort()).toEqual(["sim-balanced", "sim-capable"]);
  });

  it("keeps an edited preset and picks another name when 'Simulator' is taken", async () => {
    const ws = await makeWorkspace("legacy2");
    const ctx = await ctxOf(ws);
    await db().routingPreset.create({ data: { id: `rp_${uniq()}${uniq()}`, workspaceId: ws.id, name: "fast", policy: { minQuality: 0.1 } } });
    await createProvider(ctx, { name: "Simulator", kind: "openai_compatible", baseUrl: "http://localhost:11434/v1" });
    await ensureDefaultCatalog(ctx);
    const sim = await db().provider.findFirstOrThrow({ where: { workspaceId: ws.id, kind: "simulator" } });
    expect(sim.name).toBe("Simulator (offline)");
    expect((await db().routingPreset.findFirstOrThrow({ where: { workspaceId: ws.id, name: "fast" } })).policy).toEqual({ minQuality: 0.1 });
  });

  it("headless init seeds the catalog, idempotently", async () => {
    const slug = `init-${uniq()}`;
    const spec = {
      email: `init-${uniq()}@example.test`,
      password: "correct horse battery staple",
      workspaceSlug: slug,
      apiKey: `cadre_${"x".repeat(40)}${uniq()}`,
    };
    await initialise(spec);
    await initialise(spec);
    const ws = await db().workspace.findUniqueOrThrow({ where: { slug } });
    expect(await db().provider.count({ where: { workspaceId: ws.id, kind: "simulator" } })).toBe(1);
    expect(await db().model.count({ where: { workspaceId: ws.id } })).toBe(3);
  });

  it("lists the simulator everywhere, labelled; it cannot be deleted or edited except its enabled flag", async () => {
    const providers = await as(a, "viewer").providers.list();
    const sim = providers.find((p) => p.kind === "simulator")!;
    expect(sim).toMatchObject({ name: "Simulator", isSimulator: true, isLocal: true, secretId: null, modelCount: 3 });
    const models = (await as(a, "viewer").models.list()).items;
    expect(
      models
        .filter((m) => m.isSimulator)
        .map((m) => m.modelId)
        .sort(),
    ).toEqual(["sim-balanced", "sim-capable", "sim-fast"]);

    expect(await outcome(as(a).providers.delete({ providerId: sim.id }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await outcome(as(a).providers.update({ providerId: sim.id, name: "Renamed" }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect(await outcome(as(a).providers.update({ providerId: sim.id, baseUrl: "http://evil.example" }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    expect((await as(a).providers.update({ providerId: sim.id, enabled: false })).enabled).toBe(false);
    expect((await as(a).providers.update({ providerId: sim.id, enabled: true })).enabled).toBe(true);
    const del = await rest("DELETE", "/api/v1/providers/{providerId}", { key: keyA, params: { providerId: sim.id } });
    expect(del.status).toBe(400);
  });
});

describe("providers", () => {
  it("creates an OpenAI-compatible provider (local by default for localhost), audited, never returning key material", async () => {
    const created = await as(a, "admin").providers.create({
      name: `Ollama ${uniq()}`,
      kind: "openai_compatible",
      baseUrl: "http://localhost:11434/v1/",
      secretId: secretA,
    });
    expect(created).toMatchObject({
      kind: "openai_compatible",
      baseUrl: "http://localhost:11434/v1",
      isLocal: true,
      enabled: true,
      secretId: secretA,
      isSimulator: false,
      lastTestedAt: null,
    });
    expect(created.secretName).toMatch(/^OPENAI_/);
    expect(JSON.stringify(created)).not.toContain("sk-test-");
    expect(providerSchema.parse(created)).toBeTruthy();
    expect(await auditRows(a.id, "provider.create")).toContainEqual(expect.objectContaining({ targetId: created.id, actorId: a.users.admin.id }));

    const cloud = await as(a).providers.create({ name: `OpenAI ${uniq()}`, kind: "openai", secretId: secretA });
    expect(cloud).toMatchObject({ isLocal: false, baseUrl: null });
    const forced = await as(a).providers.create({
      name: `Remote vLLM ${uniq()}`,
      kind: "openai_compatible",
      baseUrl: "https://vllm.example.com/v1",
      isLocal: true,
    });
    expect(forced.isLocal).toBe(true);
  });

  it("validates: base URL required and http(s) only, key required for cloud kinds, no simulator kind, duplicate names CONFLICT", async () => {
    expect(await outcome(as(a).providers.create({ name: "x", kind: "openai_compatible" }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(as(a).providers.create({ name: "x", kind: "openai_compatible", baseUrl: "ftp://example.com" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await outcome(as(a).providers.create({ name: "x", kind: "openai_compatible", baseUrl: "not a url" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await outcome(as(a).providers.create({ name: "x", kind: "openai_compatible", baseUrl: "http://user:pw@host/v1" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await outcome(as(a).providers.create({ name: "x", kind: "openai" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      appCode: "VALIDATION_FAILED",
    });
    expect(await outcome(as(a).providers.create({ name: "x", kind: "simulator" as never }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    const name = `Dup ${uniq()}`;
    await as(a).providers.create({ name, kind: "anthropic", secretId: secretA });
    expect(await outcome(as(a).providers.create({ name, kind: "openai", secretId: secretA }))).toMatchObject({ ok: false, code: "CONFLICT" });
    const restDup = await rest("POST", "/api/v1/providers", { key: keyA, body: { name, kind: "openai", secretId: secretA } });
    expect(restDup.status).toBe(409);
    const restBad = await rest("POST", "/api/v1/providers", { key: keyA, body: { name: "y", kind: "openai_compatible", baseUrl: "javascript:alert(1)" } });
    expect(restBad.status).toBe(422);
  });

  it("a secret of another workspace is NOT_FOUND (create and update), and nothing is stored", async () => {
    const name = `Stolen ${uniq()}`;
    expect(await outcome(as(a).providers.create({ name, kind: "openai", secretId: secretB }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    const res = await rest("POST", "/api/v1/providers", { key: keyA, body: { name, kind: "openai", secretId: secretB } });
    expect(res.status).toBe(404);
    expect(await db().provider.count({ where: { workspaceId: a.id, name } })).toBe(0);
    const p = await as(a).providers.create({ name, kind: "openai", secretId: secretA });
    expect(await outcome(as(a).providers.update({ providerId: p.id, secretId: secretB }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect((await db().provider.findUniqueOrThrow({ where: { id: p.id } })).secretId).toBe(secretA);
  });

  it("updates (name, base URL, key, local, enabled) and deletes with its models, over tRPC and REST", async () => {
    const p = await as(a).providers.create({ name: `Edit ${uniq()}`, kind: "openai_compatible", baseUrl: "http://10.0.0.5:8000/v1" });
    expect(p.isLocal).toBe(true);
    const updated = await as(a).providers.update({ providerId: p.id, name: `${p.name} 2`, isLocal: false, secretId: secretA, enabled: false });
    expect(updated).toMatchObject({ name: `${p.name} 2`, isLocal: false, secretId: secretA, enabled: false });
    expect(await outcome(as(a).providers.update({ providerId: p.id, baseUrl: null }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    const viaRest = await rest("PATCH", "/api/v1/providers/{providerId}", { key: keyA, params: { providerId: p.id }, body: { secretId: null, enabled: true } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body).toMatchObject({ secretId: null, secretName: null, enabled: true });
    const got = await rest("GET", "/api/v1/providers/{providerId}", { key: keyA, params: { providerId: p.id } });
    expect(got.body.id).toBe(p.id);

    await as(a).models.create({ providerId: p.id, modelId: "llama3.1:8b" });
    const del = await rest("DELETE", "/api/v1/providers/{providerId}", { key: keyA, params: { providerId: p.id } });
    expect(del).toMatchObject({ status: 200, body: { deleted: true } });
    expect(await db().model.count({ where: { providerId: p.id } })).toBe(0);
    expect(await auditRows(a.id, "provider.delete")).toContainEqual(expect.objectContaining({ targetId: p.id }));
    expect(await auditRows(a.id, "provider.update")).toContainEqual(expect.objectContaining({ targetId: p.id }));
  });

  it("lists over REST with 200 and creates with 201", async () => {
    const created = await rest("POST", "/api/v1/providers", { key: keyA, body: { name: `Rest ${uniq()}`, kind: "anthropic", secretId: secretA } });
    expect(created.status).toBe(201);
    const list = await rest("GET", "/api/v1/providers", { key: keyA });
    expect(list.status).toBe(200);
    expect(list.body.data.map((p: { id: string }) => p.id)).toContain(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain("sk-test-");
  });
});

describe("models", () => {
  it("prefills a well-known model, and the output carries provider info and empty stats", async () => {
    const p = await as(a).providers.create({ name: `OpenAI m ${uniq()}`, kind: "openai", secretId: secretA });
    const m = await as(a, "admin").models.create({ providerId: p.id, modelId: "gpt-4o-mini" });
    expect(m).toMatchObject({
      modelId: "gpt-4o-mini",
      displayName: "GPT-4o mini",
      inputPrice: 0.15,
      outputPrice: 0.6,
      contextWindow: 128_000,
      capabilities: ["tools", "json", "vision"],
      quality: 0.7,
      enabled: true,
      isSimulator: false,
      provider: { id: p.id, kind: "openai", isLocal: false },
      latencyP50Ms: null,
      errorRate: 0,
      callCount: 0,
    });
    expect(typeof m.inputPrice).toBe("number");
    expect(modelSchema.parse(m)).toBeTruthy();
    // explicit values win over the prefill
    const dated = await as(a).models.create({ providerId: p.id, modelId: "gpt-4o-2024-08-06", quality: 0.9, inputPrice: 2 });
    expect(dated).toMatchObject({ displayName: "GPT-4o", inputPrice: 2, outputPrice: 10, quality: 0.9 });
    expect(await auditRows(a.id, "model.create")).toContainEqual(expect.objectContaining({ targetId: m.id }));
  });

  it("validates prices, quality, capabilities and unknown models; duplicates CONFLICT; foreign provider NOT_FOUND", async () => {
    const p = await as(a).providers.create({ name: `vLLM ${uniq()}`, kind: "openai_compatible", baseUrl: "http://127.0.0.1:8000/v1" });
    expect(await outcome(as(a).models.create({ providerId: p.id, modelId: "my-finetune" }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
      appCode: "VALIDATION_FAILED",
    });
    const custom = await as(a).models.create({
      providerId: p.id,
      modelId: "my-finetune",
      inputPrice: 0,
      outputPrice: 0,
      contextWindow: 4096,
      capabilities: ["json", "json"],
      quality: 0.42,
    });
    expect(custom).toMatchObject({ displayName: "my-finetune", capabilities: ["json"], quality: 0.42 });
    expect(await outcome(as(a).models.create({ providerId: p.id, modelId: "x", inputPrice: -1, outputPrice: 0 }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(await outcome(as(a).models.create({ providerId: p.id, modelId: "x", inputPrice: 1, outputPrice: 1, quality: 1.5 }))).toMatchObject({
      ok: false,
      code: "UNPROCESSABLE_CONTENT",
    });
    expect(
      await outcome(as(a).models.create({ providerId: p.id, modelId: "x", inputPrice: 1, outputPrice: 1, capabilities: ["telepathy" as never] })),
    ).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(as(a).models.create({ providerId: p.id, modelId: "my-finetune", inputPrice: 0, outputPrice: 0 }))).toMatchObject({
      ok: false,
      code: "CONFLICT",
    });
    const bProvider = (await listProviders(await ctxOf(b)))[0]!;
    expect(await outcome(as(a).models.create({ providerId: bProvider.id, modelId: "gpt-4o" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });

  it("updates quality, prices and enabled; deletes; REST with filters", async () => {
    const p = await as(a).providers.create({ name: `Ollama f ${uniq()}`, kind: "openai_compatible", baseUrl: "http://localhost:11434/v1" });
    const m = await as(a).models.create({ providerId: p.id, modelId: "llama3.1:8b" });
    expect(m).toMatchObject({ inputPrice: 0, quality: 0.45, capabilities: ["tools", "json"] });
    const u = await as(a).models.update({ id: m.id, quality: 0.55, enabled: false, outputPrice: 0.1 });
    expect(u).toMatchObject({ quality: 0.55, enabled: false, outputPrice: 0.1 });
    expect(await outcome(as(a).models.update({ id: m.id }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });

    const byProvider = await rest("GET", "/api/v1/models", { key: keyA, query: { provider: p.id } });
    expect(byProvider.body.data.map((x: { id: string }) => x.id)).toEqual([m.id]);
    const disabled = await rest("GET", "/api/v1/models", { key: keyA, query: { provider: p.id, enabled: "false" } });
    expect(disabled.body.data).toHaveLength(1);
    const enabledOnly = await rest("GET", "/api/v1/models", { key: keyA, query: { provider: p.id, enabled: "true" } });
    expect(enabledOnly.body.data).toHaveLength(0);
    const sims = await rest("GET", "/api/v1/models", { key: keyA, query: { provider: "simulator" } });
    expect(sims.body.data.every((x: { isSimulator: boolean }) => x.isSimulator)).toBe(true);
    expect(sims.body.data.length).toBeGreaterThanOrEqual(3);

    const patched = await rest("PATCH", "/api/v1/models/{modelId}", { key: keyA, params: { modelId: m.id }, body: { enabled: true, capabilities: ["tools"] } });
    expect(patched).toMatchObject({ status: 200, body: { enabled: true, capabilities: ["tools"] } });
    const created = await rest("POST", "/api/v1/models", { key: keyA, body: { providerId: p.id, modelId: "qwen2.5:7b" } });
    expect(created.status).toBe(201);
    const got = await rest("GET", "/api/v1/models/{modelId}", { key: keyA, params: { modelId: created.body.id } });
    expect(got.body).toMatchObject({ modelId: "qwen2.5:7b", provider: { id: p.id } });
    const del = await rest("DELETE", "/api/v1/models/{modelId}", { key: keyA, params: { modelId: created.body.id } });
    expect(del).toMatchObject({ status: 200, body: { deleted: true } });
    expect(await as(a).models.delete({ id: m.id })).toEqual({ deleted: true });
    expect(await auditRows(a.id, "model.delete")).toContainEqual(expect.objectContaining({ targetId: m.id }));
  });

  it("suggests well-known models by id, alias, dated/tagged variant and vendor/model form", async () => {
    expect(suggestModel("anthropic", "claude-sonnet-4")).toMatchObject({ displayName: "Claude Sonnet 4", inputPrice: 3, outputPrice: 15 });
    expect(suggestModel("anthropic", "claude-3-5-haiku-latest")).toMatchObject({ inputPrice: 0.8 });
    expect(suggestModel("openai", "gpt-4.1-mini-2025-04-14")).toMatchObject({ modelId: "gpt-4.1-mini-2025-04-14", displayName: "GPT-4.1 mini" });
    expect(suggestModel("openai", "o3-mini")).toMatchObject({ capabilities: ["tools", "json"] });
    expect(suggestModel("openai_compatible", "llama3.1:8b-instruct-q4_K_M")).toMatchObject({ displayName: "Llama 3.1 8B", inputPrice: 0 });
    expect(suggestModel("openai_compatible", "openai/gpt-4o")).toMatchObject({ modelId: "openai/gpt-4o", inputPrice: 2.5 });
    expect(suggestModel("openai", "totally-unknown")).toBeNull();
    const viaTrpc = await as(a, "viewer").models.suggest({ kind: "openai", modelId: "gpt-4o" });
    expect(viaTrpc.suggestion).toMatchObject({ inputPrice: 2.5 });
    expect(viaTrpc.known.map((k) => k.modelId)).toContain("gpt-4.1");
  });
});

describe("permissions", () => {
  it("viewers and members read; only models:manage changes providers and models", async () => {
    const sim = (await as(a, "member").providers.list()).find((p) => p.isSimulator)!;
    for (const role of ["member", "viewer"] as const) {
      expect(await outcome(as(a, role).providers.create({ name: "n", kind: "anthropic", secretId: secretA }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
      expect(await outcome(as(a, role).providers.update({ providerId: sim.id, enabled: false }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
      expect(await outcome(as(a, role).providers.test({ providerId: sim.id }))).toMatchObject({ ok: false, code: "FORBIDDEN" });
      expect(await outcome(as(a, role).models.create({ providerId: sim.id, modelId: "sim-x", inputPrice: 0, outputPrice: 0 }))).toMatchObject({
        ok: false,
        code: "FORBIDDEN",
      });
    }
  });
});

describe("the tenant line: providers and models of A are NOT_FOUND for B (member and API key)", () => {
  let providerA: string;
  let modelA: string;
  beforeAll(async () => {
    const p = await as(a).providers.create({ name: `Tenant ${uniq()}`, kind: "openai", secretId: secretA });
    providerA = p.id;
    modelA = (await as(a).models.create({ providerId: p.id, modelId: "gpt-4o" })).id;
  });

  it("tRPC: every provider and model procedure by id", async () => {
    for (const role of ["owner", "viewer"] as const) {
      const caller = as(b, role);
      expect(await outcome(caller.providers.get({ providerId: providerA }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(caller.models.get({ id: modelA }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    const owner = as(b);
    expect(await outcome(owner.providers.update({ providerId: providerA, enabled: false }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner.providers.delete({ providerId: providerA }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner.providers.test({ providerId: providerA }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner.models.update({ id: modelA, quality: 0 }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner.models.delete({ id: modelA }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(owner.models.create({ providerId: providerA, modelId: "gpt-4o-mini" }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    // listings: only B's own
    expect((await owner.providers.list()).map((p) => p.id)).not.toContain(providerA);
    expect((await owner.models.list()).items.map((m) => m.id)).not.toContain(modelA);
    expect((await owner.models.list({ provider: providerA })).items).toEqual([]);
  });

  it("REST: B's key gets 404 on every provider and model path of A's", async () => {
    const calls: [string, string, Record<string, string>, unknown][] = [
      ["GET", "/api/v1/providers/{providerId}", { providerId: providerA }, undefined],
      ["PATCH", "/api/v1/providers/{providerId}", { providerId: providerA }, { enabled: false }],
      ["DELETE", "/api/v1/providers/{providerId}", { providerId: providerA }, undefined],
      ["POST", "/api/v1/providers/{providerId}/test", { providerId: providerA }, {}],
      ["GET", "/api/v1/models/{modelId}", { modelId: modelA }, undefined],
      ["PATCH", "/api/v1/models/{modelId}", { modelId: modelA }, { quality: 0 }],
      ["DELETE", "/api/v1/models/{modelId}", { modelId: modelA }, undefined],
    ];
    for (const [method, path, params, body] of calls) {
      const res = await rest(method, path, { key: keyB, params, body });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.body).toMatchObject({ error: { code: "NOT_FOUND" } });
    }
    const create = await rest("POST", "/api/v1/models", { key: keyB, body: { providerId: providerA, modelId: "gpt-4o-mini" } });
    expect(create.status).toBe(404);
    const list = await rest("GET", "/api/v1/models", { key: keyB });
    expect(list.body.data.map((m: { id: string }) => m.id)).not.toContain(modelA);
    // and nothing changed
    const row = await db().provider.findUniqueOrThrow({ where: { id: providerA } });
    expect(row.enabled).toBe(true);
    expect((await db().model.findUniqueOrThrow({ where: { id: modelA } })).quality).toBe(0.85);
  });

  it("a non-member gets NOT_FOUND for the workspace itself", async () => {
    const outsider = await makeUser("outsider");
    expect(await outcome(callerFor(outsider, a.slug).providers.list())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(callerFor(outsider, a.slug).models.get({ id: modelA }))).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});
