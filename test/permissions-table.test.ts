/**
 * The role x permission table, checked against the running code rather than re-stated: every tRPC
 * procedure and every REST route is called as every role, and refused (FORBIDDEN / 403) exactly when
 * the matrix in lib/permissions.ts says the role lacks the permission the procedure declares.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "@/server/api/root";
import type { OrgRequirement, Requirement } from "@/server/api/trpc";
import { makeOrg, type TestOrg } from "@/test/fixtures/orgs";
import { ORG_ROLES } from "@/lib/schemas/organizations";
import { restRoutes, webRoutes } from "@/server/rest/routes";
import { ALL_PERMISSIONS, isPermission, permissionsOf, roleCan, ROLES, type Permission, type Role } from "@/lib/permissions";
import { callerFor, orgCallerFor, makeApiKey, makeUser, makeWorkspace, outcome, procedureAt, rest, type TestWorkspace } from "@/test/helpers";

/** Procedures that are deliberately outside any workspace: anything else must declare `requires`. */
const PUBLIC_PROCEDURES = new Set([
  "auth.signUp",
  "auth.requestPasswordReset",
  "auth.resetPassword",
  "auth.passkeySignInOptions",
  "auth.ssoFor",
  "invitations.preview",
]);
const AUTHED_PROCEDURES = new Set([
  "auth.me",
  "auth.events",
  "auth.account",
  "auth.resendVerification",
  "auth.verifyEmail",
  "workspaces.listMine",
  "workspaces.create",
  "invitations.accept",
  "account.get",
  "account.changePassword",
  "account.signOutEverywhere",
  "account.export",
  "account.delete",
  "account.stepUp",
  "account.changeEmail",
  "account.mfa.status",
  "account.mfa.start",
  "account.mfa.confirm",
  "account.mfa.disable",
  "account.mfa.regenerateRecoveryCodes",
  "account.passkeys.list",
  "account.passkeys.registrationOptions",
  "account.passkeys.register",
  "account.passkeys.rename",
  "account.passkeys.remove",
  "account.passkeys.authenticationOptions",
  "workspaces.listDeleted",
  "workspaces.restore",
  // the consent of the MCP authorization server: the person picks the workspace, the service resolves their membership
  "mcpOAuth.approve",
  "mcpOAuth.deny",
  // organisations: a person lists theirs and creates one (becoming its owner)
  "orgs.listMine",
  "orgs.create",
]);

/**
 * Mutations that any member may call, whatever their role. "membership" is the weakest requirement a workspace
 * procedure can declare: a mutation may only use it deliberately, with the reason here.
 */
const MEMBERSHIP_MUTATIONS: Record<string, string> = {
  "workspaces.leave": "leaving is every member's own choice about themselves (the last owner is refused by the service)",
};

type ProcedureDef = { _def: { type: "query" | "mutation" | "subscription"; meta?: { requires?: Requirement; org?: OrgRequirement } } };
const procedures = Object.entries(appRouter._def.procedures).map(([path, procedure]) => ({
  path,
  type: (procedure as unknown as ProcedureDef)._def.type,
  requires: (procedure as unknown as ProcedureDef)._def.meta?.requires,
  // organisation procedures declare their org role instead (orgProcedure)
  org: (procedure as unknown as ProcedureDef)._def.meta?.org,
}));
const orgProcedures = procedures.filter((p): p is (typeof procedures)[number] & { org: OrgRequirement } => p.org !== undefined);
const workspaceProcedures = procedures.filter((p): p is (typeof procedures)[number] & { requires: Requirement } => p.requires !== undefined);

function allowed(role: Role, requires: Requirement | "authenticated"): boolean {
  return requires === "membership" || requires === "authenticated" || roleCan(role, requires);
}

/** The route's path with every {param} left empty, as a caller that sends nothing would. */
function emptyParams(path: string): Record<string, string> {
  return Object.fromEntries([...path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, ""]));
}

