/**
 * The in-process durable executor: runs queued runs with `executeRun` and Postgres-backed steps, when Inngest is
 * not configured.
 *
 * - Claiming: one statement calls `cadre_claim_run` (prisma/migrations/20261205_400_fair_claim), which visits the
 *   workspaces that have claimable work (queued, or running with an expired or released lease) fewest running runs
 *   first, then by their oldest waiting run, and takes that workspace's oldest claimable run. Its cost depends on the
 *   number of workspaces with work and their running runs, not on the backlog (partial indexes on active runs and on
 *   leases). Each workspace is claimed in under a transaction-scoped advisory lock and its running count is read
 *   again under it, so CADRE_WORKSPACE_CONCURRENT_RUNS holds across any number of processes. The claim writes a
 *   lease (owner + expiry) on the DATABASE's clock, and every lease comparison uses that clock too: app servers'
 *   clocks may differ.
 * - While a run executes its lease is renewed (heartbeat every third of the lease). A process that dies stops
 *   renewing: once the lease expires, any executor (this one after a restart, or another process) takes the run
 *   over and replays it from its stored steps; completed steps are not repeated.
 * - Poison runs: the claim counts the executions of a run that died (its lease expired, or its process was found
 *   dead, or its function threw) with no step finished since the claim before (`Run.lostExecutions`). A run that
 *   reaches CADRE_POISON_RUN_EXECUTIONS of them is failed ("its execution died repeatedly") instead of being resumed
 *   again: a run that crashes its process cannot crash-loop the server.
 * - At most CADRE_MAX_CONCURRENT_RUNS runs per process and CADRE_WORKSPACE_CONCURRENT_RUNS per workspace
 *   (counted across processes by their live leases); extra runs stay queued.
 * - `wake()` (startRun in this process) claims at once; otherwise the executor polls.
 * - Claimed as it is queued: when this process has room and its last claim found nothing else claimable, startRun
 *   inserts the run with this executor's lease (`reserveStart`, cadre_start_lease in
 *   prisma/migrations/20261212_100_start_claim: the workspace's limit under its advisory lock, the workspace's queue
 *   order kept) and hands it over without a claim statement; otherwise the run is queued and claimed as above.
 * - At start-up, the leases of runs held by a process of this host that no longer exists are expired at once (no
 *   need to wait for them; each counts as a lost execution), then every claimable run is resumed.
 * - Parking: a run that waits (a step's outage wait, a sleep: RunParkedError) ends its execution; its lease is released
 *   and its wake-up time stored (`wakeAt`) in one statement, and the claim leaves it alone until then. This process
 *   sets a timer to claim it again at that time (any other process's poll may take it too). A cancel of a parked run
 *   finishes it at once (server/runs/service.ts); a cancel that arrives as it parks wakes it at once instead.
 * - `stop()`: no new claims; each running run stops before its next step (the current step finishes and is
 *   stored), its lease is released so that the next executor resumes it immediately.
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import type { TenantContext } from "@/server/context";
import { creatorContext, executeRun, finishRun, type ExecuteDeps, type ExecuteOutcome, type RunRow } from "./run-function";
import { creatorContextSql, type CreatorColumns } from "./run-sql";
import { watchedSql } from "./watchers";
import { clearRunCancelSignal, signalRunCancel } from "./cancel-signal";
import { createPostgresStep, type StepHooks, type StepSettings } from "./step";
import { parentRunOf } from "./sub-run";
import { SYSTEM } from "@/server/db/scope";
import { execute as executeSql } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { lostCallsCtes, recordLostCalls } from "@/server/ledger/calls-in-flight";

/** The executor works across workspaces: its claim, leases and heartbeat are a privileged path (docs/security.md). */
const EXECUTOR = SYSTEM("executor");
import { accessEndedSql, cancelForEndedAccess } from "./run-access";
import { metrics } from "@/server/observability/metrics";
import { withSpan } from "@/server/observability/tracing";

