/**
 * Inngest (optional): with INNGEST_EVENT_KEY + INNGEST_SIGNING_KEY (Inngest Cloud or a self-hosted server), or
 * INNGEST_DEV=1 (a local dev server), startRun sends `cadre/run.requested` and the run executes as the Inngest
 * function below, served at /api/inngest; the in-process executor is not started. The function body is the same
 * `executeRun` as in-process, given Inngest's own step tools through `inngestSteps`, which keeps the RunStep rows
 * (attempts, result, error) exactly like the Postgres steps do. Inngest memoises and retries the steps itself;
 * failures that are not worth retrying are thrown as NonRetriableError.
 */
import { Inngest, NonRetriableError } from "inngest";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { executeRun, finishRun, type RunEventPayload } from "./run-function";
import {
  asJson,
  decideOutageWait,
  DEFAULT_OUTAGE_WAIT_MS,
  isControlError,
  isRetryable,
  reasonOf,
  RunCancelledError,
  StepFailedError,
  storedSteps,
  waitingEventData,
  type OutageWait,
  type StepApi,
  type StepInfo,
  type StepOptions,
} from "./step";
import { beginStep, completeStep, failStep, waitStepSql } from "./step-records";
import { appendRunEventsSql } from "./events";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { notifyRunEvents } from "./notify";
import { watchedInProcess } from "./watchers";
import { parentRunOf, subRunWakeKey } from "./sub-run";
import { approvalWakeKey } from "@/server/tools/approval-wait";

export const RUN_REQUESTED_EVENT = "cadre/run.requested";
/** marks an Inngest step's result as an outage wait (the step is tried again after a step.sleep) */
const WAIT_MARK = "__cadreOutageWait";
/** attempts per step under Inngest: the first + retries */
const INNGEST_RETRIES = 2;

export const inngest = new Inngest({ id: "cadre" });

export { inngestEnabled } from "./inngest-enabled";

/** The part of Inngest's step tools the adapter uses (so tests and future SDK versions only need these). */
export interface InngestStepTools {
  run: (id: string, fn: () => Promise<unknown>) => Promise<unknown>;
  sleep: (id: string, duration: number) => Promise<unknown>;
  /** a wait an event may end early (a tool call's approval): resolves with the event, or null at the timeout */
  waitForEvent?: (id: string, options: { event: string; timeout: number; if: string }) => Promise<unknown>;
}

/**
 * The Inngest event that ends a wait with a wake key (AppError.wakeEvent): sent by the decision of an approval and by
 * the end of a sub-run. Not the only way such a wait ends: see WAKE_SLICE_MS.
 */
export const WAKE_EVENT = "cadre/run.wake";

/**
 * The longest single `step.waitForEvent` of a wait a wake event may end (an approval, a sub-run's end). Inngest only
 * matches an event against a wait that is already registered: a wake event sent before that (the decision made between
 * the step storing its wait and Inngest registering the waitForEvent) is lost. So such a wait is a series of slices of
 * at most this long, with the durable state (the approval's decision, the sub-run's end) read in the database between
 * them: a lost wake costs at most one slice, never the whole wait (24 h for an approval). Each slice is two Inngest
 * steps (the wait and the check), and a function has at most 1,000 steps: 10 minutes keeps a wait of 24 h to 288.
 */
export const WAKE_SLICE_MS = 10 * 60_000;

/**
 * Whether what a wait with this wake key waits for has happened, read in the database: an approval that is no longer
 * pending (decided, or gone), a sub-run that ended (or is gone). An unknown key: false (the wait runs to its time).
 */
export async function wakeKeyDue(run: RunEventPayload, key: string): Promise<boolean> {
  const approval = approvalWakeKey("");
  const subRun = subRunWakeKey("");
  let statement: Sql | null = null;
  if (key.startsWith(approval)) {
    const id = key.slice(approval.length);
    statement = sql`SELECT NOT EXISTS (SELECT 1 FROM "ToolApproval" WHERE "workspaceId" = ${run.workspaceId} AND id = ${id} AND "status" = 'pending') AS due`;
  } else if (key.startsWith(subRun)) {
    const id = key.slice(subRun.length);
    statement = sql`SELECT NOT EXISTS (SELECT 1 FROM "Run" WHERE "workspaceId" = ${run.workspaceId} AND id = ${id}
      AND "status" NOT IN ('succeeded', 'failed', 'cancelled')) AS due`;
  }
  if (!statement) return false;
  const { rows } = await execute<{ due: boolean }>(run, statement);
  return rows[0]?.due === true;
}

