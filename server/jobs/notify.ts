/**
 * Wake-up for run event streams. The database stays the only source of events; a signal carries no data, only
 * "look again", and the stream's poll stays as a slow fallback.
 *
 * - In this process: whoever writes a run's events signals it after the statement committed (`notifyRunEvents`),
 *   and an open SSE stream of that run (server/runs/sse.ts) reads at once.
 * - Across processes (server mode): a trigger on "Run" (prisma/migrations/20261205_400_fair_claim) sends
 *   `NOTIFY cadre_run_events, '<runId>'` when a watched run's events move, delivered at commit. Each process holds ONE
 *   listening connection (opened with the first stream, reconnected with backoff when it drops) and fans the
 *   signal out in memory to the streams of that run. While it is down, streams fall back to their poll, and all
 *   of them are woken once it is back (they may have missed a signal).
 * - Embedded mode (PGlite): every connection shares one session, and pglite-socket hands a notification to the
 *   connection whose statement caused it, not to the one that listens, so there is no listener: every writer of
 *   run events is in the app's one process and signals in memory, and the poll covers the rest.
 *
 * Signals that arrive while a stream is reading are remembered, so none is missed between a read and the next wait.
 * Each run also has a generation, bumped by every signal: streams that share a read (server/runs/sse.ts) only
 * join one that started after the latest signal. State lives on globalThis: Next.js may load this module more than
 * once in one server process (instrumentation and route bundles), and they must share it.
 */
import pg from "pg";
import { databaseMode, env } from "@/server/env";
import { logger } from "@/server/logger";

export const RUN_EVENTS_CHANNEL = "cadre_run_events";

interface Subscriber {
  /** a signal arrived since the last wait */
  pending: boolean;
  wake: (() => void) | null;
}

const globalForNotify = globalThis as unknown as {
  cadreRunEventSubscribers?: Map<string, Set<Subscriber>>;
  cadreRunEventGenerations?: Map<string, number>;
  cadreRunEventListener?: Listener;
};

function subscribers(): Map<string, Set<Subscriber>> {
  globalForNotify.cadreRunEventSubscribers ??= new Map();
  return globalForNotify.cadreRunEventSubscribers;
}

function generations(): Map<string, number> {
  globalForNotify.cadreRunEventGenerations ??= new Map();
  return globalForNotify.cadreRunEventGenerations;
}

/** The run's signal count in this process while it has subscribers (a read that started at this value saw them all). */
export function runEventGeneration(runId: string): number {
  return generations().get(runId) ?? 0;
}

/** New events of a run were committed (in this process, or announced by the database): open streams of the run read now. */
export function notifyRunEvents(runId: string): void {
  const set = subscribers().get(runId);
  if (!set) return;
  generations().set(runId, (generations().get(runId) ?? 0) + 1);
  for (const sub of set) {
    sub.pending = true;
    const wake = sub.wake;
    sub.wake = null;
    wake?.();
  }
}

export interface RunEventSubscription {
  /** resolves at the next signal (at once when one arrived since the last wait), after `ms`, or on abort */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

export function subscribeRunEvents(runId: string): RunEventSubscription {
  ensureListener();
  const sub: Subscriber = { pending: false, wake: null };
  const map = subscribers();
  let set = map.get(runId);
  if (!set) map.set(runId, (set = new Set()));
  set.add(sub);
  return {
    wait(ms, signal) {
      if (sub.pending || signal?.aborted) {
        sub.pending = false;
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          signal?.removeEventListener("abort", done);
          if (sub.wake === done) sub.wake = null;
          sub.pending = false;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal?.addEventListener("abort", done, { once: true });
        sub.wake = done;
      });
    },
    close() {
      const current = map.get(runId);
      if (!current) return;
      current.delete(sub);
      sub.wake?.();
      if (current.size === 0) {
        map.delete(runId);
        generations().delete(runId);
      }
    },
  };
}

/** Open subscriptions (tests). */
export function runEventSubscriberCount(runId?: string): number {
  if (runId) return subscribers().get(runId)?.size ?? 0;
  let n = 0;
  for (const set of subscribers().values()) n += set.size;
  return n;
}

// ---------------------------------------------------------------------------------------------------
// The process's listening connection (server mode)

interface Listener {
  client: pg.Client | null;
  state: "connecting" | "listening" | "down" | "stopped";
  retryMs: number;
  timer: NodeJS.Timeout | null;
}

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 30_000;

/** Whether this process listens for other processes' run events (server mode, a database URL). */
function listenerWanted(): boolean {
  try {
    const e = env();
    return databaseMode() === "server" && !!e.DATABASE_URL;
  } catch {
    return false;
  }
}

function ensureListener(): void {
  if (globalForNotify.cadreRunEventListener || !listenerWanted()) return;
  const listener: Listener = { client: null, state: "connecting", retryMs: RETRY_MIN_MS, timer: null };
  globalForNotify.cadreRunEventListener = listener;
  void connect(listener);
}

async function connect(listener: Listener): Promise<void> {
  if (listener.state === "stopped") return;
  listener.state = "connecting";
  const client = new pg.Client({ connectionString: env().DATABASE_URL, application_name: "cadre-run-events" });
  listener.client = client;
  const lost = (error?: Error) => {
    if (listener.client !== client || listener.state === "stopped") return;
    if (listener.state === "listening") logger.warn({ error: error?.message }, "run events: the listening connection was lost (streams poll until it is back)");
    listener.client = null;
    listener.state = "down";
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    listener.timer = setTimeout(() => void connect(listener), listener.retryMs);
    listener.timer.unref?.();
    listener.retryMs = Math.min(RETRY_MAX_MS, listener.retryMs * 2);
  };
  client.on("error", lost);
  client.on("end", () => lost());
  client.on("notification", (message) => {
    if (message.channel === RUN_EVENTS_CHANNEL && message.payload) notifyRunEvents(message.payload);
  });
  try {
    await client.connect();
    // an idle listener never keeps the process alive
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    await client.query(`LISTEN ${RUN_EVENTS_CHANNEL}`);
    if (listener.client !== client) return;
    listener.state = "listening";
    listener.retryMs = RETRY_MIN_MS;
    // signals may have been missed while there was no connection: every open stream looks again
    for (const runId of [...subscribers().keys()]) notifyRunEvents(runId);
  } catch (error) {
    lost(error as Error);
  }
}

/** "listening", "connecting", "down", or "off" (embedded mode, or not started yet): for tests and metrics. */
export function runEventListenerState(): Listener["state"] | "off" {
  return globalForNotify.cadreRunEventListener?.state ?? "off";
}

/** Closes the listening connection (shutdown, tests); the next stream opens it again. */
export async function stopRunEventListener(): Promise<void> {
  const listener = globalForNotify.cadreRunEventListener;
  globalForNotify.cadreRunEventListener = undefined;
  if (!listener) return;
  listener.state = "stopped";
  if (listener.timer) clearTimeout(listener.timer);
  const client = listener.client;
  listener.client = null;
  await client?.end().catch(() => undefined);
}

/** Resolves once the listener is listening (tests); false after `timeoutMs`. */
export async function runEventListenerReady(timeoutMs = 5_000): Promise<boolean> {
  ensureListener();
  const deadline = Date.now() + timeoutMs;
  while (runEventListenerState() !== "listening") {
    if (runEventListenerState() === "off" || Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return true;
}
