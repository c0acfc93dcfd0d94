/**
 * In-process cancel signals: `cancelRun` marks the run here after its cancel request committed, so that a run this
 * process executes stops before its next step without waiting for the database to say so. Runs executed by another
 * process learn it from their next step start (which reads the cancel flag) or their lease heartbeat (which signals it
 * here too).
 * The signal also aborts the run's model calls in flight: `runAbortSignal(runId)` is the AbortSignal every model call
 * of the run's execution carries down to the provider's fetch, so a cancelled run stops paying at once.
 * State lives on globalThis (several bundles of one Next process share it); entries expire after an hour.
 */

const TTL_MS = 60 * 60_000;
const MAX_ENTRIES = 10_000;

const globalForCancel = globalThis as unknown as { cadreCancelSignals?: Map<string, number>; cadreRunAborts?: Map<string, AbortController> };

function signals(): Map<string, number> {
  globalForCancel.cadreCancelSignals ??= new Map();
  return globalForCancel.cadreCancelSignals;
}

function aborts(): Map<string, AbortController> {
  globalForCancel.cadreRunAborts ??= new Map();
  return globalForCancel.cadreRunAborts;
}

/** Why a run's model calls were aborted (the signal's reason). */
export class RunCallsAbortedError extends Error {
  constructor() {
    super("The run was cancelled");
    this.name = "RunCallsAbortedError";
  }
}

/**
 * The signal of a run's model calls in this process: aborted when the run's cancel is signalled (already aborted when
 * it was signalled before). Held while the run executes here; `forgetRunAbort` lets it go when the execution ends.
 */
export function runAbortSignal(runId: string): AbortSignal {
  const map = aborts();
  let controller = map.get(runId);
  if (!controller) {
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
    controller = new AbortController();
    map.set(runId, controller);
    if (runCancelSignalled(runId)) controller.abort(new RunCallsAbortedError());
  }
  return controller.signal;
}

/** The execution of the run in this process ended: its calls' signal goes. */
export function forgetRunAbort(runId: string): void {
  aborts().delete(runId);
}

export function signalRunCancel(runId: string): void {
  const map = signals();
  if (map.size >= MAX_ENTRIES) {
    const cutoff = Date.now() - TTL_MS;
    for (const [id, at] of map) if (at < cutoff) map.delete(id);
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  }
  map.set(runId, Date.now());
  aborts().get(runId)?.abort(new RunCallsAbortedError());
}

export function runCancelSignalled(runId: string): boolean {
  const at = signals().get(runId);
  return at !== undefined && Date.now() - at < TTL_MS;
}

export function clearRunCancelSignal(runId: string): void {
  signals().delete(runId);
}
