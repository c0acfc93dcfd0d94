/**
 * RunStep bookkeeping: the statements that start an attempt of a step, store its result, record a failure or put
 * it back (shared by the executor's Postgres steps, which queue them on the run's writer, and the Inngest adapter,
 * which runs them at once). Each is ONE statement.
 */
import type { StepStatus } from "@/lib/schemas/runs";
import { newId } from "@/lib/ids";
import { notifyRunEvents } from "./notify";
import type { StepOptions } from "./step";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";

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
  /** an event stream of the run is open in another process (server/jobs/watchers.ts) */
  watched: boolean;
}

export interface StepStartRow {
  cancel: boolean | null;
  watched: boolean | null;
  status: StepStatus | null;
  result: unknown;
  attempts: number | null;
}

/**
 * ONE statement that starts an attempt of a step: reads the run's cancel flag and the step's stored state; unless the
 * step already succeeded (or the run is cancelled, unless `claim` is "always": the write-behind path, whose step is
 * running already), marks it running (creating its row, attempts + 1) and appends the step's start event (with the
 * attempt number) to the run.
 */
export function beginStepSql(
  run: { runId: string; workspaceId: string },
  stepId: string,
  options: StepOptions,
  claim: "unless-cancelled" | "always" = "unless-cancelled",
): Sql {
  // the statement is the function cadre_begin_step (prisma/migrations/20261211_100_step_statement_functions): its plan is kept per connection
  const event = options.startEvent;
  return sql`SELECT * FROM cadre_begin_step(${run.runId}, ${run.workspaceId}, ${stepId}, ${newId("stp")}, ${options.kind ?? "system"},
    ${sql.text(options.nodeId ?? null)}, ${claim === "unless-cancelled"}, ${event ? newId("evt") : null}, ${event?.type ?? null},
    ${event ? sql.json(event.data) : null}, ${new Date()})`;
}

export function stepStartOf(row: StepStartRow): StepStart {
  const replay = row.status === "succeeded" ? { result: row.result } : null;
  return {
    cancelled: row.cancel === null || (row.cancel && !replay),
    replay,
    attempt: row.attempts,
    previous: row.status,
    previousResult: row.result,
    watched: row.watched === true,
  };
}

/** Starts an attempt of a step now (see beginStepSql). */
export async function beginStep(run: { runId: string; workspaceId: string }, stepId: string, options: StepOptions = {}): Promise<StepStart> {
  const { rows } = await execute<StepStartRow & Record<string, unknown>>(run, beginStepSql(run, stepId, options));
  const start = stepStartOf(rows[0]!);
  if (options.startEvent && start.attempt !== null) notifyRunEvents(run.runId);
  return start;
}

/**
 * The condition that fences a step's record to the attempt that produced it: the step is still running that attempt
 * (another executor that took the run over has moved it on).
 */
export function stepAttemptWhere(runId: string, stepId: string, attempt: number): Sql {
  return sql`"runId" = ${runId} AND "stepId" = ${stepId} AND "status" = 'running' AND "attempts" = ${attempt}`;
}

export function completeStepSql(runId: string, stepId: string, result: unknown, attempt?: number): Sql {
  const where = attempt === undefined ? sql`"runId" = ${runId} AND "stepId" = ${stepId}` : stepAttemptWhere(runId, stepId, attempt);
  return sql`UPDATE "RunStep" SET "status" = 'succeeded', "result" = ${sql.json(result)}, "error" = NULL, "finishedAt" = ${new Date()} WHERE ${where} RETURNING 1`;
}

export function failStepSql(runId: string, stepId: string, reason: string, willRetry: boolean): Sql {
  return sql`UPDATE "RunStep" SET "status" = ${willRetry ? "retrying" : "failed"}, "error" = ${sql.text(reason, MAX_ERROR)}, "finishedAt" = ${new Date()}
     WHERE "runId" = ${runId} AND "stepId" = ${stepId}`;
}

/**
 * A step that waits for a provider to recover: `waiting`, the wait (since, retry time, what for) as its result, the
 * reason as its error; its attempt does not count (attempts - 1), the next one after the wait takes its number.
 */
export function waitStepSql(runId: string, stepId: string, wait: unknown): Sql {
  const reason = (wait as { reason?: unknown }).reason;
  return sql`UPDATE "RunStep" SET "status" = 'waiting', "attempts" = GREATEST(0, "attempts" - 1), "result" = ${sql.json(wait)},
       "error" = ${sql.text(typeof reason === "string" ? reason : null, MAX_ERROR)}, "finishedAt" = NULL
     WHERE "runId" = ${runId} AND "stepId" = ${stepId} AND "status" = 'running'`;
}

/** A step interrupted by a cancel or a shutdown goes back to pending (its attempt does not count as a failure). */
export function releaseStepSql(runId: string, stepId: string): Sql {
  return sql`UPDATE "RunStep" SET "status" = 'pending', "attempts" = GREATEST(0, "attempts" - 1) WHERE "runId" = ${runId} AND "stepId" = ${stepId} AND "status" = 'running'`;
}

type RunRef = { runId: string; workspaceId: string };

export async function completeStep(run: RunRef, stepId: string, result: unknown): Promise<void> {
  await execute(run, completeStepSql(run.runId, stepId, result));
}

/** Records a failed attempt: `retrying` (another attempt follows) or `failed`. */
export async function failStep(run: RunRef, stepId: string, reason: string, willRetry: boolean): Promise<void> {
  await execute(run, failStepSql(run.runId, stepId, reason, willRetry));
}
