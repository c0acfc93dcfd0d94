/**
 * The in-process worker of the background jobs: document ingestion (./memory-documents.ts), re-embedding after a
 * scope's model changed (./memory-reembeds.ts) (issue 14), and outgoing webhook deliveries (./webhook-deliveries.ts,
 * issue 15: one execution per HTTP attempt, its own retry schedule). Each job is a row of its table (MemoryDocument,
 * MemoryReembed) that is the job's state, with the same lease columns: status (queued, processing, then a final one),
 * attempts, retryAt, leaseOwner, leaseExpiresAt, startedAt, updatedAt.
 *
 * - Claim: the oldest claimable row of any workspace (queued, or processing with an expired or released lease, and
 *   not waiting for a retry) in one statement, with a lease (owner + expiry on the database's clock, SKIP LOCKED).
 * - The claimed job runs batch by batch (the runner's `open` answers its next-batch function): each batch commits its
 *   work and progress together, only while the lease is still held (the fence, `"leaseOwner" = owner`), and renews
 *   the lease; a heartbeat renews it during a long embedding call. A process that dies stops renewing; once its lease
 *   expires another worker (or this one after a restart) takes the job over and resumes after its last committed batch.
 * - Failures: a failure that retrying cannot fix fails the job at once with a message for people; any other (a provider
 *   down, a crash) is retried with back-off (`retryAt`: 5 s doubling, at most 5 min), and a job whose executions failed
 *   LEASE_JOB_MAX_ATTEMPTS times in a row without committing a batch is failed. The stored error never carries
 *   internal details (the log has them).
 * - `stop()`: no new claims; each job finishes its current batch and releases its lease for the next worker.
 * The claim, lease renewal and release cross workspaces: each queue's privileged path (docs/security.md).
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { execute } from "@/server/db/execute";
import { SYSTEM, type PrivilegedPath } from "@/server/db/scope";
import { sql, type Sql } from "@/server/db/sql";
import { logger } from "@/server/logger";

/** The database's clock as Prisma stores times (UTC wall time): leases and progress times are on it. */
const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/** executions in a row that failed (an error or a crash) without committing a batch, after which a job is failed */
export const LEASE_JOB_MAX_ATTEMPTS = 5;
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_POLL_MS = 2_000;
/** the first retry's delay; doubled for each failed execution, at most RETRY_MAX_MS */
const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

/** A table of leased jobs and the privileged path its worker claims with. */
export interface LeaseQueue {
  table: "MemoryDocument" | "MemoryReembed" | "WebhookDelivery" | "Evaluation";
  path: PrivilegedPath;
  /** the status of a claimed job (default "processing"; an evaluation's is "running") */
  activeStatus?: "processing" | "running";
  /** in log lines: "documents", "re-embeds" */
  label: string;
}

export interface LeasedJob extends Record<string, unknown> {
  id: string;
  workspaceId: string;
  attempts: number;
  createdByType: string;
  createdById: string | null;
}

/** Claims one job of `queue` for `owner` (or none): the oldest claimable one, its lease written on the database's clock. */
export async function claimLeased(
  queue: LeaseQueue,
  o: { owner: string; leaseMs: number; workspaceIds?: string[]; exclude?: string[] },
): Promise<LeasedJob | null> {
  const table = sql.ident(queue.table);
  const workspaces = o.workspaceIds ? sql`AND c."workspaceId" = ANY (${sql.array(o.workspaceIds, "text")})` : sql.empty;
  const active = queue.activeStatus ?? "processing";
  const exclude = o.exclude?.length ? sql`AND c.id <> ALL (${sql.array(o.exclude, "text")})` : sql.empty;
  const { rows } = await execute<LeasedJob>(
    SYSTEM(queue.path),
    sql`UPDATE ${table} d SET "status" = ${active}, "leaseOwner" = ${o.owner}, "leaseExpiresAt" = ${DB_NOW} + ${Math.floor(o.leaseMs)} * INTERVAL '1 millisecond',
       "attempts" = d."attempts" + 1, "retryAt" = NULL, "startedAt" = COALESCE(d."startedAt", ${DB_NOW}), "updatedAt" = ${DB_NOW}
     WHERE d.id = (SELECT c.id FROM ${table} c
       WHERE c."status" IN ('queued', ${active}) AND (c."leaseOwner" IS NULL OR c."leaseExpiresAt" IS NULL OR c."leaseExpiresAt" < ${DB_NOW})
         AND (c."retryAt" IS NULL OR c."retryAt" <= ${DB_NOW}) ${workspaces} ${exclude}
       ORDER BY c."createdAt", c.id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING d.id, d."workspaceId", d."attempts", d."createdByType", d."createdById"`,
  );
  return rows[0] ?? null;
}

/** The condition a leased job's writes are made under: the lease is still `owner`'s. */
export const leaseFence = (owner: string): Sql => sql`"leaseOwner" = ${owner}`;

/** Lets go of a job: claimable again at once, or after `retryInMs`. */
async function release(queue: LeaseQueue, job: LeasedJob, owner: string, retryInMs?: number): Promise<void> {
  const retryAt = retryInMs === undefined ? sql`NULL` : sql`${DB_NOW} + ${Math.floor(retryInMs)} * INTERVAL '1 millisecond'`;
  await execute(
    SYSTEM(queue.path),
    sql`UPDATE ${sql.ident(queue.table)} SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "retryAt" = ${retryAt}, "updatedAt" = ${DB_NOW}
     WHERE id = ${job.id} AND "leaseOwner" = ${owner}`,
  );
}

