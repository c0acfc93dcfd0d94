/**
 * The per-process budget state behind assertWithinBudget: the Budget row and the spend counters (month to date,
 * per run). A budget change or a cost recorded through this process counts at once; a change made elsewhere (another
 * process: written here straight with db(), bypassing the service) counts once the TTL has passed; a new UTC month
 * starts from the database's figure; concurrent checks and writes never count a cost twice or miss one.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace, tick } from "@/test/helpers";
import { recordUsage, type UsageInput } from "./record";
import { assertWithinBudget } from "./budget-check";
import { budgetStatus, updateBudget } from "./budgets";
import { cachedBudget, configureBudgetCache } from "./budget-cache";

async function workspace(): Promise<{ id: string; ctx: TenantContext }> {
  const ws = await makeWorkspace("budget-cache");
  return { id: ws.id, ctx: await resolveUserTenant(ws.users.owner, ws.slug) };
}

const call = (overrides: Partial<UsageInput> = {}): UsageInput => ({
  modelName: "sim-fast",
  providerKind: "simulator",
  inputTokens: 10,
  outputTokens: 5,
  costUsd: 0.01,
  latencyMs: 3,
  outcome: "ok",
  ...overrides,
});

async function allowed(ctx: TenantContext, input: Parameters<typeof assertWithinBudget>[1]): Promise<boolean> {
  try {
    await assertWithinBudget(ctx, input);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === "BUDGET_EXCEEDED") return false;
    throw error;
  }
}

/** A usage row written straight to the table, as another process would. */
async function insertElsewhere(workspaceId: string, costUsd: string, runId: string | null = null) {
  await db().usageRecord.create({
    data: { id: newId("use"), workspaceId, runId, modelName: "x", providerKind: "simulator", costUsd, outcome: "ok", createdAt: new Date() },
  });
}

afterEach(() => {
  vi.useRealTimers();
  configureBudgetCache();
});

describe("in this process: at once, whatever the TTL", () => {
  it("a budget change takes effect on the next check", async () => {
    configureBudgetCache({ ttlMs: 60_000 });
    const { ctx } = await workspace();
    expect(await allowed(ctx, { estimateUsd: 5 })).toBe(true); // no budget: cached as "none"
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null });
    expect(await allowed(ctx, { estimateUsd: 1 })).toBe(true);
    expect(await allowed(ctx, { estimateUsd: 1.01 })).toBe(false);
    await updateBudget(ctx, { monthlyLimitUsd: 0.4, perRunLimitUsd: null });
    expect(await allowed(ctx, { estimateUsd: 0.5 })).toBe(false);
    await updateBudget(ctx, { monthlyLimitUsd: null, perRunLimitUsd: 0.2 });
    expect(await allowed(ctx, { estimateUsd: 0.5 })).toBe(true);
    expect(await allowed(ctx, { runId: "run_1", estimateUsd: 0.21 })).toBe(false);
    await updateBudget(ctx, { monthlyLimitUsd: null, perRunLimitUsd: null });
    expect(await allowed(ctx, { runId: "run_1", estimateUsd: 0.21 })).toBe(true);
  });

  it("usage recorded in this process counts immediately, towards the month and the run, to the boundary", async () => {
    configureBudgetCache({ ttlMs: 60_000 });
    const { ctx } = await workspace();
    await updateBudget(ctx, { monthlyLimitUsd: 10, perRunLimitUsd: 1 });
    expect(await allowed(ctx, { runId: "run_a", estimateUsd: 0 })).toBe(true); // loads both counters
    await recordUsage(ctx, call({ runId: "run_a", costUsd: 0.7 }));
    expect(await allowed(ctx, { runId: "run_a", estimateUsd: 0.3 })).toBe(true); // 0.7 + 0.3 = the limit: allowed
    expect(await allowed(ctx, { runId: "run_a", estimateUsd: 0.3000001 })).toBe(false);
    expect(await allowed(ctx, { runId: "run_b", estimateUsd: 1 })).toBe(true);
    await recordUsage(ctx, call({ costUsd: 9 })); // no run: the month only
    expect(await allowed(ctx, { estimateUsd: 0.3 })).toBe(true);
    expect(await allowed(ctx, { estimateUsd: 0.3000001 })).toBe(false);
    // 0.1 + 0.2: summed in decimal, as in the database
    await updateBudget(ctx, { monthlyLimitUsd: 10.0, perRunLimitUsd: 0.3 });
    expect(await allowed(ctx, { runId: "run_c", estimateUsd: 0 })).toBe(true);
    await recordUsage(ctx, call({ runId: "run_c", costUsd: 0.1 }));
    await recordUsage(ctx, call({ runId: "run_c", costUsd: 0.2 }));
    expect(await allowed(ctx, { runId: "run_c", estimateUsd: 0 })).toBe(true);
    expect(await allowed(ctx, { runId: "run_c", estimateUsd: 0.0000001 })).toBe(false);
  });
});

