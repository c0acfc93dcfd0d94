import { afterEach, describe, expect, it } from "vitest";
import { makeOrg } from "@/test/fixtures/orgs";
import { createOrgToken } from "@/server/scim/tokens";
import { setEnv } from "@/server/env";
import { testDb } from "@/test/db";
import { orgApiHandler } from "./org-api";

afterEach(() => setEnv("CADRE_TRUSTED_PROXIES", ""));

async function call(method: string, org: string, path: string[], token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const request = new Request(`http://localhost:3000/api/v1/orgs/${org}/${path.join("/")}`, {
    method,
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const res = await orgApiHandler(request, { params: Promise.resolve({ org, path }) });
  return { status: res.status, body: await res.json() };
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
