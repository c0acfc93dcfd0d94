/**
 * How often a secret's use becomes a `secret.use` audit row, so that the audit log grows with runs and people,
 * not with model calls (the gateway decrypts a provider's key on every call):
 *
 * - in a run: the first use per (workspace, secret, run) in this process; another process records its own
 *   first use ("at least once per run and process");
 * - outside a run (Test connection, the route tester): at most one row per (workspace, secret, actor, purpose)
 *   per minute in this process; the uses skipped meanwhile are counted in that key's next row (`count`).
 *
 * A use is never handed out before a row covering it committed: a concurrent use of a key whose row is being
 * written waits for that write, and writes its own if it failed. State lives on globalThis (several bundles
 * of one Next process share it), bounded: the least recently used keys go first, and a forgotten key only
 * means one more row.
 */

export const RUN_USE_WINDOW_MS = 24 * 60 * 60_000;
export const USE_WINDOW_MS = 60_000;
const MAX_KEYS = 10_000;

type Entry = { at: number; pending: Promise<void> | null; skipped: number };

export class UseRecorder {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(options: { now?: () => number; maxKeys?: number } = {}) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxKeys ?? MAX_KEYS;
  }

  /**
   * Calls `write(count)` unless a row for `key` committed (or is committing) less than `windowMs` ago. `count`
   * is this use plus the uses skipped since the key's previous row. True when this call wrote.
   */
  async record(key: string, windowMs: number, write: (count: number) => Promise<void>): Promise<boolean> {
    for (;;) {
      const previous = this.entries.get(key);
      const now = this.now();
      if (previous && now - previous.at < windowMs) {
        if (previous.pending) {
          await previous.pending.catch(() => undefined);
          continue; // committed: covered; failed: the entry is gone or expired, so this use writes
        }
        previous.skipped++;
        this.touch(key, previous);
        return false;
      }
      const entry: Entry = { at: now, pending: null, skipped: 0 };
      this.touch(key, entry);
      entry.pending = write(1 + (previous?.skipped ?? 0));
      try {
        await entry.pending;
        entry.pending = null;
        return true;
      } catch (error) {
        // not a use (the caller gets the error): forget it, and keep the earlier skipped uses for the next row
        if (this.entries.get(key) === entry) {
          if (previous) this.entries.set(key, previous);
          else this.entries.delete(key);
        }
        throw error;
      }
    }
  }

  /** Number of keys held (tests). */
  get size(): number {
    return this.entries.size;
  }

  private touch(key: string, entry: Entry): void {
    this.entries.delete(key); // re-inserted last: Map order is the recency order
    this.entries.set(key, entry);
    if (this.entries.size > this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
  }
}

const globalForUses = globalThis as unknown as { cadreSecretUses?: UseRecorder };

export function secretUseRecorder(): UseRecorder {
  globalForUses.cadreSecretUses ??= new UseRecorder();
  return globalForUses.cadreSecretUses;
}

/** Swaps the process-wide recorder (tests: a fake clock); returns the previous one. */
export function setSecretUseRecorder(recorder: UseRecorder): UseRecorder {
  const previous = secretUseRecorder();
  globalForUses.cadreSecretUses = recorder;
  return previous;
}