describe("the permission matrix itself", () => {
  it("ranks the roles: owner > admin > member > viewer, each a superset of the next", () => {
    for (let i = 1; i < ROLES.length; i++) {
      const higher = new Set(permissionsOf(ROLES[i - 1]!));
      for (const p of permissionsOf(ROLES[i]!)) expect(higher.has(p), `${ROLES[i - 1]} should have ${ROLES[i]}'s ${p}`).toBe(true);
    }
    expect(permissionsOf("owner")).toEqual(ALL_PERMISSIONS);
    expect(permissionsOf("admin")).toEqual(ALL_PERMISSIONS.filter((p) => p !== "settings:delete"));
  });

  it("keeps the sensitive permissions away from members and viewers", () => {
    const adminOnly: Permission[] = [
      "members:invite",
      "members:update",
      "members:remove",
      "api_keys:manage",
      "audit:read",
      "settings:update",
      "settings:delete",
    ];
    for (const p of adminOnly) {
      expect(roleCan("member", p), `member ${p}`).toBe(false);
      expect(roleCan("viewer", p), `viewer ${p}`).toBe(false);
    }
    expect(permissionsOf("viewer").every((p) => p.endsWith(":read"))).toBe(true);
    expect(roleCan("viewer", "api_keys:read")).toBe(false);
    expect(roleCan("member", "api_keys:create")).toBe(true);
    expect(roleCan("member", "api_keys:revoke")).toBe(true);
  });
});

