/**
 * A run's usage rows that meet in one group commit (server/db/grouped-sends.ts, a parallel fan-out answering together)
 * go as ONE statement (`mergeUsageRows`): the rows, their budget leases and their calls in flight end exactly as the
 * same rows written one by one leave them, a late row still replaces the `lost` row written for its call.
 */
import { describe, expect, it } from "vitest";
import { testDb as db } from "@/test/db";
import { newId } from "@/lib/ids";
import type { TenantContext } from "@/server/context";
import { execute, executeBatch } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { makeWorkspace } from "@/test/helpers";
import { recordCallInFlight } from "./calls-in-flight";
import { updateBudget } from "./budgets";
import { forgetBudgetLeases, reserveBudget } from "./reservations";
import { mergeUsageRows, prepareUsage, type UsageInput } from "./record";

/** A workspace with a monthly limit (so calls reserve from a lease) and three calls about to record their usage. */
async function threeCalls(): Promise<{ ctx: TenantContext; statements: ReturnType<typeof prepareUsage>["sql"][]; leaseId: string }> {
  const ws = await makeWorkspace("merged-usage");
  const ctx = await resolveUserTenant(ws.users.owner, ws.slug);
  await updateBudget(ctx, { monthlyLimitUsd: 100, perRunLimitUsd: null });
  forgetBudgetLeases();
  const r1 = await reserveBudget(ctx, { estimateUsd: 0.5, ttlMs: 60_000 });
  const r2 = await reserveBudget(ctx, { estimateUsd: 0.5, ttlMs: 60_000 });
  expect(r1!.id).toBe(r2!.id); // one lease
  const [c1, c2] = [newId("use"), newId("use")];
  const base = { modelName: "m", providerKind: "openai_compatible", runId: "run_m", latencyMs: 5, outcome: "ok" } as const;
  // c1 is in flight; c2's process was thought dead: its row in flight already became a `lost` row
  await recordCallInFlight(ctx, {
    id: c1,
    modelName: "m",
    providerKind: "openai_compatible",
    inputTokens: 10,
    outputTokens: 100,
    costUsd: 0.5,
    timeoutMs: 60_000,
  });
  await db().usageRecord.create({
    data: { id: c2, workspaceId: ctx.workspaceId, modelName: "m", providerKind: "openai_compatible", costUsd: "0.5", outcome: "lost", estimated: true },
  });
  const inputs: UsageInput[] = [
    { ...base, callId: c1, reservation: r1, inputTokens: 10, outputTokens: 20, costUsd: 0.1234567891 },
    { ...base, callId: c2, reservation: r2, inputTokens: 11, outputTokens: 21, costUsd: 0.2 },
    { ...base, inputTokens: 12, outputTokens: 22, costUsd: 0 }, // a free call: no reservation, no row in flight
  ];
  return { ctx, statements: inputs.map((input) => prepareUsage(ctx, input).sql), leaseId: r1!.id };
}

async function ledgerOf(ctx: TenantContext, leaseId: string) {
  const rows = await db().usageRecord.findMany({ where: { workspaceId: ctx.workspaceId }, orderBy: { inputTokens: "asc" } });
  const lease = await db().budgetReservation.findUnique({ where: { id: leaseId } });
  const inFlight = await db().modelCallInFlight.count({ where: { workspaceId: ctx.workspaceId } });
  return {
    rows: rows.map((r) => ({ in: r.inputTokens, out: r.outputTokens, cost: String(r.costUsd), outcome: r.outcome, estimated: r.estimated })),
    lease: String(lease?.amountUsd),
    inFlight,
  };
}

describe("usage rows merged into one statement", () => {
  it("leave the ledger, the lease and the calls in flight as the rows one by one do", async () => {
    const one = await threeCalls();
    for (const statement of one.statements) await execute(one.ctx, statement);
    const expected = await ledgerOf(one.ctx, one.leaseId);

    const merged = await threeCalls();
    const statements = mergeUsageRows(merged.statements);
    expect(statements).toHaveLength(1);
    await executeBatch(merged.ctx, statements);
    expect(await ledgerOf(merged.ctx, merged.leaseId)).toEqual(expected);

    // what both did: three rows, the late row replaced its `lost` row, nothing left in flight, both costs off the lease
    expect(expected.rows.map((r) => [r.in, r.outcome, r.estimated])).toEqual([
      [10, "ok", false],
      [11, "ok", false],
      [12, "ok", false],
    ]);
    expect(expected.inFlight).toBe(0);
    const granted = Number(expected.lease) + 0.1234567891 + 0.2;
    expect(granted).toBeGreaterThan(1); // the lease held both estimates and more
  });

  it("a row with writes alongside (a rate window's correction) goes as it is, before the merged ones; one row alone is left as it is", async () => {
    const { ctx, statements } = await threeCalls();
    expect(mergeUsageRows(statements.slice(0, 1))).toEqual(statements.slice(0, 1));
    const alongside = prepareUsage(ctx, {
      modelName: "m",
      providerKind: "openai_compatible",
      inputTokens: 1,
      outputTokens: 1,
      costUsd: 0,
      latencyMs: 1,
      outcome: "ok",
      alongside: [sql`rate_corrected AS (SELECT 1)`],
    }).sql;
    const out = mergeUsageRows([statements[0]!, alongside, statements[2]!]);
    expect(out).toHaveLength(2);
    expect(out[0]).toBe(alongside);
    await executeBatch(ctx, out);
    expect(await db().usageRecord.count({ where: { workspaceId: ctx.workspaceId } })).toBe(4); // the lost row, and three
  });
});
