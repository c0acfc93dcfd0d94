import type { TenantContext } from "@/server/context";
import type { UsageRecordOut } from "@/lib/schemas/usage";
import { listUsage } from "@/server/ledger/reports";
import { getRunStep } from "./service";

/** The most ledger rows one step's call list returns (attempts x fallbacks x cut-answer retries stay far below it). */
export const STEP_CALLS_LIMIT = 100;

/**
 * Every model call a run's step made, oldest first: its ledger rows (failed calls, fallbacks, earlier attempts and a
 * cut answer's retry included). Needs only runs:read; a run or step outside the workspace is NOT_FOUND.
 */
export async function listStepCalls(ctx: TenantContext, runId: string, stepRef: string): Promise<UsageRecordOut[]> {
  const step = await getRunStep(ctx, runId, stepRef);
  const { items } = await listUsage(ctx, { runId, stepId: step.stepId, limit: STEP_CALLS_LIMIT });
  return items.reverse();
}