export interface ExecutorOptions {
  /** lease owner id; default `<host>/<pid>/<random>` */
  owner?: string;
  /** lease length (ms); renewed every third of it */
  leaseMs?: number;
  /** how often to look for claimable runs without being woken (ms) */
  pollMs?: number;
  /** runs at once in this process (default CADRE_MAX_CONCURRENT_RUNS) */
  maxConcurrent?: number;
  /** runs at once per workspace, across processes (default CADRE_WORKSPACE_CONCURRENT_RUNS) */
  workspaceConcurrency?: number;
  /** only runs of these workspaces (tests) */
  workspaceIds?: string[];
  /** release leases held by dead processes of this host at start (default true) */
  reclaimOrphans?: boolean;
  /** lost executions in a row after which a run is failed instead of resumed (default CADRE_POISON_RUN_EXECUTIONS) */
  poisonExecutions?: number;
  steps?: Partial<StepSettings>;
  hooks?: StepHooks;
  deps?: Partial<ExecuteDeps>;
  /** called when a run's execution ends (tests) */
  onRunEnd?: (runId: string, outcome: ExecuteOutcome | "error") => void;
}

export interface Executor {
  readonly owner: string;
  /** run ids executing in this process */
  active(): string[];
  /** look for work now (for this run, when given: it is claimed again shortly if it was locked at that moment) */
  wake(runId?: string): void;
  /**
   * A slot for a run of `workspaceId` that startRun is about to queue, to be claimed in the statement that inserts it
   * (cadre_start_lease): only when this process has room and its last claim found nothing else claimable, so that no
   * waiting run is passed over. Null: queue it for the normal claim.
   */
  reserveStart(workspaceId: string): StartSlot | null;
  /** stop claiming, let running runs reach their next step boundary, release their leases */
  stop(): Promise<void>;
  /** resolves when nothing is executing (tests) */
  idle(): Promise<void>;
}

/** A reserved slot of the executor for a run being started (Executor.reserveStart). Exactly one of adopt/release. */
export interface StartSlot {
  owner: string;
  leaseMs: number;
  workspaceConcurrency: number;
  /** the run was inserted with this slot's lease: execute it (no claim statement) */
  adopt(run: ClaimedRun): void;
  /** the run was not claimed (or not inserted): free the slot; the normal claim takes the run */
  release(): void;
}

interface RunningEntry {
  promise: Promise<void>;
  /** the lease was lost: stop before the next step */
  lost: boolean;
  /** the heartbeat saw a cancel request */
  cancel: boolean;
}

const DEFAULT_LEASE_MS = 15_000;
const WOKEN_RETRIES = 5;
const WOKEN_RETRY_MS = 10;
const DEFAULT_POLL_MS = 1_000;

