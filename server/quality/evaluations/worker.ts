/**
 * Evaluations as leased background jobs: the Evaluation row is the job's state, claimed by the lease worker of
 * server/jobs/lease-worker.ts (status "running" while claimed). Each batch is one `advanceEvaluation` (./run-items.ts)
 * under the lease's fence. When it only waits for its runs, the batch lets go of the lease with a retryAt
 * EVALUATION_POLL_MS later (and its attempts reset): the evaluation is claimed again on a later poll, and no worker is
 * held while runs execute. A worker that dies stops renewing its lease; once it expires, another worker resumes (items
 * already scored are not scored again, each item's run is started once).
 * It starts with the server under the executor's conditions (./boot.ts, from instrumentation.ts); under Inngest,
 * ./inngest.ts runs it. The claim, lease renewal and release cross workspaces: the privileged path `evaluations`
 * (docs/security.md).
 */
import type { CreateEvaluationInput, EvaluationOutput } from "@/lib/schemas/evaluations";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { logger } from "@/server/logger";
import { createEvaluation } from "./service";
import { advanceEvaluation, type AdvanceOutcome } from "./run-items";
import { inngestEnabled } from "@/server/jobs/inngest-enabled";
import { startLeaseWorker, type LeasedJob, type LeaseJobRunner, type LeaseQueue, type LeaseWorker, type LeaseWorkerOptions } from "@/server/jobs/lease-worker";
import { evaluationContext, evaluationFailureMessage, failEvaluation, isPermanentEvaluationFailure } from "./job";

export const EVALUATIONS: LeaseQueue = { table: "Evaluation", path: "evaluations", label: "evaluations", activeStatus: "running" };

/** how long an evaluation that waits for its runs is left alone before it is claimed again (ms) */
export let EVALUATION_POLL_MS = 1_000;
/** tests: a shorter poll */
export function setEvaluationPollMs(ms: number): void {
  EVALUATION_POLL_MS = ms;
}

export const evaluationRunner: LeaseJobRunner<AdvanceOutcome> = {
  queue: EVALUATIONS,
  async open(job: LeasedJob, { fence }) {
    const ctx = await evaluationContext(job);
    return async () => {
      const outcome = await advanceEvaluation(ctx, job.id, fence);
      if (!outcome.waiting) return outcome;
      // wait for the runs without holding a worker: released, claimable again after the poll interval
      await execute(
        ctx,
        sql`UPDATE "Evaluation" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "attempts" = 0,
           "retryAt" = (clock_timestamp() AT TIME ZONE 'UTC') + ${EVALUATION_POLL_MS} * INTERVAL '1 millisecond'
         WHERE id = ${job.id} AND ${fence}`,
      );
      return { ...outcome, done: true };
    };
  },
  fail: (job, message, fence) => failEvaluation(job, message, fence),
  isPermanent: isPermanentEvaluationFailure,
  failureMessage: evaluationFailureMessage,
  exhaustedMessage: "The evaluation failed several times in a row (an internal error)",
};

export type EvaluationWorker = LeaseWorker;

export function startEvaluationWorker(options: LeaseWorkerOptions<AdvanceOutcome> = {}): EvaluationWorker {
  return startLeaseWorker(evaluationRunner, { maxConcurrent: 2, ...options });
}

const globalForWorker = globalThis as unknown as { cadreEvaluationWorker?: EvaluationWorker };

export function startProcessEvaluationWorker(options: LeaseWorkerOptions<AdvanceOutcome> = {}): EvaluationWorker {
  globalForWorker.cadreEvaluationWorker ??= startEvaluationWorker(options);
  return globalForWorker.cadreEvaluationWorker;
}

export async function stopProcessEvaluationWorker(): Promise<void> {
  const worker = globalForWorker.cadreEvaluationWorker;
  globalForWorker.cadreEvaluationWorker = undefined;
  await worker?.stop();
}

/** Creates an evaluation and has it started: this process's worker woken, or the Inngest event sent. */
export async function submitEvaluation(ctx: TenantContext, input: CreateEvaluationInput): Promise<EvaluationOutput> {
  const evaluation = await createEvaluation(ctx, input);
  if (inngestEnabled()) {
    const { sendEvaluationRequested } = await import("./inngest");
    await sendEvaluationRequested({ evaluationId: evaluation.id, workspaceId: ctx.workspaceId });
  } else {
    globalForWorker.cadreEvaluationWorker?.wake();
    if (!globalForWorker.cadreEvaluationWorker)
      logger.debug({ evaluationId: evaluation.id }, "evaluations: no worker in this process (it is claimed by another)");
  }
  return evaluation;
}
