import { RESOURCE_ACTIONS, type Permission, type Resource } from "@/lib/permissions";

export interface ScopeGroup {
  resource: Resource;
  scopes: Permission[];
}

/** Resources of features this version does not have yet: their scopes are not offered for new keys. */
export const UNOFFERED_RESOURCES: ReadonlySet<Resource> = new Set<Resource>(["memory", "tools", "marketplace"]);

/** The scopes a key may get, grouped by resource: only those the creator's own role has, of features that exist. */
export function grantableScopeGroups(can: (p: Permission) => boolean): ScopeGroup[] {
  return (Object.keys(RESOURCE_ACTIONS) as Resource[])
    .filter((resource) => !UNOFFERED_RESOURCES.has(resource))
    .map((resource) => ({
      resource,
      scopes: (RESOURCE_ACTIONS[resource] as readonly string[]).map((a) => `${resource}:${a}` as Permission).filter(can),
    }))
    .filter((g) => g.scopes.length > 0);
}

export function resourceLabel(resource: string): string {
  const label = resource.replace(/_/g, " ");
  return label === "api keys" ? "API keys" : label.charAt(0).toUpperCase() + label.slice(1);
}

export type KeyStatus = "active" | "expired" | "revoked";

export function keyStatus(key: { revokedAt: Date | null; expiresAt: Date | null }, now = Date.now()): KeyStatus {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && key.expiresAt.getTime() <= now) return "expired";
  return "active";
}
