/** Budget settings (a monthly limit per workspace, a default limit per run, an alert threshold) and the month's status. */
import { db } from "@/server/db/client";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { updateBudgetInputSchema, type BudgetOut, type BudgetStatus, type UpdateBudgetInput } from "@/lib/schemas/usage";
import { invalidateBudgetCache } from "@/server/ledger/budget-cache";
import { Decimal, decimalOf } from "@/server/ledger/decimal";
import { monthToDateSpend, startOfUtcMonth } from "@/server/ledger/reports";

const DEFAULT_ALERT_THRESHOLD = 0.8;

type BudgetRow = { monthlyLimitUsd: Decimal | null; perRunLimitUsd: Decimal | null; alertThreshold: number; updatedAt: Date };

function toBudget(row: BudgetRow | null): BudgetOut {
  return {
    monthlyLimitUsd: row?.monthlyLimitUsd != null ? Number(row.monthlyLimitUsd) : null,
    perRunLimitUsd: row?.perRunLimitUsd != null ? Number(row.perRunLimitUsd) : null,
    alertThreshold: row?.alertThreshold ?? DEFAULT_ALERT_THRESHOLD,
    updatedAt: row?.updatedAt ?? null,
  };
}

export async function getBudget(ctx: TenantContext): Promise<BudgetOut> {
  return toBudget(await db(ctx).budget.findUnique({ where: { workspaceId: ctx.workspaceId } }));
}

export async function updateBudget(ctx: TenantContext, input: UpdateBudgetInput): Promise<BudgetOut> {
  const { monthlyLimitUsd, perRunLimitUsd, alertThreshold } = updateBudgetInputSchema.parse(input);
  const limitOf = (v: number | null) => (v === null ? null : decimalOf(v).toDecimalPlaces(4));
  const row = await db(ctx).$transaction(async (tx) => {
    const before = await tx.budget.findUnique({ where: { workspaceId: ctx.workspaceId } });
    const data = {
      monthlyLimitUsd: limitOf(monthlyLimitUsd),
      perRunLimitUsd: limitOf(perRunLimitUsd),
      alertThreshold: alertThreshold ?? before?.alertThreshold ?? DEFAULT_ALERT_THRESHOLD,
    };
    const after = await tx.budget.upsert({ where: { workspaceId: ctx.workspaceId }, create: { workspaceId: ctx.workspaceId, ...data }, update: data });
    const { updatedAt: _b, ...from } = toBudget(before);
    const { updatedAt: _a, ...to } = toBudget(after);
    await recordAudit(ctx, { action: "budget.update", targetType: "budget", targetId: ctx.workspaceId, metadata: { from, to } }, tx);
    return after;
  });
  invalidateBudgetCache(ctx.workspaceId);
  return toBudget(row);
}

/** Month-to-date spend (calendar month, UTC) against the monthly limit; `alert` from the threshold. */
export async function budgetStatus(ctx: TenantContext): Promise<BudgetStatus> {
  const now = new Date();
  const [row, spent] = await Promise.all([db(ctx).budget.findUnique({ where: { workspaceId: ctx.workspaceId } }), monthToDateSpend(ctx, now)]);
  const budget = toBudget(row);
  const limit = row?.monthlyLimitUsd != null ? new Decimal(row.monthlyLimitUsd.toString()) : null;
  let fraction: Decimal | null = null;
  // a zero limit is fully used from the start (only free calls pass)
  if (limit) fraction = limit.isZero() ? new Decimal(1) : spent.div(limit);
  const exceeded = limit ? spent.gte(limit) : false;
  return {
    monthStart: startOfUtcMonth(now),
    spentUsd: spent.toNumber(),
    monthlyLimitUsd: budget.monthlyLimitUsd,
    perRunLimitUsd: budget.perRunLimitUsd,
    alertThreshold: budget.alertThreshold,
    remainingUsd: limit ? Decimal.max(limit.minus(spent), 0).toNumber() : null,
    fraction: fraction ? fraction.toNumber() : null,
    alert: fraction ? exceeded || fraction.gte(decimalOf(budget.alertThreshold)) : false,
    exceeded,
  };
}

/** The budget with this month's spend against it (GET /api/v1/budget). */
export async function budgetOverview(ctx: TenantContext): Promise<{ budget: BudgetOut; status: BudgetStatus }> {
  const [budget, status] = await Promise.all([getBudget(ctx), budgetStatus(ctx)]);
  return { budget, status };
}
