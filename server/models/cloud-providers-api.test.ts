/**
 * The new provider kinds through the API (create with their settings, "Test connection" against the LLM stub with a
 * vault key that never shows), the dated catalog (sources, dates, retired models), and reasoning models' output room.
 */
import { beforeAll, afterAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createSecret } from "@/server/vault/service";
import { logger } from "@/server/logger";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { callerFor, makeApiKey, makeWorkspace, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { generate } from "./gateway";
import { routeFor } from "./routing";
import type { CatalogEntry } from "./router";
import { DEFAULT_TEST_MODEL, isRetired, knownModels, REASONING_MIN_OUTPUT_TOKENS, suggestModel } from "./known-models";
import { PROVIDER_KINDS } from "@/lib/schemas/models";
import { catalogEntry } from "@/test/fixtures/catalog";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const AWS = { accessKeyId: "AKIASTUBAPI000000001", secretAccessKey: "aws-secret-NEVERSHOWN-abcdef0123" };
const KEY = "cloud-key-NEVERSHOWN-0123456789";

let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
let keyId: string;
let awsId: string;
beforeAll(async () => {
  stub = await startLlmStub();
  ws = await makeWorkspace("cloud");
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
  keyId = (await createSecret(ctx, { name: `CLOUD_KEY_${uniq()}`, value: KEY })).id;
  awsId = (await createSecret(ctx, { name: `AWS_KEYS_${uniq()}`, value: JSON.stringify(AWS) })).id;
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

const owner = () => callerFor(ws.users.owner, ws.slug);
const origin = () => stub.url.replace(/\/v1$/, "");

describe("new provider kinds through the API", () => {
  it("creates each kind with its settings and tests it against the stub with a current default model; no secret shows", async () => {
    const logged: unknown[] = [];
    const spies = (["info", "warn", "error"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => void logged.push(args)) as never),
    );
    try {
      const cases = [
        { kind: "google" as const, baseUrl: `${origin()}/v1beta`, secretId: keyId, path: "/v1beta/models/gemini-2.5-flash-lite:generateContent", key: KEY },
        { kind: "mistral" as const, baseUrl: stub.url, secretId: keyId, path: "/v1/chat/completions", key: KEY },
        {
          kind: "vertex" as const,
          baseUrl: `${origin()}/v1/publishers/google`,
          secretId: keyId,
          path: "/v1/publishers/google/models/gemini-2.5-flash-lite:generateContent",
          key: KEY,
        },
        {
          kind: "bedrock" as const,
          baseUrl: origin(),
          secretId: awsId,
          settings: { region: "us-east-1" },
          path: `/model/${encodeURIComponent("amazon.nova-micro-v1:0")}/converse`,
          key: AWS.accessKeyId,
        },
      ];
      for (const c of cases) {
        stub.reset();
        const p = await owner().providers.create({ name: `${c.kind} ${uniq()}`, kind: c.kind, baseUrl: c.baseUrl, secretId: c.secretId, settings: c.settings });
        expect(p.settings).toEqual(c.settings ?? {});
        const result = await owner().providers.test({ providerId: p.id });
        expect(result, c.kind).toMatchObject({ ok: true, modelId: DEFAULT_TEST_MODEL[c.kind], error: null });
        expect(stub.calls[0], c.kind).toMatchObject({ path: c.path, apiKey: c.key });
      }
      // Azure: the deployment is a catalog model
      const az = await owner().providers.create({
        name: `Azure ${uniq()}`,
        kind: "azure",
        baseUrl: `${origin()}/openai`,
        secretId: keyId,
        settings: { apiVersion: "2024-10-21" },
      });
      await expect(owner().providers.test({ providerId: az.id })).rejects.toThrow(/deployment names/);
      stub.reset();
      const deployment = await owner().models.create({ providerId: az.id, modelId: "gpt-4.1-mini" });
      expect(deployment).toMatchObject({ inputPrice: 0.4, priceSource: expect.stringMatching(/Azure/) });
      expect(await owner().providers.test({ providerId: az.id })).toMatchObject({ ok: true, modelId: "gpt-4.1-mini" });
      expect(stub.calls[0]).toMatchObject({ path: "/openai/deployments/gpt-4.1-mini/chat/completions", query: "?api-version=2024-10-21", apiKey: KEY });

      // a failure is classified: neither the key nor the AWS secret shows anywhere
      stub.fail({ status: 403 });
      const bedrock = (await owner().providers.list()).find((p) => p.kind === "bedrock")!;
      const failed = await owner().providers.test({ providerId: bedrock.id });
      expect(failed.ok).toBe(false);
      const rows = await db().provider.findMany({ where: { workspaceId: ws.id } });
      const everything = JSON.stringify([failed, rows, logged, await owner().providers.list()]);
      for (const secret of [KEY, AWS.secretAccessKey, "NEVERSHOWN"]) expect(everything).not.toContain(secret);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it("validates each kind's needs: Azure a base URL and key, Bedrock a region and key, settings well-formed", async () => {
    await expect(owner().providers.create({ name: `A ${uniq()}`, kind: "azure", secretId: keyId })).rejects.toThrow(/base URL/);
    await expect(owner().providers.create({ name: `A ${uniq()}`, kind: "azure", baseUrl: `${origin()}/openai` })).rejects.toThrow(/key/);
    await expect(owner().providers.create({ name: `B ${uniq()}`, kind: "bedrock", secretId: awsId })).rejects.toThrow(/region/);
    await expect(owner().providers.create({ name: `B ${uniq()}`, kind: "bedrock", settings: { region: "us-east-1" } })).rejects.toThrow(/key/);
    await expect(owner().providers.create({ name: `V ${uniq()}`, kind: "vertex", baseUrl: stub.url })).rejects.toThrow(/key/);
    await expect(
      owner().providers.create({ name: `B ${uniq()}`, kind: "bedrock", secretId: awsId, settings: { region: "us-east-1.evil.test/" } }),
    ).rejects.toThrow(/region/);
    const p = await owner().providers.create({ name: `B ${uniq()}`, kind: "bedrock", secretId: awsId, settings: { region: "us-west-2" } });
    expect((await owner().providers.update({ providerId: p.id, settings: { region: "eu-central-1" } })).settings).toEqual({ region: "eu-central-1" });
  });
});

/** Catalog facts older than this are printed as a warning (not a failure): time to check them against their source. */
const STALE_AFTER_DAYS = 365;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

describe("the dated catalog: every fact of every seeded entry has a source and a date", () => {
  it("prices, quality, context window and capabilities, and deprecation status: a source, a date, and what the date means", () => {
    const stale: string[] = [];
    const now = Date.now();
    for (const kind of PROVIDER_KINDS) {
      for (const m of knownModels(kind)) {
        const at = `${kind} ${m.modelId}`;
        expect(m.priceSource, at).toBeTruthy();
        expect(m.priceAsOf, at).toMatch(DAY);
        expect(m.qualitySource, at).toBeTruthy();
        expect(m.qualityAsOf, at).toMatch(DAY);
        expect(m.specsSource, at).toBeTruthy();
        expect(m.specsAsOf, at).toMatch(DAY);
        expect(["as_of", "recorded_on"], at).toContain(m.specsDateKind);
        expect(m.lifecycleSource, at).toBeTruthy();
        expect(m.lifecycleAsOf, at).toMatch(DAY);
        expect(["as_of", "recorded_on"], at).toContain(m.lifecycleDateKind);
        for (const [fact, date] of [
          ["price", m.priceAsOf],
          ["quality", m.qualityAsOf],
          ["context window and capabilities", m.specsAsOf],
          ["deprecation status", m.lifecycleAsOf],
        ] as const) {
          if (date && (now - Date.parse(`${date}T00:00:00Z`)) / 86_400_000 > STALE_AFTER_DAYS) stale.push(`${at}: ${fact} as of ${date}`);
        }
      }
    }
    if (stale.length) console.warn(`catalog facts older than ${STALE_AFTER_DAYS} days (check them against their sources):\n  ${stale.join("\n  ")}`);
    // the dates given: recorded on the day the entry was written into the repository, unless the table states a check date
    expect(suggestModel("openai", "gpt-4o")).toMatchObject({ specsAsOf: "2026-11-21", specsDateKind: "recorded_on", lifecycleDateKind: "recorded_on" });
    expect(suggestModel("anthropic", "claude-opus-4-5")).toMatchObject({ specsAsOf: "2026-12-04", lifecycleAsOf: "2025-11-24", lifecycleDateKind: "as_of" });
    expect(suggestModel("mistral", "mistral-small-latest")?.specsSource).toMatch(/^https:\/\/docs\.mistral\.ai/);
  });

  it("the API returns them for catalog models (tRPC and REST); context or capabilities set by hand drop their source", async () => {
    const p = await owner().providers.create({ name: `OpenAI ${uniq()}`, kind: "openai", baseUrl: stub.url, secretId: keyId });
    const known = await owner().models.create({ providerId: p.id, modelId: "gpt-4.1-mini" });
    expect(known).toMatchObject({
      specsSource: "https://platform.openai.com/docs/models",
      specsAsOf: "2026-11-21",
      specsDateKind: "recorded_on",
      lifecycleSource: "https://platform.openai.com/docs/deprecations",
      lifecycleAsOf: "2026-12-04",
      lifecycleDateKind: "recorded_on",
    });
    const key = (await makeApiKey(ws, "owner")).raw;
    const listed = await rest("GET", "/api/v1/models", { key, query: { provider: p.id } });
    expect(listed.status).toBe(200);
    const row = (listed.body as { data: Record<string, unknown>[] }).data.find((m) => m.id === known.id);
    expect(row).toMatchObject({ specsSource: known.specsSource, specsAsOf: "2026-11-21", lifecycleAsOf: "2026-12-04", lifecycleDateKind: "recorded_on" });
    const edited = await owner().models.update({ id: known.id, contextWindow: 64_000 });
    expect(edited).toMatchObject({ specsSource: null, specsAsOf: null, specsDateKind: null, lifecycleSource: known.lifecycleSource });
    const own = await owner().models.create({ providerId: p.id, modelId: "gpt-4o", capabilities: ["tools"] });
    expect(own).toMatchObject({ specsSource: null, lifecycleDateKind: "recorded_on" });
    const unknown = await owner().models.create({ providerId: p.id, modelId: "my-finetune", inputPrice: 1, outputPrice: 2 });
    expect(unknown).toMatchObject({ specsSource: null, lifecycleSource: null, lifecycleAsOf: null });
  });
});

describe("the dated catalog", () => {
  it("every known model of every kind carries a price source and date, and a quality source and date", () => {
    for (const kind of PROVIDER_KINDS) {
      for (const m of knownModels(kind)) {
        expect(m.priceSource, `${kind} ${m.modelId}`).toBeTruthy();
        expect(m.priceAsOf, `${kind} ${m.modelId}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(m.qualitySource, `${kind} ${m.modelId}`).toBeTruthy();
        expect(m.qualityAsOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      const test = DEFAULT_TEST_MODEL[kind];
      if (test) {
        const known = suggestModel(kind, test);
        expect(known, `${kind} default test model ${test}`).not.toBeNull();
        expect(isRetired(known?.retiredAt)).toBe(false);
        expect(known?.deprecatedAt).toBeNull();
      }
    }
    expect(suggestModel("bedrock", "us.anthropic.claude-sonnet-4-20250514-v1:0")).toMatchObject({ inputPrice: 3, displayName: "Claude Sonnet 4 (Bedrock)" });
    expect(suggestModel("google", "gemini-2.5-pro")).toMatchObject({ reasoning: true });
    expect(suggestModel("anthropic", "claude-3-5-sonnet-20241022")).toMatchObject({ retiredAt: "2025-10-22" });
  });

  it("a catalog model keeps its sources and dates; the list flags a retired one; a quality set by hand drops its seed source", async () => {
    const p = await owner().providers.create({ name: `Anthropic ${uniq()}`, kind: "anthropic", baseUrl: stub.url, secretId: keyId });
    const retired = await owner().models.create({ providerId: p.id, modelId: "claude-3-5-sonnet-20241022" });
    expect(retired).toMatchObject({ retired: true, retiredAt: "2025-10-22", deprecatedAt: "2025-08-13", priceAsOf: "2025-11-24" });
    expect(retired.qualitySource).toMatch(/hand-set/);
    const current = await owner().models.create({ providerId: p.id, modelId: "claude-haiku-4-5" });
    expect(current).toMatchObject({ retired: false, retiredAt: null, qualityObserved: null, reasoning: false });
    const edited = await owner().models.update({ id: current.id, quality: 0.5 });
    expect(edited).toMatchObject({ quality: 0.5, qualitySource: null, qualityAsOf: null });
    const own = await owner().models.create({ providerId: p.id, modelId: "claude-sonnet-4-5", inputPrice: 2.5 });
    expect(own).toMatchObject({ priceSource: null, priceAsOf: null });

    // routing skips the retired model unless pinned
    const pinned = await generate(ctx, { policy: { type: "pinned", modelId: retired.id }, prompt: "still here", maxOutputTokens: 50 });
    expect(pinned.model.modelId).toBe("claude-3-5-sonnet-20241022");
  });
});

describe("routing and retired models", () => {
  const entry = (id: string, over: Partial<CatalogEntry> = {}): CatalogEntry =>
    catalogEntry(id, {
      providerId: "prv_1",
      providerKind: "anthropic",
      providerName: "A",
      inputPrice: 0.1,
      outputPrice: 0.1,
      contextWindow: 100_000,
      capabilities: [],
      quality: 0.9,
      latencyP95Ms: null,
      ...over,
    });
  const constraints = { minQuality: 0, requiredCapabilities: [], preferredProviders: [], localFirst: false, localOnly: false };

  it("never routes to a retired model unless it is pinned", () => {
    const catalog = [entry("old", { inputPrice: 0.01, outputPrice: 0.01, retiredAt: "2025-01-01" }), entry("new")];
    expect(routeFor(catalog, { resolved: { constraints }, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("new");
    expect(routeFor(catalog, { resolved: { constraints, pinnedId: "old" }, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("old");
    // a retirement date still ahead does not count
    const ahead = [entry("soon", { inputPrice: 0.01, outputPrice: 0.01, retiredAt: "2999-01-01" }), entry("new")];
    expect(routeFor(ahead, { resolved: { constraints }, promptTokens: 10, maxOutputTokens: 10 }).chosen.id).toBe("soon");
  });
});

describe("reasoning models", () => {
  it("get room for their thinking; an answer that spent it all and came back empty is flagged as cut", async () => {
    const p = await owner().providers.create({ name: `Gemini ${uniq()}`, kind: "google", baseUrl: `${origin()}/v1beta`, secretId: keyId });
    const thinker = await owner().models.create({ providerId: p.id, modelId: "gemini-2.5-pro" });
    const plain = await owner().models.create({ providerId: p.id, modelId: "gemini-2.0-flash" });
    expect(thinker.reasoning).toBe(true);

    await generate(ctx, { policy: { type: "pinned", modelId: thinker.id }, prompt: "think", maxOutputTokens: 100 });
    await generate(ctx, { policy: { type: "pinned", modelId: plain.id }, prompt: "plain", maxOutputTokens: 100 });
    const limits = stub.calls.map((c) => (c.body as { generationConfig?: { maxOutputTokens?: number } }).generationConfig?.maxOutputTokens);
    expect(limits).toEqual([100 + REASONING_MIN_OUTPUT_TOKENS, 100]);

    stub.fail({ status: 200, content: "", finishReason: "length", reasoningTokens: 8_000 });
    const cut = await generate(ctx, { policy: { type: "pinned", modelId: thinker.id }, prompt: "think harder", maxOutputTokens: 100 });
    expect(cut.finishReason).toBe("length");
    expect(cut.answerProblem).toMatchObject({ code: "ANSWER_TRUNCATED", message: expect.stringMatching(/on reasoning \(8000 tokens\) and answered nothing/) });
  });
});
