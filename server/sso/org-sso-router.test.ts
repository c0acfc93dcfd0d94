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
import { makeIdpKey } from "@/test/saml-idp";
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
    expect(await outcome(caller.orgSso.upsert(form({ defaultRole: "owner" })))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
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

describe("orgSso SAML", () => {
  const samlForm = async (overrides: Record<string, unknown> = {}) => ({
    idpEntityId: "https://idp.example.com/saml",
    ssoUrl: "https://idp.example.com/saml/sso",
    certificates: (await makeIdpKey()).certificatePem,
    ...overrides,
  });

  it("shows Cadre's SP entity id, ACS and metadata URLs before anything is saved", async () => {
    const org = await makeOrg("ssor-sp");
    expect(await callerIn(org.users.admin, org.slug).orgSso.samlServiceProvider()).toEqual({
      entityId: `http://localhost:3000/api/sso/${org.slug}/saml/metadata`,
      acsUrl: `http://localhost:3000/api/sso/${org.slug}/saml/acs`,
      metadataUrl: `http://localhost:3000/api/sso/${org.slug}/saml/metadata`,
    });
  });

  it("saves a SAML connection (replacing OIDC, its secret dropped) with the certificate's fingerprint and expiry; audited", async () => {
    const org = await makeOrg("ssor-saml");
    const caller = callerIn(org.users.admin, org.slug);
    await caller.orgSso.upsert(form());
    const input = await samlForm({ enabled: true, groupsAttribute: "memberOf" });
    const saved = await caller.orgSso.upsertSaml(input);
    expect(saved).toMatchObject({
      kind: "saml",
      issuer: "https://idp.example.com/saml",
      clientId: "",
      hasClientSecret: false,
      groupsClaim: "memberOf",
      enabled: true,
    });
    expect(saved.saml).toMatchObject({ ssoUrl: "https://idp.example.com/saml/sso", emailAttribute: "email", nameAttribute: "name" });
    expect(saved.saml?.certificates).toHaveLength(1);
    expect(saved.saml?.certificates[0]).toMatchObject({ fingerprint: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/), expired: false });
    expect(saved.saml?.serviceProvider.acsUrl).toBe(`http://localhost:3000/api/sso/${org.slug}/saml/acs`);
    const row = await testDb().ssoConnection.findFirstOrThrow({ where: { organizationId: org.id } });
    expect(row).toMatchObject({ kind: "saml", secretCiphertext: null, samlCertificates: [expect.stringContaining("BEGIN CERTIFICATE")] });
    const audit = await testDb().organizationAuditLog.findFirstOrThrow({
      where: { organizationId: org.id, action: "org.sso_update" },
      orderBy: { createdAt: "desc" },
    });
    expect(audit.metadata).toMatchObject({ kind: "saml", previousKind: "oidc", certificates: [{ fingerprint: saved.saml?.certificates[0]?.fingerprint }] });
    expect(await caller.orgSso.get()).toMatchObject({ kind: "saml" });
    // no certificates in the form: the stored ones are kept
    const kept = await caller.orgSso.upsertSaml({ ...input, certificates: undefined, enabled: false });
    expect(kept.saml?.certificates).toEqual(saved.saml?.certificates);
    // back to OIDC: the SAML settings are cleared
    expect(await caller.orgSso.upsert(form())).toMatchObject({ kind: "oidc", saml: null, hasClientSecret: true });
  });

  it("refuses a certificate that does not parse, with the field named", async () => {
    const org = await makeOrg("ssor-badcert");
    const caller = callerIn(org.users.admin, org.slug);
    const bad = await outcome(
      caller.orgSso.upsertSaml(await samlForm({ certificates: "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----" })),
    );
    expect(bad).toMatchObject({ ok: false, appCode: "VALIDATION_FAILED", message: "Certificate 1 is not a valid X.509 certificate" });
    expect(await outcome(caller.orgSso.upsertSaml(await samlForm({ certificates: "hello" })))).toMatchObject({ ok: false, appCode: "VALIDATION_FAILED" });
    expect(await outcome(caller.orgSso.upsertSaml(await samlForm({ certificates: undefined })))).toMatchObject({
      ok: false,
      message: "Paste the identity provider's signing certificate (PEM)",
    });
    expect(await outcome(caller.orgSso.upsertSaml(await samlForm({ ssoUrl: "not a url" })))).toMatchObject({ ok: false, code: "UNPROCESSABLE_CONTENT" });
    expect(await testDb().ssoConnection.count({ where: { organizationId: org.id } })).toBe(0);
  });

  it("another organisation's admin gets 404 on its SAML settings; a member is refused", async () => {
    const org = await makeOrg("ssor-saml-x");
    await callerIn(org.users.admin, org.slug).orgSso.upsertSaml(await samlForm());
    const foreign = callerIn(b.users.admin, org.slug);
    expect(await outcome(foreign.orgSso.samlServiceProvider())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(foreign.orgSso.upsertSaml(await samlForm({ idpEntityId: "https://evil.example" })))).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(foreign.orgSso.get())).toMatchObject({ ok: false, code: "NOT_FOUND" });
    expect(await outcome(callerIn(org.users.member, org.slug).orgSso.upsertSaml(await samlForm()))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect((await testDb().ssoConnection.findFirstOrThrow({ where: { organizationId: org.id } })).issuer).toBe("https://idp.example.com/saml");
  });

  it("routes a verified domain of a SAML organisation to the same start URL", async () => {
    const org = await makeOrg("ssor-saml-route");
    const domain = `saml-route-${uniq()}.example`;
    await addDomain(org.ctx("admin"), { domain });
    await confirmDomainAsOperator(org.slug, domain);
    await callerIn(org.users.admin, org.slug).orgSso.upsertSaml(await samlForm({ enabled: true }));
    expect(await callerIn(null, "").auth.ssoFor({ email: `x@${domain}` })).toMatchObject({ sso: true, startUrl: `/api/sso/${org.slug}/start` });
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
