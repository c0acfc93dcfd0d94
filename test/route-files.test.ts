/**
 * Nothing under app/api is served outside the route definitions: every exported HTTP method of every
 * `app/api/**\/route.ts` is a handler built from a definition in `restRoutes` (API keys), `webRoutes` (session) or
 * `orgRoutes` (organisation tokens),
 * for that file's path and method, or is one of the few non-REST endpoints below, each with its reason. And every
 * definition is served by its file. A new route file that checks access by hand fails here.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { executeRoute, HTTP_METHODS, routeOf, type AnyRestRoute, type Authenticator } from "@/server/rest/define";
import type { TenantContext } from "@/server/context";
import { orgRoutes, restRoutes, webRoutes } from "@/server/rest/routes";

const APP = path.join(import.meta.dirname, "../app");

/** Endpoints with their own protocol and authentication: file (relative to app/) -> methods and why. */
const NON_REST_ENDPOINTS: Record<string, { methods: string[]; reason: string }> = {
  "api/auth/[...nextauth]/route.ts": {
    methods: ["GET", "POST"],
    reason: "next-auth's own sign-in, callback and session endpoints (they establish the session)",
  },
  "api/trpc/[trpc]/route.ts": { methods: ["GET", "POST"], reason: "tRPC: every procedure declares `requires` (test/permissions-table.test.ts)" },
  "api/inngest/route.ts": { methods: ["GET", "POST", "PUT"], reason: "Inngest's serve handler, authenticated by Inngest's request signature" },
  "api/health/route.ts": { methods: ["GET"], reason: "liveness probe for load balancers: public, returns no tenant data" },
  "api/metrics/route.ts": { methods: ["GET"], reason: "Prometheus metrics: its own bearer token (CADRE_METRICS_TOKEN), 404 when unset, no tenant data" },
  "api/ready/route.ts": { methods: ["GET"], reason: "readiness probe for load balancers: public, returns no tenant data (check names, migration names)" },
  "api/mcp/[workspace]/route.ts": {
    methods: ["GET", "POST", "DELETE"],
    reason:
      "the workspace's hosted MCP endpoint (JSON-RPC over Streamable HTTP): API keys or OAuth tokens for that workspace only, checked in server/mcp-endpoint/auth.ts (tested in server/mcp-endpoint/endpoint.test.ts); GET answers 405",
  },
  "api/hooks/[triggerId]/route.ts": {
    methods: ["POST"],
    reason: "incoming webhook deliveries: authenticated by the trigger's own Standard Webhooks signature (server/triggers/receive.ts), no session or API key",
  },
  "api/v1/openapi.json/route.ts": { methods: ["GET"], reason: "the public OpenAPI document: route shapes only, no tenant data" },
  "api/oauth/register/route.ts": {
    methods: ["POST", "OPTIONS"],
    reason: "OAuth dynamic client registration (RFC 7591) of the MCP authorization server: public by design, grants nothing",
  },
  "api/oauth/token/route.ts": {
    methods: ["POST", "OPTIONS"],
    reason: "OAuth token endpoint of the MCP authorization server: authenticated by the code + PKCE verifier or the refresh token",
  },
  "api/scim/v2/[org]/[[...path]]/route.ts": {
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    reason:
      "the organisation's SCIM 2.0 endpoint (RFC 7644): its own bearer organisation token with the scim scope, checked for that organisation in server/scim/http.ts (tested in server/scim/scim.test.ts)",
  },
  "api/sso/[org]/start/route.ts": {
    methods: ["GET"],
    reason: "an organisation's SSO sign-in starts here before anyone is signed in: a redirect to its identity provider (server/sso/http.ts)",
  },
  "api/sso/[org]/callback/route.ts": {
    methods: ["GET"],
    reason: "the identity provider's redirect back: authenticated by the single-use state bound to the browser and the verified ID token (server/sso/flow.ts)",
  },
  "api/sso/[org]/saml/acs/route.ts": {
    methods: ["POST"],
    reason:
      "the identity provider's SAML response, posted by the browser: authenticated by the signed assertion answering this sign-in's request (server/sso/saml.ts)",
  },
  "api/sso/[org]/saml/finish/route.ts": {
    methods: ["GET"],
    reason: "the same-site step after the ACS: the single-use state bound to the browser's cookie issues the sign-in ticket (server/sso/saml-flow.ts)",
  },
  "api/sso/[org]/saml/metadata/route.ts": {
    methods: ["GET"],
    reason: "Cadre's public SAML service-provider metadata for an organisation with a SAML connection: no secrets, no tenant data beyond its URLs",
  },

  "api/oauth/revoke/route.ts": { methods: ["POST", "OPTIONS"], reason: "OAuth token revocation (RFC 7009): authenticated by the token itself" },
};

