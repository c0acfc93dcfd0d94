import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { formatUsd } from "@/lib/usd";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { costOf, recordUsage, type UsageInput } from "@/server/ledger/record";
import { assertWithinBudget } from "@/server/ledger/budget-check";
import { listUsage, resolveRange, startOfUtcMonth, usageTotals } from "@/server/ledger/reports";
import { budgetStatus, getBudget, updateBudget } from "@/server/ledger/budgets";
import { auditRows, callerFor, makeApiKey, makeWorkspace, outcome, rest, type TestWorkspace } from "@/test/helpers";

const DAY = 86_400_000;

async function ownerCtx(ws: TestWorkspace): Promise<TenantContext> {
  return resolveUserTenant(ws.users.owner, ws.slug);
}

function call(overrides: Partial<UsageInput> = {}): UsageInput {
  return {
    modelName: "sim-fast",
    providerKind: "simulator",
    inputTokens: 100,
    outputTokens: 50,
    costUsd: 0.01,
    latencyMs: 12,
    outcome: "ok",
    ...overrides,
  };
}

/** A usage row written straight to the table, at a chosen time. */
async function insertUsage(
  ws: TestWorkspace,
  row: {
    costUsd: string | number;
    createdAt?: Date;
    runId?: string | null;
    agentId?: string | null;
    modelRef?: string | null;
    modelName?: string;
    outcome?: string;
    inputTokens?: number;
    outputTokens?: number;
  },
) {
  return db().usageRecord.create({
    data: {
      id: newId("use"),
      workspaceId: ws.id,
      runId: row.runId ?? null,
      agentId: row.agentId ?? null,
      modelRef: row.modelRef ?? null,
      modelName: row.modelName ?? "sim-fast",
      providerKind: "simulator",
      inputTokens: row.inputTokens ?? 10,
      outputTokens: row.outputTokens ?? 5,
      costUsd: String(row.costUsd),
      latencyMs: 5,
      outcome: row.outcome ?? "ok",
      createdAt: row.createdAt ?? new Date(),
    },
  });
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected BUDGET_EXCEEDED, the call was allowed");
}

/** Exact decimal arithmetic for the expectations: costs as integers of 1e-10 USD. */
const SCALE = 10_000_000_000n;
const units = (cost: string) => {
  const [w, f = ""] = cost.split(".");
  return BigInt(w!) * SCALE + BigInt(f.padEnd(10, "0"));
};
const asNumber = (u: bigint) => Number(`${u / SCALE}.${(u % SCALE).toString().padStart(10, "0")}`);

describe("costOf", () => {
  it("is (input x inputPrice + output x outputPrice) / 1e6, in decimal", () => {
    expect(costOf({ inputPrice: 0.15, outputPrice: 0.6 }, 1000, 500)).toBe(0.00045);
    expect(costOf({ inputPrice: 2.5, outputPrice: 10 }, 1_000_000, 0)).toBe(2.5);
    expect(costOf({ inputPrice: 2.5, outputPrice: 10 }, 0, 1_000_000)).toBe(10);
    expect(costOf({ inputPrice: 0.1, outputPrice: 0.3 }, 3, 7)).toBe(0.0000024); // floats would give 2.4000000000000003e-6
    expect(costOf({ inputPrice: 3, outputPrice: 15 }, 12_345, 6_789)).toBe(0.13887);
    expect(costOf({ inputPrice: 0, outputPrice: 0 }, 5000, 5000)).toBe(0);
  });

  it("rounds to the ledger's 10 decimals and treats nonsense token counts as 0", () => {
    expect(costOf({ inputPrice: 0.00001, outputPrice: 0 }, 1, 0)).toBe(0); // 1e-11 USD
    expect(costOf({ inputPrice: 1, outputPrice: 1 }, 1, 0)).toBe(0.000001);
    expect(costOf({ inputPrice: 1, outputPrice: 1 }, Number.NaN, -5)).toBe(0);
  });
});

