/**
 * SAML single sign-on end to end against an identity provider built in the test (test/saml-idp.ts): start (the
 * AuthnRequest), the signed response posted to the ACS, the browser check at the finish step, the ticket; who is
 * admitted; every refusal of a response that is unsigned, signed by another key, tampered, for another audience or
 * recipient, expired, replayed, unsolicited or for a request Cadre did not send.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redeemSsoTicket } from "@/server/auth/sso-ticket";
import { addDomain, confirmDomainAsOperator } from "@/server/orgs/domains";
import { setGroupRoles } from "@/server/orgs/group-roles";
import { upsertSamlConnection } from "@/server/sso/connection";
import { ApiRateLimiter } from "@/server/http/rate-limit";
import { SSO_BROWSER_COOKIE, samlAcsResponse, samlFinishResponse, samlMetadataResponse, ssoStartResponse, useSsoStartLimiter } from "@/server/sso/http";
import { SAML_CLOCK_SKEW_MS } from "@/server/sso/saml";
import { samlConnectionInputSchema } from "@/lib/schemas/sso";
import { testDb } from "@/test/db";
import { makeOrg, type TestOrg } from "@/test/fixtures/orgs";
import { makeWorkspace, roleIn, uniq } from "@/test/helpers";
import { type IdpKey, makeIdpKey, readAuthnRequest, type ResponseOptions, samlResponse } from "@/test/saml-idp";

const ORIGIN = "http://localhost:3000";
const ENTITY_ID = "https://idp.saml-test.example/metadata";
const SSO_URL = "https://idp.saml-test.example/sso";
let key: IdpKey;
let otherKey: IdpKey;
let org: TestOrg;
let domain: string;
let mapped: Awaited<ReturnType<typeof makeWorkspace>>;

const sp = (slug: string) => ({ entityId: `${ORIGIN}/api/sso/${slug}/saml/metadata`, acsUrl: `${ORIGIN}/api/sso/${slug}/saml/acs` });

async function configure(o: TestOrg, overrides: Record<string, unknown> = {}) {
  return upsertSamlConnection(
    o.ctx("admin"),
    samlConnectionInputSchema.parse({
      idpEntityId: ENTITY_ID,
      ssoUrl: SSO_URL,
      certificates: key.certificatePem,
      groupsAttribute: "memberOf",
      enabled: true,
      defaultWorkspace: o.ws.slug,
      defaultRole: "viewer",
      ...overrides,
    }),
    ORIGIN,
  );
}

const post = (slug: string, form: Record<string, string>) =>
  samlAcsResponse(
    new Request(`${ORIGIN}/api/sso/${slug}/saml/acs`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form).toString(),
    }),
    slug,
  );

const finish = (location: string, slug: string, cookie: string) =>
  samlFinishResponse(new Request(location, { headers: { cookie: `${SSO_BROWSER_COOKIE}=${cookie}` } }), slug);

interface Flow {
  request: ReturnType<typeof readAuthnRequest>;
  cookie: string;
  body: string;
  acs: Response;
  done: Response | null;
}

/** Start at Cadre, answer at the IdP (with `respond`'s changes), post to the ACS, and finish in the same browser. */
async function runFlow(
  slug: string,
  email: string,
  opts: { respond?: Partial<ResponseOptions>; relayState?: string | null; cookie?: string; attributes?: Record<string, string[]> } = {},
): Promise<Flow> {
  const start = await ssoStartResponse(new Request(`${ORIGIN}/api/sso/${slug}/start?callbackUrl=/w/somewhere`), slug);
  expect(start.status).toBe(302);
  const location = start.headers.get("location")!;
  expect(location.startsWith(`${SSO_URL}?`)).toBe(true);
  const cookie = /cadre-sso-browser=([^;]+)/.exec(start.headers.get("set-cookie") ?? "")![1]!;
  const request = readAuthnRequest(location);
  const body = samlResponse({
    entityId: ENTITY_ID,
    inResponseTo: request.id,
    acsUrl: request.acsUrl,
    audience: sp(slug).entityId,
    nameId: email,
    attributes: opts.attributes ?? { email: [email], name: ["Saml Person"], memberOf: ["engineers", "everyone"] },
    key,
    ...opts.respond,
  });
  const form: Record<string, string> = { SAMLResponse: body };
  const relay = opts.relayState === undefined ? request.relayState : opts.relayState;
  if (relay !== null) form.RelayState = relay;
  const acs = await post(slug, form);
  const next = acs.headers.get("location")!;
  const done = new URL(next).pathname.endsWith("/saml/finish") ? await finish(next, slug, opts.cookie ?? cookie) : null;
  return { request, cookie, body, acs, done };
}

function ticketOf(res: Response | null): string | null {
  if (!res) return null;
  const location = new URL(res.headers.get("location")!);
  return location.pathname === "/sign-in/sso" ? location.searchParams.get("ticket") : null;
}
/** The refusal code of the flow (at the ACS, else at the finish step). */
const errorOf = (f: Flow) => new URL((f.done ?? f.acs).headers.get("location")!).searchParams.get("error");

