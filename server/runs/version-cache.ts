/**
 * An in-process cache of agent and team versions, so that a run started in this process needs no version reads
 * when an executor picks it up. It never goes stale: a version row is immutable once written (every save appends a
 * new one; archiving changes the agent or team row, never a version), slugs never change and rows are only deleted
 * with their workspace. So only what a version IS is cached, never what is current (current versions, archived
 * flags and names are always read from the database).
 *
 * Every key starts with the workspace id: a lookup never sees another workspace's version. Bounded (least recently
 * used entries go first); values are copied in and out, so no caller can change a cached version. State lives on
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

const globalForCache = globalThis as unknown as { cadreVersionCache?: Map<string, unknown> };

function entries(): Map<string, unknown> {
  globalForCache.cadreVersionCache ??= new Map();
  return globalForCache.cadreVersionCache;
}

function put(key: string, value: unknown): void {
  const map = entries();
  map.delete(key);
  map.set(key, value);
  while (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

function take<T>(key: string): T | undefined {
  const map = entries();
  const value = map.get(key);
  if (value === undefined) return undefined;
  map.delete(key);
  map.set(key, value);
  return structuredClone(value) as T;
}

const agentKey = (workspaceId: string, by: "id" | "slug", ref: string, version: number) => `${workspaceId}\u0000agent\u0000${by}\u0000${ref}\u0000${version}`;
const teamKey = (workspaceId: string, by: "id" | "slug", ref: string, version: number) => `${workspaceId}\u0000team\u0000${by}\u0000${ref}\u0000${version}`;

/** Remembers a version read from (or just pinned in) `workspaceId`. */
export function cacheAgentVersion(workspaceId: string, v: AgentVersionOut): void {
  const value = structuredClone(v);
  put(agentKey(workspaceId, "id", v.agentId, v.version), value);
  put(agentKey(workspaceId, "slug", v.slug, v.version), value);
}

/** A version of an agent of `workspaceId`, by agent id or slug, if this process has seen it. */
export function cachedAgentVersion(workspaceId: string, ref: { id: string } | { slug: string }, version: number): AgentVersionOut | undefined {
  return "id" in ref ? take(agentKey(workspaceId, "id", ref.id, version)) : take(agentKey(workspaceId, "slug", ref.slug, version));
}

export function cacheTeamVersion(workspaceId: string, t: CachedTeamVersion): void {
  const value = structuredClone({ teamId: t.teamId, slug: t.slug, version: t.version, spec: t.spec });
  put(teamKey(workspaceId, "id", t.teamId, t.version), value);
  put(teamKey(workspaceId, "slug", t.slug, t.version), value);
}

export function cachedTeamVersion(workspaceId: string, ref: { id: string } | { slug: string }, version: number): CachedTeamVersion | undefined {
  return "id" in ref ? take(teamKey(workspaceId, "id", ref.id, version)) : take(teamKey(workspaceId, "slug", ref.slug, version));
}

/** Empties the cache (tests). */
export function clearVersionCache(): void {
  entries().clear();
}
