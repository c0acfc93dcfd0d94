/**
 * Re-embedding after a scope's model changed, as a durable background job (issue 14). The MemoryReembed row is the
 * job's state (server/memory/reembed.ts); this module runs it, like a document's ingestion (./memory-documents.ts).
 *
 * - Changing a setting (`submitMemoryModelChange`): the setting and the queued job are stored in one message, then
 *   the job is handed over: to Inngest when it is configured (the event `cadre/memory-reembed.requested`,
 *   ./memory-reembeds-inngest.ts), else to this process's worker, which is woken at once.
 * - The in-process worker (`startReembedWorker`) is the memory jobs' lease worker (./lease-worker.ts): claim with a
 *   lease, batch by batch under the lease's fence, heartbeat, resume after a crash (the job only ever picks the rows
 *   not yet of its model, so it resumes where it stopped), retries with back-off, stop.
 * - Failures: the budget, no model that can embed, or the creator's access ended fail the job at once with a message
 *   for people; any other (a provider down, the policy routing to another model for now) is retried with back-off, and
 *   after REEMBED_MAX_ATTEMPTS executions in a row without a committed batch the job fails. Rows not re-embedded keep
 *   their previous model: recall's vector search skips them (its full-text search still finds them) until they are.
 * The claim, lease renewal and release cross workspaces: the privileged path `memory-reembeds` (docs/security.md).
 */
import { AppError } from "@/lib/errors";
import type { SetMemoryModelInput, SetMemoryModelResult } from "@/lib/schemas/memory-models";
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";
import { failReembed, reembedNextBatch, setMemoryModel, type ReembedOutcome } from "@/server/memory/reembed";
import { inngestEnabled } from "./inngest-enabled";
import { LEASE_JOB_MAX_ATTEMPTS, startLeaseWorker, type LeaseJobRunner, type LeaseWorker, type LeaseWorkerOptions } from "./lease-worker";
import { isPermanentFailure, jobContext, reembedFailureMessage } from "./memory-document-job";

/** executions in a row that failed without committing a batch, after which a re-embedding is failed */
export const REEMBED_MAX_ATTEMPTS = LEASE_JOB_MAX_ATTEMPTS;

const reembedRunner: LeaseJobRunner<ReembedOutcome> = {
  queue: { table: "MemoryReembed", path: "memory-reembeds", label: "re-embeds" },
  async open(job, { fence, leaseMs }) {
    const ctx = await jobContext("reembed", job);
    return () => reembedNextBatch(ctx, job.id, { fence, leaseMs });
  },
  fail: (job, message, fence) => failReembed(job, job.id, message, fence),
  isPermanent: isPermanentFailure,
  failureMessage: reembedFailureMessage,
  exhaustedMessage: `Re-embedding stopped after ${REEMBED_MAX_ATTEMPTS} failed attempts in a row; set the model again to retry`,
};

export function startReembedWorker(options: LeaseWorkerOptions<ReembedOutcome> = {}): LeaseWorker {
  return startLeaseWorker(reembedRunner, options);
}

// ---------------------------------------------------------------------------------------------------
// The process's worker (started with the run executor: server/runs/boot.ts)

const globalForWorker = globalThis as unknown as { cadreReembedWorker?: LeaseWorker };

export function startProcessReembedWorker(options: LeaseWorkerOptions<ReembedOutcome> = {}): LeaseWorker {
  globalForWorker.cadreReembedWorker ??= startReembedWorker(options);
  return globalForWorker.cadreReembedWorker;
}

export async function stopProcessReembedWorker(): Promise<void> {
  const worker = globalForWorker.cadreReembedWorker;
  globalForWorker.cadreReembedWorker = undefined;
  await worker?.stop();
}

/**
 * Sets (or removes) a target's model policy and hands the re-embedding it started, if any, to whoever runs it: Inngest
 * when configured, else this process's worker (woken at once; without one, any worker's poll takes it).
 */
export async function submitMemoryModelChange(ctx: TenantContext, input: SetMemoryModelInput): Promise<SetMemoryModelResult> {
  const result = await setMemoryModel(ctx, input);
  const job = result.reembed;
  if (job?.status !== "queued") return result;
  if (inngestEnabled()) {
    const { sendReembedRequested } = await import("./memory-reembeds-inngest");
    try {
      await sendReembedRequested({ reembedId: job.id, workspaceId: ctx.workspaceId });
    } catch (error) {
      logger.error({ reembedId: job.id, err: error }, "re-embeds: could not hand the job to Inngest");
      await failReembed(ctx, job.id, "The re-embedding could not be queued; set the model again to retry");
      throw new AppError("INTERNAL", "The model was changed but its re-embedding could not be queued");
    }
  } else globalForWorker.cadreReembedWorker?.wake();
  return result;
}