export function defaultOwner(): string {
  return `${hostname()}/${process.pid}/${randomBytes(3).toString("hex")}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Expires the leases held by processes of this host that no longer exist: their runs are claimable at once, and the
 * claim counts each as a lost execution (poison-run detection).
 */
export async function releaseOrphanedLeases(owner: string): Promise<number> {
  const host = owner.split("/")[0]!;
  const { rows } = await executeSql<{ id: string; leaseOwner: string }>(
    EXECUTOR,
    sql`SELECT id, "leaseOwner" FROM "Run" WHERE "status" IN ('queued', 'running') AND "leaseOwner" LIKE ${`${host.replace(/[\\%_]/g, "\\$&")}/%`}`,
  );
  const dead = rows.filter((r) => {
    const pid = Number(r.leaseOwner.split("/")[1]);
    return r.leaseOwner !== owner && Number.isInteger(pid) && pid > 0 && pid !== process.pid && !pidAlive(pid);
  });
  for (const r of dead) {
    await expireLease(r.id, r.leaseOwner);
  }
  return dead.length;
}

/** The database's clock as Prisma stores times (UTC wall time in timestamp(3)): every lease is on it. */
export const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/**
 * A tool call's approval decided while its run was still parking (before it had a wake-up time for the decision to
 * move): decided, and its call not yet done. Such a run wakes at once instead of at the request's expiry.
 */
const decidedWhileRunning = sql`EXISTS (SELECT 1 FROM "ToolApproval" a WHERE a."runId" = "Run".id AND a."status" IN ('approved', 'denied')
  AND NOT EXISTS (SELECT 1 FROM "RunStep" s WHERE s."runId" = a."runId" AND s."stepId" = a."stepId" AND s."status" = 'succeeded'))`;

/**
 * A sub-run (run_agent) that ended while its parent was still parking (before the parent had a wake-up time for the
 * child's end to move): ended, and the parent's call not yet done. Such a run wakes at once too.
 */
const subRunEndedWhileRunning = sql`EXISTS (SELECT 1 FROM "Run" c WHERE c."parentRunId" = "Run".id AND c."status" IN ('succeeded', 'failed', 'cancelled')
  AND NOT EXISTS (SELECT 1 FROM "RunStep" s WHERE s."runId" = c."parentRunId" AND s."stepId" = c."parentStepId" AND s."status" = 'succeeded'))`;

/**
 * Lets go of a run that parked until `wakeAt`: lease released and wake-up time stored, in one statement. A cancel
 * requested meanwhile: no wake-up time (it is claimed again at once, and cancelled). Whether it was cancelled.
 */
async function parkRun(runId: string, owner: string, wakeAt: number): Promise<{ cancel: boolean }> {
  const { rows } = await executeSql<{ cancel: boolean }>(
    EXECUTOR,
    sql`UPDATE "Run" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL,
       "wakeAt" = CASE WHEN "cancelRequestedAt" IS NOT NULL THEN NULL WHEN ${decidedWhileRunning} OR ${subRunEndedWhileRunning} THEN ${DB_NOW}::timestamp(3)
         ELSE ${new Date(wakeAt)}::timestamp(3) END
     WHERE id = ${runId} AND "leaseOwner" = ${owner} RETURNING "cancelRequestedAt" IS NOT NULL AS cancel`,
  );
  return { cancel: rows[0]?.cancel === true };
}

/** The execution ended cleanly without finishing the run (suspended): the next executor resumes it at once. */
async function releaseLease(runId: string, owner: string): Promise<void> {
  await executeSql(EXECUTOR, sql`UPDATE "Run" SET "leaseOwner" = NULL, "leaseExpiresAt" = NULL WHERE id = ${runId} AND "leaseOwner" = ${owner}`);
}

/** The execution died (or its function threw): claimable at once, and the next claim counts a lost execution. */
async function expireLease(runId: string, owner: string): Promise<void> {
  await executeSql(EXECUTOR, sql`UPDATE "Run" SET "leaseExpiresAt" = '1970-01-01 00:00:00'::timestamp WHERE id = ${runId} AND "leaseOwner" = ${owner}`);
}

/** The Run columns executeRun needs, as the claim returns them (so that the run's start reads no row again; its
 *  ledger count is read with them too). */
const CLAIMED_COLUMNS = sql`u.id, u."workspaceId", u."targetType", u."teamId", u."teamVersion", u."agentId", u."agentVersion", u.input, u.status::text AS status,
  u."budgetUsd"::text AS "budgetUsd", u."modelPolicyOverride", u.pins, u."createdByType", u."createdById", u."stepsExpected", u.subject, u.tags, u."sessionId", u."parentRunId",
  to_char(u."cancelRequestedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "cancelRequestedAt", u."executions"`;

/**
 * The claimed run's model calls left in flight by its previous execution (it died, or stopped mid-call): each becomes
 * its estimated `lost` usage row in the claim's own statement (server/ledger/calls-in-flight.ts), so the resumed run
 * counts them in its cost, its budget and its call cap.
 */
const LOST_CALLS_OF_CLAIMED = lostCallsCtes({ using: sql`u`, where: sql`f."workspaceId" = u."workspaceId" AND f."runId" = u.id` });

/** A claimed run: its row, its creator's context (null if it could not be resolved: executeRun reads it again), and
 *  how many of its executions in a row died without progress (this claim's predecessor included). */
export type ClaimedRun = RunRow & { ctx: TenantContext | null; watched: boolean; lostExecutions: number; executions: number };

interface ClaimOptions {
  owner: string;
  leaseMs: number;
  workspaceConcurrency: number;
  workspaceIds?: string[];
  exclude?: string[];
}

/** Claims one run for `owner`: its row with its creator's context (one statement), or null. */
export async function claimRun(o: ClaimOptions): Promise<ClaimedRun | null> {
  return (await claimNext(o)).run;
}

/**
 * Claims one run for `owner` (or none), and says whether another run was claimable at the claim, a workspace's limit
 * aside (`more`: a run held back by its workspace's limit becomes claimable when one of that workspace's runs ends).
 */
export async function claimNext(o: ClaimOptions): Promise<{ run: ClaimedRun | null; more: boolean }> {
  const workspaces = o.workspaceIds ? sql.array(o.workspaceIds, "text") : sql`NULL::text[]`;
  const exclude = o.exclude?.length ? sql.array(o.exclude, "text") : sql`NULL::text[]`;
  const lease = Math.max(1, Math.floor(o.leaseMs));
  const limit = Math.max(1, Math.floor(o.workspaceConcurrency));
  const context = creatorContextSql("u"); // it joins the run's workspace as cw: its PII policy is read with the claim
  // one row, claimed or not; `more` reads the statement's snapshot (taken before the claim): the claimed run is left
  // out by id, and a run that another executor claims meanwhile still counts (one claim too many, never one too few)
  const { rows } = await executeSql<
    | (Omit<RunRow, "cancelRequestedAt" | "piiPolicy"> & {
        cancelRequestedAt: string | null;
        piiPolicy: unknown;
        watched: boolean;
        lostExecutions: number;
        executions: number;
        more: boolean;
      } & CreatorColumns)
    | { id: null; more: boolean }
  >(
    EXECUTOR,
    sql`WITH u AS (SELECT * FROM cadre_claim_run(${o.owner}, ${lease}, ${limit}, ${workspaces}, ${exclude})),
       ${LOST_CALLS_OF_CLAIMED}
     SELECT ${CLAIMED_COLUMNS}, ${watchedSql("u")} AS watched, u."lostExecutions",
       (SELECT COUNT(*)::int FROM "UsageRecord" c WHERE c."workspaceId" = u."workspaceId" AND c."runId" = u.id AND c."providerKind" <> 'tool')
         + (SELECT COUNT(*)::int FROM lost_usage) AS "ledgerCalls",
       EXISTS (SELECT 1 FROM "Run" r WHERE r."status" IN ('queued', 'running') AND r.id IS DISTINCT FROM u.id
         AND (r."leaseOwner" IS NULL OR r."leaseExpiresAt" IS NULL OR r."leaseExpiresAt" < ${DB_NOW})
         AND (r."wakeAt" IS NULL OR r."wakeAt" <= ${DB_NOW})
         AND (${workspaces} IS NULL OR r."workspaceId" = ANY (${workspaces}))
         AND (${exclude} IS NULL OR r.id <> ALL (${exclude}))) AS more,
       ${context.columns}, cw."piiPolicy" AS "piiPolicy" FROM (SELECT 1) AS one LEFT JOIN u ON true ${context.joins}`,
  );
  const found = rows[0];
  if (!found || found.id === null) return { run: null, more: found?.more ?? false };
  const {
    ctxWorkspaceSlug,
    ctxKeyId,
    ctxKeyName,
    ctxKeyUserId,
    ctxUserId,
    ctxEmail,
    ctxRole,
    ctxAccessEnded,
    cancelRequestedAt,
    watched,
    lostExecutions,
    executions,
    more,
    piiPolicy,
    ...row
  } = found;
  const run: RunRow = { ...row, cancelRequestedAt: cancelRequestedAt === null ? null : new Date(cancelRequestedAt), piiPolicy: { stored: piiPolicy } };
  let ctx: TenantContext | null = null;
  try {
    ctx = creatorContext(run, { ctxWorkspaceSlug, ctxKeyId, ctxKeyName, ctxKeyUserId, ctxUserId, ctxEmail, ctxRole, ctxAccessEnded });
  } catch {
    // executeRun reads it again (and cancels the run whose creator's access ended, or fails it with the reason)
  }
  return { run: { ...run, ctx, watched, lostExecutions, executions }, more };
}

/** How often an executor writes the lost usage rows of expired model calls in flight. */
const LOST_CALL_SWEEP_MS = 60_000;

/**
 * Model calls left in flight past their expiry by dead processes (server/ledger/calls-in-flight.ts), also those of
 * runs nobody resumes and of calls without a run: their estimated `lost` usage rows (of these workspaces only, when
 * the executor is limited to some). Several executors may sweep at once: each row is written once.
 */
export async function sweepLostCalls(workspaceIds?: string[]): Promise<number> {
  try {
    let n = 0;
    if (workspaceIds) for (const workspaceId of workspaceIds) n += await recordLostCalls(EXECUTOR, { workspaceId });
    else n = await recordLostCalls(EXECUTOR);
    if (n) logger.warn({ calls: n }, "executor: recorded the usage of model calls whose process died mid-call (estimated)");
    return n;
  } catch (error) {
    logger.warn({ error: (error as Error).message }, "executor: could not record the usage of lost model calls");
    return 0;
  }
}

/** The reason a poison run fails with. */
export function poisonRunReason(lost: number): string {
  return `The run's execution died repeatedly (${lost} times in a row without finishing a step): it was stopped instead of being resumed again`;
}

export function startExecutor(options: ExecutorOptions = {}): Executor {
  const e = env();
  const owner = options.owner ?? defaultOwner();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  const maxConcurrent = options.maxConcurrent ?? e.CADRE_MAX_CONCURRENT_RUNS;
  const workspaceConcurrency = options.workspaceConcurrency ?? e.CADRE_WORKSPACE_CONCURRENT_RUNS;
  const poisonExecutions = options.poisonExecutions ?? e.CADRE_POISON_RUN_EXECUTIONS;

  const running = new Map<string, RunningEntry>();
  /** runs this process was woken for and has not claimed yet -> claims left to try */
  const woken = new Map<string, number>();
  /**
   * Whether claimable runs may exist that this process has not claimed: set by a wake-up and by the poll, cleared
   * when a claim finds nothing or says nothing else was claimable. A claim costs a statement (on embedded PGlite,
   * several ms of its one connection), so none is made for nothing after a claim or at a run's end.
   */
  let backlog = true;
  /** slots reserved for runs being started (reserveStart) and not yet adopted or released */
  let reserved = 0;
  /** bumped by every wake-up and poll: a claim's "nothing more" holds only if none arrived while it ran */
  let signals = 0;
  let stopping = false;
  let pumping = false;
  let pumpAgain = false;
  let ready: Promise<void> = Promise.resolve();
  const idleWaiters: (() => void)[] = [];

  const notifyIdle = () => {
    if (running.size === 0 && !pumping) idleWaiters.splice(0).forEach((resolve) => resolve());
  };

  /** wake-up timers of runs this process parked (cleared on stop) */
  const wakeTimers = new Set<NodeJS.Timeout>();
  const wakeLater = (runId: string, at: number) => {
    const timer = setTimeout(
      () => {
        wakeTimers.delete(timer);
        executor.wake(runId);
      },
      Math.max(0, at - Date.now()),
    );
    timer.unref?.();
    wakeTimers.add(timer);
  };

  const execute = (claimed: ClaimedRun) => {
    // a cancel requested while the run was not executing (parked, or its process died) stops it at its first step
    const entry: RunningEntry = { promise: Promise.resolve(), lost: false, cancel: claimed.status === "running" && claimed.cancelRequestedAt !== null };
    const step = createPostgresStep({
      runId: claimed.id,
      workspaceId: claimed.workspaceId,
      epoch: claimed.executions,
      settings: options.steps,
      hooks: options.hooks,
      suspendReason: () => (entry.lost ? "the lease was lost to another executor" : stopping ? "the executor is stopping" : null),
      cancelled: () => entry.cancel,
      watched: claimed.watched,
      // a run that never started has no steps yet (markStarted is its first write): nothing to read
      ...(claimed.status === "queued" ? { stored: new Map() } : {}),
    });
    entry.promise = (async () => {
      let outcome: ExecuteOutcome | "error" = "error";
      try {
        if (claimed.lostExecutions >= poisonExecutions) {
          // its executions keep dying (a crash, out of memory): failed, not resumed again
          logger.error(
            { runId: claimed.id, workspaceId: claimed.workspaceId, lostExecutions: claimed.lostExecutions },
            "executor: a run's execution died repeatedly; it is failed",
          );
          await finishRun({ runId: claimed.id, workspaceId: claimed.workspaceId }, { status: "failed", error: poisonRunReason(claimed.lostExecutions) });
          outcome = "failed";
          return;
        }
        outcome = await withSpan("run.execute", { "cadre.run_id": claimed.id, "cadre.workspace_id": claimed.workspaceId }, async (span) => {
          const result = await executeRun({ runId: claimed.id, workspaceId: claimed.workspaceId }, step, {
            deps: options.deps,
            run: claimed,
            ctx: claimed.ctx ?? undefined,
          });
          span?.setAttribute("cadre.run.outcome", result);
          return result;
        });
      } catch (error) {
        logger.error({ runId: claimed.id, err: error }, "executor: the run's function threw");
      } finally {
        running.delete(claimed.id);
        metrics.executorRunning.dec();
        clearRunCancelSignal(claimed.id);
        // finishRun released the lease of a run it finished; a parked one is let go until its wake-up time; a suspended
        // one is released for whoever comes next; one whose function threw counts as a lost execution (it is resumed, but
        // not forever)
        const wakeAt = outcome === "suspended" ? step.parkedUntil() : null;
        if (wakeAt !== null) {
          await parkRun(claimed.id, owner, wakeAt).then(
            ({ cancel }) => wakeLater(claimed.id, cancel ? Date.now() : wakeAt),
            (error: unknown) => logger.warn({ runId: claimed.id, error: (error as Error).message }, "executor: could not park a run"),
          );
        } else if (outcome !== "succeeded" && outcome !== "failed" && outcome !== "cancelled") {
          await (outcome === "error" ? expireLease : releaseLease)(claimed.id, owner).catch((error: unknown) =>
            logger.warn({ runId: claimed.id, error: (error as Error).message }, "executor: could not release a lease"),
          );
          backlog = true; // it may be claimable again
        }
        // a sub-run that ended wakes its parent at once (the database already made it claimable: server/jobs/sub-run.ts)
        if (outcome === "succeeded" || outcome === "failed" || outcome === "cancelled") {
          // the claim read its parent (undefined only for a row built without it: then it is read now)
          const parent =
            claimed.parentRunId !== undefined ? Promise.resolve(claimed.parentRunId) : parentRunOf({ runId: claimed.id, workspaceId: claimed.workspaceId });
          await parent.then(
            (parent) => parent && executor.wake(parent),
            (error: unknown) => logger.warn({ runId: claimed.id, error: (error as Error).message }, "executor: could not wake a sub-run's parent"),
          );
        }
        options.onRunEnd?.(claimed.id, outcome);
        if (!stopping && (backlog || woken.size > 0)) schedule();
        notifyIdle();
      }
    })();
    running.set(claimed.id, entry);
    metrics.executorRunning.inc();
  };

  const pump = async () => {
    if (pumping) {
      pumpAgain = true;
      return;
    }
    pumping = true;
    try {
      do {
        pumpAgain = false;
        while (!stopping && running.size + reserved < maxConcurrent && (backlog || woken.size > 0)) {
          const seen = signals;
          const { run: claimed, more } = await metrics.claimDuration.time(() =>
            claimNext({ owner, leaseMs, workspaceConcurrency, workspaceIds: options.workspaceIds, exclude: [...running.keys()] }),
          );
          if (!more && signals === seen) backlog = false;
          if (!claimed || stopping) {
            if (claimed) await releaseLease(claimed.id, owner);
            break;
          }
          woken.delete(claimed.id);
          execute(claimed);
        }
      } while (pumpAgain && !stopping);
      retryWoken();
    } catch (error) {
      logger.warn({ error: (error as Error).message }, "executor: claiming runs failed (retrying at the next poll)");
    } finally {
      pumping = false;
      notifyIdle();
    }
  };

  /**
   * A run this process was woken for but could not claim: its row may have been locked for a moment (a cancel, an
   * event stream marking it as watched), which the claim's SKIP LOCKED passes over. Claim again shortly, a few
   * times, instead of leaving it to the next poll.
   */
  const retryWoken = () => {
    for (const [id, left] of woken) {
      if (running.has(id) || left <= 0) woken.delete(id);
      else woken.set(id, left - 1);
    }
    if (woken.size > 0 && !stopping) setTimeout(schedule, WOKEN_RETRY_MS).unref?.();
  };

  let scheduled = false;
  const schedule = () => {
    if (scheduled || stopping) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      void ready.then(pump);
    });
  };

  const heartbeat = async () => {
    if (running.size === 0) return;
    const ids = [...running.keys()];
    try {
      // with the creator's access (server/jobs/run-access.ts): a run whose creator's powers ended is cancelled
      const { rows } = await executeSql<{ id: string; workspaceId: string; cancel: boolean; accessEnded: string | null }>(
        EXECUTOR,
        sql`UPDATE "Run" AS u SET "leaseExpiresAt" = ${DB_NOW} + ${leaseMs} * INTERVAL '1 millisecond' WHERE u.id IN (${sql.join(ids.map((id) => sql`${id}`))}) AND u."leaseOwner" = ${owner}
         RETURNING u.id, u."workspaceId", u."cancelRequestedAt" IS NOT NULL AS cancel, ${accessEndedSql("u")} AS "accessEnded"`,
      );
      for (const r of rows) {
        if (r.accessEnded === null) continue;
        await cancelForEndedAccess(r, r.accessEnded);
        r.cancel = true;
      }
      const kept = new Map(rows.map((r) => [r.id, r.cancel]));
      for (const id of ids) {
        const entry = running.get(id);
        if (!entry) continue;
        // finished in the meantime (its lease was cleared) or taken over by another executor: stop at the next step
        if (!kept.has(id)) entry.lost = true;
        // a cancel requested through another process: its model calls in flight are aborted too
        else if (kept.get(id) && !entry.cancel) {
          entry.cancel = true;
          signalRunCancel(id);
        }
      }
    } catch (error) {
      logger.warn({ error: (error as Error).message }, "executor: heartbeat failed");
    }
  };

  const signal = () => {
    backlog = true;
    signals++;
    schedule();
  };
  const pollTimer = setInterval(signal, pollMs);
  const heartbeatTimer = setInterval(() => void heartbeat(), Math.max(50, Math.floor(leaseMs / 3)));
  const lostCallsTimer = setInterval(() => void sweepLostCalls(options.workspaceIds), LOST_CALL_SWEEP_MS);
  pollTimer.unref?.();
  heartbeatTimer.unref?.();
  lostCallsTimer.unref?.();

  if (options.reclaimOrphans !== false) {
    ready = releaseOrphanedLeases(owner)
      .then((n) => {
        if (n) logger.info({ runs: n }, "executor: released the leases of a stopped process");
      })
      .catch((error: unknown) => logger.warn({ error: (error as Error).message }, "executor: could not check for orphaned runs"));
  }
  schedule();

  const executor: Executor = {
    owner,
    active: () => [...running.keys()],
    wake(runId) {
      if (runId) woken.set(runId, WOKEN_RETRIES);
      signal();
    },
    reserveStart(workspaceId) {
      if (stopping || backlog || running.size + reserved >= maxConcurrent) return null;
      if (options.workspaceIds && !options.workspaceIds.includes(workspaceId)) return null;
      reserved++;
      let done = false;
      const settle = () => {
        if (done) return false;
        done = true;
        reserved--;
        return true;
      };
      return {
        owner,
        leaseMs,
        workspaceConcurrency,
        adopt(run) {
          if (!settle()) return;
          if (stopping) {
            // stopping since the reservation: the next executor resumes it at once
            void releaseLease(run.id, owner).catch((error: unknown) =>
              logger.warn({ runId: run.id, error: (error as Error).message }, "executor: could not release a lease"),
            );
            return;
          }
          woken.delete(run.id);
          execute(run);
        },
        release() {
          if (settle() && woken.size > 0) schedule();
        },
      };
    },
    async stop() {
      stopping = true;
      clearInterval(pollTimer);
      clearInterval(lostCallsTimer);
      for (const timer of wakeTimers) clearTimeout(timer);
      wakeTimers.clear();
      while (pumping) await new Promise((resolve) => setTimeout(resolve, 5));
      // the leases stay renewed while the current steps finish (a model call may outlast a lease)
      await Promise.allSettled([...running.values()].map((r) => r.promise));
      clearInterval(heartbeatTimer);
    },
    idle() {
      if (running.size === 0 && !pumping && !scheduled) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
  };
  return executor;
}

// ---------------------------------------------------------------------------------------------------
// The process's executor (started from instrumentation.ts; startRun wakes it)

const globalForExecutor = globalThis as unknown as { cadreExecutor?: Executor };

export function processExecutor(): Executor | undefined {
  return globalForExecutor.cadreExecutor;
}

/** Starts this process's executor (once). */
export function startProcessExecutor(options: ExecutorOptions = {}): Executor {
  globalForExecutor.cadreExecutor ??= startExecutor(options);
  return globalForExecutor.cadreExecutor;
}

export async function stopProcessExecutor(): Promise<void> {
  const executor = globalForExecutor.cadreExecutor;
  globalForExecutor.cadreExecutor = undefined;
  await executor?.stop();
}

/** startRun: a slot of this process's executor for the run it is about to queue (Executor.reserveStart), or null. */
export function reserveExecutorStart(workspaceId: string): StartSlot | null {
  return globalForExecutor.cadreExecutor?.reserveStart(workspaceId) ?? null;
}

/** startRun: a run was queued; the executor of this process (if any) claims it at once. */
export function wakeExecutor(runId?: string): void {
  globalForExecutor.cadreExecutor?.wake(runId);
}
