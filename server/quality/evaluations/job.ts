/**
 * What the two runners of an evaluation share (the in-process worker, ./evaluations.ts, and the Inngest function,
 * ./evaluations-inngest.ts): the context it runs in (its creator's), which failures retrying cannot fix, and failing it.
 */
import { AppError } from "@/lib/errors";
import type { ActorType } from "@/lib/schemas/common";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { runTenantContext } from "@/server/jobs/run-function";

/** The context an evaluation runs in: its creator's (its runs and judge calls are theirs). */
export async function evaluationContext(job: { id: string; workspaceId: string; createdByType: string; createdById: string | null }): Promise<TenantContext> {
  const ctx = await runTenantContext({
    id: job.id,
    workspaceId: job.workspaceId,
    createdByType: job.createdByType as ActorType,
    createdById: job.createdById ?? "",
  });
  return { ...ctx, requestId: `evaluation:${job.id}` };
}

export function isPermanentEvaluationFailure(error: unknown): boolean {
  if (error instanceof AppError) return error.code === "NOT_FOUND" || error.code === "VALIDATION_FAILED" || error.code === "FORBIDDEN";
  return (error as Error)?.name === "RunAccessEndedError";
}

export function evaluationFailureMessage(error: unknown): string {
  if ((error as Error)?.name === "RunAccessEndedError") return "The evaluation's creator can no longer act in the workspace";
  if (error instanceof AppError && error.exposeMessage) return `The evaluation could not go on: ${error.message}`;
  return "The evaluation could not go on (an internal error)";
}

/** Fails an unfinished evaluation with a message for people (only while `fence` holds). */
export async function failEvaluation(job: { id: string; workspaceId: string }, message: string, fence = sql`TRUE`): Promise<void> {
  await execute(
    { workspaceId: job.workspaceId },
    sql`UPDATE "Evaluation" SET "status" = 'failed', "error" = ${message}, "passed" = false, "finishedAt" = (clock_timestamp() AT TIME ZONE 'UTC'),
       "updatedAt" = (clock_timestamp() AT TIME ZONE 'UTC'), "leaseOwner" = NULL, "leaseExpiresAt" = NULL
     WHERE id = ${job.id} AND "status" IN ('queued', 'running') AND ${fence}`,
  );
}
