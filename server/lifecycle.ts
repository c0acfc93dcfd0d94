/**
 * The server process's lifecycle, shared through globalThis between the launcher (dist/start.js) and the app that
 * Next loads in the same process (their module instances differ): whether the launcher owns the shutdown, whether
 * the process is draining (readiness answers 503 from then on), what the executor is doing, and the drain hooks the
 * app registers (the executor's) which the launcher awaits before it closes the database.
 */
export type ExecutorState = "not-started" | "running" | "off" | "inngest" | "stopping" | "stopped";

export interface Lifecycle {
  /** the launcher serves Next in its own process and handles SIGTERM/SIGINT (the app installs no handlers) */
  launcher: boolean;
  draining: boolean;
  executor: ExecutorState;
  drainHooks: Array<() => Promise<void>>;
}

const globalForLifecycle = globalThis as unknown as { cadreLifecycle?: Lifecycle };

export function lifecycle(): Lifecycle {
  globalForLifecycle.cadreLifecycle ??= { launcher: false, draining: false, executor: "not-started", drainHooks: [] };
  return globalForLifecycle.cadreLifecycle;
}