/** What a queue's jobs do, for the worker. */
export interface LeaseJobRunner<Outcome extends { done: boolean }> {
  queue: LeaseQueue;
  /** prepares a claimed job (its context, ...) and answers the function that runs its next batch under the lease */
  open(job: LeasedJob, lease: { fence: Sql; leaseMs: number }): Promise<() => Promise<Outcome>>;
  /** ends the job as failed with a message for people, only while `fence` holds */
  fail(job: LeasedJob, message: string, fence: Sql): Promise<unknown>;
  /** a failure that retrying cannot fix */
  isPermanent(error: unknown): boolean;
  /** the message for people of a failure (permanent, or the last of too many) */
  failureMessage(error: unknown): string;
  /** the message when the job failed `maxAttempts` times in a row */
  exhaustedMessage: string;
  /**
   * executions after which a job is failed (default LEASE_JOB_MAX_ATTEMPTS); a queue whose runner schedules its own
   * retries (webhook deliveries: one execution per HTTP attempt) sets its own
   */
  maxAttempts?: number;
}

export interface LeaseWorkerOptions<Outcome> {
  owner?: string;
  /** lease length (ms); renewed by every batch and every third of it */
  leaseMs?: number;
  /** how often to look for claimable jobs without being woken (ms) */
  pollMs?: number;
  /** jobs processed at once in this process (default 1: the embedding calls are the work) */
  maxConcurrent?: number;
  /** only jobs of these workspaces (tests) */
  workspaceIds?: string[];
  /** called after each committed batch (tests: stop or crash between batches) */
  onBatch?: (job: LeasedJob, outcome: Outcome) => void | Promise<void>;
}

export interface LeaseWorker {
  readonly owner: string;
  active(): string[];
  wake(): void;
  /** stop claiming; each job finishes its current batch and releases its lease */
  stop(): Promise<void>;
  /** resolves when nothing is being processed or claimed */
  idle(): Promise<void>;
}

export function startLeaseWorker<Outcome extends { done: boolean }>(runner: LeaseJobRunner<Outcome>, options: LeaseWorkerOptions<Outcome> = {}): LeaseWorker {
  const { queue } = runner;
  const owner = options.owner ?? `${hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const maxConcurrent = Math.max(1, options.maxConcurrent ?? 1);
  const running = new Map<string, Promise<void>>();
  let stopping = false;
  let pumping = false;
  let again = false;
  const idleWaiters: (() => void)[] = [];
  const notifyIdle = () => {
    if (running.size === 0 && !pumping) idleWaiters.splice(0).forEach((resolve) => resolve());
  };

  const maxAttempts = runner.maxAttempts ?? LEASE_JOB_MAX_ATTEMPTS;
  const process1 = async (job: LeasedJob) => {
    const fence = leaseFence(owner);
    const renew = setInterval(
      () =>
        void execute(
          SYSTEM(queue.path),
          sql`UPDATE ${sql.ident(queue.table)} SET "leaseExpiresAt" = ${DB_NOW} + ${leaseMs} * INTERVAL '1 millisecond' WHERE id = ${job.id} AND "leaseOwner" = ${owner}`,
        ).catch((error: unknown) => logger.warn({ jobId: job.id, error: (error as Error).message }, `${queue.label}: lease renewal failed`)),
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    renew.unref?.();
    try {
      if (job.attempts > maxAttempts) {
        await runner.fail(job, runner.exhaustedMessage, fence);
        return;
      }
      const next = await runner.open(job, { fence, leaseMs });
      for (;;) {
        if (stopping) {
          await release(queue, job, owner);
          return;
        }
        const outcome = await next();
        await options.onBatch?.(job, outcome);
        if (outcome.done) return;
      }
    } catch (error) {
      if (runner.isPermanent(error)) {
        await runner.fail(job, runner.failureMessage(error), fence);
        return;
      }
      logger.warn({ jobId: job.id, workspaceId: job.workspaceId, attempts: job.attempts, err: error }, `${queue.label}: a batch failed (retried later)`);
      if (job.attempts >= maxAttempts) await runner.fail(job, runner.failureMessage(error), fence);
      else await release(queue, job, owner, Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (job.attempts - 1)));
    } finally {
      clearInterval(renew);
    }
  };

  const pump = async () => {
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!stopping && running.size < maxConcurrent) {
          const job = await claimLeased(queue, { owner, leaseMs, workspaceIds: options.workspaceIds, exclude: [...running.keys()] });
          if (!job) break;
          if (stopping) {
            await release(queue, job, owner);
            break;
          }
          const promise = process1(job)
            .catch((error: unknown) => logger.error({ jobId: job.id, err: error }, `${queue.label}: processing failed`))
            .finally(() => {
              running.delete(job.id);
              if (!stopping) schedule();
              notifyIdle();
            });
          running.set(job.id, promise);
        }
      } while (again && !stopping);
    } catch (error) {
      logger.warn({ error: (error as Error).message }, `${queue.label}: claiming failed (retrying at the next poll)`);
    } finally {
      pumping = false;
      notifyIdle();
    }
  };

  let scheduled = false;
  const schedule = () => {
    if (scheduled || stopping) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void pump();
    });
  };
  const poll = setInterval(schedule, options.pollMs ?? DEFAULT_POLL_MS);
  poll.unref?.();
  schedule();

  return {
    owner,
    active: () => [...running.keys()],
    wake: schedule,
    async stop() {
      stopping = true;
      clearInterval(poll);
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      await Promise.allSettled([...running.values()]);
    },
    idle() {
      if (running.size === 0 && !pumping && !scheduled) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
}
