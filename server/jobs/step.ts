/**
 * The step API a run's function body is written against: the subset of Inngest's `step` Cadre needs
 * (`run(id, fn)`, `sleep(id, ms)`) plus the run's bookkeeping writes (`write`, `flush`), with two implementations:
 * - `createPostgresStep` (the in-process executor): every step is memoised in RunStep under (runId, stepId). The
 *   run's stored steps are read once when its execution starts; a step that succeeded before returns its stored
 *   result without calling fn (replay after a restart). Otherwise the step's start (RunStep running with the attempt
 *   number, and its start event) is queued on the run's writer (server/jobs/run-writer.ts) and fn runs at once; fn's
 *   record and the run's other writes follow in order on the same writer (write-behind: a step does not wait for its
 *   writes to commit; the run's end does). A failure is retried with exponential backoff unless it is not
 *   retryable (budget, infeasible route, validation, a provider's 4xx); then StepFailedError(stepId, reason).
 *   A failure that carries `retryAt` (every model cooling down) is an outage wait instead: the step is stored
 *   `waiting`, the attempt does not count, and the run parks until then (RunParkedError: the executor stores the
 *   wake-up time and lets go of the run), within the step's outage wait limit (`outageWaitMs`). `sleep` parks too.
 *   Cancellation is checked before each step: an in-process cancel signal, or the cancel flag that every step
 *   start reads (so a cancel made by another process is seen one step later at most).
 * - the Inngest adapter (server/jobs/inngest.ts) gives the same API on top of Inngest's own step tools; there every
 *   write is committed before it returns (Inngest may resume the function in another process at any step).
 *
 * A step's record is fenced by its attempt number: should another executor have taken the run over (a lost
 * lease), the stale attempt's record changes nothing and this execution stops at its next step.
 */
import { RetryBudget, withRetryBudget } from "@/server/models/retry-budget";
import { AppError, isAppError } from "@/lib/errors";
import type { RunEventType, StepKind, StepStatus } from "@/lib/schemas/runs";
import { watchedInProcess } from "./watchers";
import { runCancelSignalled } from "./cancel-signal";
import { RunWriter } from "./run-writer";
import { GroupedSends } from "@/server/db/grouped-sends";
import { mergeUsageRows } from "@/server/ledger/record";
import { execute } from "@/server/db/execute";
import { beginStepSql, completeStepSql, failStepSql, releaseStepSql, waitStepSql, type StepStartRow } from "./step-records";
import { appendRunEventsSql } from "./events";
import { sql, type Sql } from "@/server/db/sql";
import { metrics } from "@/server/observability/metrics";
import { withSpan } from "@/server/observability/tracing";

// ---------------------------------------------------------------------------------------------------
// Errors

/** A step failed for good (retries exhausted, or not retryable): the run fails "at" this step. */
export class StepFailedError extends Error {
  readonly stepId: string;
  readonly reason: string;
  readonly attempts: number;
  constructor(stepId: string, reason: string, options: { cause?: unknown; attempts?: number } = {}) {
    super(`Step "${stepId}" failed: ${reason}`, { cause: options.cause });
    this.name = "StepFailedError";
    this.stepId = stepId;
    this.reason = reason;
    this.attempts = options.attempts ?? 1;
  }
}

/** The run was cancelled: thrown before the next step starts. */
export class RunCancelledError extends Error {
  constructor() {
    super("The run was cancelled");
    this.name = "RunCancelledError";
  }
}

/**
 * The executor is shutting down, or lost the run's lease: the run stops before its next step WITHOUT finishing,
 * so that whoever takes the run over replays it from its stored steps.
 */
export class RunSuspendedError extends Error {
  constructor(reason: string) {
    super(`The run was suspended: ${reason}`);
    this.name = "RunSuspendedError";
  }
}

/**
 * The run waits (a step's outage wait, a sleep) until `wakeAt` (epoch ms): the execution stops like a suspension, and
 * the executor stores the wake-up time with the run and lets go of it (no process holds a waiting run); the claim
 * takes it again once that time has come, and the replay goes on from the stored steps.
 */
export class RunParkedError extends RunSuspendedError {
  readonly wakeAt: number;
  constructor(wakeAt: number) {
    super(`the run waits until ${new Date(wakeAt).toISOString()}`);
    this.name = "RunParkedError";
    this.wakeAt = wakeAt;
  }
}

