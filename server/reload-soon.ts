/**
 * The background reload of a per-process cache entry served stale (server/models/catalog-cache.ts,
 * server/ledger/budget-cache.ts): started STALE_RELOAD_DELAY_MS after the stale read, once per key until it starts, so
 * that the caller's model request (and the connection it may open) is on its way before the reload's reads, which
 * share this thread and, on embedded PGlite, the one connection. A failed reload is logged; the stale entry stays.
 */
import { logger } from "./logger";

export const STALE_RELOAD_DELAY_MS = 50;

const queued = new Set<string>();

export function reloadSoon(key: string, reload: () => Promise<unknown>): void {
  if (queued.has(key)) return;
  queued.add(key);
  setTimeout(() => {
    queued.delete(key);
    reload().catch((error: unknown) => logger.warn({ err: error, key }, "a cache's background reload failed"));
  }, STALE_RELOAD_DELAY_MS).unref();
}
