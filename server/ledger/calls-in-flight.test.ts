/**
 * Model calls in flight (./calls-in-flight.ts): a call whose process died before its usage row becomes exactly one
 * estimated `lost` usage row once it expires (or its run is claimed again), counted in the budget and the run's cost;
 * a call that recorded its usage leaves nothing behind; concurrent sweeps write one row; a late usage row of the call
 * replaces its lost row.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import type { TenantContext } from "@/server/context";
import { SYSTEM } from "@/server/db/scope";
import { costOf } from "@/server/ledger/record";
import { forgetBudgetLeases, reserveBudget } from "@/server/ledger/reservations";
import { updateBudget } from "@/server/ledger/budgets";
import { forgetRunSpend } from "@/server/ledger/budget-cache";
import { LOST_CALL_ERROR, recordLostCalls } from "@/server/ledger/calls-in-flight";
import { DEAD_CALL_PRICES, deadCall } from "@/test/fixtures/lost-calls";
import { estimatePromptTokens, generate } from "@/server/models/gateway";
import { embed } from "@/server/models/embed";
import { MEMORY_DEFAULT_EMBEDDING_POLICY } from "@/server/memory/models";
import { claimRun, sweepLostCalls } from "@/server/jobs/executor";
import { ledgerTotalsSql } from "@/server/jobs/run-cost";
import { execute, transport } from "@/server/db/execute";
import { startRun } from "@/server/runs/service";
import { addAgent, makeRunWorkspace } from "@/test/fixtures/runs";
import { askAnyModel, useStubGateway } from "@/test/fixtures/stub-gateway";
import { appErrorOf, uniq, type TestWorkspace } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const gw = useStubGateway("inflight");
let stub: LlmStub;
let ws: TestWorkspace;
let ctx: TenantContext;
beforeEach(() => void ({ stub, ws, ctx } = gw));

const PRICES = DEAD_CALL_PRICES;
const OPERATOR = SYSTEM("operator");

const inFlight = (workspaceId = ws.id) => db().modelCallInFlight.findMany({ where: { workspaceId } });
const usage = (runId: string, workspaceId = ws.id) => db().usageRecord.findMany({ where: { workspaceId, runId }, orderBy: { createdAt: "asc" } });
const expire = (workspaceId = ws.id) => db().modelCallInFlight.updateMany({ where: { workspaceId }, data: { expiresAt: new Date(Date.now() - 1000) } });

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe("model calls in flight", () => {
  it("a call that recorded its usage leaves no row in flight and no lost row; its row was in flight during the call", async () => {
    const provider = await gw.addProvider({ kind: "openai_compatible" });
    await gw.addModel(provider.id, "a", PRICES);
    const runId = `run_ok${uniq()}`;
    stub.hold();
    const call = generate(ctx, askAnyModel("a question", { runId, maxOutputTokens: 40 }));
    await until(async () => (await inFlight()).length === 1);
    const [row] = await inFlight();
    expect(row).toMatchObject({ runId, modelName: "a", providerKind: "openai_compatible", outputTokens: 40 });
    stub.release();
    await call;
    expect(await inFlight()).toEqual([]);
    const rows = await usage(runId);
    expect(rows.map((u) => [u.id, u.outcome, u.estimated])).toEqual([[row!.id, "ok", false]]);
    expect(await recordLostCalls(OPERATOR, { workspaceId: ws.id })).toBe(0);
    expect(await usage(runId)).toHaveLength(1);
  });

  it("an embedding call's row is in flight during the call, then its usage row takes its place", async () => {
    const provider = await gw.addProvider({ kind: "openai_compatible" });
    await gw.addModel(provider.id, "embed-384", { inputPrice: 0.02, outputPrice: 0, contextWindow: 8_000, capabilities: ["embeddings"] });
    const runId = `run_embed${uniq()}`;
    stub.hold();
    const call = embed(ctx, { policy: MEMORY_DEFAULT_EMBEDDING_POLICY, values: ["alpha", "beta"], runId, stepId: "e0" });
    await until(async () => (await inFlight()).length === 1);
    const [row] = await inFlight();
    expect(row).toMatchObject({ runId, stepId: "e0", modelName: "embed-384", providerKind: "openai_compatible", outputTokens: 0 });
    expect(row!.inputTokens).toBeGreaterThan(0);
    stub.release();
    await call;
    expect(await inFlight()).toEqual([]);
    expect((await usage(runId)).map((u) => [u.id, u.outcome, u.estimated])).toEqual([[row!.id, "ok", false]]);
  });

  it("the call does not wait for its row in flight; a row that arrives after the call's usage row is not written", async () => {
    const provider = await gw.addProvider({ kind: "openai_compatible" });
    await gw.addModel(provider.id, "a", PRICES);
    const runId = `run_slowrow${uniq()}`;
    // the row in flight reaches the database 300 ms late; the stub answers at once
    const original = transport.send;
    const delayed: Promise<unknown>[] = [];
    vi.spyOn(transport, "send").mockImplementation(((text: string) => {
      if (!text.includes('INSERT INTO "ModelCallInFlight"')) return original(text);
      const sent = new Promise((r) => setTimeout(r, 300)).then(() => original(text));
      delayed.push(sent);
      return sent;
    }) as never);
    const call = generate(ctx, askAnyModel("a question", { runId, maxOutputTokens: 40 }));
    // the provider was asked before the row committed
    await until(() => stub.calls.some((c) => c.path === "/v1/chat/completions"));
    expect(await inFlight()).toEqual([]);
    await call;
    vi.restoreAllMocks();
    expect(delayed).toHaveLength(1);
    await Promise.allSettled(delayed);
    expect(await inFlight()).toEqual([]);
    expect((await usage(runId)).map((u) => u.outcome)).toEqual(["ok"]);
  });

  it("a dead process's call becomes one estimated lost row after its expiry, not before", async () => {
    const runId = `run_dead${uniq()}`;
    const id = await deadCall(ctx, runId, { expired: false });
    expect(await recordLostCalls(ctx)).toBe(0); // not expired yet: its process may be alive
    expect(await usage(runId)).toEqual([]);
    await expire();
    expect(await recordLostCalls(ctx)).toBe(1);
    expect(await recordLostCalls(ctx)).toBe(0);
    const rows = await usage(runId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id, outcome: "lost", estimated: true, inputTokens: 100, outputTokens: 1000, stepId: "s0", error: LOST_CALL_ERROR });
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(costOf(PRICES, 100, 1000), 10);
    expect(await inFlight()).toEqual([]);
  });

  it("counted in the budget: the lease renewal writes the workspace's lost rows first and refuses what no longer fits", async () => {
    forgetBudgetLeases();
    const runId = `run_bud${uniq()}`;
    const lostCost = costOf(PRICES, 100, 1000); // 0.0021
    await deadCall(ctx, runId);
    forgetRunSpend(ws.id, runId);
    const refused = await appErrorOf(reserveBudget(ctx, { runId, estimateUsd: 0.001, runLimitUsd: lostCost + 0.0005, ttlMs: 1000 }));
    expect(refused).toMatchObject({ code: "BUDGET_EXCEEDED", details: { limit: "run" } });
    const rows = await usage(runId);
    expect(rows.map((u) => u.outcome)).toEqual(["lost"]);
    // and the month counts it too
    await updateBudget(ctx, { monthlyLimitUsd: lostCost + 0.0005, perRunLimitUsd: null });
    await expect(reserveBudget(ctx, { estimateUsd: 0.001, ttlMs: 1000 })).rejects.toMatchObject({ code: "BUDGET_EXCEEDED" });
    await updateBudget(ctx, { monthlyLimitUsd: null, perRunLimitUsd: null });
    forgetBudgetLeases();
  });

  it("concurrent sweeps write one row per call", async () => {
    const runId = `run_race${uniq()}`;
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await deadCall(ctx, runId));
    const counts = await Promise.all([
      recordLostCalls(OPERATOR, { workspaceId: ws.id }),
      recordLostCalls(ctx),
      sweepLostCalls([ws.id]), // the executors' sweep
      sweepLostCalls([ws.id]),
      recordLostCalls(ctx, { workspaceId: ws.id }),
    ]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(5);
    const rows = await usage(runId);
    expect(rows.map((u) => u.id).sort()).toEqual([...ids].sort());
  });

  it("a late usage row of the call replaces its lost row (one row, the real figures)", async () => {
    const provider = await gw.addProvider({ kind: "openai_compatible" });
    await gw.addModel(provider.id, "a", PRICES);
    const runId = `run_late${uniq()}`;
    stub.hold();
    const req = askAnyModel("a question", { runId, maxOutputTokens: 40 });
    const call = generate(ctx, req);
    await until(async () => (await inFlight()).length === 1);
    // its process looks dead: the row expires and a sweep writes the lost row
    await expire();
    expect(await recordLostCalls(OPERATOR, { workspaceId: ws.id })).toBe(1);
    expect((await usage(runId)).map((u) => u.outcome)).toEqual(["lost"]);
    expect(Number((await usage(runId))[0]!.costUsd)).toBeCloseTo(costOf(PRICES, estimatePromptTokens(req), 40), 10);
    // it was only slow: its own row replaces the estimate
    stub.release();
    const answer = await call;
    const rows = await usage(runId);
    expect(rows.map((u) => [u.outcome, u.estimated])).toEqual([["ok", false]]);
    expect(Number(rows[0]!.costUsd)).toBeCloseTo(answer.costUsd, 10);
  });

  it("the executor's claim of a run turns the calls its previous execution left in flight into lost rows, expired or not", async () => {
    const rw = await makeRunWorkspace("inflightclaim");
    await addAgent(rw.ctx, "solo");
    const run = await startRun(rw.ctx, { agent: "solo", input: "x" });
    await deadCall(rw.ctx, run.id, { expired: false });
    await deadCall(rw.ctx, run.id, { expired: false });
    const other = await deadCall(rw.ctx, `run_other${uniq()}`, { expired: false });
    const claimed = await claimRun({ owner: `inflight-test/${rw.ws.id}`, leaseMs: 60_000, workspaceConcurrency: 100, workspaceIds: [rw.ws.id] });
    expect(claimed?.id).toBe(run.id);
    expect(claimed?.ledgerCalls).toBe(2);
    expect((await usage(run.id, rw.ws.id)).map((u) => [u.outcome, u.estimated])).toEqual([
      ["lost", true],
      ["lost", true],
    ]);
    // counted in the run's cost (server/jobs/run-cost.ts: the ledger's sums)
    const { rows: totals } = await execute<{ calls: number; c: string }>(rw.ctx, ledgerTotalsSql(run.id));
    expect(totals[0]?.calls).toBe(2);
    expect(Number(totals[0]?.c)).toBeCloseTo(2 * costOf(PRICES, 100, 1000), 10);
    // another run's call is not this run's
    expect((await inFlight(rw.ws.id)).map((r) => r.id)).toEqual([other]);
    await db().run.update({ where: { id: run.id }, data: { status: "cancelled", leaseOwner: null, leaseExpiresAt: null } });
  });
});
