/**
 * An in-process cache of agent and team versions, so that a run started in this process needs no version reads
 * when an executor picks it up. It never goes stale: a version row is immutable once written (every save appends a
 * new one; archiving changes the agent or team row, never a version), slugs never change and rows are only deleted
 * with their workspace. So only what a version IS is cached, never what is current (current versions, archived
 * flags and names are always read from the database).
 *
 * Every key starts with the workspace id: a lookup never sees another workspace's version. Bounded in entries and in
 * size (the characters of the values as JSON, 16 M; least recently used entries go first); values are copied in and out, so no caller can change a cached version. State lives on
 * globalThis (several bundles of one Next process share it).
 */
import type { AgentVersionOut } from "@/server/agents/service";
import type { TopologySpec } from "@/lib/schemas/topology";

export interface CachedTeamVersion {
  teamId: string;
  slug: string;
  version: number;
  spec: TopologySpec;
}

const MAX_ENTRIES = 5_000;
/** the cache's size bound: the characters of its values as JSON (an agent's instructions may be long) */
const MAX_CHARS = 16 * 1024 * 1024;

interface Entry {
  value: unknown;
  chars: number;
}

const globalForCache = globalThis as unknown as { cadreVersionCache?: { map: Map<string, Entry>; chars: number } };

function state(): { map: Map<string, Entry>; chars: number } {
  globalForCache.cadreVersionCache ??= { map: new Map(), chars: 0 };
  return globalForCache.cadreVersionCache;
}

function remove(key: string): void {
  const s = state();
  const entry = s.map.get(key);
  if (!entry) return;
  s.map.delete(key);
  s.chars -= entry.chars;
}

function put(key: string, value: unknown, chars: number): void {
  const s = state();
  remove(key);
  if (chars > MAX_CHARS / 4) return; // one huge version is not worth the room of hundreds
  s.map.set(key, { value, chars });
  s.chars += chars;
  while (s.map.size > MAX_ENTRIES || s.chars > MAX_CHARS) remove(s.map.keys().next().value!);
}

function take<T>(key: string): T | undefined {
  const s = state();
  const entry = s.map.get(key);
  if (entry === undefined) return undefined;
  s.map.delete(key);
  s.map.set(key, entry);
  return structuredClone(entry.value) as T;
}

const sizeOf = (value: unknown) => JSON.stringify(value)?.length ?? 0;

/** Entries and characters held (tests). */
export function versionCacheSize(): { entries: number; chars: number } {
  const s = state();
  return { entries: s.map.size, chars: s.chars };
}

const agentKey = (workspaceId: string, by: "id" | "slug", ref: string, version: number) => `${workspaceId}\u0000agent\u0000${by}\u0000${ref}\u0000${version}`;
const teamKey = (workspaceId: string, by: "id" | "slug", ref: string, version: number) => `${workspaceId}\u0000team\u0000${by}\u0000${ref}\u0000${version}`;

/** Remembers a version read from (or just pinned in) `workspaceId`. */
export function cacheAgentVersion(workspaceId: string, v: AgentVersionOut): void {
  const value = structuredClone(v);
  const chars = sizeOf(value);
  put(agentKey(workspaceId, "id", v.agentId, v.version), value, chars);
  put(agentKey(workspaceId, "slug", v.slug, v.version), value, chars);
}

/** A version of an agent of `workspaceId`, by agent id or slug, if this process has seen it. */
export function cachedAgentVersion(workspaceId: string, ref: { id: string } | { slug: string }, version: number): AgentVersionOut | undefined {
  return "id" in ref ? take(agentKey(workspaceId, "id", ref.id, version)) : take(agentKey(workspaceId, "slug", ref.slug, version));
}

export function cacheTeamVersion(workspaceId: string, t: CachedTeamVersion): void {
  const value = structuredClone({ teamId: t.teamId, slug: t.slug, version: t.version, spec: t.spec });
  const chars = sizeOf(value);
  put(teamKey(workspaceId, "id", t.teamId, t.version), value, chars);
  put(teamKey(workspaceId, "slug", t.slug, t.version), value, chars);
}

export function cachedTeamVersion(workspaceId: string, ref: { id: string } | { slug: string }, version: number): CachedTeamVersion | undefined {
  return "id" in ref ? take(teamKey(workspaceId, "id", ref.id, version)) : take(teamKey(workspaceId, "slug", ref.slug, version));
}

/** Empties the cache (tests). */
export function clearVersionCache(): void {
  const s = state();
  s.map.clear();
  s.chars = 0;
}