/**
 * A wait an event may end (server/jobs/step.ts OutageWait.wakeEvent), under Inngest: `step.waitForEvent` on the wake
 * key in slices of at most WAKE_SLICE_MS up to the wait's time (`retryAt`), the database read between slices
 * (`wakeKeyDue`). Returns when the event came, the database says it is due, or the time came; the caller then runs the
 * step again, which reads the decision (or the sub-run) itself. The slices are counted from the stored `waitStart`,
 * so that a replay of the function asks for the same steps.
 */
async function waitForWake(step: InngestStepTools, run: RunEventPayload, waitId: string, wait: OutageWait): Promise<void> {
  const waitForEvent = step.waitForEvent!;
  const key = wait.wakeEvent!;
  const slices = Math.max(1, Math.ceil((wait.retryAt - wait.waitStart) / WAKE_SLICE_MS));
  for (let k = 1; k <= slices; k++) {
    const sliceEnd = Math.min(wait.retryAt, wait.waitStart + k * WAKE_SLICE_MS);
    const sliceId = k === 1 ? waitId : `${waitId}.${k}`;
    // ended early by its event (e.g. a person's decision), else at the slice's end
    const event = await waitForEvent(sliceId, {
      event: WAKE_EVENT,
      timeout: Math.max(0, sliceEnd - Date.now()),
      if: `async.data.key == ${JSON.stringify(key)}`,
    });
    if (event || k === slices) return;
    // the event may have been sent before this slice's wait was registered (and lost): the database knows
    if (await step.run(`${sliceId}~check`, () => wakeKeyDue(run, key))) return;
  }
}

async function cancelRequested(run: RunEventPayload): Promise<boolean> {
  const { rows } = await execute<{ c: boolean }>(run, sql`SELECT "cancelRequestedAt" IS NOT NULL AS c FROM "Run" WHERE id = ${run.runId}`);
  return rows[0]?.c ?? true;
}

/** Cadre's StepApi on top of Inngest's step tools. */
export function inngestSteps(step: InngestStepTools, run: RunEventPayload, functionAttempt: number, maxAttempts = INNGEST_RETRIES + 1): StepApi {
  const inflight = new Set<Promise<unknown>>();
  let watchedElsewhere = false;
  /** the run's step rows, read once per invocation when asked for (Inngest replays the function from its start) */
  let stored: ReturnType<typeof storedSteps> | null = null;
  const track = <T>(promise: Promise<T>): Promise<T> => {
    inflight.add(promise);
    const remove = () => inflight.delete(promise);
    promise.then(remove, remove);
    return promise;
  };
  return {
    run<T>(id: string, fn: (info: StepInfo) => Promise<T>, options?: StepOptions): Promise<T> {
      /** one Inngest step per try of the step: the first, then one after each outage wait (Inngest memoises each) */
      const once = (inngestId: string, waited: OutageWait | null): Promise<unknown> =>
        step.run(inngestId, async () => {
          if (waited && options?.startEvent) {
            await execute(
              run,
              appendRunEventsSql(run.runId, [
                {
                  type: "node.resumed",
                  data: { ...options.startEvent.data, waitingFor: waited.waitingFor, waitedMs: Math.max(0, Date.now() - waited.waitStart) },
                },
              ]),
            );
          }
          const start = await beginStep(run, id, options);
          watchedElsewhere = start.watched;
          // stored by an earlier execution whose result Inngest did not get (the process died in between)
          if (start.replay) return start.replay.result;
          if (start.cancelled) throw new NonRetriableError(new RunCancelledError().message);
          if (start.attempt === null) throw new Error(`Step "${id}" was finished concurrently: retry to read its result`);
          const attempt = start.attempt;
          let stored = false;
          try {
            const result = asJson(
              await fn({
                attempt,
                maxAttempts,
                beforeStore: async () => undefined,
                store: async (statement) => {
                  stored = true;
                  await execute(run, statement);
                  notifyRunEvents(run.runId);
                },
              }),
            );
            if (!stored) await completeStep(run, id, result);
            return result;
          } catch (error) {
            const outage = decideOutageWait(error, waited?.since, options?.outageWaitMs ?? DEFAULT_OUTAGE_WAIT_MS, Date.now());
            if (outage && "wait" in outage) {
              // the step waits with step.sleep (below); this try is stored as a wait, not a failure
              await execute(run, waitStepSql(run.runId, id, outage.wait));
              if (options?.startEvent)
                await execute(run, appendRunEventsSql(run.runId, [{ type: "node.waiting", data: waitingEventData(options.startEvent.data, outage.wait) }]));
              notifyRunEvents(run.runId);
              return { [WAIT_MARK]: outage.wait };
            }
            if (outage) {
              await failStep(run, id, outage.fail, false);
              if (options?.startEvent)
                await execute(
                  run,
                  appendRunEventsSql(run.runId, [{ type: "node.failed", data: { ...options.startEvent.data, error: outage.fail, attempt, willRetry: false } }]),
                );
              notifyRunEvents(run.runId);
              throw new NonRetriableError(outage.fail, { cause: error });
            }
            const retryable = isRetryable(error);
            await failStep(run, id, reasonOf(error), retryable && functionAttempt + 1 < maxAttempts);
            if (!retryable) throw new NonRetriableError(reasonOf(error), { cause: error });
            throw error;
          }
        });
      return track(
        (async () => {
          try {
            // the first step.run is called synchronously here, so that parallel branches are found together by Inngest
            let waited: OutageWait | null = null;
            for (let n = 0; ; n++) {
              const out = await once(n === 0 ? id : `${id}~after-wait-${n}`, waited);
              const wait = (out as Record<string, unknown> | null)?.[WAIT_MARK] as OutageWait | undefined;
              if (!wait || typeof out !== "object") return out as T;
              // a durable wait: Inngest's own sleep (no process holds the run; cancellable like any Inngest wait)
              waited = wait;
              const timeout = Math.max(0, wait.retryAt - Date.now());
              if (wait.wakeEvent && step.waitForEvent) await waitForWake(step, run, `${id}~wait-${n + 1}`, wait);
              else await step.sleep(`${id}~wait-${n + 1}`, timeout);
            }
          } catch (error) {
            if (isControlError(error) || error instanceof StepFailedError) throw error;
            if (await cancelRequested(run)) throw new RunCancelledError();
            // Inngest gave up on the step (retries exhausted or not retryable)
            throw new StepFailedError(id, (error as Error)?.message ?? String(error), { cause: error });
          }
        })(),
      );
    },
    async sleep(id: string, ms: number) {
      await track(step.sleep(id, Math.max(0, ms)));
    },
    // Inngest may continue the function in another process after any step: every write is committed at once
    async write(statement: Sql) {
      await execute(run, statement);
      notifyRunEvents(run.runId);
    },
    async send(statement: Sql) {
      await execute(run, statement);
      notifyRunEvents(run.runId);
    },
    async written(statement: Sql) {
      const { rows } = await execute(run, statement);
      notifyRunEvents(run.runId);
      return rows;
    },
    async flush() {},
    watched: () => watchedElsewhere || watchedInProcess(run.runId),
    async settled() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
    stored: () => (stored ??= storedSteps(run)),
  };
}

