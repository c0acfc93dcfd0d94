/**
 * The per-process cache of what routing reads on every model call: a workspace's catalog (models joined with
 * their providers), its routing presets and its memory model settings. `server/models/routing.ts` fills and reads it;
 * every write path of providers, models, presets and memory model settings calls `invalidateCatalogCache` after its
 * transaction commits, so a change made
 * through the services of THIS process takes effect on the next call. Another process's change (or a row edited
 * by hand) takes effect when the entry expires: `ttlMs`, 2 s by default. An expired entry is still served for up to
 * `staleMs` more (30 s by default) while ONE reload runs in the background (stale-while-revalidate, started
 * STALE_RELOAD_DELAY_MS later, once the caller's request is on its way): with real model
 * calls of a second or more, every call of a run finds the entry expired, and the caller no longer waits for the
 * reload's reads (on embedded PGlite the reload still shares the one connection with the call's own statements:
 * docs/benchmarks.md measured no gain there). So another process's change is seen at most `ttlMs` plus one reload
 * later; beyond `ttlMs + staleMs` the caller waits for the reload as before.
 *
 * Observed statistics (p95 latency, error rate) are not a reason to reload: `recordModelObservation` patches the
 * cached entry with the values its UPDATE returned (`patchObservedStats`), so this process routes on its own
 * observations at once, and on other processes' within the TTL.
 *
 * A load that was in flight while the workspace was invalidated is used by the call that started it but is not
 * kept (it may predate the change): `generation` tells. The state lives on globalThis (like the Prisma client and
 * the circuit breaker), so that every bundle of the same process shares one cache and one invalidation.
 * What it returns is shared by every caller: read it, never change it.
 */
import type { ModelConstraints } from "@/lib/schemas/model-policy";
import { reloadSoon } from "@/server/reload-soon";
import type { CatalogEntry } from "./router";
import type { QualityEvidence } from "./observed-quality";

/** What the gateway needs to call a catalog model's provider. */
export interface ProviderInfo {
  id: string;
  kind: string;
  name: string;
  baseUrl: string | null;
  isLocal: boolean;
  secretId: string | null;
  /** shared rate limits of the connection (./rate-limits.ts); null: none */
  rpmLimit?: number | null;
  tpmLimit?: number | null;
  /** the kind's non-secret settings (lib/schemas/models.ts providerSettingsSchema) */
  settings?: unknown;
  /** the workspace's egress lists (the same object for every provider of the workspace) */
  egress?: { allowHosts: string[]; denyHosts: string[] };
}

export interface LoadedCatalog {
  entries: CatalogEntry[];
  providers: Map<string, ProviderInfo>;
  /** an enabled provider other than the simulator exists (even one without a model yet): the simulator stays out */
  realProviderEnabled?: boolean;
  /** model id -> task tag -> its judged outputs' evidence in runs with that tag (./observed-quality.ts) */
  qualityByTag?: Map<string, Map<string, QualityEvidence>>;
}

/** A memory scope's model setting as stored (server/memory/models.ts resolves a scope's policy from them). */
export interface MemoryModelSettingRow {
  scopeType: string | null;
  scopeId: string | null;
  policy: unknown;
}

/**
 * The cached state of one workspace: the full catalog (disabled models included), the presets by name, and the memory
 * scopes' model settings (which policy embeds a recall's query: read on every recall like the catalog).
 */
export interface CachedCatalog {
  catalog: LoadedCatalog;
  presets: Map<string, ModelConstraints>;
  memoryModels: readonly MemoryModelSettingRow[];
}

interface Slot {
  value?: CachedCatalog;
  loadedAt: number;
  /** bumped by every invalidation: a load started under an older generation is not kept */
  generation: number;
  /** the load in flight (concurrent calls share it) and the generation it started under */
  loading?: { promise: Promise<CachedCatalog>; generation: number };
  /** observations written while a load was in flight, applied to it when it lands */
  pendingStats?: Map<string, ObservedStats>;
}

export interface ObservedStats {
  latencyP95Ms: number | null;
  errorRate: number;
  failureRate?: number;
  latencySamples?: number;
  ttftMs?: number | null;
  msPerOutputToken?: number | null;
}

export const DEFAULT_CATALOG_CACHE_TTL_MS = 2_000;
export const DEFAULT_CATALOG_CACHE_STALE_MS = 30_000;

interface State {
  ttlMs: number;
  staleMs: number;
  slots: Map<string, Slot>;
}

const globalForCache = globalThis as unknown as { cadreCatalogCache?: State };

function state(): State {
  globalForCache.cadreCatalogCache ??= { ttlMs: DEFAULT_CATALOG_CACHE_TTL_MS, staleMs: DEFAULT_CATALOG_CACHE_STALE_MS, slots: new Map() };
  return globalForCache.cadreCatalogCache;
}

