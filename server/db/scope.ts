/**
 * Who a database statement runs for, which row-level security enforces (prisma/migrations/*_row_level_security).
 * Every transaction the app opens starts with `SELECT set_config(...)` of the role and of these settings, local to
 * the transaction: a pooled connection never carries a workspace from one request into the next.
 *
 * - tenant: role `cadre_app`, `app.workspace_id` set: the workspace's rows only (the normal case).
 * - user: role `cadre_app`, `app.user_id` set and no workspace: the user's own memberships and their workspaces
 *   (the workspace switcher, resolving a slug); nothing else of any tenant.
 * - org: role `cadre_app`, `app.organization_id` set: an organisation's own rows (its members, domains, policy, audit)
 *   and the list of its workspaces; no workspace's content.
 * - none: role `cadre_app` with nothing set: tables that belong to no tenant (users, sign-in limits); no tenant row.
 * - system: role `cadre_system` (BYPASSRLS): the few named paths that must cross workspaces, listed in
 *   docs/security.md ("Privileged paths"). Grep for `systemDb(` and `SYSTEM(` to audit them.
 */
import { sql, type Sql } from "./sql";

/** The privileged paths: each is a reason a statement may see every workspace. Keep this list short. */
export const PRIVILEGED_PATHS = {
  executor: "the run executor claims, leases and resumes runs of every workspace",
  "memory-documents": "the document ingestion worker claims, leases and resumes the queued documents of every workspace",
  "memory-reembeds": "the re-embedding worker claims, leases and resumes the re-embeddings of every workspace after a scope's model changed",
  "webhook-deliveries":
    "the webhook delivery worker claims, leases and releases the queued deliveries of every workspace (the sending runs in the delivery's workspace)",
  evaluations: "the evaluation worker claims, leases and resumes the queued evaluations of every workspace (each evaluation then runs in its own workspace)",
  "api-key-lookup": "an API key is looked up by its hash before its workspace is known",
  "mcp-oauth-token": "an MCP OAuth authorization code, access or refresh token is looked up by its hash before its workspace is known",
  "invitation-token": "an invitation is looked up by its token before the invitee is a member",
  "headless-init": "start-up creates the configured user, workspace and key",
  "signup-invitation": "a closed or domain-limited sign-up admits an address with a pending invitation in any workspace",
  "vault-rotation": "the operator's master-key rotation re-wraps every workspace's secrets",
  operator: "operator commands (CLI) and retention jobs that span workspaces",
  "account-erasure": "a person's account deletion anonymises the rows they authored in every workspace, also those they left",
  metrics: "the metrics endpoint counts queued and running runs of all workspaces (numbers only)",
  "webhook-trigger-lookup": "a webhook trigger's delivery is looked up by the trigger's id before its workspace is known (the row decides the workspace)",
  "mcp-sync":
    "the periodic MCP sync claims the remote MCP servers of every workspace that are due (a claim that moves their next sync on) before syncing each in its own workspace",
  scheduler: "the scheduler claims the due schedules of every workspace (a short claim, SKIP LOCKED) before firing each in its own workspace",
  "marketplace-link": "an unlisted marketplace listing is looked up by its link token, which the publisher shared, before the reader may see it",
  "marketplace-counts": "installing, uninstalling and reviewing update the install and rating counts on the publisher's listing row (numbers only)",
  "marketplace-operator": "a platform operator (CADRE_OPERATOR_EMAILS) removes a listing of any workspace, audited in the publisher's workspace",
  "org-domain-lookup":
    "sign-in and sign-up look up which organisation holds the verified domain of an email (its SSO and whether it is forced) before anyone is signed in",
  "org-token-lookup": "an organisation token (SCIM provisioning, the organisation's API) is looked up by its hash before its organisation is known",
  "sso-sign-in":
    "an SSO sign-in finds the organisation by the slug in its URL, its connection, its state by hash (start, callback) and redeems its ticket by hash (next-auth) before anyone is signed in",
  "denial-log": "a 404 being logged as a security event is checked against other workspaces by primary key (never answered)",
} as const;
export type PrivilegedPath = keyof typeof PRIVILEGED_PATHS;

export type DbScope =
  | { readonly kind: "tenant"; readonly workspaceId: string }
  | { readonly kind: "user"; readonly userId: string }
  | { readonly kind: "org"; readonly organizationId: string }
  | { readonly kind: "none" }
  | { readonly kind: "system"; readonly path: PrivilegedPath };

/** Anything that names a workspace (a TenantContext, a run) is a tenant scope. */
export type ScopeLike = DbScope | { readonly workspaceId: string };

export const NO_TENANT: DbScope = Object.freeze({ kind: "none" });

export function toScope(scope: ScopeLike): DbScope {
  if ("kind" in scope) return scope;
  if (typeof scope.workspaceId !== "string" || scope.workspaceId.length === 0) throw new Error("db scope: empty workspace id");
  return { kind: "tenant", workspaceId: scope.workspaceId };
}

export const tenantScope = (workspaceId: string): DbScope => toScope({ workspaceId });
export const userScope = (userId: string): DbScope => ({ kind: "user", userId });
export const orgScope = (organizationId: string): DbScope => {
  if (organizationId.length === 0) throw new Error("db scope: empty organization id");
  return { kind: "org", organizationId };
};
export const SYSTEM = (path: PrivilegedPath): DbScope => ({ kind: "system", path });

export const SCOPE_PREFIX = "SELECT set_config('role', ";

/** The statement that opens a scope inside the current transaction (a multi-statement message is one transaction). */
export function scopeStatement(scope: DbScope): Sql {
  const role = scope.kind === "system" ? "cadre_system" : "cadre_app";
  const workspaceId = scope.kind === "tenant" ? scope.workspaceId : "";
  const userId = scope.kind === "user" ? scope.userId : "";
  const organizationId = scope.kind === "org" ? scope.organizationId : "";
  return sql`SELECT set_config('role', ${role}, true), set_config('app.workspace_id', ${workspaceId}, true), set_config('app.user_id', ${userId}, true), set_config('app.organization_id', ${organizationId}, true)`;
}
