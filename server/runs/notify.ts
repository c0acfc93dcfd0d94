/**
 * In-process wake-up for run event streams: whoever writes a run's events in this process signals it after the
 * statement committed (`notifyRunEvents`), and an open SSE stream of that run (server/runs/sse.ts) reads at once
 * instead of waiting for its next poll. The database stays the only source of events and the poll stays as the
 * fallback: a run executed by another process (or by Inngest) is still seen within one poll interval.
 *
 * A signal carries no data, only "look again"; signals that arrive while a stream is reading are remembered, so
 * none is missed between a read and the next wait. State lives on globalThis: Next.js may load this module more
 * than once in one server process (instrumentation and route bundles), and they must share it.
 */

interface Subscriber {
  /** a signal arrived since the last wait */
  pending: boolean;
  wake: (() => void) | null;
}

const globalForNotify = globalThis as unknown as { cadreRunEventSubscribers?: Map<string, Set<Subscriber>> };

function subscribers(): Map<string, Set<Subscriber>> {
  globalForNotify.cadreRunEventSubscribers ??= new Map();
  return globalForNotify.cadreRunEventSubscribers;
}

/** New events of a run were committed in this process: open streams of the run read now. */
export function notifyRunEvents(runId: string): void {
  const set = subscribers().get(runId);
  if (!set) return;
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
      if (current.size === 0) map.delete(runId);
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