/**
 * Sets the time-to-live (tests use a tiny one; 0 disables the cache) and how long past it an entry may be served
 * while it reloads (default: 30 s with the default TTL, none with a TTL given without it); no options restore the
 * defaults. Clears the cache.
 */
export function configureCatalogCache(options?: { ttlMs?: number; staleMs?: number }): void {
  const s = state();
  s.ttlMs = Math.max(0, options?.ttlMs ?? DEFAULT_CATALOG_CACHE_TTL_MS);
  s.staleMs = Math.max(0, options?.staleMs ?? (options?.ttlMs === undefined ? DEFAULT_CATALOG_CACHE_STALE_MS : 0));
  s.slots.clear();
}

/**
 * The workspace's cached catalog and presets, or `load()`'s result. Concurrent misses share one load; a load
 * is kept only if no invalidation happened while it ran.
 */
export async function cachedCatalog(workspaceId: string, load: () => Promise<CachedCatalog>): Promise<CachedCatalog> {
  const s = state();
  let slot = s.slots.get(workspaceId);
  if (slot?.value) {
    const age = Date.now() - slot.loadedAt;
    if (age < s.ttlMs) return slot.value;
    if (age < s.ttlMs + s.staleMs) {
      // stale: served now, reloaded in the background (once: a reload in flight or queued is shared), a moment later,
      // after the caller's model request is on its way (server/reload-soon.ts)
      if (!(slot.loading && slot.loading.generation === slot.generation)) {
        const target = slot;
        reloadSoon(`catalog:${workspaceId}`, () => reload(s, workspaceId, target, load));
      }
      return slot.value;
    }
  }
  if (!slot) {
    if (s.slots.size >= MAX_SLOTS) prune(s);
    slot = { loadedAt: 0, generation: 0 };
    s.slots.set(workspaceId, slot);
  }
  return reload(s, workspaceId, slot, load);
}

/** Loads the workspace's entry into its slot, or joins the load in flight. */
function reload(s: State, workspaceId: string, slot: Slot, load: () => Promise<CachedCatalog>): Promise<CachedCatalog> {
  if (slot.loading && slot.loading.generation === slot.generation) return slot.loading.promise;
  const generation = slot.generation;
  const target = slot;
  const settle = (): Map<string, ObservedStats> | undefined => {
    const pending = target.pendingStats;
    if (target.loading?.promise === promise) {
      target.loading = undefined;
      target.pendingStats = undefined;
    }
    return pending;
  };
  const promise: Promise<CachedCatalog> = load().then(
    (value) => {
      const pending = settle();
      if (pending) for (const [id, stats] of pending) applyStats(value, id, stats);
      // kept only when still current: not invalidated meanwhile, and the slot is still the one in the map
      if (target.generation === generation && s.slots.get(workspaceId) === target && s.ttlMs > 0) {
        target.value = value;
        target.loadedAt = Date.now();
      }
      return value;
    },
    (error: unknown) => {
      settle();
      throw error;
    },
  );
  slot.loading = { promise, generation };
  return promise;
}

/** Workspaces cached at most (a process serving more drops the expired entries, then the oldest). */
const MAX_SLOTS = 5_000;

function prune(s: State): void {
  const now = Date.now();
  for (const [id, slot] of s.slots) if (!slot.loading && now - slot.loadedAt >= s.ttlMs + s.staleMs) s.slots.delete(id);
  if (s.slots.size < MAX_SLOTS) return;
  for (const [id, slot] of s.slots) {
    if (slot.loading) continue;
    s.slots.delete(id);
    if (s.slots.size < MAX_SLOTS / 2) break;
  }
}

/**
 * Drops the workspace's cached catalog and presets in this process. Call it AFTER the change committed (a load
 * between an earlier invalidation and the commit would cache the old rows).
 */
export function invalidateCatalogCache(workspaceId: string): void {
  const slot = state().slots.get(workspaceId);
  if (!slot) return;
  slot.generation++;
  slot.value = undefined;
  slot.loadedAt = 0;
}

/**
 * Applies the figures an observation just wrote to the cached entry of that model, so routing in this process sees
 * them at once; a load in flight gets them when it lands. The entry is replaced, not changed: decisions already
 * handed out keep the entry they were made with.
 */
export function patchObservedStats(workspaceId: string, modelRowId: string, stats: ObservedStats): void {
  const slot = state().slots.get(workspaceId);
  if (!slot) return;
  if (slot.value) applyStats(slot.value, modelRowId, stats);
  if (slot.loading) (slot.pendingStats ??= new Map()).set(modelRowId, stats);
}

function applyStats(value: CachedCatalog, modelRowId: string, stats: ObservedStats): void {
  const entries = value.catalog.entries;
  const i = entries.findIndex((e) => e.id === modelRowId);
  if (i >= 0) entries[i] = { ...entries[i]!, ...stats };
}