describe("budgets: refusal at the boundary", () => {
  it("monthly: spent $0.90 of $1.00 allows $0.10, refuses $0.1000001; reaching the limit exactly is allowed", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null });
    // 0.7 + 0.2 is 0.8999999999999999 in floating point: the ledger sums in decimal
    await recordUsage(ctx, call({ costUsd: 0.7 }));
    await recordUsage(ctx, call({ costUsd: 0.2 }));
    expect((await budgetStatus(ctx)).spentUsd).toBe(0.9);

    await expect(assertWithinBudget(ctx, { estimateUsd: 0.1 })).resolves.toBeUndefined();
    const refused = await refusal(assertWithinBudget(ctx, { estimateUsd: 0.1000001 }));
    expect(refused.code).toBe("BUDGET_EXCEEDED");
    expect(refused.httpStatus).toBe(402);
    expect(refused.message).toBe("Monthly budget of $1.00 would be exceeded: $0.90 spent this month, this call may cost up to $0.1000001");

    // the call happens and costs exactly the rest: the limit is reached, not crossed
    await recordUsage(ctx, call({ costUsd: 0.1 }));
    await expect(assertWithinBudget(ctx, { estimateUsd: 0 })).resolves.toBeUndefined();
    const next = await refusal(assertWithinBudget(ctx, { estimateUsd: 0.0000001 }));
    expect(next.message).toContain("$1.00 spent this month");
    const status = await budgetStatus(ctx);
    expect(status).toMatchObject({ spentUsd: 1, monthlyLimitUsd: 1, fraction: 1, remainingUsd: 0, alert: true, exceeded: true });
  });

  it("names the limit, the spend and the estimate in USD", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await updateBudget(ctx, { monthlyLimitUsd: 10, perRunLimitUsd: null });
    await recordUsage(ctx, call({ costUsd: 9.95 }));
    const refused = await refusal(assertWithinBudget(ctx, { estimateUsd: 0.08 }));
    expect(refused.message).toBe("Monthly budget of $10.00 would be exceeded: $9.95 spent this month, this call may cost up to $0.08");
    expect(refused.details).toMatchObject({ limit: "monthly", limitUsd: 10, spentUsd: 9.95, estimateUsd: 0.08 });
  });

  it("no budget, no refusal; a zero limit lets only free calls through", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await recordUsage(ctx, call({ costUsd: 1000 }));
    await expect(assertWithinBudget(ctx, { estimateUsd: 1_000_000, runId: "run_free" })).resolves.toBeUndefined();
    expect(await budgetStatus(ctx)).toMatchObject({ monthlyLimitUsd: null, fraction: null, alert: false, exceeded: false, remainingUsd: null });

    const zero = await makeWorkspace("budget");
    const zctx = await ownerCtx(zero);
    await updateBudget(zctx, { monthlyLimitUsd: 0, perRunLimitUsd: null });
    await expect(assertWithinBudget(zctx, { estimateUsd: 0 })).resolves.toBeUndefined();
    expect((await refusal(assertWithinBudget(zctx, { estimateUsd: 0.01 }))).message).toContain("Monthly budget of $0.00");
  });

  it("run: the explicit runLimitUsd wins over the workspace's per-run default; other runs do not count", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await updateBudget(ctx, { monthlyLimitUsd: null, perRunLimitUsd: 0.5 });
    await recordUsage(ctx, call({ runId: "run_a", costUsd: 0.25 }));
    await recordUsage(ctx, call({ runId: "run_a", costUsd: 0.2 }));
    await recordUsage(ctx, call({ runId: "run_b", costUsd: 0.4 }));

    // the workspace default: $0.45 of $0.50 spent in run_a
    await expect(assertWithinBudget(ctx, { runId: "run_a", estimateUsd: 0.05 })).resolves.toBeUndefined();
    const refused = await refusal(assertWithinBudget(ctx, { runId: "run_a", estimateUsd: 0.06 }));
    expect(refused.message).toBe("Run budget of $0.50 would be exceeded: $0.45 spent in this run, this call may cost up to $0.06");
    expect(refused.details).toMatchObject({ limit: "run", runId: "run_a" });
    // run_b has its own spend
    await expect(assertWithinBudget(ctx, { runId: "run_b", estimateUsd: 0.1 })).resolves.toBeUndefined();
    await expect(assertWithinBudget(ctx, { runId: "run_new", estimateUsd: 0.5 })).resolves.toBeUndefined();
    // an explicit run limit, higher or lower than the default
    await expect(assertWithinBudget(ctx, { runId: "run_a", estimateUsd: 0.55, runLimitUsd: 1 })).resolves.toBeUndefined();
    expect((await refusal(assertWithinBudget(ctx, { runId: "run_a", estimateUsd: 0.56, runLimitUsd: 1 }))).message).toContain("Run budget of $1.00");
    expect((await refusal(assertWithinBudget(ctx, { runId: "run_a", estimateUsd: 0.01, runLimitUsd: 0.4 }))).message).toContain(
      "Run budget of $0.40 would be exceeded: $0.45 spent in this run",
    );
    // without a run id, only the monthly limit applies (there is none)
    await expect(assertWithinBudget(ctx, { estimateUsd: 100 })).resolves.toBeUndefined();
  });

  it("a run limit applies even without a workspace default; the monthly limit is checked too", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await recordUsage(ctx, call({ runId: "run_x", costUsd: 0.3 }));
    await expect(assertWithinBudget(ctx, { runId: "run_x", estimateUsd: 5 })).resolves.toBeUndefined();
    await expect(assertWithinBudget(ctx, { runId: "run_x", estimateUsd: 0.2, runLimitUsd: 0.5 })).resolves.toBeUndefined();
    expect((await refusal(assertWithinBudget(ctx, { runId: "run_x", estimateUsd: 0.21, runLimitUsd: 0.5 }))).details).toMatchObject({ limit: "run" });

    await updateBudget(ctx, { monthlyLimitUsd: 0.4, perRunLimitUsd: 10 });
    expect((await refusal(assertWithinBudget(ctx, { runId: "run_x", estimateUsd: 0.2 }))).details).toMatchObject({ limit: "monthly" });
  });

  it("usage from last month does not count towards this month's budget", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    const monthStart = startOfUtcMonth();
    await insertUsage(ws, { costUsd: "50", createdAt: new Date(monthStart.getTime() - 1) });
    await insertUsage(ws, { costUsd: "25", createdAt: new Date(monthStart.getTime() - 20 * DAY) });
    await insertUsage(ws, { costUsd: "0.75", createdAt: monthStart });
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null });

    const status = await budgetStatus(ctx);
    expect(status.monthStart).toEqual(monthStart);
    expect(status.spentUsd).toBe(0.75);
    await expect(assertWithinBudget(ctx, { estimateUsd: 0.25 })).resolves.toBeUndefined();
    await expect(assertWithinBudget(ctx, { estimateUsd: 0.26 })).rejects.toMatchObject({ code: "BUDGET_EXCEEDED" });
  });

  it("a refused call leaves the earlier usage intact, and recordUsage never refuses", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await updateBudget(ctx, { monthlyLimitUsd: 0.05, perRunLimitUsd: null });
    await recordUsage(ctx, call({ runId: "run_k", costUsd: 0.03 }));
    await recordUsage(ctx, call({ runId: "run_k", costUsd: 0.015 }));
    await expect(assertWithinBudget(ctx, { runId: "run_k", estimateUsd: 0.01 })).rejects.toMatchObject({ code: "BUDGET_EXCEEDED" });
    // the gateway records the refusal itself, at no cost
    await recordUsage(ctx, call({ runId: "run_k", costUsd: 0, inputTokens: 0, outputTokens: 0, outcome: "refused", error: "Monthly budget ..." }));

    const page = await listUsage(ctx, { runId: "run_k", limit: 50 });
    // rows written within the same millisecond have no defined order between them: compare as a set
    const rows = page.items.map((r) => [r.outcome, r.costUsd] as const).sort((x, y) => x[1] - y[1]);
    expect(rows).toEqual([
      ["refused", 0],
      ["ok", 0.015],
      ["ok", 0.03],
    ]);
    const totals = await usageTotals(ctx, { runId: "run_k" });
    expect(totals.totals).toMatchObject({ costUsd: 0.045, calls: 3 });

    // what happened is recorded even past the limit (a call's actual cost can exceed its estimate)
    await expect(recordUsage(ctx, call({ costUsd: 5 }))).resolves.toBeUndefined();
    expect(await budgetStatus(ctx)).toMatchObject({ spentUsd: 5.045, exceeded: true, alert: true, remainingUsd: 0 });
  });

  it("recordUsage stores the actor and cleans nonsense numbers", async () => {
    const ws = await makeWorkspace("budget");
    const ctx = await ownerCtx(ws);
    await recordUsage(ctx, call({ costUsd: Number.NaN, inputTokens: -3, latencyMs: 12.6, error: "x".repeat(5000), outcome: "error" }));
    const [row] = await db().usageRecord.findMany({ where: { workspaceId: ws.id } });
    expect(row).toMatchObject({ inputTokens: 0, latencyMs: 13, outcome: "error", actorType: "user", actorId: ws.users.owner.id });
    expect(Number(row!.costUsd)).toBe(0);
    expect(row!.error!.length).toBe(2000);
  });
});