describe("tRPC: role x permission table", () => {
  it("every procedure is either explicitly public/authed or declares the permission it needs", () => {
    const undeclared = procedures
      .filter((p) => p.requires === undefined && p.org === undefined && !PUBLIC_PROCEDURES.has(p.path) && !AUTHED_PROCEDURES.has(p.path))
      .map((p) => p.path);
    expect(undeclared, "procedures without `requires` that are not on the allow-list").toEqual([]);
    // the allow-list does not rot: each entry still exists and still declares nothing
    for (const path of [...PUBLIC_PROCEDURES, ...AUTHED_PROCEDURES]) {
      const found = procedures.find((p) => p.path === path);
      expect(found, `${path} is on the allow-list but does not exist`).toBeDefined();
      expect(found!.requires, `${path} is on the allow-list but declares requires`).toBeUndefined();
    }
    for (const p of workspaceProcedures) {
      expect(p.requires === "membership" || isPermission(p.requires), `${p.path} declares an unknown permission ${p.requires}`).toBe(true);
    }
    expect(workspaceProcedures.length).toBeGreaterThanOrEqual(14);
  });

  it("a mutation that declares only membership is refused unless allow-listed with a reason", () => {
    const membershipMutations = procedures.filter((p) => p.type !== "query" && p.requires === "membership").map((p) => p.path);
    expect(
      membershipMutations.filter((path) => !(path in MEMBERSHIP_MUTATIONS)),
      "membership-only mutations that are not on the allow-list",
    ).toEqual([]);
    for (const [path, reason] of Object.entries(MEMBERSHIP_MUTATIONS)) {
      expect(membershipMutations, `${path} is allow-listed but is not a membership-only mutation`).toContain(path);
      expect(reason.length, `${path} needs a reason`).toBeGreaterThan(20);
    }
  });

  it("authed procedures refuse an anonymous caller; public ones do not ask for a user", async () => {
    const anonymous = callerFor(null);
    for (const path of AUTHED_PROCEDURES) {
      const result = await outcome(procedureAt(anonymous, path)({}));
      expect(result, path).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    }
    // public: they fail on their input or their lookup, never on the missing user
    for (const path of PUBLIC_PROCEDURES) {
      const result = await outcome(procedureAt(anonymous, path)({}));
      expect(result, path).toMatchObject({ ok: false });
      expect(result.ok === false && result.code, path).not.toBe("UNAUTHORIZED");
    }
  });

  it("the tool registry's procedures are in the table", () => {
    const expected = {
      "tools.list": "tools:read",
      "tools.get": "tools:read",
      "tools.create": "tools:create",
      "tools.update": "tools:update",
      "tools.delete": "tools:delete",
      // a test call has real effects (an HTTP tool sends its request)
      "tools.test": "tools:update",
    };
    for (const [path, permission] of Object.entries(expected)) expect(workspaceProcedures.find((p) => p.path === path)?.requires, path).toBe(permission);
  });

  it("the memory procedures and routes are in the table: read, recall and export memory:read, writes memory:write, delete and erase memory:delete, settings settings:update", () => {
    const procedures = Object.fromEntries(workspaceProcedures.filter((p) => p.path.startsWith("memories.")).map((p) => [p.path, p.requires]));
    expect(procedures).toEqual({
      "memories.list": "memory:read",
      "memories.get": "memory:read",
      "memories.recall": "memory:read",
      "memories.create": "memory:write",
      "memories.update": "memory:write",
      "memories.delete": "memory:delete",
      "memories.settings": "memory:read",
      "memories.updateSettings": "settings:update",
      "memories.eraseSubject": "memory:delete",
      "memories.exportSubject": "memory:read",
    });
    const routes = Object.fromEntries(
      restRoutes
        .filter((r) => r.path.startsWith("/api/v1/memor") && !/^\/api\/v1\/memory-(documents|models|reembeds)/.test(r.path))
        .map((r) => [`${r.method} ${r.path}`, r.requires]),
    );
    expect(routes).toEqual({
      "GET /api/v1/memories": "memory:read",
      "POST /api/v1/memories": "memory:write",
      "POST /api/v1/memories/recall": "memory:read",
      "GET /api/v1/memories/{memoryId}": "memory:read",
      "PATCH /api/v1/memories/{memoryId}": "memory:write",
      "DELETE /api/v1/memories/{memoryId}": "memory:delete",
      "GET /api/v1/memory-settings": "memory:read",
      "PUT /api/v1/memory-settings": "settings:update",
      "POST /api/v1/memory-subjects/{subject}/erase": "memory:delete",
      "GET /api/v1/memory-subjects/{subject}/export": "memory:read",
    });
  });

  it("the webhook procedures and routes are in the table: reads webhooks:read, everything else webhooks:manage (members read, admins and owners manage, viewers neither)", () => {
    const procedures = Object.fromEntries(workspaceProcedures.filter((p) => p.path.startsWith("webhooks.")).map((p) => [p.path, p.requires]));
    expect(procedures).toEqual({
      "webhooks.list": "webhooks:read",
      "webhooks.get": "webhooks:read",
      "webhooks.deliveries": "webhooks:read",
      "webhooks.delivery": "webhooks:read",
      "webhooks.create": "webhooks:manage",
      "webhooks.update": "webhooks:manage",
      "webhooks.delete": "webhooks:manage",
      "webhooks.rotateSecret": "webhooks:manage",
      "webhooks.test": "webhooks:manage",
      "webhooks.redeliver": "webhooks:manage",
    });
    const routes = Object.fromEntries(
      restRoutes.filter((r) => /^\/api\/v1\/webhook(s|-deliveries)(\/|$)/.test(r.path)).map((r) => [`${r.method} ${r.path}`, r.requires]),
    );
    expect(routes).toEqual({
      "GET /api/v1/webhooks": "webhooks:read",
      "POST /api/v1/webhooks": "webhooks:manage",
      "GET /api/v1/webhooks/{webhookId}": "webhooks:read",
      "PATCH /api/v1/webhooks/{webhookId}": "webhooks:manage",
      "DELETE /api/v1/webhooks/{webhookId}": "webhooks:manage",
      "POST /api/v1/webhooks/{webhookId}/rotate-secret": "webhooks:manage",
      "POST /api/v1/webhooks/{webhookId}/test": "webhooks:manage",
      "GET /api/v1/webhooks/{webhookId}/deliveries": "webhooks:read",
      "GET /api/v1/webhook-deliveries/{deliveryId}": "webhooks:read",
      "POST /api/v1/webhook-deliveries/{deliveryId}/redeliver": "webhooks:manage",
    });
    expect([roleCan("owner", "webhooks:manage"), roleCan("admin", "webhooks:manage"), roleCan("member", "webhooks:manage")]).toEqual([true, true, false]);
    expect([roleCan("member", "webhooks:read"), roleCan("viewer", "webhooks:read")]).toEqual([true, false]);
  });

  it("the session procedures and routes are in the table: read runs:read, create and send runs:create, delete memory:delete", () => {
    const procedures = Object.fromEntries(workspaceProcedures.filter((p) => p.path.startsWith("sessions.")).map((p) => [p.path, p.requires]));
    expect(procedures).toEqual({
      "sessions.list": "runs:read",
      "sessions.get": "runs:read",
      "sessions.messages": "runs:read",
      "sessions.create": "runs:create",
      "sessions.send": "runs:create",
      "sessions.delete": "memory:delete",
    });
    const routes = Object.fromEntries(restRoutes.filter((r) => r.path.startsWith("/api/v1/sessions")).map((r) => [`${r.method} ${r.path}`, r.requires]));
    expect(routes).toEqual({
      "GET /api/v1/sessions": "runs:read",
      "POST /api/v1/sessions": "runs:create",
      "GET /api/v1/sessions/{sessionId}": "runs:read",
      "DELETE /api/v1/sessions/{sessionId}": "memory:delete",
      "GET /api/v1/sessions/{sessionId}/messages": "runs:read",
      "POST /api/v1/sessions/{sessionId}/messages": "runs:create",
    });
  });

  it("the trigger and schedule procedures and routes are in the table: read for every role, manage for members and up", () => {
    const procedures = Object.fromEntries(
      workspaceProcedures.filter((p) => p.path.startsWith("triggers.") || p.path.startsWith("schedules.")).map((p) => [p.path, p.requires]),
    );
    expect(procedures).toEqual({
      "triggers.list": "triggers:read",
      "triggers.get": "triggers:read",
      "triggers.create": "triggers:manage",
      "triggers.update": "triggers:manage",
      "triggers.rotateSecret": "triggers:manage",
      "triggers.delete": "triggers:manage",
      "schedules.list": "schedules:read",
      "schedules.get": "schedules:read",
      "schedules.create": "schedules:manage",
      "schedules.update": "schedules:manage",
      "schedules.pause": "schedules:manage",
      "schedules.resume": "schedules:manage",
      "schedules.delete": "schedules:manage",
    });
    const routes = Object.fromEntries(
      restRoutes
        .filter((r) => r.path.startsWith("/api/v1/webhook-triggers") || r.path.startsWith("/api/v1/schedules"))
        .map((r) => [`${r.method} ${r.path}`, r.requires]),
    );
    expect(routes).toEqual({
      "GET /api/v1/webhook-triggers": "triggers:read",
      "POST /api/v1/webhook-triggers": "triggers:manage",
      "GET /api/v1/webhook-triggers/{triggerId}": "triggers:read",
      "PATCH /api/v1/webhook-triggers/{triggerId}": "triggers:manage",
      "DELETE /api/v1/webhook-triggers/{triggerId}": "triggers:manage",
      "POST /api/v1/webhook-triggers/{triggerId}/rotate-secret": "triggers:manage",
      "GET /api/v1/schedules": "schedules:read",
      "POST /api/v1/schedules": "schedules:manage",
      "GET /api/v1/schedules/{scheduleId}": "schedules:read",
      "PATCH /api/v1/schedules/{scheduleId}": "schedules:manage",
      "DELETE /api/v1/schedules/{scheduleId}": "schedules:manage",
      "POST /api/v1/schedules/{scheduleId}/pause": "schedules:manage",
      "POST /api/v1/schedules/{scheduleId}/resume": "schedules:manage",
    });
    for (const p of ["triggers:read", "schedules:read"] as const) expect(ROLES.filter((r) => roleCan(r, p))).toEqual([...ROLES]);
    for (const p of ["triggers:manage", "schedules:manage"] as const) expect(ROLES.filter((r) => roleCan(r, p))).toEqual(["owner", "admin", "member"]);
  });

  it("the memory document procedures and routes are in the table: read memory:read, create memory:write, delete memory:delete", () => {
    const procedures = Object.fromEntries(workspaceProcedures.filter((p) => p.path.startsWith("memoryDocuments.")).map((p) => [p.path, p.requires]));
    expect(procedures).toEqual({
      "memoryDocuments.list": "memory:read",
      "memoryDocuments.get": "memory:read",
      "memoryDocuments.create": "memory:write",
      "memoryDocuments.delete": "memory:delete",
    });
    const routes = Object.fromEntries(
      restRoutes.filter((r) => r.path.startsWith("/api/v1/memory-documents")).map((r) => [`${r.method} ${r.path}`, r.requires]),
    );
    expect(routes).toEqual({
      "GET /api/v1/memory-documents": "memory:read",
      "POST /api/v1/memory-documents": "memory:write",
      "GET /api/v1/memory-documents/{documentId}": "memory:read",
      "DELETE /api/v1/memory-documents/{documentId}": "memory:delete",
    });
  });

  it("the memory model procedures and routes are in the table: read memory:read, change settings:update", () => {
    const procedures = Object.fromEntries(workspaceProcedures.filter((p) => p.path.startsWith("memoryModels.")).map((p) => [p.path, p.requires]));
    expect(procedures).toEqual({
      "memoryModels.list": "memory:read",
      "memoryModels.set": "settings:update",
      "memoryModels.reembeds": "memory:read",
      "memoryModels.reembed": "memory:read",
    });
    const routes = Object.fromEntries(
      restRoutes.filter((r) => /^\/api\/v1\/memory-(models|reembeds)/.test(r.path)).map((r) => [`${r.method} ${r.path}`, r.requires]),
    );
    expect(routes).toEqual({
      "GET /api/v1/memory-models": "memory:read",
      "PUT /api/v1/memory-models": "settings:update",
      "GET /api/v1/memory-reembeds": "memory:read",
      "GET /api/v1/memory-reembeds/{reembedId}": "memory:read",
    });
  });

  it("the routing preset writes are in the table, behind models:manage like presets.update", () => {
    for (const path of ["routing.presets.create", "routing.presets.update", "routing.presets.delete"]) {
      expect(workspaceProcedures.find((p) => p.path === path)?.requires, path).toBe("models:manage");
    }
  });

  it("the approvals inbox is in the table: reading needs tools:read, deciding tools:approve", () => {
    for (const path of ["approvals.list", "approvals.count", "approvals.get"]) {
      expect(workspaceProcedures.find((p) => p.path === path)?.requires, path).toBe("tools:read");
    }
    expect(workspaceProcedures.find((p) => p.path === "approvals.decide")?.requires).toBe("tools:approve");
  });

  describe.each(workspaceProcedures)("$path (requires $requires)", ({ path, requires }) => {
    // a throwaway workspace per procedure: an allowed call may succeed (workspaces.leave does)
    let ws: TestWorkspace;
    beforeAll(async () => {
      ws = await makeWorkspace("perm");
    });

    it("is FORBIDDEN exactly for the roles that lack the permission", async () => {
      const expected: Record<string, string> = {};
      const actual: Record<string, string> = {};
      for (const role of ROLES) {
        const result = await outcome(procedureAt(callerFor(ws.users[role], ws.slug), path)({}));
        expected[role] = allowed(role, requires) ? "allowed" : "FORBIDDEN";
        actual[role] = result.ok ? "allowed" : result.code === "FORBIDDEN" ? "FORBIDDEN" : "allowed";
        if (!result.ok && result.code === "FORBIDDEN") {
          // refused by the gate for the declared permission, not by something further in
          expect(result.message, `${path} as ${role}`).toContain(String(requires));
        }
        if (!result.ok && expected[role] === "allowed") {
          // an allowed call may fail on its empty input or a business rule, but never on auth or tenancy
          expect(["UNAUTHORIZED", "NOT_FOUND", "FORBIDDEN"], `${path} as ${role}: ${result.code} ${result.message}`).not.toContain(result.code);
        }
      }
      expect(actual).toEqual(expected);
    });

    it("is NOT_FOUND for a signed-in user who is not a member, and UNAUTHORIZED when signed out", async () => {
      const outsider = await makeUser("outsider");
      expect(await outcome(procedureAt(callerFor(outsider, ws.slug), path)({}))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(procedureAt(callerFor(null, ws.slug), path)({}))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
      // nothing about the workspace may leak through a non-existent slug either
      expect(await outcome(procedureAt(callerFor(outsider, `nope-${ws.slug}`), path)({}))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    });
  });
});

describe("tRPC: organisation role table", () => {
  const RANK: Record<OrgRequirement, number> = { member: 1, admin: 2, owner: 3 };
  const orgCaller = orgCallerFor;

  it("every organisation procedure declares the org role it needs; policy and people need an admin", () => {
    expect(orgProcedures.length).toBeGreaterThanOrEqual(10);
    const declared = Object.fromEntries(orgProcedures.map((p) => [p.path, p.org]));
    expect(declared).toMatchObject({
      "orgs.get": "member",
      "orgs.updatePolicy": "admin",
      "orgs.people": "admin",
      "orgs.removePerson": "admin",
      "orgs.setGroupRoles": "admin",
      "orgSso.upsertSaml": "admin",
      "orgSso.samlServiceProvider": "admin",
    });
  });

  describe.each(orgProcedures)("$path (org role $org)", ({ path, org: requires }) => {
    let org: TestOrg;
    beforeAll(async () => {
      org = await makeOrg("operm");
    });

    it("is FORBIDDEN exactly for the org roles below the requirement", async () => {
      const expected: Record<string, string> = {};
      const actual: Record<string, string> = {};
      for (const role of ORG_ROLES) {
        const result = await outcome(procedureAt(orgCaller(org.users[role], org.slug), path)({}));
        expected[role] = RANK[role] >= RANK[requires] ? "allowed" : "FORBIDDEN";
        actual[role] = result.ok ? "allowed" : result.code === "FORBIDDEN" ? "FORBIDDEN" : "allowed";
        if (!result.ok && expected[role] === "allowed") {
          // an allowed call may fail on its empty input or a missing resource (no SSO connection yet), never on the gate
          expect(["UNAUTHORIZED", "FORBIDDEN"], `${path} as ${role}: ${result.code} ${result.message}`).not.toContain(result.code);
          expect(result.message, `${path} as ${role}`).not.toBe("Organisation not found");
        }
      }
      expect(actual).toEqual(expected);
    });

    it("is NOT_FOUND for a signed-in person outside the organisation (a workspace member too), UNAUTHORIZED when signed out", async () => {
      const outsider = await makeUser("org-outsider");
      expect(await outcome(procedureAt(orgCaller(outsider, org.slug), path)({}))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(procedureAt(orgCaller(org.ws.users.admin, org.slug), path)({}))).toMatchObject({ ok: false, code: "NOT_FOUND" });
      expect(await outcome(procedureAt(orgCaller(null, org.slug), path)({}))).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    });
  });
});

describe("REST: role x permission table", () => {
  let ws: TestWorkspace;
  const keys = {} as Record<Role, string>;
  beforeAll(async () => {
    ws = await makeWorkspace("restperm");
    for (const role of ROLES) keys[role] = (await makeApiKey(ws, role)).raw;
  });

  it("every route declares `authenticated` or a permission of the matrix", () => {
    expect(restRoutes.length).toBeGreaterThanOrEqual(11);
    for (const route of restRoutes) {
      expect(route.requires === "authenticated" || isPermission(route.requires), `${route.method} ${route.path}`).toBe(true);
    }
  });

  it("the MCP server routes are in the table: read tools:read, writes tools:create/update/delete, review tools:grant", () => {
    const declared = Object.fromEntries(restRoutes.filter((r) => /mcp-servers|\/review$/.test(r.path)).map((r) => [`${r.method} ${r.path}`, r.requires]));
    expect(declared).toEqual({
      "GET /api/v1/mcp-servers": "tools:read",
      "POST /api/v1/mcp-servers": "tools:create",
      "GET /api/v1/mcp-servers/{serverId}": "tools:read",
      "PATCH /api/v1/mcp-servers/{serverId}": "tools:update",
      "DELETE /api/v1/mcp-servers/{serverId}": "tools:delete",
      "POST /api/v1/mcp-servers/{serverId}/sync": "tools:update",
      "POST /api/v1/mcp-servers/{serverId}/authorize": "tools:update",
      "POST /api/v1/mcp-servers/{serverId}/disconnect": "tools:update",
      "POST /api/v1/tools/{toolId}/review": "tools:grant",
    });
    // the OAuth callback (the browser session) needs what starting the authorization needed
    expect(webRoutes.find((r) => r.path === "/api/mcp-oauth/callback")?.requires).toBe("tools:update");
    const mcp = Object.fromEntries(workspaceProcedures.filter((p) => p.path.startsWith("mcpServers.")).map((p) => [p.path, p.requires]));
    expect(mcp).toMatchObject({
      "mcpServers.reviewTool": "tools:grant",
      "mcpServers.create": "tools:create",
      "mcpServers.delete": "tools:delete",
      "mcpServers.authorize": "tools:update",
      "mcpServers.disconnect": "tools:update",
    });
  });

  it("the routing preset routes are in the table", () => {
    const requires = (method: string, path: string) => restRoutes.find((r) => r.method === method && r.path === path)?.requires;
    expect(requires("GET", "/api/v1/routing/presets")).toBe("models:read");
    expect(requires("POST", "/api/v1/routing/presets")).toBe("models:manage");
    expect(requires("PATCH", "/api/v1/routing/presets/{name}")).toBe("models:manage");
    expect(requires("DELETE", "/api/v1/routing/presets/{name}")).toBe("models:manage");
  });

  it("the approvals routes are in the table", () => {
    const requires = (method: string, path: string) => restRoutes.find((r) => r.method === method && r.path === path)?.requires;
    expect(requires("GET", "/api/v1/approvals")).toBe("tools:read");
    expect(requires("GET", "/api/v1/approvals/{approvalId}")).toBe("tools:read");
    expect(requires("POST", "/api/v1/approvals/{approvalId}/decision")).toBe("tools:approve");
  });

  it("the tool registry routes are in the table", () => {
    const requires = (method: string, path: string) => restRoutes.find((r) => r.method === method && r.path === path)?.requires;
    expect(requires("GET", "/api/v1/tools")).toBe("tools:read");
    expect(requires("POST", "/api/v1/tools")).toBe("tools:create");
    expect(requires("GET", "/api/v1/tools/{toolId}")).toBe("tools:read");
    expect(requires("PATCH", "/api/v1/tools/{toolId}")).toBe("tools:update");
    expect(requires("DELETE", "/api/v1/tools/{toolId}")).toBe("tools:delete");
    expect(requires("POST", "/api/v1/tools/{toolId}/test")).toBe("tools:update");
  });

  it.each(restRoutes.map((r) => ({ method: r.method, path: r.path, requires: r.requires })))(
    "$method $path (requires $requires) is 403 exactly for the roles that lack it",
    async ({ method, path, requires }) => {
      const expected: Record<string, string> = {};
      const actual: Record<string, string> = {};
      for (const role of ROLES) {
        const res = await rest(method, path, { key: keys[role], params: emptyParams(path) });
        expected[role] = allowed(role, requires) ? "allowed" : "403";
        actual[role] = res.status === 403 ? "403" : "allowed";
        // the OpenAI-compatible routes keep Cadre's code as `cadre_code`
        if (res.status === 403) expect(res.body.error.cadre_code ?? res.body.error.code).toBe("FORBIDDEN");
        else expect([401, 404], `${method} ${path} as ${role}: ${res.status} ${JSON.stringify(res.body)}`).not.toContain(res.status);
      }
      expect(actual).toEqual(expected);
    },
  );

  it("an owner's key whose scopes exclude a route's permission gets 403; a key with just that scope passes", async () => {
    for (const route of restRoutes) {
      if (route.requires === "authenticated") continue;
      const without = await makeApiKey(
        ws,
        "owner",
        ALL_PERMISSIONS.filter((p) => p !== route.requires),
      );
      const only = await makeApiKey(ws, "owner", [route.requires]);
      // an event stream is checked the same way whether it answers as a stream or as its JSON page
      for (const accept of route.kind === "stream" ? ["application/json", "text/event-stream"] : ["application/json"]) {
        const res = await rest(route.method, route.path, { key: without.raw, params: emptyParams(route.path), accept });
        expect(res.status, `${route.method} ${route.path} (${accept}) without ${route.requires}`).toBe(403);
        expect(res.body.error.cadre_code ?? res.body.error.code).toBe("FORBIDDEN");

        const ok = await rest(route.method, route.path, { key: only.raw, params: emptyParams(route.path), accept });
        expect([401, 403, 404], `${route.method} ${route.path} (${accept}) with only ${route.requires}`).not.toContain(ok.status);
      }
    }
    // two keys and two requests per route: the loop grows with the API (30 s was reached on a loaded machine)
  }, 120_000);

  it("a key with scopes beyond its creator's role is cut down to the role", async () => {
    for (const role of ["member", "viewer"] as const) {
      const key = await makeApiKey(ws, role, [...ALL_PERMISSIONS]);
      const me = await rest("GET", "/api/v1/me", { key: key.raw });
      expect(me.status).toBe(200);
      expect(me.body.scopes).toEqual([...permissionsOf(role)].sort());
      expect(me.body.role).toBe(role);
      for (const route of restRoutes) {
        const res = await rest(route.method, route.path, { key: key.raw, params: emptyParams(route.path) });
        expect(res.status === 403, `${role} key with all scopes: ${route.method} ${route.path} -> ${res.status}`).toBe(!allowed(role, route.requires));
      }
    }
  });
});
