/**
 * Budgets as reservations (./reservations.ts) through the gateway and the LLM stub: a wide fan-out under a run limit
 * stays within the limit plus one call's estimate; calls are reserved from a lease, which one statement takes and
 * the calls' usage rows settle (also when the run engine writes them later); leases count for every process until
 * they expire, and expired ones are ignored and deleted; cut streams and timed-out calls record an estimated partial
 * cost.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import type { Sql } from "@/server/db/sql";
import { costOf } from "@/server/ledger/record";
import { EXTRA_CALLS, reserveBudget } from "@/server/ledger/reservations";
import { estimatePromptTokens, generate, type GenerateRequest } from "@/server/models/gateway";
import { embed } from "@/server/models/embed";
import { heuristicTokens } from "@/server/models/token-estimate";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { uniq, type TestWorkspace, appErrorOf as failure } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("bres");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const PRICES = { inputPrice: 1, outputPrice: 2 };

async function oneModel(kind: "openai_compatible" | "anthropic" = "openai_compatible", capabilities = ["tools", "json"]) {
  const provider = await gw.addProvider({ kind });
  return gw.addModel(provider.id, "a", { ...PRICES, capabilities });
}

const ask = (over: Partial<GenerateRequest> = {}) =>
  askAnyModel("a question for the fan-out that is long enough to cost something", { maxOutputTokens: 40, ...over });

const reservations = () => db().budgetReservation.findMany({ where: { workspaceId: ws.id } });
/** what the workspace's open leases hold */
const heldUsd = async () => (await reservations()).reduce((sum, r) => sum + Number(r.amountUsd), 0);
const runSpend = async (runId: string) =>
  (await db().usageRecord.findMany({ where: { workspaceId: ws.id, runId } })).reduce((sum, r) => sum + Number(r.costUsd), 0);
const chatCalls = () => stub.calls.filter((c) => c.path !== "/v1/models").length;

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("budget reservations: fan-out", () => {
  it("32 concurrent calls under a run limit: spend stays within the limit plus one call's estimate", async () => {
    await oneModel();
    const req = ask({ runId: `run_fan${uniq()}` });
    const estimate = costOf(PRICES, estimatePromptTokens(req), req.maxOutputTokens);
    const limit = estimate * 3.5;
    // every call reaches the provider before any returns: the check alone would let all 32 through
    stub.hold();
    const settled: PromiseSettledResult<unknown>[] = [];
    const calls = Array.from({ length: 32 }, () =>
      generate(ctx, { ...req, runBudgetUsd: limit }).then(
        (value) => settled.push({ status: "fulfilled", value }),
        (reason: unknown) => settled.push({ status: "rejected", reason }),
      ),
    );
    await until(() => chatCalls() + settled.length === 32);
    stub.release();
    await Promise.all(calls);

    const ok = settled.filter((s) => s.status === "fulfilled");
    const refused = settled.filter((s) => s.status === "rejected");
    expect(ok).toHaveLength(3);
    expect(chatCalls()).toBe(3);
    expect(refused.map((s) => (s as PromiseRejectedResult).reason.code)).toEqual(Array(29).fill("BUDGET_EXCEEDED"));
    const spent = await runSpend(req.runId!);
    expect(spent).toBeGreaterThan(0);
    expect(spent).toBeLessThanOrEqual(limit + estimate);
    // what the lease still holds is headroom within the limit
    expect(spent + (await heldUsd())).toBeLessThanOrEqual(limit + 1e-12);
  });

  it("the monthly limit holds the same way across runs", async () => {
    await oneModel();
    const req = ask();
    const estimate = costOf(PRICES, estimatePromptTokens(req), req.maxOutputTokens);
    await db().budget.create({ data: { workspaceId: ws.id, monthlyLimitUsd: estimate * 2.5 } });
    stub.hold();
    const results = Array.from({ length: 16 }, (_, i) =>
      generate(ctx, { ...req, runId: `run_m${i}` }).then(
        () => "ok",
        (e: { code?: string }) => e.code,
      ),
    );
    await until(() => chatCalls() >= 2);
    stub.release();
    const outcomes = await Promise.all(results);
    expect(outcomes.filter((o) => o === "ok")).toHaveLength(2);
    expect(outcomes.filter((o) => o === "BUDGET_EXCEEDED")).toHaveLength(14);
  });
});

