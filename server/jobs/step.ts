/**
 * The step API a run's function body is written against: the subset of Inngest's `step` Cadre needs
 * (`run(id, fn)`, `sleep(id, ms)`), with two implementations:
 * - `createPostgresStep` (the in-process executor): every step is memoised in RunStep under (runId, stepId).
 *   A step that succeeded before returns its stored result without calling fn (replay after a restart); otherwise
 *   it is marked running (attempts + 1, in the same statement that checks the cancel flag and the stored state, and
 *   appends the step's start event), fn runs, and its result (JSON) is stored (by fn itself in its last statement,
 *   or by the step API). A failure is retried with
 *   exponential backoff unless it is not retryable (budget, infeasible route, validation, a provider's 4xx);
 *   then StepFailedError(stepId, reason). Cancellation (Run.cancelRequestedAt) is checked before each step.
 * - the Inngest adapter (server/jobs/inngest.ts) gives the same API on top of Inngest's own step tools; both
 *   keep RunStep rows through `beginStep` / `completeStep` / `failStep` below.
 *
 * Every database write here is one short statement: parallel branches (Promise.all of step.run) run concurrently,
 * also on the embedded database, and no transaction is ever held across a model call.
 */
import { AppError, isAppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { RunEventType } from "@/lib/schemas/runs";
import { notifyRunEvents } from "@/server/runs/notify";
import { jsonLit, lit, query, textLit, tsLit } from "./sql";

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

/** Errors that stop a run without being a step's failure. */
export function isControlError(error: unknown): error is RunCancelledError | RunSuspendedError {
  return error instanceof RunCancelledError || error instanceof RunSuspendedError;
}

const NOT_RETRYABLE_CODES = new Set(["BUDGET_EXCEEDED", "NO_FEASIBLE_MODEL", "VALIDATION_FAILED", "BAD_REQUEST", "NOT_FOUND", "FORBIDDEN", "UNAUTHORIZED", "CONFLICT", "GONE"]);

/**
 * Whether a failed attempt is worth repeating. AppErrors about the request itself are not (a budget refusal, no
 * feasible model, invalid input, and a provider's 4xx, which the gateway reports as "not retried"); everything
 * else (provider outages after the gateway's own fallbacks, network and database hiccups) is.
 */
export function isRetryable(error: unknown): boolean {
  if (isControlError(error) || error instanceof StepFailedError) return false;
  if (isAppError(error)) {
    if (NOT_RETRYABLE_CODES.has(error.code)) return false;
    if (error.code === "UPSTREAM_ERROR" && /not retried/.test(error.message)) return false;
    return true;
  }
  return true;
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
   * await this first (test hooks run there), then call `stored()`; the step API then writes nothing more.
   */
  beforeStore(): Promise<void>;
  stored(): void;
}

export interface StepOptions {
  /** RunStep.kind for a new row (agent, aggregate, plan, system ...) */
  kind?: string;
  nodeId?: string;
  /** an event appended (in the same statement) when an attempt starts; `attempt` is added to its data */
  startEvent?: { type: RunEventType; data: Record<string, unknown> };
}

export interface StepApi {
  /** One memoised step: its result must be JSON (what comes back is the JSON round trip of it). */
  run<T>(id: string, fn: (info: StepInfo) => Promise<T>, options?: StepOptions): Promise<T>;
  sleep(id: string, ms: number): Promise<void>;
  /** Resolves when no step started through this API is still running (parallel branches that outlived a failure). */
  settled(): Promise<void>;
}

/** The JSON round trip of a step result: exactly what a replay returns. */
export function asJson<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T);
}

// ---------------------------------------------------------------------------------------------------
// RunStep bookkeeping (shared with the Inngest adapter)

const MAX_ERROR = 4000;

export interface StepStart {
  /** a cancel was requested: nothing was claimed */
  cancelled: boolean;
  /** the step had succeeded before: its stored result (nothing was claimed) */
  replay: { result: unknown } | null;
  /** the attempt now running (attempts + 1), when claimed; null with neither cancelled nor replay: another
   *  executor finished the step at this very moment (ask again) */
  attempt: number | null;
  /** the step's status before this statement (null: new) */
  previous: string | null;
  previousResult: unknown;
}