beforeAll(async () => {
  useSsoStartLimiter(new ApiRateLimiter({ keyPrefix: `sso-start-${uniq()}`, flushMs: 60_000 }));
  [key, otherKey] = await Promise.all([makeIdpKey(), makeIdpKey("Someone Else")]);
  org = await makeOrg("saml");
  domain = `saml-${uniq()}.example`;
  await addDomain(org.ctx("admin"), { domain });
  await confirmDomainAsOperator(org.slug, domain);
  mapped = await makeWorkspace("saml-mapped");
  await testDb().workspace.update({ where: { id: mapped.id }, data: { organizationId: org.id } });
  await setGroupRoles(org.ctx("admin"), { mappings: [{ group: "engineers", workspace: mapped.slug, role: "admin" }] });
  await configure(org);
});

afterAll(() => useSsoStartLimiter(undefined));

describe("SAML sign-in", () => {
  it("creates a person just in time with the default workspace's role and the mapped group's role; the ticket signs in once", async () => {
    const email = `new-${uniq()}@${domain}`;
    const flow = await runFlow(org.slug, email);
    expect(flow.acs.status).toBe(303);
    const ticket = ticketOf(flow.done);
    expect(ticket).toBeTruthy();
    expect(new URL(flow.done!.headers.get("location")!).searchParams.get("callbackUrl")).toBe("/w/somewhere");
    const user = await testDb().user.findUniqueOrThrow({ where: { email } });
    expect(user.name).toBe("Saml Person");
    expect(await roleIn(org.ws.id, user.id)).toBe("viewer");
    expect(await roleIn(mapped.id, user.id)).toBe("admin");
    const audit = await testDb().organizationAuditLog.findFirst({ where: { organizationId: org.id, action: "org.sso_provision", targetId: user.id } });
    expect(audit?.metadata).toMatchObject({ outcome: "created" });
    expect(await redeemSsoTicket(ticket!)).toMatchObject({ id: user.id, email });
    expect(await redeemSsoTicket(ticket!)).toBeNull();
    // the AuthnRequest named Cadre's entity id and ACS; the attributes are not kept on the row
    expect(flow.request).toMatchObject({ issuer: sp(org.slug).entityId, acsUrl: sp(org.slug).acsUrl });
    const row = await testDb().ssoSignIn.findFirstOrThrow({ where: { samlRequestId: flow.request.id } });
    expect(row.assertion).toBeNull();
    expect(await testDb().ssoAssertionUse.count({ where: { organizationId: org.id } })).toBeGreaterThan(0);
  });

  it("refuses an unsigned assertion, and a response whose only signature is on the Response", async () => {
    const unsigned = await runFlow(org.slug, `u-${uniq()}@${domain}`, { respond: { signAssertion: false, signResponse: false } });
    expect(errorOf(unsigned)).toBe("sso_idp");
    const responseOnly = await runFlow(org.slug, `r-${uniq()}@${domain}`, { respond: { signAssertion: false, signResponse: true } });
    expect(errorOf(responseOnly)).toBe("sso_idp");
  });

  it("refuses a signature by another key, and a tampered assertion", async () => {
    expect(errorOf(await runFlow(org.slug, `k-${uniq()}@${domain}`, { respond: { key: otherKey } }))).toBe("sso_idp");
    const victim = `victim-${uniq()}@${domain}`;
    const tampered = await runFlow(org.slug, `t-${uniq()}@${domain}`, {
      respond: { tamper: (xml) => xml.replace(/(<saml:Attribute Name="email">.*?xs:string">)[^<]*/, `$1${victim}`) },
    });
    expect(errorOf(tampered)).toBe("sso_idp");
    expect(await testDb().user.count({ where: { email: victim } })).toBe(0);
  });

  it("refuses another audience, another recipient, another Destination, another issuer", async () => {
    expect(errorOf(await runFlow(org.slug, `a-${uniq()}@${domain}`, { respond: { audience: "https://other-sp.example" } }))).toBe("sso_idp");
    expect(errorOf(await runFlow(org.slug, `r-${uniq()}@${domain}`, { respond: { acsUrl: "https://other-sp.example/acs" } }))).toBe("sso_idp");
    expect(errorOf(await runFlow(org.slug, `d-${uniq()}@${domain}`, { respond: { destination: "https://other-sp.example/acs" } }))).toBe("sso_idp");
    expect(errorOf(await runFlow(org.slug, `i-${uniq()}@${domain}`, { respond: { entityId: "https://impostor.example" } }))).toBe("sso_idp");
  });

  it("refuses an assertion expired beyond the clock skew, and admits one within it", async () => {
    const past = new Date(Date.now() - SAML_CLOCK_SKEW_MS - 5_000);
    expect(errorOf(await runFlow(org.slug, `e-${uniq()}@${domain}`, { respond: { notOnOrAfter: past } }))).toBe("sso_idp");
    const within = new Date(Date.now() - SAML_CLOCK_SKEW_MS / 2);
    expect(ticketOf((await runFlow(org.slug, `w-${uniq()}@${domain}`, { respond: { notOnOrAfter: within } })).done)).toBeTruthy();
  });

  it("refuses a replayed response, even for a fresh request (the assertion ID was used)", async () => {
    const email = `replay-${uniq()}@${domain}`;
    const first = await runFlow(org.slug, email);
    expect(ticketOf(first.done)).toBeTruthy();
    const again = await post(org.slug, { SAMLResponse: first.body, RelayState: first.request.relayState });
    expect(new URL(again.headers.get("location")!).searchParams.get("error")).toBe("sso_state");
    // the same assertion (same ID) answering a new request of this organisation
    const assertionId = `_replayed${uniq()}`;
    expect(ticketOf((await runFlow(org.slug, email, { respond: { assertionId } })).done)).toBeTruthy();
    expect(errorOf(await runFlow(org.slug, email, { respond: { assertionId } }))).toBe("sso_state");
  });

  it("refuses an InResponseTo Cadre did not send, or one of another sign-in", async () => {
    expect(errorOf(await runFlow(org.slug, `x-${uniq()}@${domain}`, { respond: { inResponseTo: "_not-a-request-of-cadre" } }))).toBe("sso_idp");
    const other = await ssoStartResponse(new Request(`${ORIGIN}/api/sso/${org.slug}/start`), org.slug);
    const otherId = readAuthnRequest(other.headers.get("location")!).id;
    expect(errorOf(await runFlow(org.slug, `y-${uniq()}@${domain}`, { respond: { inResponseTo: otherId } }))).toBe("sso_idp");
  });

  it("refuses an unsolicited (IdP-initiated) response", async () => {
    const email = `idp-${uniq()}@${domain}`;
    expect(errorOf(await runFlow(org.slug, email, { respond: { inResponseTo: null }, relayState: null }))).toBe("sso_state");
    expect(errorOf(await runFlow(org.slug, email, { respond: { inResponseTo: null } }))).toBe("sso_idp");
    expect(await testDb().user.count({ where: { email } })).toBe(0);
  });

  it("binds the response to the browser that started: another browser cannot finish, and changes nothing", async () => {
    const email = `b-${uniq()}@${domain}`;
    const foreign = await runFlow(org.slug, email, { cookie: "another-browser-token-0123456789" });
    expect(foreign.acs.status).toBe(303);
    expect(errorOf(foreign)).toBe("sso_state");
    expect(await testDb().user.count({ where: { email } })).toBe(0);
  });

  it("refuses an email outside the verified domains, and never takes over the account that holds it", async () => {
    const email = `victim-${uniq()}@elsewhere-${uniq()}.example`;
    const victim = await testDb().user.create({ data: { id: `usr_${uniq()}${uniq()}`, email, name: "Victim", emailVerified: new Date() } });
    expect(errorOf(await runFlow(org.slug, email))).toBe("sso_email_domain");
    expect(await testDb().organizationMember.count({ where: { userId: victim.id } })).toBe(0);
    expect(await testDb().ssoSignIn.count({ where: { userId: victim.id } })).toBe(0);
  });

  it("an existing account on an organisation whose policy refuses SSO is not linked (the OIDC path's refusal)", async () => {
    const strict = await makeOrg("saml-strict");
    const d = `strict-${uniq()}.example`;
    await addDomain(strict.ctx("admin"), { domain: d });
    await confirmDomainAsOperator(strict.slug, d);
    const email = `member-${uniq()}@${domain}`;
    const existing = await testDb().user.create({ data: { id: `usr_${uniq()}${uniq()}`, email, name: "Member" } });
    await testDb().organizationMember.create({ data: { organizationId: strict.id, userId: existing.id, role: "member" } });
    await testDb().organization.update({ where: { id: strict.id }, data: { allowedSignInMethods: ["password"] } });
    expect(errorOf(await runFlow(org.slug, email))).toBe("sso_policy");
    expect(await testDb().organizationMember.count({ where: { organizationId: org.id, userId: existing.id } })).toBe(0);
    expect((await testDb().user.findUniqueOrThrow({ where: { id: existing.id } })).emailVerified).toBeNull();
  });

  it("publishes Cadre's SP metadata for a SAML organisation only", async () => {
    const res = await samlMetadataResponse(new Request(`${ORIGIN}/api/sso/${org.slug}/saml/metadata`), org.slug);
    expect(res.status).toBe(200);
    const xml = await res.text();
    expect(xml).toContain(`entityID="${sp(org.slug).entityId}"`);
    expect(xml).toContain(`Location="${sp(org.slug).acsUrl}"`);
    expect(xml).toContain("urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST");
    const none = await makeOrg("saml-none");
    expect((await samlMetadataResponse(new Request(`${ORIGIN}/api/sso/${none.slug}/saml/metadata`), none.slug)).status).toBe(404);
  });
});