describe("budget status and settings", () => {
  it("alerts at the threshold (80% by default) and reports exceeded at the limit", async () => {
    const ws = await makeWorkspace("alert");
    const ctx = await ownerCtx(ws);
    expect(await getBudget(ctx)).toEqual({ monthlyLimitUsd: null, perRunLimitUsd: null, alertThreshold: 0.8, updatedAt: null });
    await updateBudget(ctx, { monthlyLimitUsd: 3, perRunLimitUsd: null });
    await recordUsage(ctx, call({ costUsd: 2.39 }));
    expect(await budgetStatus(ctx)).toMatchObject({ spentUsd: 2.39, alert: false, exceeded: false, remainingUsd: 0.61 });
    await recordUsage(ctx, call({ costUsd: 0.01 }));
    // 2.4 / 3 is 0.7999999999999999 in floating point: the comparison is decimal
    expect(await budgetStatus(ctx)).toMatchObject({ spentUsd: 2.4, alert: true, exceeded: false });

    await updateBudget(ctx, { monthlyLimitUsd: 3, perRunLimitUsd: null, alertThreshold: 0.9 });
    expect((await budgetStatus(ctx)).alert).toBe(false);
    await recordUsage(ctx, call({ costUsd: 0.6 }));
    expect(await budgetStatus(ctx)).toMatchObject({ spentUsd: 3, fraction: 1, alert: true, exceeded: true });
  });

  it("update keeps the threshold when left out, is audited with from/to, and validates its input", async () => {
    const ws = await makeWorkspace("alert");
    const owner = callerFor(ws.users.owner, ws.slug);
    await owner.budgets.update({ monthlyLimitUsd: 25, perRunLimitUsd: 2.5, alertThreshold: 0.75 });
    const updated = await owner.budgets.update({ monthlyLimitUsd: 30.1234, perRunLimitUsd: null });
    expect(updated).toMatchObject({ monthlyLimitUsd: 30.1234, perRunLimitUsd: null, alertThreshold: 0.75 });
    expect(await owner.budgets.get()).toEqual(updated);

    const [latest] = await auditRows(ws.id, "budget.update");
    expect(latest!.metadata).toEqual({
      from: { monthlyLimitUsd: 25, perRunLimitUsd: 2.5, alertThreshold: 0.75 },
      to: { monthlyLimitUsd: 30.1234, perRunLimitUsd: null, alertThreshold: 0.75 },
    });
    expect(latest!.actorId).toBe(ws.users.owner.id);

    for (const bad of [
      { monthlyLimitUsd: -1, perRunLimitUsd: null },
      { monthlyLimitUsd: 1.00001, perRunLimitUsd: null },
      { monthlyLimitUsd: 10, perRunLimitUsd: null, alertThreshold: 0.4 },
      { monthlyLimitUsd: 10, perRunLimitUsd: null, alertThreshold: 1.01 },
    ]) {
      expect(await outcome(owner.budgets.update(bad)), JSON.stringify(bad)).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    }
    // members and viewers read the budget but cannot change it
    expect(await outcome(callerFor(ws.users.member, ws.slug).budgets.update({ monthlyLimitUsd: 1, perRunLimitUsd: null }))).toMatchObject({
      ok: false,
      code: "FORBIDDEN",
    });
    expect((await callerFor(ws.users.viewer, ws.slug).budgets.status()).monthlyLimitUsd).toBe(30.1234);
    expect((await auditRows(ws.id, "budget.update")).length).toBe(2);
  });
});

