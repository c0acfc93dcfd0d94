/**
 * The one permission matrix of Cadre: `resource:action` per role. The server enforces it (every tRPC
 * procedure and REST route declares the permission it needs) and the UI uses it to hide what a role
 * cannot do. Resources of features this version does not have (memory, marketplace) are declared too,
 * so that roles stay stable.
 */
export const ROLES = ["owner", "admin", "member", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const RESOURCE_ACTIONS = {
  agents: ["read", "create", "update", "delete"],
  teams: ["read", "create", "update", "delete"],
  /** judges of quality gates (server/quality/judges) */
  judges: ["read", "create", "update", "delete"],
  /** people's labels of judged outputs (server/quality/calibration): read them and the agreement figures; write your own */
  labels: ["read", "write"],
  /** datasets and evaluations (server/quality/datasets, server/quality/evaluations): read them; write: edit datasets, start and cancel evaluations */
  evals: ["read", "write"],
  runs: ["read", "create", "cancel"],
  triggers: ["read", "manage"],
  schedules: ["read", "manage"],
  memory: ["read", "write", "delete"],
  tools: ["read", "create", "update", "delete", "grant", "approve"],
  secrets: ["read", "create", "update", "delete"],
  models: ["read", "manage"],
  usage: ["read"],
  budgets: ["read", "update"],
  members: ["read", "invite", "update", "remove"],
  api_keys: ["read", "create", "revoke", "manage"],
  marketplace: ["read", "install", "publish"],
  audit: ["read"],
  settings: ["read", "update", "delete"],
  webhooks: ["read", "manage"],
  /** consents given to MCP clients over OAuth (server/mcp-auth): revoke your own; manage: anyone's */
  mcp_connections: ["read", "revoke", "manage"],
} as const;

type ResourceActions = typeof RESOURCE_ACTIONS;
export type Resource = keyof ResourceActions;
export type Permission = { [R in Resource]: `${R}:${ResourceActions[R][number]}` }[Resource];

export const ALL_PERMISSIONS: readonly Permission[] = (Object.keys(RESOURCE_ACTIONS) as Resource[]).flatMap((r) =>
  RESOURCE_ACTIONS[r].map((a) => `${r}:${a}` as Permission),
);

const readAll = ALL_PERMISSIONS.filter((p) => p.endsWith(":read"));

const MATRIX: Record<Role, readonly Permission[]> = {
  owner: ALL_PERMISSIONS,
  // everything but deleting the workspace; owner-role changes are guarded in the members service
  admin: ALL_PERMISSIONS.filter((p) => p !== "settings:delete"),
  member: [
    ...readAll.filter((p) => p !== "audit:read"),
    "agents:create",
    "agents:update",
    "agents:delete",
    "teams:create",
    "teams:update",
    "teams:delete",
    "judges:create",
    "judges:update",
    "judges:delete",
    "labels:write",
    "evals:write",
    "runs:create",
    "runs:cancel",
    "triggers:manage",
    "schedules:manage",
    "memory:write",
    "memory:delete",
    "tools:create",
    "tools:update",
    "secrets:create",
    "api_keys:create",
    "api_keys:revoke",
    "marketplace:install",
    "mcp_connections:revoke",
  ],
  // webhooks:read: a subscription's URL can itself be a credential (chat services' incoming-webhook URLs)
  viewer: readAll.filter((p) => !["audit:read", "secrets:read", "api_keys:read", "webhooks:read"].includes(p)),
};

const SETS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(MATRIX.owner),
  admin: new Set(MATRIX.admin),
  member: new Set(MATRIX.member),
  viewer: new Set(MATRIX.viewer),
};

export function permissionsOf(role: Role): readonly Permission[] {
  return MATRIX[role];
}

export function roleCan(role: Role, permission: Permission): boolean {
  return SETS[role].has(permission);
}

export function isPermission(value: string): value is Permission {
  return (ALL_PERMISSIONS as readonly string[]).includes(value);
}

/** Owners outrank admins outrank members outrank viewers. */
export const ROLE_RANK: Record<Role, number> = { owner: 3, admin: 2, member: 1, viewer: 0 };