export const runFunction = inngest.createFunction(
  {
    id: "execute-run",
    name: "Execute a Cadre run",
    triggers: [{ event: RUN_REQUESTED_EVENT }],
    retries: INNGEST_RETRIES,
    concurrency: [{ key: "event.data.workspaceId", limit: env().CADRE_WORKSPACE_CONCURRENT_RUNS }],
    // the function itself failed (not one of its steps, which executeRun handles): the run must not stay running
    onFailure: async ({ event, error }) => {
      const original = (event as { data?: { event?: { data?: Partial<RunEventPayload> } } }).data?.event?.data;
      if (!original?.runId || !original.workspaceId) return;
      logger.error({ runId: original.runId, error: error?.message }, "inngest: the run's function failed");
      const run = { runId: original.runId, workspaceId: original.workspaceId };
      if (await finishRun(run, { status: "failed", error: `The run's function failed: ${error?.message ?? "unknown error"}` })) await wakeParentOf(run);
    },
  },
  async ({ event, step, attempt }) => {
    const data = event.data as RunEventPayload;
    const run = { runId: data.runId, workspaceId: data.workspaceId };
    const outcome = await executeRun(run, inngestSteps(step as unknown as InngestStepTools, data, attempt));
    // a sub-run that ended here ends its parent's wait (a replay of a finished run is "already_finished": sent once)
    if (outcome === "succeeded" || outcome === "failed" || outcome === "cancelled") await wakeParentOf(run);
    return outcome;
  },
);

/** A run (a sub-run of the tool run_agent) ended: the wake event its parent's waitForEvent awaits, if it has a parent. */
export async function wakeParentOf(run: RunEventPayload): Promise<void> {
  try {
    if (await parentRunOf(run)) await inngest.send({ name: WAKE_EVENT, data: { key: subRunWakeKey(run.runId) } });
  } catch (error) {
    // the parent's wait still ends at its timeout
    logger.warn({ runId: run.runId, error: (error as Error).message }, "inngest: could not wake the parent of a sub-run");
  }
}

/** startRun with Inngest configured: hands the run to Inngest. */
export async function sendRunRequested(payload: RunEventPayload): Promise<void> {
  await inngest.send({ name: RUN_REQUESTED_EVENT, data: { runId: payload.runId, workspaceId: payload.workspaceId } });
}