const allRoutes: AnyRestRoute[] = [...restRoutes, ...webRoutes, ...orgRoutes];

function routeFiles(): string[] {
  return (readdirSync(path.join(APP, "api"), { recursive: true }) as string[])
    .filter((f) => path.basename(f) === "route.ts")
    .map((f) => path.join("api", f).split(path.sep).join("/"))
    .sort();
}

/** app/ file of a definition's path: /api/v1/runs/{runId}/events -> api/v1/runs/[runId]/events/route.ts */
function fileOf(route: AnyRestRoute): string {
  return `${route.path.replace(/^\//, "").replace(/\{(\w+)\}/g, "[$1]")}/route.ts`;
}

async function exportedMethods(file: string): Promise<Record<string, unknown>> {
  const mod = (await import(/* @vite-ignore */ path.join(APP, file))) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(mod).filter(([name]) => (HTTP_METHODS as readonly string[]).includes(name)));
}

describe("app/api route files against the route definitions", () => {
  const files = routeFiles();

  it("finds the route files (the walk itself works)", () => {
    expect(files.length).toBeGreaterThanOrEqual(30);
    expect(files).toContain("api/v1/runs/[runId]/events/route.ts");
    expect(files).toContain("api/runs/[runId]/events/route.ts");
    expect(files).toContain("api/v1/approvals/[approvalId]/decision/route.ts");
    expect(files).toContain("api/v1/tools/[toolId]/test/route.ts");
    expect(files).toContain("api/v1/mcp-servers/[serverId]/authorize/route.ts");
    expect(files).toContain("api/mcp-oauth/callback/route.ts");
    expect(files).toContain("api/v1/memories/route.ts");
    expect(files).toContain("api/v1/memories/[memoryId]/route.ts");
    expect(files).toContain("api/v1/memories/recall/route.ts");
    expect(files).toContain("api/v1/memory-documents/route.ts");
    expect(files).toContain("api/v1/memory-documents/[documentId]/route.ts");
    expect(files).toContain("api/v1/memory-settings/route.ts");
    expect(files).toContain("api/v1/memory-subjects/[subject]/erase/route.ts");
    expect(files).toContain("api/v1/memory-subjects/[subject]/export/route.ts");
    expect(files).toContain("api/v1/memory-models/route.ts");
    expect(files).toContain("api/v1/memory-reembeds/route.ts");
    expect(files).toContain("api/v1/memory-reembeds/[reembedId]/route.ts");
    expect(files).toContain("api/v1/webhook-triggers/[triggerId]/rotate-secret/route.ts");
    expect(files).toContain("api/v1/schedules/[scheduleId]/pause/route.ts");
    expect(files).toContain("api/hooks/[triggerId]/route.ts");
  });

  it("every exported method of every file is built from a listed definition for that path and method", async () => {
    const problems: string[] = [];
    for (const file of files) {
      const methods = await exportedMethods(file);
      const allowed = NON_REST_ENDPOINTS[file];
      if (allowed) {
        for (const name of Object.keys(methods)) if (!allowed.methods.includes(name)) problems.push(`${file} ${name}: not in its allowlist entry`);
        continue;
      }
      expect(Object.keys(methods).length, `${file} exports no HTTP method`).toBeGreaterThan(0);
      for (const [name, handler] of Object.entries(methods)) {
        const route = routeOf(handler);
        if (!route) problems.push(`${file} ${name}: a hand-written handler, not built from a route definition`);
        else if (!allRoutes.includes(route))
          problems.push(`${file} ${name}: built from ${route.method} ${route.path}, which is not in restRoutes/webRoutes/orgRoutes`);
        else if (route.method !== name || fileOf(route) !== file) problems.push(`${file} ${name}: serves ${route.method} ${route.path}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("every definition is served by its file, and the allowlist does not rot", async () => {
    for (const route of allRoutes) {
      const file = fileOf(route);
      expect(files, `${route.method} ${route.path} has no ${file}`).toContain(file);
      expect(routeOf((await exportedMethods(file))[route.method]), `${file} serves ${route.method} from its definition`).toBe(route);
    }
    for (const [file, { reason }] of Object.entries(NON_REST_ENDPOINTS)) {
      expect(files, `${file} is allow-listed but does not exist`).toContain(file);
      expect(reason.length).toBeGreaterThan(10);
    }
    const keys = allRoutes.map((r) => `${r.method} ${r.path}`);
    expect(new Set(keys).size, "two definitions for one method and path").toBe(keys.length);
  });

  it("declares every event stream as a definition: REST streams are API-key routes, the web app's are session routes", () => {
    const streams = allRoutes.filter((r) => r.kind === "stream");
    expect(streams.map((r) => `${r.auth ?? "api_key"} ${r.path}`).sort()).toEqual(["api_key /api/v1/runs/{runId}/events", "session /api/runs/{runId}/events"]);
    for (const route of restRoutes) expect(route.auth ?? "api_key", `${route.path} in restRoutes`).toBe("api_key");
    for (const route of webRoutes) expect(route.auth, `${route.path} in webRoutes`).toBe("session");
    for (const route of orgRoutes) expect([route.auth, route.path.startsWith("/api/v1/orgs/{org}")], route.path).toEqual(["org_token", true]);
    for (const route of streams) expect(route.requires).toBe("runs:read");
  });
});

describe("idempotent creates", () => {
  it("every POST that creates something (201) declares idempotent: true, and every other POST says idempotent: false", () => {
    const posts = allRoutes.filter((r) => r.method === "POST");
    expect(posts.length).toBeGreaterThanOrEqual(10);
    const problems: string[] = [];
    for (const route of posts) {
      const declared = route.kind === "stream" ? undefined : route.idempotent;
      if (route.status === 201 && declared !== true) problems.push(`${route.path}: creates (201) but is not idempotent: true`);
      if (typeof declared !== "boolean") problems.push(`${route.path}: declare idempotent: true (it creates) or false (it does not)`);
    }
    expect(problems).toEqual([]);
    // only POSTs take the header: PUT, PATCH and DELETE are idempotent by their method
    expect(allRoutes.filter((r) => r.method !== "POST" && r.kind !== "stream" && r.idempotent).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    expect(posts.find((r) => r.path === "/api/v1/runs")).toMatchObject({ idempotent: true });
  });
});

describe("event streams go through the route executor's permission check", () => {
  const without =
    (actor: TenantContext["actor"]): Authenticator =>
    async () => ({
      workspaceId: "ws_nothere000",
      workspaceSlug: "nothere",
      role: "viewer",
      permissions: new Set(),
      actor,
    });
  const streams = [...restRoutes, ...webRoutes].filter((r) => r.kind === "stream");

  it.each(streams.map((r) => ({ route: r, path: r.path })))("$path refuses a caller without its permission, as a stream and as JSON", async ({ route }) => {
    for (const actor of [
      { type: "user", userId: "usr_x00000", email: "x@example.test" },
      { type: "api_key", keyId: "key_x00000", userId: "usr_x00000", name: "k" },
    ] as const) {
      for (const accept of ["text/event-stream", "application/json"]) {
        const url = `http://localhost:3000${route.path.replace("{runId}", "run_abcdef123")}`;
        const res = await executeRoute(route, new Request(url, { headers: { accept } }), { runId: "run_abcdef123" }, without(actor));
        expect(res.status, `${route.path} ${actor.type} ${accept}`).toBe(403);
        expect(((await res.json()) as { error: { code: string; message: string } }).error).toMatchObject({
          code: "FORBIDDEN",
          message: expect.stringContaining("runs:read"),
        });
      }
    }
  });
});
