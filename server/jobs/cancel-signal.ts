/**
 * In-process cancel signals: `cancelRun` marks the run here after its cancel request committed, so that a run this
 * process executes stops before its next step without waiting for the database to say so. Runs executed by another
 * process learn it from their next step start (which reads the cancel flag) or their lease heartbeat.
 * State lives on globalThis (several bundles of one Next process share it); entries expire after an hour.
 */

const TTL_MS = 60 * 60_000;
const MAX_ENTRIES = 10_000;

const globalForCancel = globalThis as unknown as { cadreCancelSignals?: Map<string, number> };

function signals(): Map<string, number> {
  globalForCancel.cadreCancelSignals ??= new Map();
  return globalForCancel.cadreCancelSignals;
}

export function signalRunCancel(runId: string): void {
  const map = signals();
  if (map.size >= MAX_ENTRIES) {
    const cutoff = Date.now() - TTL_MS;
    for (const [id, at] of map) if (at < cutoff) map.delete(id);
    if (map.size >= MAX_ENTRIES) map.delete(map.keys().next().value!);
  }
  map.set(runId, Date.now());
}

export function runCancelSignalled(runId: string): boolean {
  const at = signals().get(runId);
  return at !== undefined && Date.now() - at < TTL_MS;
}

export function clearRunCancelSignal(runId: string): void {
  signals().delete(runId);
}
