/**
 * A model's own timeouts (the catalog's `firstByteTimeoutSeconds` and `callTimeoutBaseSeconds`): a reasoning model Cadre
 * knows is added with a longer first-byte allowance, and its stream, slow to begin at the LLM stub, is waited for where
 * a chat model's is given up; the request's own limit (an agent's `callTimeoutSeconds`) still wins; the figures are
 * edited and validated through the API; the migration gives the known models already in catalogs their figures.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { appErrorOf as failure, callerFor, uniq, type TestWorkspace } from "@/test/helpers";
import type { TenantContext } from "@/server/context";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { useStubGateway } from "@/test/fixtures/stub-gateway";
import { createModel, updateModel } from "./catalog";
import { generate, type GenerateRequest } from "./gateway";
import { suggestModel } from "./known-models";
import { callTimeouts, configureTimeouts } from "./timeouts";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("mtimeout");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));
afterEach(() => {
  configureTimeouts();
});

const streamed = (modelRef: string, over: Partial<GenerateRequest> = {}): GenerateRequest => ({
  policy: { type: "pinned", modelId: modelRef },
  prompt: "think it over",
  maxOutputTokens: 100,
  onTextDelta: () => {},
  ...over,
});

async function stubProvider() {
  return db().provider.create({
    data: { id: newId("prv"), workspaceId: ws.id, name: `Stub ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url, isLocal: true },
  });
}

describe("the catalog's timeout figures", () => {
  it("reasoning models carry longer figures than chat models; the request's limit wins over the model's", () => {
    expect(suggestModel("openai", "o3")).toMatchObject({ reasoning: true, firstByteTimeoutSeconds: 300, callTimeoutBaseSeconds: 300 });
    expect(suggestModel("openai", "o4-mini-2025-04-16")).toMatchObject({ firstByteTimeoutSeconds: 120, callTimeoutBaseSeconds: 180 });
    expect(suggestModel("google", "gemini-2.5-pro")).toMatchObject({ firstByteTimeoutSeconds: 300 });
    expect(suggestModel("openai_compatible", "deepseek-r1:8b")).toMatchObject({ firstByteTimeoutSeconds: 300 });
    expect(suggestModel("mistral", "magistral-medium-latest")).toMatchObject({ firstByteTimeoutSeconds: 300 });
    expect(suggestModel("openai", "gpt-4o-mini")).toMatchObject({ reasoning: false, firstByteTimeoutSeconds: null, callTimeoutBaseSeconds: null });

    const model = { firstByteTimeoutSeconds: 300, callTimeoutBaseSeconds: 300 };
    expect(callTimeouts(1_000)).toMatchObject({ totalMs: 60_000 + 40_000, firstByteMs: 60_000 });
    expect(callTimeouts(1_000, {}, model)).toMatchObject({ totalMs: 300_000 + 40_000, firstByteMs: 300_000 });
    // the agent's callTimeoutSeconds (the request's timeoutMs) caps both
    expect(callTimeouts(1_000, { timeoutMs: 30_000 }, model)).toMatchObject({ totalMs: 30_000, firstByteMs: 30_000 });
    expect(callTimeouts(1_000, { timeouts: { firstByteMs: 5_000 } }, model)).toMatchObject({ firstByteMs: 5_000 });
  });

  it("a known reasoning model's stream is given its longer first byte; a chat model's, as slow to begin, times out", async () => {
    const provider = await stubProvider();
    const thinker = await createModel(ctx, { providerId: provider.id, modelId: "deepseek-r1:8b" });
    const chat = await createModel(ctx, { providerId: provider.id, modelId: "llama3.1:8b" });
    expect(thinker).toMatchObject({ reasoning: true, firstByteTimeoutSeconds: 300, callTimeoutBaseSeconds: 300 });
    expect(chat).toMatchObject({ reasoning: false, firstByteTimeoutSeconds: null, callTimeoutBaseSeconds: null });
    configureTimeouts({ firstByteMs: 300 });

    stub.fail({ delayMs: 900, model: "deepseek-r1:8b" });
    const thought = await generate(ctx, streamed(thinker.id));
    expect(thought.text).toBe("[stub deepseek-r1:8b] think it over");
    expect(thought.attempts.map((a) => a.outcome)).toEqual(["ok"]);

    stub.fail({ delayMs: 900, model: "llama3.1:8b" });
    const cut = await failure(generate(ctx, streamed(chat.id)));
    expect(cut.message).toContain("first-byte timeout");

    // the agent's own whole-call limit still wins over the model's allowance
    stub.fail({ delayMs: 900, model: "deepseek-r1:8b" });
    const capped = await failure(generate(ctx, streamed(thinker.id, { timeoutMs: 400 })));
    expect(capped.message).toMatch(/timed out|timeout/i);

    // without its figures, the reasoning model is held to the default like any other
    await updateModel(ctx, thinker.id, { firstByteTimeoutSeconds: null });
    stub.fail({ delayMs: 900, model: "deepseek-r1:8b" });
    expect((await failure(generate(ctx, streamed(thinker.id)))).message).toContain("first-byte timeout");
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.modelName, r.outcome])).toEqual([
      ["deepseek-r1:8b", "ok"],
      ["llama3.1:8b", "timeout"],
      ["deepseek-r1:8b", "timeout"],
      ["deepseek-r1:8b", "timeout"],
    ]);
  });

  it("the API shows, sets and clears a model's figures, and refuses figures out of range", async () => {
    const provider = await stubProvider();
    const owner = callerFor(ws.users.owner, ws.slug);
    const made = await owner.models.create({ providerId: provider.id, modelId: "my-local-model", inputPrice: 0, outputPrice: 0, firstByteTimeoutSeconds: 90 });
    expect(made).toMatchObject({ firstByteTimeoutSeconds: 90, callTimeoutBaseSeconds: null });
    expect(await owner.models.update({ id: made.id, callTimeoutBaseSeconds: 240, firstByteTimeoutSeconds: null })).toMatchObject({
      firstByteTimeoutSeconds: null,
      callTimeoutBaseSeconds: 240,
    });
    await expect(owner.models.update({ id: made.id, firstByteTimeoutSeconds: 601 })).rejects.toThrow(/600/);
    await expect(owner.models.update({ id: made.id, callTimeoutBaseSeconds: 0 })).rejects.toThrow(/1 second/);
  });

  it("the migration fills in the known reasoning models' figures in existing catalogs, as the known-models table has them", async () => {
    const kinds = ["openai", "openai_compatible", "google", "mistral"] as const;
    const providers = Object.fromEntries(
      await Promise.all(
        kinds.map(async (kind) => [
          kind,
          await db().provider.create({ data: { id: newId("prv"), workspaceId: ws.id, name: `${kind} ${uniq()}`, kind, baseUrl: stub.url, isLocal: false } }),
        ]),
      ),
    );
    const models: [(typeof kinds)[number], string][] = [
      ["openai", "o3"],
      ["openai", "o3-mini-2025-01-31"],
      ["openai", "gpt-5-nano"],
      ["openai", "gpt-4o"],
      ["openai_compatible", "openai/o4-mini"],
      ["openai_compatible", "deepseek-r1:8b"],
      ["openai_compatible", "llama3.1:8b"],
      ["google", "gemini-2.5-pro"],
      ["google", "gemini-2.5-flash"],
      ["google", "gemini-2.5-flash-lite"],
      ["mistral", "magistral-medium-2507"],
      ["mistral", "mistral-small-latest"],
    ];
    for (const [kind, modelId] of models) {
      await db().model.create({
        data: {
          id: newId("mdl"),
          workspaceId: ws.id,
          providerId: providers[kind]!.id,
          modelId,
          displayName: modelId,
          inputPrice: 1,
          outputPrice: 1,
          contextWindow: 8_000,
          capabilities: [],
          quality: 0.5,
        },
      });
    }
    const sql = readFileSync(join(process.cwd(), "prisma/migrations/20261210_100_model_timeouts/migration.sql"), "utf8");
    const updates = sql
      .split(/;\s*\n/)
      .map((s) => s.replace(/^--.*$/gm, "").trim())
      .filter((s) => s.startsWith("UPDATE"));
    expect(updates.length).toBeGreaterThan(0);
    // this workspace's models only: other test files share the database
    for (const statement of updates) await db().$executeRawUnsafe(`${statement} AND "workspaceId" = $1`, ws.id);
    const rows = await db().model.findMany({ where: { workspaceId: ws.id }, include: { provider: true } });
    for (const [kind, modelId] of models) {
      const row = rows.find((r) => r.modelId === modelId)!;
      const known = suggestModel(kind, modelId);
      expect([modelId, row.firstByteTimeoutSeconds, row.callTimeoutBaseSeconds]).toEqual([
        modelId,
        known?.firstByteTimeoutSeconds ?? null,
        known?.callTimeoutBaseSeconds ?? null,
      ]);
    }
  });
});
