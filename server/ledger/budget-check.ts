/**
 * The budget check before each model call (monthly limit per workspace, limit per run) with the call's worst-case
 * estimate: reaching a limit exactly is allowed, crossing it is refused.
 *
 * The check is on every model call's path, so it reads no database in the common case: the Budget row and the
 * spends it compares against are kept in this process for a short TTL (server/ledger/budget-cache.ts).
 */
import { AppError } from "@/lib/errors";
import { formatUsd } from "@/lib/usd";
import type { TenantContext } from "@/server/context";
import { cachedBudget, cachedMonthSpend, cachedRunSpend } from "@/server/ledger/budget-cache";
import { Decimal, decimalOf } from "@/server/ledger/decimal";

/**
 * Refuses (BUDGET_EXCEEDED) a call whose worst-case estimate would take the month's spend past the
 * workspace's monthly limit, or (with a runId) the run's spend past the run's limit: `runLimitUsd` when
 * given, else the workspace's perRunLimitUsd. Spent + estimate == limit is allowed.
 */
export async function assertWithinBudget(ctx: TenantContext, input: { runId?: string; estimateUsd: number; runLimitUsd?: number }): Promise<void> {
  const estimate = Number.isFinite(input.estimateUsd) && input.estimateUsd > 0 ? decimalOf(input.estimateUsd) : new Decimal(0);
  const budget = await cachedBudget(ctx.workspaceId);

  if (budget?.monthlyLimitUsd != null) {
    const limit = budget.monthlyLimitUsd;
    const spent = await cachedMonthSpend(ctx);
    if (spent.plus(estimate).gt(limit)) {
      throw new AppError(
        "BUDGET_EXCEEDED",
        `Monthly budget of ${usd(limit)} would be exceeded: ${usd(spent)} spent this month, this call may cost up to ${usd(estimate)}`,
        { limit: "monthly", limitUsd: limit.toNumber(), spentUsd: spent.toNumber(), estimateUsd: estimate.toNumber() },
      );
    }
  }

  if (input.runId) {
    const runLimit =
      input.runLimitUsd != null && Number.isFinite(input.runLimitUsd)
        ? decimalOf(Math.max(0, input.runLimitUsd))
        : budget?.perRunLimitUsd != null
          ? budget.perRunLimitUsd
          : null;
    if (runLimit) {
      const spent = await cachedRunSpend(ctx, input.runId);
      if (spent.plus(estimate).gt(runLimit)) {
        throw new AppError(
          "BUDGET_EXCEEDED",
          `Run budget of ${usd(runLimit)} would be exceeded: ${usd(spent)} spent in this run, this call may cost up to ${usd(estimate)}`,
          { limit: "run", runId: input.runId, limitUsd: runLimit.toNumber(), spentUsd: spent.toNumber(), estimateUsd: estimate.toNumber() },
        );
      }
    }
  }
}

function usd(amount: Decimal): string {
  return formatUsd(amount.toNumber());
}
