import { afterEach, describe, expect, it } from "vitest";
import { makeOrg } from "@/test/fixtures/orgs";
import { createOrgToken } from "@/server/scim/tokens";
import { setEnv } from "@/server/env";
import { ApiRateLimiter, useOrgTokenRateLimiter } from "@/server/http/rate-limit";
import { testDb } from "@/test/db";
import { uniq } from "@/test/helpers";
import { routeOf } from "./define";
import { openApiDocument } from "./openapi";
import { orgRoutes } from "./routes";

afterEach(() => {
  setEnv("CADRE_TRUSTED_PROXIES", "");
  setEnv("CADRE_API_RATE_LIMIT", "600");
  useOrgTokenRateLimiter();
});

/** A request the way Next serves it: the route file of the path (app/api/v1/orgs/...), its exported method. */
async function call(method: string, org: string, path: string[], token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const request = new Request(`http://localhost:3000/api/v1/orgs/${org}${path.map((p) => `/${p}`).join("")}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const route = orgRoutes.find((r) => {
    const segments = r.path.replace("/api/v1/orgs/{org}", "").split("/").filter(Boolean);
    return segments.length === path.length && segments.every((s, i) => s.startsWith("{") || s === path[i]);
  });
  if (!route) return { status: 404, body: null, headers: new Headers() };
  const file = `@/app/${route.path.replace(/^\//, "").replace(/\{(\w+)\}/g, "[$1]")}/route.ts`;
  const handler = ((await import(/* @vite-ignore */ file)) as Record<string, unknown>)[method];
  if (!handler) return { status: 405, body: null, headers: new Headers() };
  expect(routeOf(handler)?.path).toBe(route.path);
  const params: Record<string, string> = { org };
  route.path
    .replace("/api/v1/orgs/{org}", "")
    .split("/")
    .filter(Boolean)
    .forEach((s, i) => {
      if (s.startsWith("{")) params[s.slice(1, -1)] = path[i]!;
    });
  const res = await (handler as (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>)(request, {
    params: Promise.resolve(params),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}

describe("organisation administration API", () => {
  it("an admin-scoped token reads and changes the organisation; its changes are audited as its creator", async () => {
    const org = await makeOrg("api");
    const { token } = await createOrgToken(org.ctx("admin"), { name: "automation", scopes: ["admin"] });
    expect((await call("GET", org.slug, [], token)).body).toMatchObject({ id: org.id, policy: { mfaRequired: false } });
    const patched = await call("PATCH", org.slug, ["policy"], token, { mfaRequired: true, invitationDomains: ["corp.example"] });
    expect(patched).toMatchObject({ status: 200, body: { policy: { mfaRequired: true, invitationDomains: ["corp.example"] } } });
    const [entry] = await testDb().organizationAuditLog.findMany({ where: { organizationId: org.id, action: "org.update_policy" } });
    expect(entry).toMatchObject({ actorType: "user", actorId: org.users.admin.id });
    expect((await call("POST", org.slug, ["domains"], token, { domain: "api-corp.example" })).status).toBe(201);
    expect((await call("GET", org.slug, ["people"], token)).body.map((p: { email: string }) => p.email)).toContain(org.users.member.email);
    const bad = await call("PATCH", org.slug, ["policy"], token, { sessionMaxAgeMinutes: 1 });
    expect(bad).toMatchObject({ status: 422, body: { error: { code: "VALIDATION_FAILED" } } });
    expect((await call("GET", org.slug, ["nothing-here"], token)).status).toBe(404);
    // fields the route does not take are refused, like every REST route's
    expect((await call("PATCH", org.slug, ["policy"], token, { nope: 1 })).status).toBe(422);
    expect((await call("PUT", org.slug, ["group-roles"], token, { mappings: [] })).body).toEqual([]);
    const domains = (await call("GET", org.slug, ["domains"], token)).body as { id: string }[];
    expect((await call("DELETE", org.slug, ["domains", domains[0]!.id], token)).body).toEqual({ ok: true });
  });

  it("a POST with an Idempotency-Key creates once and replays its answer; the same key with another body is a 422", async () => {
    const org = await makeOrg("api-idem");
    const { token } = await createOrgToken(org.ctx("admin"), { name: "automation", scopes: ["admin"] });
    const key = { "idempotency-key": `k-${uniq()}` };
    const first = await call("POST", org.slug, ["domains"], token, { domain: "idem-corp.example" }, key);
    expect(first.status).toBe(201);
    const again = await call("POST", org.slug, ["domains"], token, { domain: "idem-corp.example" }, key);
    expect(again).toMatchObject({ status: 201, body: first.body });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await testDb().organizationDomain.count({ where: { organizationId: org.id } })).toBe(1);
    const other = await call("POST", org.slug, ["domains"], token, { domain: "idem-other.example" }, key);
    expect(other).toMatchObject({ status: 422, body: { error: { code: "IDEMPOTENCY_KEY_REUSED" } } });
    // without the key, a repeat is a conflict
    expect((await call("POST", org.slug, ["domains"], token, { domain: "idem-corp.example" })).status).toBe(409);
  });

  it("limits each token's requests per minute (429 with Retry-After, Cadre's error body); another organisation's token is unaffected", async () => {
    setEnv("CADRE_API_RATE_LIMIT", "2");
    const now = Date.now();
    useOrgTokenRateLimiter(new ApiRateLimiter({ keyPrefix: `org-token-${uniq()}`, flushMs: 60_000, now: () => now }));
    const a = await makeOrg("api-rl-a");
    const b = await makeOrg("api-rl-b");
    const ofA = (await createOrgToken(a.ctx("admin"), { name: "a", scopes: ["admin"] })).token;
    const ofB = (await createOrgToken(b.ctx("admin"), { name: "b", scopes: ["admin"] })).token;
    expect((await call("GET", a.slug, [], ofA)).headers.get("ratelimit-remaining")).toBe("1");
    expect((await call("GET", a.slug, ["people"], ofA)).status).toBe(200);
    const refused = await call("PATCH", a.slug, ["policy"], ofA, { mfaRequired: true });
    expect(refused).toMatchObject({ status: 429, body: { error: { code: "RATE_LIMITED" } } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await testDb().organization.findUniqueOrThrow({ where: { id: a.id } })).mfaRequired).toBe(false);
    expect((await call("GET", b.slug, [], ofB)).status).toBe(200);
    expect((await call("GET", b.slug, ["people"], ofB)).status).toBe(200);
  });

  it("every organisation route is in the OpenAPI document with its schemas and the organisation token's security", () => {
    const doc = openApiDocument() as unknown as {
      paths: Record<
        string,
        Record<string, { operationId: string; security: unknown; responses: Record<string, unknown>; requestBody?: unknown; parameters?: { name: string }[] }>
      >;
    };
    expect(orgRoutes.length).toBe(12);
    for (const route of orgRoutes) {
      const op = doc.paths[route.path]?.[route.method.toLowerCase()];
      expect(op, `${route.method} ${route.path}`).toBeDefined();
      expect(op!.security).toEqual([{ orgToken: [] }]);
      expect(Object.keys(op!.responses)).toEqual(expect.arrayContaining([String(route.status ?? 200), "401", "429"]));
      if (route.kind !== "stream" && route.body) expect(op!.requestBody).toBeDefined();
      if (route.kind !== "stream" && route.idempotent) expect(op!.parameters?.map((p) => p.name)).toContain("Idempotency-Key");
    }
  });

  it("refuses no token, a SCIM-only token, another organisation's token, and a client outside the allowlist", async () => {
    const a = await makeOrg("api-a");
    const b = await makeOrg("api-b");
    const scimOnly = (await createOrgToken(a.ctx("owner"), { name: "idp", scopes: ["scim"] })).token;
    const ofB = (await createOrgToken(b.ctx("owner"), { name: "b", scopes: ["admin"] })).token;
    expect((await call("GET", a.slug, [], null)).status).toBe(401);
    expect((await call("GET", a.slug, [], scimOnly)).status).toBe(401);
    expect((await call("GET", a.slug, [], ofB)).status).toBe(401);
    const mine = (await createOrgToken(a.ctx("owner"), { name: "mine", scopes: ["admin"] })).token;
    setEnv("CADRE_TRUSTED_PROXIES", "127.0.0.1/32");
    expect((await call("PATCH", a.slug, ["policy"], mine, { apiIpAllowlist: ["203.0.113.0/24"] }, { "x-forwarded-for": "203.0.113.5" })).status).toBe(200);
    expect((await call("GET", a.slug, [], mine, undefined, { "x-forwarded-for": "198.51.100.1" })).status).toBe(403);
    expect((await call("GET", a.slug, [], mine, undefined, { "x-forwarded-for": "203.0.113.9" })).status).toBe(200);
  });
});