describe("budget reservations: settling and expiry", () => {
  it("no limit: nothing is reserved", async () => {
    expect(await reserveBudget(ctx, { runId: "run_free", estimateUsd: 5, ttlMs: 1000 })).toBeNull();
    expect(await reservations()).toEqual([]);
  });

  it("a reservation counts until the usage row that settles it is written, by the same statement", async () => {
    await oneModel();
    const runId = `run_late${uniq()}`;
    const pending: Sql[] = [];
    const result = await generate(
      ctx,
      ask({
        runId,
        runBudgetUsd: 1,
        writeUsage: (statement) => {
          pending.push(statement);
          return Promise.resolve();
        },
      }),
    );
    // the run engine has not written the row yet: the run's lease still holds the call's estimate (and headroom)
    const open = await reservations();
    expect(open).toHaveLength(1);
    expect(open[0]!.runId).toBe(runId);
    const estimate = costOf(PRICES, estimatePromptTokens(ask()), 40);
    expect(Number(open[0]!.amountUsd)).toBeCloseTo(estimate * (1 + EXTRA_CALLS), 10);
    expect(pending).toHaveLength(1);
    await execute(ctx, pending[0]!);
    // the usage row took the call's cost off the lease, in the same statement
    expect(Number((await reservations())[0]!.amountUsd)).toBeCloseTo(estimate * (1 + EXTRA_CALLS) - result.costUsd, 10);
    expect(await runSpend(runId)).toBeCloseTo(result.costUsd, 10);
  });

  it("consecutive calls are reserved from one lease in memory; a lower limit takes a new lease, refused when it no longer fits", async () => {
    await oneModel();
    const runId = `run_lease${uniq()}`;
    const estimate = costOf(PRICES, estimatePromptTokens(ask()), 40);
    for (let i = 0; i < 5; i++) await generate(ctx, ask({ runId, runBudgetUsd: 1 }));
    const [lease] = await reservations();
    expect((await reservations()).map((r) => r.id)).toEqual([lease!.id]);
    const spent = await runSpend(runId);
    expect(Number(lease!.amountUsd)).toBeCloseTo(estimate * (1 + EXTRA_CALLS) - spent, 10);

    // the run's limit drops under what was spent plus one call: the lease granted under the old limit is not used
    const error = await failure(generate(ctx, ask({ runId, runBudgetUsd: spent + estimate / 2 })));
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(error.details).toMatchObject({ limit: "run", spentUsd: expect.closeTo(spent, 10) });
    expect((await reservations()).map((r) => r.id)).toEqual([lease!.id]); // a refusal leaves the lease as it was

    // a limit with room for two more calls: the lease is renewed (its row, in place), granted what fits
    await generate(ctx, ask({ runId, runBudgetUsd: spent + 2 * estimate }));
    const [renewed, ...others] = await reservations();
    expect(others).toEqual([]);
    expect(renewed!.id).toBe(lease!.id);
    expect(renewed!.expiresAt.getTime()).toBeGreaterThan(lease!.expiresAt.getTime());
    expect((await runSpend(runId)) + Number(renewed!.amountUsd)).toBeLessThanOrEqual(spent + 2 * estimate + 1e-12);
  });

  it("another process's open reservation counts; an expired one is ignored and deleted", async () => {
    await oneModel();
    const runId = `run_other${uniq()}`;
    const estimate = costOf(PRICES, estimatePromptTokens(ask()), 40);
    const other = { id: newId("bres"), workspaceId: ws.id, runId, amountUsd: estimate, createdAt: new Date() };
    await db().budgetReservation.create({ data: { ...other, expiresAt: new Date(Date.now() + 60_000) } });
    const error = await failure(generate(ctx, ask({ runId, runBudgetUsd: estimate * 1.5 })));
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(error.message).toContain("spent or reserved");
    expect(chatCalls()).toBe(0);

    // its process died: past expiresAt it no longer counts, and the next reservation deletes it
    await db().budgetReservation.update({ where: { id: other.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const result = await generate(ctx, ask({ runId, runBudgetUsd: estimate * 1.5 }));
    expect(result.attempts.map((a) => a.outcome)).toEqual(["ok"]);
    expect((await reservations()).map((r) => r.id)).not.toContain(other.id);
  });

  it("a refused call reserves nothing; a failed call's usage row settles its reservation", async () => {
    await oneModel();
    const runId = `run_fail${uniq()}`;
    stub.fail({ status: 400 });
    expect((await failure(generate(ctx, ask({ runId, runBudgetUsd: 1 })))).code).toBe("UPSTREAM_ERROR");
    const estimate = costOf(PRICES, estimatePromptTokens(ask()), 40);
    // the failed call cost nothing: its lease holds what it was granted
    expect(await heldUsd()).toBeCloseTo(estimate * (1 + EXTRA_CALLS), 10);
    const before = await reservations();
    expect((await failure(generate(ctx, ask({ runId, runBudgetUsd: 0.0000001 })))).code).toBe("BUDGET_EXCEEDED");
    expect(await reservations()).toEqual(before);
  });

  it("embeddings reserve and settle too", async () => {
    await oneModel("openai_compatible", ["embeddings"]);
    const runId = `run_emb${uniq()}`;
    const result = await embed(ctx, { policy: ask().policy, values: ["one text", "another text"], runId, runBudgetUsd: 1 });
    expect(result.embeddings).toHaveLength(2);
    const [lease] = await reservations();
    expect(lease!.runId).toBe(runId);
    const estimate = costOf(PRICES, heuristicTokens("one text") + heuristicTokens("another text"), 0);
    expect(Number(lease!.amountUsd)).toBeCloseTo(estimate * (1 + EXTRA_CALLS) - result.costUsd, 10);
    const before = await reservations();
    const error = await failure(embed(ctx, { policy: ask().policy, values: ["x".repeat(4000)], runId, runBudgetUsd: 0.0000001 }));
    expect(error.code).toBe("BUDGET_EXCEEDED");
    expect(await reservations()).toEqual(before);
  });
});

describe("partial usage of broken calls", () => {
  it.each(["openai_compatible", "anthropic"] as const)("%s: a stream cut after text arrived records its tokens so far, estimated", async (kind) => {
    await oneModel(kind);
    stub.fail({ model: "a", midStream: { afterChunks: 3, kind: "cut" } });
    const deltas: string[] = [];
    const runId = `run_cut${uniq()}`;
    // the model is called again after the cut (a network failure), and answers
    const result = await generate(ctx, ask({ runId, runBudgetUsd: 1, onTextDelta: (d) => deltas.push(d) }));
    expect(result.attempts.map((a) => a.outcome)).toEqual(["error", "ok"]);
    expect(deltas.length).toBeGreaterThan(result.text.split(" ").length);
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id, runId }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => [r.outcome, r.estimated])).toEqual([
      ["error", true],
      ["ok", false],
    ]);
    expect(rows[0]!.inputTokens).toBe(estimatePromptTokens(ask()));
    expect(rows[0]!.outputTokens).toBeGreaterThan(0);
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(costOf(PRICES, rows[0]!.inputTokens, rows[0]!.outputTokens), 10);
    // both calls, the cut one too, were settled against the run's lease
    const estimate = costOf(PRICES, estimatePromptTokens(ask()), 40);
    expect((await heldUsd()) + (await runSpend(runId))).toBeCloseTo(estimate * (1 + EXTRA_CALLS), 10);
  });

  it("a call that timed out records its estimated input", async () => {
    await oneModel();
    stub.fail({ model: "a", delayMs: 5_000 });
    const runId = `run_to${uniq()}`;
    await failure(generate(ctx, ask({ runId, timeoutMs: 150 })));
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id, runId } });
    expect(rows[0]).toMatchObject({ outcome: "timeout", estimated: true, inputTokens: estimatePromptTokens(ask()), outputTokens: 0 });
    expect(Number(rows[0]!.costUsd)).toBeGreaterThan(0);
  });

  it("an error before any answer (HTTP 500) costs nothing and is not estimated", async () => {
    await oneModel();
    stub.fail({ status: 400 });
    const runId = `run_400${uniq()}`;
    await failure(generate(ctx, ask({ runId })));
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id, runId } });
    expect(rows.map((r) => [r.outcome, r.estimated, Number(r.costUsd)])).toEqual([["error", false, 0]]);
  });
});
