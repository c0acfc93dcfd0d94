/**
 * Re-embedding on Inngest (when configured: ./inngest-enabled.ts): the event `cadre/memory-reembed.requested` runs the
 * same body as the in-process worker (./memory-reembeds.ts), `reembedNextBatch`, one Inngest step per batch (ids
 * `batch-0`, `batch-1`, ...: memoised, so a replay does not embed again). There is no lease under Inngest: one function
 * run per job at a time (concurrency keyed by the job), and a batch run twice does no harm (rows already of the target
 * model are not picked again). A failure that retrying cannot fix fails the job at once; any other is retried by
 * Inngest, and the job fails when the retries are spent (onFailure).
 */
import { NonRetriableError } from "inngest";
import { logger } from "@/server/logger";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { DB_NOW } from "@/server/memory/documents/service";
import { failReembed, reembedNextBatch, type ReembedOutcome } from "@/server/memory/reembed";
import { inngest } from "./inngest";
import { isPermanentFailure, jobContext, reembedFailureMessage, type ReembedRef } from "./memory-document-job";

export const REEMBED_REQUESTED_EVENT = "cadre/memory-reembed.requested";
const RETRIES = 3;

/** queued -> processing (a replay finds it processing already); the creator's columns, or null when there is nothing to do */
async function startReembed(ref: ReembedRef) {
  const { rows } = await execute<{ id: string; workspaceId: string; createdByType: string; createdById: string | null }>(
    ref,
    sql`UPDATE "MemoryReembed" SET "status" = 'processing', "startedAt" = COALESCE("startedAt", ${DB_NOW}), "updatedAt" = ${DB_NOW}
     WHERE id = ${ref.reembedId} AND "workspaceId" = ${ref.workspaceId} AND "status" IN ('queued', 'processing')
     RETURNING id, "workspaceId", "createdByType", "createdById"`,
  );
  return rows[0] ?? null;
}

/** One batch of the job, as an Inngest step: a permanent failure fails the job and ends the function. */
async function batchStep(ref: ReembedRef): Promise<ReembedOutcome> {
  const job = await startReembed(ref);
  if (!job) {
    // done, failed, superseded or deleted already (a replayed event): nothing to do
    const { rows } = await execute<{ status: ReembedOutcome["status"]; rowsDone: number; rowsTotal: number }>(
      ref,
      sql`SELECT "status", "rowsDone", "rowsTotal" FROM "MemoryReembed" WHERE id = ${ref.reembedId} AND "workspaceId" = ${ref.workspaceId}`,
    );
    return { done: true, status: "gone", rowsDone: 0, rowsTotal: 0, ...rows[0] };
  }
  try {
    return await reembedNextBatch(await jobContext("reembed", job), ref.reembedId);
  } catch (error) {
    if (!isPermanentFailure(error)) throw error;
    await failReembed(ref, ref.reembedId, reembedFailureMessage(error));
    throw new NonRetriableError(reembedFailureMessage(error), { cause: error });
  }
}

export const memoryReembedFunction = inngest.createFunction(
  {
    id: "reembed-memory-scope",
    name: "Re-embed a memory scope after its model changed",
    triggers: [{ event: REEMBED_REQUESTED_EVENT }],
    retries: RETRIES,
    concurrency: [{ key: "event.data.reembedId", limit: 1 }],
    onFailure: async ({ event, error }) => {
      const original = (event as { data?: { event?: { data?: Partial<ReembedRef> } } }).data?.event?.data;
      if (!original?.reembedId || !original.workspaceId) return;
      logger.error({ reembedId: original.reembedId, error: error?.message }, "inngest: re-embedding failed");
      await failReembed({ workspaceId: original.workspaceId }, original.reembedId, reembedFailureMessage(error?.cause ?? error));
    },
  },
  async ({ event, step }) => {
    const ref = event.data as ReembedRef;
    for (let n = 0; ; n++) {
      const outcome = (await step.run(`batch-${n}`, () => batchStep(ref))) as ReembedOutcome;
      if (outcome.done) return outcome.status;
    }
  },
);

export async function sendReembedRequested(ref: ReembedRef): Promise<void> {
  await inngest.send({ name: REEMBED_REQUESTED_EVENT, data: { reembedId: ref.reembedId, workspaceId: ref.workspaceId } });
}