describe("usage rows in call order", () => {
  it("rows written back to back never share a millisecond, so they list in the order of the calls", async () => {
    const ws = await makeWorkspace("order");
    const ctx = await ownerCtx(ws);
    for (let i = 0; i < 20; i++) await recordUsage(ctx, call({ modelName: `m${i}`, runId: "run_order" }));
    const rows = await db().usageRecord.findMany({ where: { workspaceId: ws.id }, orderBy: { createdAt: "asc" } });
    expect(rows.map((r) => r.modelName)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`));
    expect(new Set(rows.map((r) => r.createdAt.getTime())).size).toBe(20);
  });
});

describe("totals", () => {
  it("records add up exactly to the totals per run, agent, model, day and month", async () => {
    const ws = await makeWorkspace("totals");
    const ctx = await ownerCtx(ws);
    const provider = await db().provider.create({ data: { id: newId("prv"), workspaceId: ws.id, name: "Sim", kind: "simulator", isLocal: true } });
    const modelA = await db().model.create({
      data: {
        id: newId("mdl"),
        workspaceId: ws.id,
        providerId: provider.id,
        modelId: "sim-a",
        displayName: "Simulator A",
        inputPrice: 1,
        outputPrice: 2,
        contextWindow: 8000,
        capabilities: [],
        quality: 0.5,
      },
    });
    const goneRef = newId("mdl"); // a model deleted since: its name stays

    const awkward = ["0.1", "0.2", "0.0000001", "0.3333333333", "1.0000000001", "0.7", "0.0000000001", "2.05"];
    const now = new Date();
    const today = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 0, 0, 1));
    const days = [today, new Date(today.getTime() - DAY), new Date(today.getTime() - 2 * DAY), new Date(today.getTime() - 40 * DAY)];
    const expected = {
      total: 0n,
      calls: 0,
      input: 0,
      run: new Map<string, bigint>(),
      agent: new Map<string, bigint>(),
      model: new Map<string, bigint>(),
      day: new Map<string, bigint>(),
      month: new Map<string, bigint>(),
    };
    const add = (m: Map<string, bigint>, k: string, u: bigint) => m.set(k, (m.get(k) ?? 0n) + u);

    for (let i = 0; i < 64; i++) {
      const cost = awkward[i % awkward.length]!;
      const runId = `run_${["one", "two", "three"][i % 3]}`;
      const agentId = i % 4 === 0 ? null : `agt_${["x", "y"][i % 2]}`;
      const ref = i % 5 === 0 ? goneRef : modelA.id;
      const modelName = i % 5 === 0 ? "old-model" : "sim-a";
      const createdAt = new Date(days[i % days.length]!.getTime() + i * 1000);
      await insertUsage(ws, { costUsd: cost, runId, agentId, modelRef: ref, modelName, createdAt, inputTokens: i, outputTokens: 2 * i });
      const u = units(cost);
      expected.total += u;
      expected.calls++;
      expected.input += i;
      add(expected.run, runId, u);
      add(expected.agent, agentId ?? "(none)", u);
      add(expected.model, ref, u);
      add(expected.day, createdAt.toISOString().slice(0, 10), u);
      add(expected.month, createdAt.toISOString().slice(0, 7), u);
    }

    const totals = await usageTotals(ctx, {});
    expect(totals.totals).toEqual({
      costUsd: asNumber(expected.total),
      calls: 64,
      inputTokens: expected.input,
      outputTokens: 2 * expected.input,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
    expect(totals.totals.costUsd).toBe(asNumber(expected.total));
    expect(Object.fromEntries(totals.byRun.map((r) => [r.runId, r.costUsd]))).toEqual(Object.fromEntries([...expected.run].map(([k, u]) => [k, asNumber(u)])));
    expect(Object.fromEntries(totals.byAgent.map((r) => [r.agentId ?? "(none)", r.costUsd]))).toEqual(
      Object.fromEntries([...expected.agent].map(([k, u]) => [k, asNumber(u)])),
    );
    expect(Object.fromEntries(totals.byModel.map((r) => [r.modelRef, r.costUsd]))).toEqual(
      Object.fromEntries([...expected.model].map(([k, u]) => [k, asNumber(u)])),
    );
    expect(totals.byDay.map((d) => [d.day, d.costUsd])).toEqual([...expected.day].sort(([a], [b]) => a.localeCompare(b)).map(([k, u]) => [k, asNumber(u)]));
    expect(totals.byMonth.map((d) => [d.month, d.costUsd])).toEqual(
      [...expected.month].sort(([a], [b]) => a.localeCompare(b)).map(([k, u]) => [k, asNumber(u)]),
    );
    // breakdowns are sorted by cost, and carry names: the catalog's while the model exists
    expect(totals.byRun.map((r) => r.costUsd)).toEqual([...totals.byRun.map((r) => r.costUsd)].sort((a, b) => b - a));
    expect(totals.byModel.find((m) => m.modelRef === modelA.id)).toMatchObject({ displayName: "Simulator A", modelName: "sim-a", providerKind: "simulator" });
    expect(totals.byModel.find((m) => m.modelRef === goneRef)).toMatchObject({ displayName: "old-model", modelName: "old-model" });
    expect(totals.byRun.reduce((n, r) => n + r.calls, 0)).toBe(64);

    // one run's totals through the filter equal its breakdown entry and the sum of its listed records
    const one = await usageTotals(ctx, { runId: "run_one" });
    expect(one.totals.costUsd).toBe(asNumber(expected.run.get("run_one")!));
    const listed = await listUsage(ctx, { runId: "run_one", limit: 200 });
    expect(asNumber(listed.items.reduce((u, r) => u + units(r.costUsd.toFixed(10)), 0n))).toBe(one.totals.costUsd);
    expect(listed.items.find((r) => r.modelRef === modelA.id)?.modelDisplayName).toBe("Simulator A");
    expect(listed.items.find((r) => r.modelRef === goneRef)?.modelDisplayName).toBe("old-model");

    // the same through tRPC and REST
    expect((await callerFor(ws.users.viewer, ws.slug).usage.totals({ agentId: "agt_x" })).totals.costUsd).toBe(asNumber(expected.agent.get("agt_x")!));
    const key = await makeApiKey(ws, "viewer");
    const res = await rest("GET", "/api/v1/usage/totals", { key: key.raw, query: { model: modelA.id } });
    expect(res.status).toBe(200);
    expect(res.body.totals.costUsd).toBe(asNumber(expected.model.get(modelA.id)!));
    expect(res.body.byModel).toHaveLength(1);
  });
});

describe("listing: filters and pagination", () => {
  it("pages newest first without gaps or repeats, and filters by run, agent, model, outcome and period", async () => {
    const ws = await makeWorkspace("list");
    const ctx = await ownerCtx(ws);
    const now = Date.now();
    const sameInstant = new Date(now - 3 * DAY);
    const rows: Awaited<ReturnType<typeof insertUsage>>[] = [];
    for (let i = 0; i < 23; i++) {
      rows.push(
        await insertUsage(ws, {
          costUsd: "0.01",
          runId: i % 2 ? "run_odd" : "run_even",
          agentId: i % 3 ? "agt_a" : "agt_b",
          modelRef: i % 4 ? "mdl_one111" : "mdl_two222",
          outcome: i % 5 ? "ok" : "error",
          // several rows share one timestamp: the id breaks the tie
          createdAt: i < 6 ? sameInstant : new Date(now - i * 3_600_000),
        }),
      );
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listUsage(ctx, { limit: 4, cursor });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(6);
    expect(new Set(seen).size).toBe(23);
    const order = [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (b.id < a.id ? -1 : 1)).map((r) => r.id);
    expect(seen).toEqual(order);

    const ids = async (filters: Parameters<typeof listUsage>[1]) => (await listUsage(ctx, filters)).items.map((r) => r.id).sort();
    const expectIds = (pred: (i: number) => boolean) =>
      rows
        .filter((_, i) => pred(i))
        .map((r) => r.id)
        .sort();
    expect(await ids({ limit: 200, runId: "run_odd" })).toEqual(expectIds((i) => i % 2 === 1));
    expect(await ids({ limit: 200, agentId: "agt_b" })).toEqual(expectIds((i) => i % 3 === 0));
    expect(await ids({ limit: 200, modelRef: "mdl_two222", outcome: "error" })).toEqual(expectIds((i) => i % 4 === 0 && i % 5 === 0));
    expect(await ids({ limit: 200, period: "today" })).toEqual(
      rows
        .filter((r) => r.createdAt.getTime() >= resolveRange({ period: "today" }).from!.getTime())
        .map((r) => r.id)
        .sort(),
    );
    expect(await ids({ limit: 200, period: "7d" })).toHaveLength(23);
    const from = new Date(now - 10 * 3_600_000).toISOString();
    const to = new Date(now - 5 * 3_600_000).toISOString();
    // [from, to): the rows 6..10 hours old, the one exactly at `to` left out
    expect(await ids({ limit: 200, from, to })).toEqual(expectIds((i) => i >= 6 && i <= 10));
    expect((await usageTotals(ctx, { from, to })).totals.calls).toBe(5);

    await expect(listUsage(ctx, { limit: 5, cursor: "not-a-cursor" })).rejects.toMatchObject({ code: "INVALID_CURSOR" });
    const owner = callerFor(ws.users.owner, ws.slug);
    expect(await outcome(owner.usage.list({ period: "7d", from }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(owner.usage.list({ from: to, to: from }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await outcome(owner.usage.list({ period: "year" as never }))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
  });

  it("period shortcuts are calendar days and months in UTC", () => {
    const now = new Date("2026-03-15T10:30:00Z");
    expect(resolveRange({ period: "today" }, now).from).toEqual(new Date("2026-03-15T00:00:00Z"));
    expect(resolveRange({ period: "7d" }, now).from).toEqual(new Date("2026-03-09T00:00:00Z"));
    expect(resolveRange({ period: "30d" }, now).from).toEqual(new Date("2026-02-14T00:00:00Z"));
    expect(resolveRange({ period: "month" }, now).from).toEqual(new Date("2026-03-01T00:00:00Z"));
    expect(resolveRange({ from: "2026-01-01T00:00:00+02:00", to: "2026-02-01T00:00:00Z" }, now)).toEqual({
      from: new Date("2025-12-31T22:00:00Z"),
      to: new Date("2026-02-01T00:00:00Z"),
    });
    expect(startOfUtcMonth(new Date("2026-01-31T23:59:59.999Z"))).toEqual(new Date("2026-01-01T00:00:00Z"));
  });
});

describe("REST", () => {
  it("GET /api/v1/usage returns records, the totals of the filtered set and a cursor; PUT/GET /api/v1/budget", async () => {
    const ws = await makeWorkspace("rest-usage");
    const ctx = await ownerCtx(ws);
    for (let i = 0; i < 5; i++) await recordUsage(ctx, call({ runId: "run_rest", costUsd: 0.1, agentId: i < 2 ? "agt_r" : undefined }));
    await recordUsage(ctx, call({ runId: "run_other", costUsd: 0.2, outcome: "timeout", error: "timed out" }));
    const key = (await makeApiKey(ws, "admin")).raw;

    const page1 = await rest("GET", "/api/v1/usage", { key, query: { run: "run_rest", limit: "3", period: "today" } });
    expect(page1.status).toBe(200);
    expect(page1.body.data).toHaveLength(3);
    expect(page1.body.totals).toEqual({ costUsd: 0.5, calls: 5, inputTokens: 500, outputTokens: 250, cacheReadTokens: 0, reasoningTokens: 0 });
    expect(page1.body.data[0]).toMatchObject({
      runId: "run_rest",
      modelName: "sim-fast",
      modelDisplayName: "sim-fast",
      providerKind: "simulator",
      costUsd: 0.1,
      outcome: "ok",
    });
    const page2 = await rest("GET", "/api/v1/usage", { key, query: { run: "run_rest", limit: "3", cursor: page1.body.nextCursor } });
    expect(page2.body.data).toHaveLength(2);
    expect(page2.body.nextCursor).toBeNull();

    const byAgent = await rest("GET", "/api/v1/usage", { key, query: { agent: "agt_r" } });
    expect(byAgent.body.totals.calls).toBe(2);
    const timeouts = await rest("GET", "/api/v1/usage", { key, query: { outcome: "timeout" } });
    expect(timeouts.body.data).toEqual([expect.objectContaining({ runId: "run_other", error: "timed out", costUsd: 0.2 })]);
    expect((await rest("GET", "/api/v1/usage", { key, query: { period: "week" } })).status).toBe(422);
    expect((await rest("GET", "/api/v1/usage", { key, query: { from: "yesterday" } })).status).toBe(422);

    const put = await rest("PUT", "/api/v1/budget", { key, body: { monthlyLimitUsd: 0.75, perRunLimitUsd: 0.25 } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ monthlyLimitUsd: 0.75, perRunLimitUsd: 0.25, alertThreshold: 0.8 });
    const got = await rest("GET", "/api/v1/budget", { key });
    expect(got.body.status).toMatchObject({ spentUsd: 0.7, monthlyLimitUsd: 0.75, alert: true, exceeded: false });
    expect(got.body.status.fraction).toBeCloseTo(0.9333333333, 10);
    expect((await rest("PUT", "/api/v1/budget", { key, body: { monthlyLimitUsd: "lots" } })).status).toBe(422);
    const viewerKey = (await makeApiKey(ws, "viewer")).raw;
    expect((await rest("PUT", "/api/v1/budget", { key: viewerKey, body: { monthlyLimitUsd: null, perRunLimitUsd: null } })).status).toBe(403);
    expect((await rest("GET", "/api/v1/budget", { key: viewerKey })).status).toBe(200);
  });
});

describe("cross-tenant", () => {
  it("another workspace's members and keys never see these records or this spend", async () => {
    const a = await makeWorkspace("ledger-a");
    const b = await makeWorkspace("ledger-b");
    const ctxA = await ownerCtx(a);
    const ctxB = await ownerCtx(b);
    await updateBudget(ctxA, { monthlyLimitUsd: 100, perRunLimitUsd: 1 });
    await recordUsage(ctxA, call({ runId: "run_shared", agentId: "agt_shared", modelRef: "mdl_shared00", costUsd: 0.9 }));
    const [recordA] = (await listUsage(ctxA, { limit: 10 })).items;

    const ownerB = callerFor(b.users.owner, b.slug);
    expect((await ownerB.usage.list({ runId: "run_shared" })).items).toEqual([]);
    expect((await ownerB.usage.list({})).items).toEqual([]);
    expect((await ownerB.usage.totals({ runId: "run_shared" })).totals).toEqual({
      costUsd: 0,
      calls: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      reasoningTokens: 0,
    });
    expect((await ownerB.usage.totals({})).byRun).toEqual([]);
    expect(await ownerB.budgets.get()).toMatchObject({ monthlyLimitUsd: null, perRunLimitUsd: null });
    expect((await ownerB.budgets.status()).spentUsd).toBe(0);
    // A's run spend does not count in B, nor A's per-run limit
    await expect(assertWithinBudget(ctxB, { runId: "run_shared", estimateUsd: 0.5 })).resolves.toBeUndefined();
    await expect(assertWithinBudget(ctxA, { runId: "run_shared", estimateUsd: 0.5 })).rejects.toMatchObject({ code: "BUDGET_EXCEEDED" });
    // A's cursor is only a position: it brings none of A's rows into B
    const withCursorA = await listUsage(ctxA, { limit: 1 });
    expect(withCursorA.nextCursor).toBeNull();
    const forged = Buffer.from(`${Date.now() + 60_000}:${recordA!.id}`).toString("base64url");
    expect((await ownerB.usage.list({ cursor: forged })).items).toEqual([]);

    // B's member looking at A's workspace: NOT_FOUND; B's key only ever reads B
    expect(await outcome(callerFor(b.users.owner, a.slug).usage.list({}))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(callerFor(b.users.owner, a.slug).budgets.update({ monthlyLimitUsd: 0, perRunLimitUsd: null }))).toMatchObject({
      ok: false,
      code: "NOT_FOUND",
    });
    const keyB = (await makeApiKey(b, "owner")).raw;
    const restB = await rest("GET", "/api/v1/usage", { key: keyB, query: { run: "run_shared" } });
    expect(restB.status).toBe(200);
    expect(restB.body).toEqual({
      data: [],
      totals: { costUsd: 0, calls: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, reasoningTokens: 0 },
      nextCursor: null,
    });
    expect((await rest("GET", "/api/v1/usage/totals", { key: keyB, query: { agent: "agt_shared" } })).body.totals.calls).toBe(0);
    expect((await rest("GET", "/api/v1/budget", { key: keyB })).body.status.spentUsd).toBe(0);
    await rest("PUT", "/api/v1/budget", { key: keyB, body: { monthlyLimitUsd: 5, perRunLimitUsd: null } });
    expect(await getBudget(ctxA)).toMatchObject({ monthlyLimitUsd: 100, perRunLimitUsd: 1 });

    // and A still sees its own
    const restA = await rest("GET", "/api/v1/usage", { key: (await makeApiKey(a, "viewer")).raw, query: { run: "run_shared" } });
    expect(restA.body.data.map((r: { id: string }) => r.id)).toEqual([recordA!.id]);
  });
});

describe("formatUsd", () => {
  it("shows cents when whole cents, more decimals when needed, never a non-zero amount as zero", () => {
    expect(formatUsd(10)).toBe("$10.00");
    expect(formatUsd(9.95)).toBe("$9.95");
    expect(formatUsd(0.0834)).toBe("$0.0834");
    expect(formatUsd(0.1000001)).toBe("$0.1000001");
    expect(formatUsd(12345.5)).toBe("$12,345.50");
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(1e-9)).toBe("<$0.0000001");
  });
});