describe("elsewhere: within the TTL", () => {
  const TTL = 400;

  it("spend and budget changes written by another process count once the TTL has passed", async () => {
    configureBudgetCache({ ttlMs: TTL });
    const { id, ctx } = await workspace();
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null });
    expect(await allowed(ctx, { runId: "run_x", estimateUsd: 0.5, runLimitUsd: 1 })).toBe(true);

    await insertElsewhere(id, "0.9", "run_x");
    expect(await allowed(ctx, { estimateUsd: 0.5 })).toBe(true); // this process's counter, by design
    expect(await allowed(ctx, { runId: "run_x", estimateUsd: 0.5, runLimitUsd: 1 })).toBe(true);
    await tick(TTL + 50);
    expect(await allowed(ctx, { estimateUsd: 0.1 })).toBe(true);
    expect(await allowed(ctx, { estimateUsd: 0.11 })).toBe(false);
    expect(await allowed(ctx, { runId: "run_x", estimateUsd: 0.11, runLimitUsd: 5 })).toBe(false); // the monthly limit
    await db().budget.update({ where: { workspaceId: id }, data: { monthlyLimitUsd: 100 } });
    expect(await allowed(ctx, { runId: "run_x", estimateUsd: 0.5, runLimitUsd: 1 })).toBe(false);
    await tick(TTL + 50);
    expect(await allowed(ctx, { runId: "run_x", estimateUsd: 0.1, runLimitUsd: 1 })).toBe(true);
    expect(await allowed(ctx, { runId: "run_x", estimateUsd: 0.11, runLimitUsd: 1 })).toBe(false); // the run: 0.9 spent

    await db().budget.update({ where: { workspaceId: id }, data: { monthlyLimitUsd: 0.5 } });
    expect(await allowed(ctx, { estimateUsd: 0 })).toBe(true);
    await tick(TTL + 50);
    expect(await allowed(ctx, { estimateUsd: 0 })).toBe(false);
  });
});

describe("the Budget row past its TTL: served while it reloads", () => {
  const TTL = 300;
  const limitOf = async (workspaceId: string) => (await cachedBudget(workspaceId))?.monthlyLimitUsd?.toNumber() ?? null;

  it("serves the expired row once and reloads it in the background; past the stale window it waits for the read", async () => {
    configureBudgetCache({ ttlMs: TTL, staleMs: 60_000 });
    const { id, ctx } = await workspace();
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null });
    expect(await limitOf(id)).toBe(1);

    await db().budget.update({ where: { workspaceId: id }, data: { monthlyLimitUsd: 2 } }); // another process
    await tick(TTL + 50);
    const [a, b] = await Promise.all([limitOf(id), limitOf(id)]);
    expect([a, b]).toEqual([1, 1]); // expired: served as it was, one reload started
    await vi.waitFor(async () => expect(await limitOf(id)).toBe(2));

    configureBudgetCache({ ttlMs: TTL, staleMs: 0 });
    expect(await limitOf(id)).toBe(2);
    await db().budget.update({ where: { workspaceId: id }, data: { monthlyLimitUsd: 3 } });
    await tick(TTL + 50);
    expect(await limitOf(id)).toBe(3); // no stale window: the check waits for the read
  });
});

describe("month change and concurrency", () => {
  it("a new UTC month starts from the database's month-to-date figure, even while the counter is fresh", async () => {
    configureBudgetCache({ ttlMs: 60_000 });
    const { ctx } = await workspace();
    await updateBudget(ctx, { monthlyLimitUsd: 1, perRunLimitUsd: null });
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-01-31T23:59:59.500Z"));
    await recordUsage(ctx, call({ costUsd: 0.8 }));
    expect(await allowed(ctx, { estimateUsd: 0.3 })).toBe(false); // January: 0.8 spent
    vi.setSystemTime(new Date("2031-02-01T00:00:00.200Z"));
    expect(await allowed(ctx, { estimateUsd: 0.3 })).toBe(true); // February: nothing spent yet
    await recordUsage(ctx, call({ costUsd: 0.8 }));
    expect(await allowed(ctx, { estimateUsd: 0.3 })).toBe(false);
  });

  it("checks running alongside writes neither miss a cost nor count one twice", async () => {
    configureBudgetCache({ ttlMs: 60_000 });
    const { ctx } = await workspace();
    await updateBudget(ctx, { monthlyLimitUsd: 100, perRunLimitUsd: 100 });
    for (let round = 0; round < 3; round++) {
      await Promise.all([
        ...Array.from({ length: 8 }, (_, i) => recordUsage(ctx, call({ runId: "run_c", costUsd: 0.01 * (i + 1) }))),
        ...Array.from({ length: 8 }, () => assertWithinBudget(ctx, { runId: "run_c", estimateUsd: 0 })),
      ]);
    }
    const spent = (await budgetStatus(ctx)).spentUsd; // from the database
    expect(spent).toBeCloseTo(3 * 0.36, 10);
    const rest = Number((100 - spent).toFixed(10));
    expect(await allowed(ctx, { runId: "run_c", estimateUsd: rest })).toBe(true);
    expect(await allowed(ctx, { runId: "run_c", estimateUsd: rest + 0.0000001 })).toBe(false);
    expect(await allowed(ctx, { estimateUsd: rest })).toBe(true);
    expect(await allowed(ctx, { estimateUsd: rest + 0.0000001 })).toBe(false);
  });
});

describe("the usage row (one INSERT with literals)", () => {
  it("stores any text faithfully: quotes, backslashes, unicode; drops NUL, which PostgreSQL text cannot hold", async () => {
    const { id, ctx } = await workspace();
    const nasty = `it's a \\ "test" '); DROP TABLE "UsageRecord"; -- ☃ 𝄞 $1 \u0000end`;
    await recordUsage(
      ctx,
      call({
        runId: `run_'q\\`,
        agentId: "agt_ü",
        stepId: "step $1",
        modelRef: "mdl_x'y",
        modelName: nasty,
        outcome: "error",
        error: nasty,
        costUsd: 0.1234567891,
      }),
    );
    const [row] = await db().usageRecord.findMany({ where: { workspaceId: id } });
    const clean = nasty.replace("\u0000", "");
    expect(row).toMatchObject({
      runId: `run_'q\\`,
      agentId: "agt_ü",
      stepId: "step $1",
      modelRef: "mdl_x'y",
      modelName: clean,
      error: clean,
      outcome: "error",
    });
    expect(row!.costUsd.toString()).toBe("0.1234567891");
    expect(Math.abs(row!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });
});