/**
 * Starts an attempt of a step in ONE statement: reads the run's cancel flag and the step's stored state; unless the
 * run is cancelled or the step already succeeded, marks it running (creating its row, attempts + 1) and appends
 * the step's start event (with the attempt number) to the run.
 */
export async function beginStep(run: { runId: string; workspaceId: string }, stepId: string, options: StepOptions = {}): Promise<StepStart> {
  const now = tsLit(new Date());
  const runId = lit(run.runId);
  const sid = lit(stepId);
  const event = options.startEvent
    ? `, ev AS (UPDATE "Run" SET "lastEventSeq" = "lastEventSeq" + 1, "updatedAt" = ${now} WHERE id = ${runId} AND EXISTS (SELECT 1 FROM claimed)
         RETURNING "workspaceId", "lastEventSeq"),
       evi AS (INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
         SELECT ${lit(newId("evt"))}, ev."workspaceId", ${runId}, ev."lastEventSeq", ${lit(options.startEvent.type)},
           ${jsonLit(options.startEvent.data)} || jsonb_build_object('attempt', claimed.attempts), ${now} FROM ev, claimed RETURNING 1)`
    : "";
  const { rows } = await query<{ cancel: boolean | null; status: string | null; result: unknown; attempts: number | null }>(
    `WITH r AS (SELECT "cancelRequestedAt" IS NOT NULL AS cancel FROM "Run" WHERE id = ${runId}),
     prev AS (SELECT "status", "result" FROM "RunStep" WHERE "runId" = ${runId} AND "stepId" = ${sid}),
     claimed AS (
       INSERT INTO "RunStep" ("id", "workspaceId", "runId", "stepId", "kind", "nodeId", "status", "attempts", "startedAt")
       SELECT ${lit(newId("stp"))}, ${lit(run.workspaceId)}, ${runId}, ${sid}, ${lit(options.kind ?? "system")}, ${textLit(options.nodeId ?? null)}, 'running', 1, ${now}
       FROM r WHERE NOT r.cancel AND NOT EXISTS (SELECT 1 FROM prev WHERE prev."status" = 'succeeded')
       ON CONFLICT ("runId", "stepId") DO UPDATE SET "status" = 'running', "attempts" = "RunStep"."attempts" + 1, "startedAt" = ${now}, "error" = NULL, "finishedAt" = NULL
         WHERE "RunStep"."status" <> 'succeeded'
       RETURNING "attempts")${event}
     SELECT r.cancel, prev."status", prev."result", claimed."attempts" FROM (SELECT 1) AS one
       LEFT JOIN r ON true LEFT JOIN prev ON true LEFT JOIN claimed ON true`,
  );
  const row = rows[0]!;
  if (options.startEvent && row.attempts !== null) notifyRunEvents(run.runId);
  const replay = row.status === "succeeded" ? { result: row.result } : null;
  return {
    cancelled: row.cancel === null || (row.cancel && !replay),
    replay,
    attempt: row.attempts,
    previous: row.status,
    previousResult: row.result,
  };
}

export async function completeStep(runId: string, stepId: string, result: unknown): Promise<void> {
  await query(
    `UPDATE "RunStep" SET "status" = 'succeeded', "result" = ${jsonLit(result)}, "error" = NULL, "finishedAt" = ${tsLit(new Date())}
     WHERE "runId" = ${lit(runId)} AND "stepId" = ${lit(stepId)}`,
  );
}

/** Records a failed attempt: `retrying` (another attempt follows) or `failed`. */
export async function failStep(runId: string, stepId: string, reason: string, willRetry: boolean): Promise<void> {
  await query(
    `UPDATE "RunStep" SET "status" = ${lit(willRetry ? "retrying" : "failed")}, "error" = ${textLit(reason, MAX_ERROR)}, "finishedAt" = ${tsLit(new Date())}
     WHERE "runId" = ${lit(runId)} AND "stepId" = ${lit(stepId)}`,
  );
}

/** A step interrupted by a cancel or a shutdown goes back to pending (its attempt does not count as a failure). */
async function releaseStep(runId: string, stepId: string): Promise<void> {
  await query(
    `UPDATE "RunStep" SET "status" = 'pending', "attempts" = GREATEST(0, "attempts" - 1) WHERE "runId" = ${lit(runId)} AND "stepId" = ${lit(stepId)} AND "status" = 'running'`,
  );
}

