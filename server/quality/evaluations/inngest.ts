/**
 * Evaluations on Inngest (when configured: ./inngest-enabled.ts): the event `cadre/evaluation.requested` runs the same
 * body as the in-process worker (./worker.ts), `advanceEvaluation`, one Inngest step per pass (`advance-0`,
 * `advance-1`, ...: memoised), and a durable `step.sleep` between passes while it waits for its runs. There is no
 * lease (fence TRUE): one function run per evaluation at a time (concurrency keyed by it); the item's run is started in
 * the same statement that marks it, and a judge's verdict is written once, so a step that Inngest runs twice starts
 * and scores nothing twice. When the retries are spent, the evaluation fails (onFailure).
 */
import { NonRetriableError } from "inngest";
import { sql } from "@/server/db/sql";
import { execute } from "@/server/db/execute";
import { logger } from "@/server/logger";
import { advanceEvaluation, type AdvanceOutcome } from "./run-items";
import { inngest } from "@/server/jobs/inngest";
import { evaluationContext, evaluationFailureMessage, failEvaluation, isPermanentEvaluationFailure } from "./job";

export const EVALUATION_REQUESTED_EVENT = "cadre/evaluation.requested";
const RETRIES = 3;
/** passes at most (a safety net: an evaluation of 5,000 items at concurrency 1 needs about 10,000) */
const MAX_PASSES = 20_000;

export interface EvaluationRef {
  evaluationId: string;
  workspaceId: string;
}

async function passStep(ref: EvaluationRef): Promise<AdvanceOutcome> {
  const { rows } = await execute<{ id: string; workspaceId: string; createdByType: string; createdById: string | null }>(
    ref,
    sql`SELECT id, "workspaceId", "createdByType", "createdById" FROM "Evaluation" WHERE id = ${ref.evaluationId} AND "workspaceId" = ${ref.workspaceId}`,
  );
  const row = rows[0];
  if (!row) return { done: true, waiting: false, status: "gone" };
  try {
    return await advanceEvaluation(await evaluationContext(row), ref.evaluationId, sql`TRUE`);
  } catch (error) {
    if (!isPermanentEvaluationFailure(error)) throw error;
    await failEvaluation(row, evaluationFailureMessage(error));
    throw new NonRetriableError(evaluationFailureMessage(error), { cause: error });
  }
}

export const evaluationFunction = inngest.createFunction(
  {
    id: "run-evaluation",
    name: "Run an evaluation over a dataset",
    triggers: [{ event: EVALUATION_REQUESTED_EVENT }],
    retries: RETRIES,
    concurrency: [{ key: "event.data.evaluationId", limit: 1 }],
    onFailure: async ({ event, error }) => {
      const original = (event as { data?: { event?: { data?: Partial<EvaluationRef> } } }).data?.event?.data;
      if (!original?.evaluationId || !original.workspaceId) return;
      logger.error({ evaluationId: original.evaluationId, error: error?.message }, "inngest: evaluation failed");
      await failEvaluation({ id: original.evaluationId, workspaceId: original.workspaceId }, evaluationFailureMessage(error?.cause ?? error));
    },
  },
  async ({ event, step }) => {
    const ref = event.data as EvaluationRef;
    for (let n = 0; n < MAX_PASSES; n++) {
      const outcome = (await step.run(`advance-${n}`, () => passStep(ref))) as AdvanceOutcome;
      if (outcome.done) return outcome.status;
      if (outcome.waiting) await step.sleep(`wait-${n}`, "2s");
    }
    throw new NonRetriableError("The evaluation took too many passes");
  },
);

export async function sendEvaluationRequested(ref: EvaluationRef): Promise<void> {
  await inngest.send({ name: EVALUATION_REQUESTED_EVENT, data: { evaluationId: ref.evaluationId, workspaceId: ref.workspaceId } });
}