/** Errors that stop a run without being a step's failure. */
export function isControlError(error: unknown): error is RunCancelledError | RunSuspendedError {
  return error instanceof RunCancelledError || error instanceof RunSuspendedError;
}

const NOT_RETRYABLE_CODES = new Set([
  "BUDGET_EXCEEDED",
  "NO_FEASIBLE_MODEL",
  "VALIDATION_FAILED",
  "BAD_REQUEST",
  "NOT_FOUND",
  "FORBIDDEN",
  "UNAUTHORIZED",
  "CONFLICT",
  "GONE",
]);

/**
 * Whether a failed attempt is worth repeating (an outage wait, `outageOf`, is decided before this). The error's own
 * typed `retryable` decides when it has one (the gateway marks a provider's 4xx about the request as not retryable);
 * else AppErrors about the request itself are not (a budget refusal, no feasible model, invalid input); everything
 * else (provider outages after the gateway's own fallbacks, network and database hiccups) is.
 */
export function isRetryable(error: unknown): boolean {
  if (isControlError(error) || error instanceof StepFailedError) return false;
  if (isAppError(error)) {
    if (error.retryable !== undefined) return error.retryable;
    return !NOT_RETRYABLE_CODES.has(error.code);
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------
// Outage waits

/** How long a step may wait in all for its providers to recover, unless its agent says otherwise. */
export const DEFAULT_OUTAGE_WAIT_MS = 120_000;

/** A step waiting for a provider: stored as the waiting step's result, so that a replay knows it. */
export interface OutageWait {
  /** when the step's first wait began (epoch ms): the outage wait limit counts from here */
  since: number;
  /** when this wait began */
  waitStart: number;
  /** when the step is tried again (epoch ms) */
  retryAt: number;
  /** what it waits for (a provider's name) */
  waitingFor: string;
  reason: string;
  /** an event that ends the wait early (AppError.wakeEvent: a tool call's approval) */
  wakeEvent?: string;
}

/** The retry time of a failure that asks to wait (an AppError with `retryAt`), or null. */
export function outageOf(error: unknown): { retryAt: number; waitingFor: string; wakeEvent?: string } | null {
  if (!isAppError(error) || error.retryAt === undefined || !Number.isFinite(error.retryAt)) return null;
  return { retryAt: error.retryAt, waitingFor: error.waitingFor ?? "the model provider", ...(error.wakeEvent ? { wakeEvent: error.wakeEvent } : {}) };
}

/** A stored wait (a waiting step's result), or null. */
export function storedWaitOf(result: unknown): OutageWait | null {
  const w = result as Partial<OutageWait> | null;
  return w && typeof w.retryAt === "number" && typeof w.since === "number" ? (w as OutageWait) : null;
}

/**
 * What a failure that asks to wait leads to: the wait (until its `retryAt`), when that is within `limitMs` of the
 * step's first wait (`since`, else now); otherwise the step fails, and the reason says what it waited for and how long.
 */
export function decideOutageWait(error: unknown, since: number | undefined, limitMs: number, now: number): { wait: OutageWait } | { fail: string } | null {
  const outage = outageOf(error);
  if (!outage) return null;
  const start = since ?? now;
  const retryAt = Math.max(outage.retryAt, now);
  const reason = reasonOf(error);
  if (retryAt - start <= limitMs) {
    return {
      wait: { since: start, waitStart: now, retryAt, waitingFor: outage.waitingFor, reason, ...(outage.wakeEvent ? { wakeEvent: outage.wakeEvent } : {}) },
    };
  }
  const waited = Math.round((now - start) / 1000);
  return {
    fail: `${reason} (${outage.waitingFor} did not recover within the agent's outage wait limit of ${Math.round(limitMs / 1000)} s${waited > 0 ? `; waited ${waited} s` : ""})`,
  };
}

/** What a failure says to the person looking at the run (AppErrors are composed to be shown; others get their message). */
export function reasonOf(error: unknown): string {
  if (isAppError(error)) return error.exposeMessage ? error.message : "Internal error";
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

// ---------------------------------------------------------------------------------------------------
// Settings

export interface StepSettings {
  /** attempts per step, the first included */
  maxAttempts: number;
  /**
   * retries per step shared by the step's attempts and its model calls' fallbacks and retries
   * (server/models/retry-budget.ts): a step that needs one model answer makes at most 1 + retries paid calls.
   * Default: maxAttempts - 1
   */
  retries?: number;
  /** backoff before attempt n+1: baseDelayMs * 2^(n-1), capped */
  baseDelayMs: number;
  maxDelayMs: number;
}

const DEFAULT_SETTINGS: StepSettings = { maxAttempts: 3, baseDelayMs: 250, maxDelayMs: 10_000 };
let settings: StepSettings = { ...DEFAULT_SETTINGS };

/** Changes the retry policy (tests shorten it); `undefined` restores the defaults. */
export function configureSteps(patch?: Partial<StepSettings>): StepSettings {
  settings = patch ? { ...settings, ...patch } : { ...DEFAULT_SETTINGS };
  return settings;
}

export function stepSettings(): StepSettings {
  return settings;
}

export function backoffMs(attempt: number, s: StepSettings = settings): number {
  return Math.min(s.maxDelayMs, s.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

// ---------------------------------------------------------------------------------------------------
// The API

export interface StepInfo {
  /** 1 for the first attempt of this step (attempts interrupted by a crash count too) */
  attempt: number;
  maxAttempts: number;
  /**
   * For a step that stores its own result in its last statement (status succeeded + result, with other writes):
   * await this first (test hooks run there), then `store(sql)`; the step API then writes nothing more.
   */
  beforeStore(): Promise<void>;
  /**
   * Writes the step's own record, a statement fenced by `stepAttemptWhere` that returns at least one row when it
   * applied (none: another executor has taken the step over, and this execution stops at its next step).
   */
  store(statement: Sql): Promise<void>;
}

export interface StepOptions {
  /** RunStep.kind for a new row (default system) */
  kind?: StepKind;
  /** how long the step may wait in all for its providers to recover (default DEFAULT_OUTAGE_WAIT_MS) */
  outageWaitMs?: number;
  nodeId?: string;
  /** an event appended (in the same statement) when an attempt starts; `attempt` is added to its data */
  startEvent?: { type: RunEventType; data: Record<string, unknown> };
}

export interface StepApi {
  /** One memoised step: its result must be JSON (what comes back is the JSON round trip of it). */
  run<T>(id: string, fn: (info: StepInfo) => Promise<T>, options?: StepOptions): Promise<T>;
  sleep(id: string, ms: number): Promise<void>;
  /**
   * A bookkeeping statement of the run (events, progress, a step's record), committed in order with the run's other
   * writes. Resolves when later work may build on it: once committed (Inngest), or once queued (the executor's
   * write-behind, which commits before the run finishes and before `flush` resolves).
   */
  write(statement: Sql): Promise<void>;
  /** Writes like `write` (in order with it) and resolves with the statement's rows once it has committed; rejects
   *  with RunSuspendedError when the run's writes failed. */
  written(statement: Sql): Promise<Record<string, unknown>[]>;
  /**
   * Commits a statement now, on its own connection (not in order with `write`'s queue; refused once the run's writes
   * failed): the promise settles when it has committed, or rejects with RunSuspendedError. For writes that must be
   * durable before the caller goes on and depend on none of the run's queued writes (a model call's usage row).
   */
  send(statement: Sql): Promise<void>;
  /** Resolves when every write so far is committed; throws RunSuspendedError when one failed. */
  flush(): Promise<void>;
  /** Someone follows the run live (server/jobs/watchers.ts): its agent steps stream their text. */
  watched(): boolean;
  /** Resolves when no step started through this API is still running (parallel branches that outlived a failure). */
  settled(): Promise<void>;
  /**
   * The run's steps as this execution knows them: read once when it started (with each agent step's modelRef), then
   * kept up to date with what it writes. What earlier executions did, e.g. the models a diversity group's replayed
   * participants used. Absent: not known.
   */
  stored?(): Promise<ReadonlyMap<string, KnownStep>>;
}

/** The JSON round trip of a step result: exactly what a replay returns. */
export function asJson<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

// ---------------------------------------------------------------------------------------------------
// The Postgres implementation

export interface StepHooks {
  /** after fn returned, before its result is stored (tests: a crash "inside" a step) */
  beforeStore?(stepId: string): Promise<void> | void;
  /** after a step's result was committed (tests: a crash "between" steps); the step waits for it */
  afterStore?(stepId: string): Promise<void> | void;
}

/** A step as this execution knows it (read once at the start, then kept in step with what it writes). */
export interface KnownStep {
  status: StepStatus;
  attempts: number;
  result: unknown;
  /** the catalog model of an agent step's answer (RunStep.modelRef), as stored when the execution started */
  modelRef?: string | null;
}

export interface PostgresStepOptions {
  runId: string;
  workspaceId: string;
  /** the execution's lease epoch (the run's `executions` at its claim): its writes are fenced by it (run-writer.ts) */
  epoch?: number;
  /** checked before each step: a reason to suspend the run (shutdown, lost lease), or null to go on */
  suspendReason?: () => string | null;
  /** checked before each step: a cancel learnt otherwise (the executor's heartbeat) */
  cancelled?: () => boolean;
  settings?: Partial<StepSettings>;
  hooks?: StepHooks;
  /** the run's stored steps, when the caller read them already (else they are read before the first step) */
  stored?: Map<string, KnownStep>;
  /** the run was marked as watched when it was claimed (each step start reads the mark again) */
  watched?: boolean;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

/** The run's stored steps, by step id. */
export async function storedSteps(run: { runId: string; workspaceId: string }): Promise<Map<string, KnownStep>> {
  const { rows } = await execute<{ stepId: string; status: StepStatus; attempts: number; result: unknown; modelRef: string | null }>(
    run,
    sql`SELECT "stepId", "status", "attempts", "result", "modelRef" FROM "RunStep" WHERE "runId" = ${run.runId}`,
  );
  return new Map(rows.map((r) => [r.stepId, { status: r.status, attempts: r.attempts, result: r.result, modelRef: r.modelRef }]));
}

/** The Postgres steps: the StepApi, and the wake-up time of a run that parked (see RunParkedError). */
export interface PostgresStepApi extends StepApi {
  /** the earliest time a step of this execution asked to be woken at, or null when none parked */
  parkedUntil(): number | null;
}

export function createPostgresStep(options: PostgresStepOptions): PostgresStepApi {
  const { runId, workspaceId, hooks } = options;
  const s = (): StepSettings => ({ ...settings, ...options.settings });
  const inflight = new Set<Promise<unknown>>();
  const writer = new RunWriter({ runId, workspaceId, ...(options.epoch !== undefined ? { epoch: options.epoch } : {}) });
  // usage rows: each committed before its call's caller goes on; parallel branches' rows share round trips
  const sends = new GroupedSends({ workspaceId }, { merge: mergeUsageRows });
  let known: Promise<Map<string, KnownStep>> | null = options.stored ? Promise.resolve(options.stored) : null;
  /** learnt from a step start: the cancel flag, or another executor's hand on the run */
  let cancelSeen = false;
  let takenOver = false;
  let watchedElsewhere = options.watched ?? false;
  /** a step parked the run until then: the other branches stop at their next step boundary */
  let parkedUntil: number | null = null;

  const park = (wakeAt: number): never => {
    parkedUntil = parkedUntil === null ? wakeAt : Math.min(parkedUntil, wakeAt);
    throw new RunParkedError(wakeAt);
  };

  const checkSuspend = () => {
    const suspend = options.suspendReason?.() ?? (takenOver ? "another executor took the run over" : null);
    if (suspend) throw new RunSuspendedError(suspend);
    if (parkedUntil !== null) throw new RunParkedError(parkedUntil);
    if (writer.failed) throw new RunSuspendedError(writer.failed.message);
  };
  const checkCancel = () => {
    if (cancelSeen || options.cancelled?.() || runCancelSignalled(runId)) throw new RunCancelledError();
  };

  /** Queues a step's start; what it read (cancel flag, the step's state) is looked at when it has committed. */
  const begin = (stepId: string, attempt: number, stepOptions: StepOptions) => {
    // the step runs already, so its start claims it even when a cancel arrived meanwhile: it finishes and is kept
    writer.write(beginStepSql({ runId, workspaceId }, stepId, stepOptions, "always")).then(
      (rows) => {
        const row = rows[0] as unknown as StepStartRow | undefined;
        // nothing written: another claim superseded this execution (the lease fence)
        if (!row) {
          takenOver = true;
          return;
        }
        watchedElsewhere = row.watched === true;
        if (row.cancel !== false) cancelSeen = true;
        if (row.status === "succeeded" || row.attempts !== attempt) takenOver = true;
      },
      () => undefined, // the writer keeps its failure: the next step boundary stops the run
    );
  };

  /** The test hook "inside a step": what the step wrote so far (its start, its usage rows) has committed when it runs. */
  const beforeStore = async (stepId: string) => {
    if (!hooks?.beforeStore) return;
    await writer.settle();
    await hooks.beforeStore(stepId);
  };

  /** A step's record that changed nothing: another executor moved the step on. */
  const fenced = (write: Promise<Record<string, unknown>[]>) => {
    write.then(
      (rows) => {
        if (rows.length === 0) takenOver = true;
      },
      () => undefined, // the writer keeps its failure
    );
  };

  async function runStep<T>(stepId: string, fn: (info: StepInfo) => Promise<T>, stepOptions: StepOptions = {}): Promise<T> {
    const { maxAttempts } = s();
    known ??= storedSteps({ runId, workspaceId });
    const steps = await known;
    /** the step's outage wait so far (stored with a waiting step) */
    let waited: OutageWait | null = null;
    const retryBudget = new RetryBudget(s().retries ?? maxAttempts - 1);
    for (;;) {
      checkSuspend();
      const prior = steps.get(stepId);
      if (prior?.status === "succeeded") return prior.result as T; // replay: the stored result, fn is not called
      checkCancel();
      // a step that waited keeps its wait as its result until it succeeds (the limit counts from the first wait)
      if (prior) waited = storedWaitOf(prior.result) ?? waited;
      if (prior?.status === "waiting") {
        // woken early (another branch's wake-up time came first): wait on; a wait an event may end (an approval)
        // runs its step again instead, which reads whether the event came and waits on if it did not
        if (waited && waited.retryAt > Date.now() && !waited.wakeEvent) park(waited.retryAt);
        if (waited && stepOptions.startEvent) {
          void writer.write(
            appendRunEventsSql(runId, [
              {
                type: "node.resumed",
                data: { ...stepOptions.startEvent.data, waitingFor: waited.waitingFor, waitedMs: Math.max(0, Date.now() - waited.waitStart) },
              },
            ]),
          );
        }
      }
      const attempt = (prior?.attempts ?? 0) + 1;
      steps.set(stepId, { status: "running", attempts: attempt, result: null });
      if (attempt > maxAttempts) {
        // earlier attempts were interrupted (the process died inside this step) until none is left
        const reason = `the step was interrupted ${attempt - 1} times (the process stopped while it ran)`;
        steps.set(stepId, { status: "failed", attempts: attempt - 1, result: null });
        void writer.write(failStepSql(runId, stepId, reason, false));
        throw new StepFailedError(stepId, reason, { attempts: attempt - 1 });
      }
      begin(stepId, attempt, stepOptions);
      let stored = false;
      let result: T;
      try {
        result = asJson(
          await withSpan("run.step", { "cadre.run_id": runId, "cadre.workspace_id": workspaceId, "cadre.step_id": stepId, "cadre.step.attempt": attempt }, () =>
            withRetryBudget(retryBudget, () =>
              fn({
                attempt,
                maxAttempts,
                beforeStore: () => beforeStore(stepId),
                store: async (statement) => {
                  stored = true;
                  fenced(writer.write(statement));
                },
              }),
            ),
          ),
        );
        metrics.runSteps.inc({ outcome: "succeeded" });
      } catch (error) {
        if (isControlError(error)) {
          steps.set(stepId, { status: "pending", attempts: attempt - 1, result: null });
          void writer.write(releaseStepSql(runId, stepId));
          throw error;
        }
        const outage = decideOutageWait(error, waited?.since, stepOptions.outageWaitMs ?? DEFAULT_OUTAGE_WAIT_MS, Date.now());
        if (outage && "wait" in outage) {
          // the attempt does not count: the step waits (stored, with its wake-up time) and is tried again then
          waited = outage.wait;
          steps.set(stepId, { status: "waiting", attempts: attempt - 1, result: outage.wait });
          void writer.write(waitStepSql(runId, stepId, outage.wait));
          if (stepOptions.startEvent)
            void writer.write(appendRunEventsSql(runId, [{ type: "node.waiting", data: waitingEventData(stepOptions.startEvent.data, outage.wait) }]));
          park(outage.wait.retryAt);
        }
        const reason = outage && "fail" in outage ? outage.fail : reasonOf(error);
        const willRetry = !outage && isRetryable(error) && attempt < maxAttempts && retryBudget.take();
        metrics.runSteps.inc({ outcome: outage && "wait" in outage ? "waiting" : willRetry ? "retrying" : "failed" });
        if (outage && stepOptions.startEvent) {
          void writer.write(
            appendRunEventsSql(runId, [{ type: "node.failed", data: { ...stepOptions.startEvent.data, error: reason, attempt, willRetry: false } }]),
          );
        }
        steps.set(stepId, { status: willRetry ? "retrying" : "failed", attempts: attempt, result: null });
        void writer.write(failStepSql(runId, stepId, reason, willRetry));
        if (!willRetry) throw new StepFailedError(stepId, reason, { cause: error, attempts: attempt });
        await delay(backoffMs(attempt, s()));
        continue;
      }
      if (!stored) {
        await beforeStore(stepId);
        fenced(writer.write(completeStepSql(runId, stepId, result, attempt)));
      }
      steps.set(stepId, { status: "succeeded", attempts: attempt, result });
      if (hooks?.afterStore) {
        await writer.flush();
        await hooks.afterStore(stepId);
      }
      return result;
    }
  }

  /**
   * A durable sleep: the wake-up time is stored with the step, and the run parks (RunParkedError) until then: no
   * process holds it meanwhile. The replay after the wake-up time finds the time passed and goes on.
   */
  async function sleepStep(stepId: string, ms: number): Promise<void> {
    known ??= storedSteps({ runId, workspaceId });
    const steps = await known;
    checkSuspend();
    const prior = steps.get(stepId);
    if (prior?.status === "succeeded") return;
    checkCancel();
    const stored = (prior?.result as { wakeAt?: unknown } | null)?.wakeAt;
    const wakeAt = prior?.status === "sleeping" && typeof stored === "number" ? stored : Date.now() + Math.max(0, ms);
    if (prior?.status !== "sleeping") {
      steps.set(stepId, { status: "sleeping", attempts: (prior?.attempts ?? 0) + 1, result: { wakeAt } });
      begin(stepId, (prior?.attempts ?? 0) + 1, { kind: "system" });
      void writer.write(sql`UPDATE "RunStep" SET "status" = 'sleeping', "result" = ${sql.json({ wakeAt })} WHERE "runId" = ${runId} AND "stepId" = ${stepId}`);
    }
    if (wakeAt > Date.now()) park(wakeAt);
    steps.set(stepId, { status: "succeeded", attempts: Math.max(1, prior?.attempts ?? 1), result: { wakeAt } });
    void writer.write(completeStepSql(runId, stepId, { wakeAt }));
  }

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inflight.add(promise);
    const remove = () => inflight.delete(promise);
    promise.then(remove, remove);
    return promise;
  };

  return {
    parkedUntil: () => parkedUntil,
    run: (id, fn, stepOptions) => track(runStep(id, fn, stepOptions)),
    sleep: (id, ms) => track(sleepStep(id, ms)),
    async write(statement) {
      if (writer.failed) throw new RunSuspendedError(writer.failed.message);
      void writer.write(statement);
    },
    async written(statement) {
      try {
        return await writer.write(statement);
      } catch (error) {
        throw new RunSuspendedError((error as Error).message);
      }
    },
    async send(statement) {
      if (writer.failed) throw new RunSuspendedError(writer.failed.message);
      try {
        // on its own connection, not behind the writer's batch in flight (the previous step's record and this step's
        // start): a usage row depends on none of them, and the model call waits for nothing else (server/db/grouped-sends.ts)
        await sends.send(statement);
      } catch (error) {
        // the run stops and is resumed from what was committed (a model call's usage row waits for this commit)
        throw new RunSuspendedError((error as Error).message);
      }
    },
    async flush() {
      try {
        await writer.flush();
      } catch (error) {
        throw new RunSuspendedError((error as Error).message);
      }
    },
    async settled() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    watched: () => watchedElsewhere || watchedInProcess(runId),
    stored: () => (known ??= storedSteps({ runId, workspaceId })),
  };
}

/** The data of a node.waiting event: the step's start data, what it waits for, and when it is tried again. */
export function waitingEventData(start: Record<string, unknown>, wait: OutageWait): Record<string, unknown> {
  return { ...start, waitingFor: wait.waitingFor, retryAt: new Date(wait.retryAt).toISOString(), reason: wait.reason.slice(0, 1000) };
}

/** For messages: an AppError with its code, else the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof StepFailedError) return error.message;
  if (error instanceof AppError) return `${error.code}: ${reasonOf(error)}`;
  return reasonOf(error);
}