// ---------------------------------------------------------------------------------------------------
// The Postgres implementation

export interface StepHooks {
  /** after fn returned, before its result is stored (tests: a crash "inside" a step) */
  beforeStore?(stepId: string): Promise<void> | void;
  /** after a step's result was stored (tests: a crash "between" steps) */
  afterStore?(stepId: string): Promise<void> | void;
}

export interface PostgresStepOptions {
  runId: string;
  workspaceId: string;
  /** checked before each step: a reason to suspend the run (shutdown, lost lease), or null to go on */
  suspendReason?: () => string | null;
  settings?: Partial<StepSettings>;
  hooks?: StepHooks;
}

function delay(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}

export function createPostgresStep(options: PostgresStepOptions): StepApi {
  const { runId, workspaceId, hooks } = options;
  const s = (): StepSettings => ({ ...settings, ...options.settings });
  const inflight = new Set<Promise<unknown>>();

  const checkSuspend = () => {
    const suspend = options.suspendReason?.();
    if (suspend) throw new RunSuspendedError(suspend);
  };

  async function runStep<T>(stepId: string, fn: (info: StepInfo) => Promise<T>, stepOptions: StepOptions = {}): Promise<T> {
    const { maxAttempts } = s();
    for (;;) {
      checkSuspend();
      const start = await beginStep({ runId, workspaceId }, stepId, stepOptions);
      if (start.replay) return start.replay.result as T; // replay: the stored result, fn is not called
      if (start.cancelled) throw new RunCancelledError();
      if (start.attempt === null) continue; // it succeeded concurrently: the next round replays it
      const attempt = start.attempt;
      if (attempt > maxAttempts) {
        // earlier attempts were interrupted (the process died inside this step) until none is left
        const reason = `the step was interrupted ${attempt - 1} times (the process stopped while it ran)`;
        await failStep(runId, stepId, reason, false);
        throw new StepFailedError(stepId, reason, { attempts: attempt - 1 });
      }
      let stored = false;
      let result: T;
      try {
        result = asJson(
          await fn({
            attempt,
            maxAttempts,
            beforeStore: async () => {
              await hooks?.beforeStore?.(stepId);
            },
            stored: () => {
              stored = true;
            },
          }),
        );
      } catch (error) {
        if (isControlError(error)) {
          await releaseStep(runId, stepId);
          throw error;
        }
        const reason = reasonOf(error);
        const willRetry = isRetryable(error) && attempt < maxAttempts;
        await failStep(runId, stepId, reason, willRetry);
        if (!willRetry) throw new StepFailedError(stepId, reason, { cause: error, attempts: attempt });
        await delay(backoffMs(attempt, s()));
        continue;
      }
      if (!stored) {
        await hooks?.beforeStore?.(stepId);
        await completeStep(runId, stepId, result);
      }
      await hooks?.afterStore?.(stepId);
      return result;
    }
  }

  async function sleepStep(stepId: string, ms: number): Promise<void> {
    checkSuspend();
    const start = await beginStep({ runId, workspaceId }, stepId, { kind: "system" });
    if (start.replay || (start.attempt === null && !start.cancelled)) return;
    if (start.cancelled) throw new RunCancelledError();
    const stored = (start.previousResult as { wakeAt?: unknown } | null)?.wakeAt;
    const wakeAt = start.previous === "sleeping" && typeof stored === "number" ? stored : Date.now() + Math.max(0, ms);
    await query(`UPDATE "RunStep" SET "status" = 'sleeping', "result" = ${jsonLit({ wakeAt })} WHERE "runId" = ${lit(runId)} AND "stepId" = ${lit(stepId)}`);
    await delay(wakeAt - Date.now());
    await completeStep(runId, stepId, { wakeAt });
  }

  const track = <T>(promise: Promise<T>): Promise<T> => {
    inflight.add(promise);
    const remove = () => inflight.delete(promise);
    promise.then(remove, remove);
    return promise;
  };

  return {
    run: (id, fn, stepOptions) => track(runStep(id, fn, stepOptions)),
    sleep: (id, ms) => track(sleepStep(id, ms)),
    async settled() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}

/** For messages: an AppError with its code, else the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof StepFailedError) return error.message;
  if (error instanceof AppError) return `${error.code}: ${reasonOf(error)}`;
  return reasonOf(error);
}
