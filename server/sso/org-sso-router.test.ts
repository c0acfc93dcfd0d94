/**
 * The orgSso router (owners and admins of the organisation): the secret is write-only, changes are audited, the
 * default workspace must be the organisation's, another organisation's admin sees nothing (404), discovery is
 * reported; and the public auth.ssoFor routing by email domain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaller } from "@/server/api/root";
import { addDomain, confirmDomainAsOperator } from "@/server/orgs/domains";
import { updateOrgPolicy } from "@/server/orgs/service";
import { ApiRateLimiter } from "@/server/http/rate-limit";
import { SSO_LOOKUPS_PER_MINUTE, useSsoLookupLimiter } from "@/server/sso/routing";
import { testDb } from "@/test/db";
import { makeOrg, type TestOrg } from "@/test/fixtures/orgs";
import { makeWorkspace, outcome, type TestUser, uniq } from "@/test/helpers";
import { startTestIdp, type TestIdp } from "@/test/sso-idp";

let a: TestOrg;
let b: TestOrg;
let idp: TestIdp;

const callerIn = (user: TestUser | null, orgSlug: string) =>
  createCaller({ requestId: `req_test${uniq()}`, user, workspaceSlug: null, orgSlug, origin: "http://localhost:3000", clientIp: `10.0.${uniq()}` });

const form = (overrides: Record<string, unknown> = {}) => ({
  issuer: "https://idp.example.com",
  clientId: "cadre",
  clientSecret: "top-secret-value",
  ...overrides,
});

beforeAll(async () => {
  a = await makeOrg("ssor-a");
  b = await makeOrg("ssor-b");
  idp = await startTestIdp(["http://localhost:3000/api/sso/x/callback"]);
});
afterAll(async () => {
  await idp?.close();
});

describe("orgSso", () => {
  it("saves a connection with a write-only secret, sealed at rest, and audits the change without it", async () => {
    const caller = callerIn(a.users.admin, a.slug);
    expect(await caller.orgSso.get()).toBeNull();
    const saved = await caller.orgSso.upsert(form({ defaultWorkspace: a.ws.slug, defaultRole: "viewer", enabled: true }));
    expect(saved).toMatchObject({ issuer: "https://idp.example.com", hasClientSecret: true, defaultWorkspace: a.ws.slug, defaultRole: "viewer" });
    expect(saved.redirectUri).toBe(`http://localhost:3000/api/sso/${a.slug}/callback`);
    expect(JSON.stringify(saved)).not.toContain("top-secret-value");
    const row = await testDb().ssoConnection.findFirstOrThrow({ where: { organizationId: a.id } });
    expect(Buffer.from(row.secretCiphertext!).toString("utf8")).not.toContain("top-secret-value");
    // no secret in the form: the stored one is kept
    const again = await caller.orgSso.upsert(form({ clientSecret: undefined, clientId: "cadre-2" }));
    expect(again).toMatchObject({ clientId: "cadre-2", hasClientSecret: true });
    const audit = await testDb().organizationAuditLog.findMany({ where: { organizationId: a.id, action: "org.sso_update" }, orderBy: { createdAt: "asc" } });
    expect(audit.map((r) => (r.metadata as { secretReplaced: boolean }).secretReplaced)).toEqual([true, false]);
    expect(JSON.stringify(audit)).not.toContain("top-secret-value");
  });

  it("refuses a default workspace outside the organisation and the owner role", async () => {
    const outsider = await makeWorkspace("ssor-outside");
    const caller = callerIn(a.users.admin, a.slug);
    expect(await outcome(caller.orgSso.upsert(form({ defaultWorkspace: outsider.slug })))).toMatchObject({ ok: false, appCode: "VALIDATION_FAILED" });
    expect(await outcome(caller.orgSso.upsert(form({ defaultRole: "owner" })))).toMatchObject({ ok: false, code: "BAD_REQUEST" });
  });

  it("is for owners and admins: a member is refused, another organisation's admin gets 404, signed out 401", async () => {
    expect(await outcome(callerIn(a.users.member, a.slug).orgSso.get())).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect(await outcome(callerIn(a.users.owner, a.slug).orgSso.get())).toMatchObject({ ok: true });
    const foreign = callerIn(b.users.admin, a.slug);
    for (const call of [() => foreign.orgSso.get(), () => foreign.orgSso.upsert(form()), () => foreign.orgSso.test({}), () => foreign.orgSso.delete()]) {
      expect(await outcome(call())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    }
    expect(await outcome(callerIn(null, a.slug).orgSso.get())).toMatchObject({ ok: false, code: "UNAUTHORIZED" });
    expect((await testDb().ssoConnection.findFirstOrThrow({ where: { organizationId: a.id } })).clientId).not.toBe("cadre");
  });

  it("tests discovery: what the provider publishes, or why it failed (an internal address is refused by the egress guard)", async () => {
    const caller = callerIn(a.users.admin, a.slug);
    expect(await caller.orgSso.test({ issuer: idp.issuer })).toMatchObject({
      ok: true,
      issuer: idp.issuer,
      authorizationEndpoint: `${idp.issuer}/auth`,
      tokenEndpoint: `${idp.issuer}/token`,
    });
    const internal = await caller.orgSso.test({ issuer: "https://10.0.0.1" });
    expect(internal.ok).toBe(false);
    expect(internal.ok === false && internal.error).toContain("not reachable");
    const wrong = await caller.orgSso.test({ issuer: `${idp.issuer}/not-an-issuer` });
    expect(wrong.ok).toBe(false);
  });

  it("deletes the connection with an audit row; deleting again is 404", async () => {
    const caller = callerIn(a.users.admin, a.slug);
    expect(await caller.orgSso.delete()).toEqual({ deleted: true });
    expect(await caller.orgSso.get()).toBeNull();
    expect(await testDb().organizationAuditLog.count({ where: { organizationId: a.id, action: "org.sso_delete" } })).toBe(1);
    expect(await outcome(caller.orgSso.delete())).toMatchObject({ ok: false, code: "NOT_FOUND" });
  });
});

describe("auth.ssoFor", () => {
  it("routes an address of a verified domain to its organisation's enabled SSO, says when it is forced, and nothing otherwise", async () => {
    const org = await makeOrg("ssor-route");
    const domain = `route-${uniq()}.example`;
    await addDomain(org.ctx("admin"), { domain });
    const anon = callerIn(null, "");
    expect(await anon.auth.ssoFor({ email: `x@${domain}` })).toEqual({ sso: false, organization: null, forced: false, startUrl: null });
    await confirmDomainAsOperator(org.slug, domain);
    await callerIn(org.users.admin, org.slug).orgSso.upsert(form({ enabled: true }));
    expect(await anon.auth.ssoFor({ email: `x@${domain}` })).toEqual({
      sso: true,
      organization: `Org ssor-route`,
      forced: false,
      startUrl: `/api/sso/${org.slug}/start`,
    });
    await updateOrgPolicy(org.ctx("owner"), { ssoEnforced: true });
    expect(await anon.auth.ssoFor({ email: `x@${domain}` })).toMatchObject({ sso: true, forced: true });
    expect(await anon.auth.ssoFor({ email: "someone@example.org" })).toMatchObject({ sso: false });
  });

  it("is rate-limited per client address", async () => {
    useSsoLookupLimiter(new ApiRateLimiter({ keyPrefix: `sso-lookup-${uniq()}`, flushMs: 60_000 }));
    try {
      const anon = callerIn(null, "");
      for (let i = 0; i < SSO_LOOKUPS_PER_MINUTE; i++) await anon.auth.ssoFor({ email: "a@example.org" });
      expect(await outcome(anon.auth.ssoFor({ email: "a@example.org" }))).toMatchObject({ ok: false, appCode: "RATE_LIMITED" });
    } finally {
      useSsoLookupLimiter(undefined);
    }
  });
});
