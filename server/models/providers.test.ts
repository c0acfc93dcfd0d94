/**
 * "Test connection" against the local LLM stub: one real completion with the key from the vault, the
 * outcome stored on the provider without key material, in the ledger and in the model's stats.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { logger } from "@/server/logger";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { createSecret } from "@/server/vault/service";
import { startLlmStub, type LlmStub } from "@/scripts/llm-stub/server";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, uniq, type TestWorkspace } from "@/test/helpers";
import { testCallEstimateUsd, testConnection } from "./providers";
import net from "node:net";
import { createEgressGuard, setEgressGuard } from "@/server/egress";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const KEY = "sk-live-VERYSECRETvalue-0123456789abcdef";

let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
let apiKey: string;
let secretId: string;
beforeAll(async () => {
  stub = await startLlmStub();
  ws = await makeWorkspace("ptest");
  ctx = await resolveUserTenant(ws.users.owner, ws.slug, `req_test${uniq()}`);
  apiKey = (await makeApiKey(ws, "admin")).raw;
  secretId = (await createSecret(ctx, { name: `STUB_KEY_${uniq()}`, value: KEY })).id;
});
afterAll(async () => {
  await stub.close();
});
beforeEach(() => stub.reset());

const owner = () => callerFor(ws.users.owner, ws.slug);

function expectNoKey(value: unknown) {
  const text = JSON.stringify(value);
  expect(text).not.toContain(KEY);
  expect(text).not.toContain("VERYSECRET");
  expect(text).not.toContain("0123456789abcdef");
}

describe("testConnection", () => {
  it("makes one real, tiny completion with the vault key and stores the success", async () => {
    const p = await owner().providers.create({ name: `Stub ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url, secretId });
    const m = await owner().models.create({ providerId: p.id, modelId: "stub-small", inputPrice: 1, outputPrice: 2 });
    const result = await owner().providers.test({ providerId: p.id });
    expect(result).toMatchObject({ ok: true, modelId: "stub-small", error: null });
    expect(result.reply).toMatch(/^\[stub stub-small\]/);
    expect(stub.calls).toHaveLength(1);
    expect(stub.calls[0]).toMatchObject({ path: "/v1/chat/completions", model: "stub-small", apiKey: KEY });
    expect((stub.calls[0]!.body as { max_tokens?: number }).max_tokens).toBeLessThanOrEqual(8);

    const row = await owner().providers.get({ providerId: p.id });
    expect(row).toMatchObject({ lastTestOk: true, lastTestError: null });
    expect(row.lastTestedAt).toBeInstanceOf(Date);
    // the call is a model call like any other: ledger, stats, and an attributed use of the secret
    const usage = await db().usageRecord.findMany({ where: { workspaceId: ws.id, modelRef: m.id } });
    expect(usage).toHaveLength(1);
    expect(usage[0]).toMatchObject({ outcome: "ok", modelName: "stub-small", providerKind: "openai_compatible" });
    expect(Number(usage[0]!.costUsd)).toBeGreaterThan(0);
    expect((await owner().models.get({ id: m.id })).callCount).toBe(1);
    expect(await auditRows(ws.id, "secret.use")).toContainEqual(expect.objectContaining({ targetId: secretId }));
  });

  it("stores a 401 as a failure with a safe message that never contains the key (response, row, logs)", async () => {
    const p = await owner().providers.create({ name: `Stub401 ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url, secretId });
    await owner().models.create({ providerId: p.id, modelId: "stub-small", inputPrice: 0, outputPrice: 0 });
    const logged: string[] = [];
    const spies = (["info", "warn", "error", "debug"] as const).map((level) =>
      vi.spyOn(logger, level).mockImplementation(((...args: unknown[]) => {
        logged.push(JSON.stringify(args));
      }) as never),
    );
    try {
      stub.fail({ status: 401 });
      const result = await owner().providers.test({ providerId: p.id });
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/^HTTP 401 \(check the API key\)/);
      expectNoKey(result);
      const row = await db().provider.findUniqueOrThrow({ where: { id: p.id } });
      expect(row).toMatchObject({ lastTestOk: false });
      expect(row.lastTestError).toMatch(/401/);
      expectNoKey(row.lastTestError);
      const viaRest = await rest("GET", "/api/v1/providers/{providerId}", { key: apiKey, params: { providerId: p.id } });
      expect(viaRest.body.lastTestOk).toBe(false);
      expectNoKey(viaRest.body);
      const usage = await db().usageRecord.findFirstOrThrow({ where: { workspaceId: ws.id, modelName: "stub-small", outcome: "error" } });
      expectNoKey(usage);
      expectNoKey(logged);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it("returns a classified failure: nothing the remote server wrote (here: the key it echoes back) reaches the caller", async () => {
    // a provider that repeats the key it was given (as some do, partly masked)
    const echo = await import("node:http").then(({ createServer }) =>
      createServer((req, res) => {
        res.writeHead(401, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: `Incorrect API key provided: ${req.headers.authorization?.slice(7)}`, type: "invalid_request_error" } }));
      }),
    );
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    const port = (echo.address() as { port: number }).port;
    try {
      const p = await owner().providers.create({ name: `Echo ${uniq()}`, kind: "openai_compatible", baseUrl: `http://127.0.0.1:${port}/v1`, secretId });
      const result = await owner().providers.test({ providerId: p.id, modelId: "any" });
      expect(result.ok).toBe(false);
      expect(result.error).toBe("HTTP 401 (check the API key)");
      expect(JSON.stringify(result)).not.toContain("Incorrect API key");
      expectNoKey(result);
      expectNoKey(await db().provider.findUniqueOrThrow({ where: { id: p.id } }));
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it("reserves its worst case against the monthly budget: concurrent tests never pass the limit", async () => {
    const other = await makeWorkspace("ptest-budget");
    const otherOwner = callerFor(other.users.owner, other.slug);
    const p = await otherOwner.providers.create({ name: `Budget ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url });
    const prices = { inputPrice: 1000, outputPrice: 2000 };
    await otherOwner.models.create({ providerId: p.id, modelId: "stub-small", ...prices });
    const estimate = testCallEstimateUsd(prices);
    const limit = estimate * 2.5;
    await db().budget.create({ data: { workspaceId: other.id, monthlyLimitUsd: limit } });
    // every call is held at the stub: a check without a reservation would let all five through
    stub.hold();
    const settled: { ok: boolean; code?: string }[] = [];
    const tests = Array.from({ length: 5 }, () =>
      otherOwner.providers.test({ providerId: p.id }).then(
        (r) => settled.push({ ok: r.ok }),
        (e: { cause?: { code?: string } }) => settled.push({ ok: false, code: e.cause?.code }),
      ),
    );
    const deadline = Date.now() + 10_000;
    while (stub.calls.length + settled.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stub.release();
    await Promise.all(tests);
    expect(stub.calls).toHaveLength(2);
    expect(settled.filter((s) => s.ok)).toHaveLength(2);
    expect(settled.filter((s) => s.code === "BUDGET_EXCEEDED")).toHaveLength(3);
    // settled by the usage rows: the spend stays within the limit, and what is still reserved is the lease's headroom only
    const usage = await db().usageRecord.findMany({ where: { workspaceId: other.id } });
    expect(usage.filter((u) => u.outcome === "ok")).toHaveLength(2);
    const spent = usage.reduce((sum, u) => sum + Number(u.costUsd), 0);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(limit + 1e-9);
    const held = (await db().budgetReservation.findMany({ where: { workspaceId: other.id } })).reduce((sum, r) => sum + Number(r.amountUsd), 0);
    expect(held + spent).toBeLessThanOrEqual(limit + 1e-9);
  });

  it("reports a closed port as unreachable", async () => {
    const p = await owner().providers.create({ name: `Closed ${uniq()}`, kind: "openai_compatible", baseUrl: "http://127.0.0.1:1/v1", secretId });
    const result = await owner().providers.test({ providerId: p.id, modelId: "stub-small" });
    expect(result).toMatchObject({ ok: false, modelId: "stub-small" });
    expect(result.error).toMatch(/^Could not reach http:\/\/127\.0\.0\.1:1/);
    expectNoKey(result);
    expect((await db().provider.findUniqueOrThrow({ where: { id: p.id } })).lastTestOk).toBe(false);
  });

  it("reports a slow provider as timed out", async () => {
    const p = await owner().providers.create({ name: `Slow ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url });
    const m = await owner().models.create({ providerId: p.id, modelId: "stub-large", inputPrice: 0, outputPrice: 0 });
    stub.fail({ delayMs: 2_000 });
    const result = await testConnection(ctx, p.id, undefined, { timeoutMs: 150 });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/timed out/);
    const model = await db().model.findUniqueOrThrow({ where: { id: m.id } });
    expect(model.timeoutRate).toBe(1);
  });

  it("tests the OpenAI and Anthropic kinds against the stub, and the simulator offline", async () => {
    const oa = await owner().providers.create({ name: `OA ${uniq()}`, kind: "openai", baseUrl: stub.url, secretId });
    expect(await owner().providers.test({ providerId: oa.id })).toMatchObject({ ok: true, modelId: "gpt-4.1-nano" });
    const an = await owner().providers.create({ name: `AN ${uniq()}`, kind: "anthropic", baseUrl: stub.url, secretId });
    const anResult = await owner().providers.test({ providerId: an.id });
    expect(anResult).toMatchObject({ ok: true, modelId: "claude-haiku-4-5-20251001" });
    expect(stub.calls.map((c) => [c.path, c.apiKey])).toEqual([
      ["/v1/chat/completions", KEY],
      ["/v1/messages", KEY],
    ]);

    stub.reset();
    const sim = (await owner().providers.list()).find((p) => p.isSimulator)!;
    const simResult = await owner().providers.test({ providerId: sim.id });
    expect(simResult).toMatchObject({ ok: true, error: null });
    expect(simResult.reply).toMatch(/^\[simulated\]/);
    expect(stub.calls).toHaveLength(0);
  });

  it("needs a model for an OpenAI-compatible server with an empty catalog; REST test endpoint works", async () => {
    const p = await owner().providers.create({ name: `Empty ${uniq()}`, kind: "openai_compatible", baseUrl: stub.url });
    expect(await outcome(owner().providers.test({ providerId: p.id }))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
    const viaRest = await rest("POST", "/api/v1/providers/{providerId}/test", { key: apiKey, params: { providerId: p.id }, body: { modelId: "stub-small" } });
    expect(viaRest.status).toBe(200);
    expect(viaRest.body).toMatchObject({ ok: true, modelId: "stub-small" });
    expect(stub.calls[0]?.apiKey).toBeNull();
  });

  it("a provider whose key was removed from the vault reports it without failing the request", async () => {
    const temp = await createSecret(ctx, { name: `TEMP_${uniq()}`, value: "sk-temp-0000000000000000" });
    const p = await owner().providers.create({ name: `Gone ${uniq()}`, kind: "openai", baseUrl: stub.url, secretId: temp.id });
    // a row the vault cannot decrypt (tampered): the test reports it, with no details
    await db().secret.update({ where: { id: temp.id }, data: { authTag: Buffer.alloc(16) } });
    const result = await owner().providers.test({ providerId: p.id });
    expect(result).toMatchObject({ ok: false, error: "The provider's key could not be read from the vault" });
    expect(stub.calls).toHaveLength(0);
  });

  it("a provider pointed at 127.0.0.1 without the operator allowlist is refused (403 EGRESS_REFUSED) and never contacts it", async () => {
    let connections = 0;
    const listener = net.createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as { port: number }).port;
    const guard = createEgressGuard({ allow: "" });
    try {
      const p = await owner().providers.create({ name: `Loop ${uniq()}`, kind: "openai_compatible", baseUrl: `http://127.0.0.1:${port}/v1`, secretId });
      // the same URL in a form the WHATWG parser normalises, and a name that resolves to loopback
      const q = await owner().providers.create({ name: `Loop2 ${uniq()}`, kind: "openai", baseUrl: `http://2130706433:${port}/v1`, secretId });
      const r = await owner().providers.create({ name: `Loop3 ${uniq()}`, kind: "anthropic", baseUrl: `http://localhost:${port}/v1`, secretId });
      setEgressGuard(guard);
      const viaTrpc = await outcome(owner().providers.test({ providerId: p.id, modelId: "stub-small" }));
      expect(viaTrpc).toMatchObject({ ok: false, code: "FORBIDDEN", appCode: "EGRESS_REFUSED" });
      expect((viaTrpc as { message: string }).message).toBe(`egress refused: 127.0.0.1 is in a loopback range (127.0.0.0/8) (not in CADRE_EGRESS_ALLOW)`);
      const viaRest = await rest("POST", "/api/v1/providers/{providerId}/test", { key: apiKey, params: { providerId: q.id }, body: {} });
      expect(viaRest.status).toBe(403);
      expect(viaRest.body).toMatchObject({ error: { code: "EGRESS_REFUSED", message: expect.stringContaining("loopback") } });
      await expect(testConnection(ctx, r.id)).rejects.toMatchObject({
        code: "EGRESS_REFUSED",
        httpStatus: 403,
        message: expect.stringContaining("localhost resolves to"),
      });
      const row = await db().provider.findUniqueOrThrow({ where: { id: p.id } });
      expect(row).toMatchObject({ lastTestOk: false, lastTestError: expect.stringContaining("egress refused") });
      expect(connections).toBe(0);
      // a probe of our own is accepted after any stray connection of the refused calls would have been
      await new Promise<void>((resolve) =>
        net
          .connect(port, "127.0.0.1")
          .on("error", () => undefined)
          .on("close", () => resolve()),
      );
      expect(connections).toBe(1);
      // with the operator allowlist the same provider is reached (the listener hangs up: a network failure)
      setEgressGuard(createEgressGuard({ allow: "127.0.0.1" }));
      const reached = await owner().providers.test({ providerId: p.id, modelId: "stub-small" });
      expect(reached).toMatchObject({ ok: false, error: expect.stringMatching(/^Could not reach http:\/\/127\.0\.0\.1:\d+/) });
      expect(connections).toBeGreaterThan(1);
    } finally {
      setEgressGuard(undefined);
      await guard.close();
      await new Promise((resolve) => listener.close(resolve));
    }
  });
});

describe("the simulator with a real provider configured", () => {
  it("only an Anthropic key configured: the fast and balanced presets never route to the simulator (a pin still may)", async () => {
    const w = await makeWorkspace("antonly");
    const c = await resolveUserTenant(w.users.owner, w.slug, `req_test${uniq()}`);
    const sid = (await createSecret(c, { name: `ANT_KEY_${uniq()}`, value: KEY })).id;
    const caller = callerFor(w.users.owner, w.slug);
    const an = await caller.providers.create({ name: `Anthropic ${uniq()}`, kind: "anthropic", baseUrl: stub.url, secretId: sid });
    // no model added yet: the presets find no model rather than answering "[simulated]"
    for (const preset of ["fast", "balanced"]) {
      const failed = await outcome(caller.routing.explain({ policy: { type: "preset", preset }, promptTokens: 100, maxOutputTokens: 100 }));
      expect(failed, preset).toMatchObject({ ok: false, appCode: "NO_FEASIBLE_MODEL" });
      expect((failed as { message: string }).message, preset).toMatch(/simulator/);
    }
    await caller.models.create({ providerId: an.id, modelId: "claude-haiku-4-5-20251001", inputPrice: 1, outputPrice: 5, quality: 0.7 });
    for (const preset of ["fast", "balanced"]) {
      const decision = await caller.routing.explain({ policy: { type: "preset", preset }, promptTokens: 100, maxOutputTokens: 100 });
      expect(decision.chosen.providerKind, preset).toBe("anthropic");
      expect(
        decision.fallbacks.every((f) => f.providerKind !== "simulator"),
        preset,
      ).toBe(true);
    }
    // a pinned simulator model still routes
    const simModel = await db().model.findFirstOrThrow({ where: { workspaceId: w.id, provider: { kind: "simulator" } } });
    const pinned = await caller.routing.explain({ policy: { type: "pinned", modelId: simModel.id }, promptTokens: 10, maxOutputTokens: 10 });
    expect(pinned.chosen.providerKind).toBe("simulator");
  });
});
