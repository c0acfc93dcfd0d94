/**
 * OIDC single sign-on end to end against a real OpenID provider started here (test/sso-idp.ts): start, the provider's
 * login, callback, the next-auth ticket; who is admitted, linked, created; forced SSO; replays and tampering refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authConfig } from "@/server/auth/config";
import { redeemSsoTicket } from "@/server/auth/sso-ticket";
import { addDomain, confirmDomainAsOperator } from "@/server/orgs/domains";
import { setGroupRoles } from "@/server/orgs/group-roles";
import { updateOrgPolicy } from "@/server/orgs/service";
import { upsertSsoConnection } from "@/server/sso/connection";
import { SSO_BROWSER_COOKIE, SSO_STARTS_PER_MINUTE, ssoCallbackResponse, ssoStartResponse, useSsoStartLimiter } from "@/server/sso/http";
import { ApiRateLimiter } from "@/server/http/rate-limit";
import { signUp } from "@/server/users/service";
import { ssoConnectionInputSchema } from "@/lib/schemas/sso";
import { testDb } from "@/test/db";
import { makeOrg, type TestOrg } from "@/test/fixtures/orgs";
import { makeWorkspace, roleIn, uniq } from "@/test/helpers";
import { startTestIdp, type TestIdp } from "@/test/sso-idp";

const ORIGIN = "http://localhost:3000";
let idp: TestIdp;
let org: TestOrg;
let domain: string;
let mapped: Awaited<ReturnType<typeof makeWorkspace>>;

const redirectUri = (slug: string) => `${ORIGIN}/api/sso/${slug}/callback`;

async function configure(o: TestOrg, overrides: Record<string, unknown> = {}) {
  await upsertSsoConnection(
    o.ctx("admin"),
    ssoConnectionInputSchema.parse({
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      enabled: true,
      defaultWorkspace: o.ws.slug,
      defaultRole: "viewer",
      scopes: "openid email profile groups",
      ...overrides,
    }),
    ORIGIN,
  );
}

/** Start at Cadre, sign in at the provider, and come back: the callback's answer (and the browser cookie used). */
async function runFlow(slug: string, opts: { tamper?: (url: URL) => void; cookie?: string; beforeCallback?: () => Promise<void> } = {}) {
  const start = await ssoStartResponse(new Request(`${ORIGIN}/api/sso/${slug}/start?callbackUrl=/w/somewhere`), slug);
  expect(start.status).toBe(302);
  const location = start.headers.get("location")!;
  if (!location.startsWith(idp.issuer)) return { start, callback: null, back: null, cookie: "" };
  const cookie = /cadre-sso-browser=([^;]+)/.exec(start.headers.get("set-cookie") ?? "")![1]!;
  const back = await idp.authorize(location, redirectUri(slug));
  opts.tamper?.(back);
  await opts.beforeCallback?.();
  const callback = await ssoCallbackResponse(new Request(back.href, { headers: { cookie: `${SSO_BROWSER_COOKIE}=${opts.cookie ?? cookie}` } }), slug);
  return { start, callback, back, cookie };
}

function ticketOf(res: Response | null): string | null {
  const location = new URL(res!.headers.get("location")!);
  return location.pathname === "/sign-in/sso" ? location.searchParams.get("ticket") : null;
}
const errorOf = (res: Response | null) => new URL(res!.headers.get("location")!).searchParams.get("error");

// biome-ignore lint/suspicious/noExplicitAny: next-auth's provider objects, as built
const providerById = (id: string) => (authConfig().providers as any[]).find((p) => (p.options?.id ?? p.id) === id);
const authorizeWith = (id: string, credentials: Record<string, string>) =>
  providerById(id).options.authorize(credentials, new Request(`${ORIGIN}/api/auth/callback/${id}`, { method: "POST" }));

// this file's own start limiter: the default one's counts are shared through the database across runs
const limiter = () => new ApiRateLimiter({ keyPrefix: `sso-start-${uniq()}`, flushMs: 60_000 });

beforeAll(async () => {
  useSsoStartLimiter(limiter());
  org = await makeOrg("sso");
  idp = await startTestIdp([redirectUri(org.slug)]);
  domain = `sso-${uniq()}.example`;
  await addDomain(org.ctx("admin"), { domain });
  await confirmDomainAsOperator(org.slug, domain);
  mapped = await makeWorkspace("sso-mapped");
  await testDb().workspace.update({ where: { id: mapped.id }, data: { organizationId: org.id } });
  await setGroupRoles(org.ctx("admin"), { mappings: [{ group: "engineers", workspace: mapped.slug, role: "admin" }] });
  await configure(org);
});

afterAll(async () => {
  useSsoStartLimiter(undefined);
  await idp?.close();
});

describe("OIDC sign-in", () => {
  it("creates a person just in time: organisation membership, the default workspace's role, the mapped group's role; the ticket signs in once", async () => {
    const email = `new-${uniq()}@${domain}`;
    idp.signInAs({ sub: `s-${uniq()}`, email, email_verified: true, name: "New Person", groups: ["engineers"] });
    const { callback } = await runFlow(org.slug);
    const ticket = ticketOf(callback);
    expect(ticket).toBeTruthy();
    expect(new URL(callback!.headers.get("location")!).searchParams.get("callbackUrl")).toBe("/w/somewhere");
    const user = await testDb().user.findUniqueOrThrow({ where: { email } });
    expect(user.emailVerified).not.toBeNull();
    expect((await testDb().organizationMember.findFirst({ where: { organizationId: org.id, userId: user.id } }))?.role).toBe("member");
    expect(await roleIn(org.ws.id, user.id)).toBe("viewer");
    expect(await roleIn(mapped.id, user.id)).toBe("admin");
    const audit = await testDb().organizationAuditLog.findMany({ where: { organizationId: org.id, action: "org.sso_provision", targetId: user.id } });
    expect(audit.map((a) => (a.metadata as { outcome: string }).outcome)).toEqual(["created"]);

    const signedIn = await authorizeWith("sso", { ticket: ticket! });
    expect(signedIn).toMatchObject({ id: user.id, email });
    await expect(authorizeWith("sso", { ticket: ticket! })).rejects.toMatchObject({ code: "sso_ticket" });
  });

  it("links an existing account of a verified domain (and marks its email verified)", async () => {
    const email = `old-${uniq()}@${domain}`;
    const existing = await testDb().user.create({ data: { id: `usr_${uniq()}${uniq()}`, email, name: "Old" } });
    idp.signInAs({ sub: `s-${uniq()}`, email, email_verified: true });
    const { callback } = await runFlow(org.slug);
    expect(await redeemSsoTicket(ticketOf(callback)!)).toMatchObject({ id: existing.id });
    expect((await testDb().user.findUniqueOrThrow({ where: { id: existing.id } })).emailVerified).not.toBeNull();
    const audit = await testDb().organizationAuditLog.findFirst({ where: { organizationId: org.id, action: "org.sso_provision", targetId: existing.id } });
    expect(audit?.metadata).toMatchObject({ outcome: "linked" });
  });

  it("refuses an email outside the verified domains, and never links the account that holds it", async () => {
    const email = `victim-${uniq()}@elsewhere-${uniq()}.example`;
    const victim = await testDb().user.create({ data: { id: `usr_${uniq()}${uniq()}`, email, name: "Victim", emailVerified: new Date() } });
    idp.signInAs({ sub: `s-${uniq()}`, email, email_verified: true });
    const { callback } = await runFlow(org.slug);
    expect(errorOf(callback)).toBe("sso_email_domain");
    expect(await testDb().organizationMember.count({ where: { userId: victim.id } })).toBe(0);
    expect(await testDb().ssoSignIn.count({ where: { userId: victim.id } })).toBe(0);
  });

  it("refuses a claimed but unverified domain", async () => {
    const pending = `pending-${uniq()}.example`;
    await addDomain(org.ctx("admin"), { domain: pending });
    idp.signInAs({ sub: `s-${uniq()}`, email: `p-${uniq()}@${pending}`, email_verified: true });
    expect(errorOf((await runFlow(org.slug)).callback)).toBe("sso_email_domain");
  });

  it("refuses an address the provider marks unverified", async () => {
    const email = `unv-${uniq()}@${domain}`;
    idp.signInAs({ sub: `s-${uniq()}`, email, email_verified: false });
    expect(errorOf((await runFlow(org.slug)).callback)).toBe("sso_email_unverified");
    expect(await testDb().user.count({ where: { email } })).toBe(0);
  });

  it("without just-in-time provisioning, a person without an account is refused", async () => {
    const other = await makeOrg("sso-nojit");
    const d = `nojit-${uniq()}.example`;
    await addDomain(other.ctx("admin"), { domain: d });
    await confirmDomainAsOperator(other.slug, d);
    const own = await startTestIdp([redirectUri(other.slug)]);
    const saved = idp;
    idp = own;
    try {
      await configure(other, { jitProvisioning: false });
      const email = `nobody-${uniq()}@${d}`;
      idp.signInAs({ sub: `s-${uniq()}`, email, email_verified: true });
      expect(errorOf((await runFlow(other.slug)).callback)).toBe("sso_no_account");
      expect(await testDb().user.count({ where: { email } })).toBe(0);
    } finally {
      idp = saved;
      await own.close();
    }
  });

  it("refuses a replayed state, a state from another browser, and an expired ticket", async () => {
    const email = `replay-${uniq()}@${domain}`;
    idp.signInAs({ sub: `s-${uniq()}`, email, email_verified: true });
    const first = await runFlow(org.slug);
    expect(ticketOf(first.callback)).toBeTruthy();
    const replay = await ssoCallbackResponse(new Request(first.back!.href, { headers: { cookie: `${SSO_BROWSER_COOKIE}=${first.cookie}` } }), org.slug);
    expect(errorOf(replay)).toBe("sso_state");

    const foreign = await runFlow(org.slug, { cookie: "another-browser-token-0123456789" });
    expect(errorOf(foreign.callback)).toBe("sso_state");

    const late = await runFlow(org.slug);
    const ticket = ticketOf(late.callback)!;
    await testDb().ssoSignIn.updateMany({ where: { userId: { not: null }, ticketUsedAt: null }, data: { ticketExpiresAt: new Date(Date.now() - 1000) } });
    expect(await redeemSsoTicket(ticket)).toBeNull();
  });

  it("refuses a tampered nonce and an answer naming another issuer", async () => {
    idp.signInAs({ sub: `s-${uniq()}`, email: `nonce-${uniq()}@${domain}`, email_verified: true });
    const nonce = await runFlow(org.slug, {
      beforeCallback: async () => {
        await testDb().ssoSignIn.updateMany({ where: { organizationId: org.id, stateUsedAt: null }, data: { nonce: "not-the-nonce-sent" } });
      },
    });
    expect(errorOf(nonce.callback)).toBe("sso_idp");

    idp.signInAs({ sub: `s-${uniq()}`, email: `iss-${uniq()}@${domain}`, email_verified: true });
    const issuer = await runFlow(org.slug, { tamper: (url) => url.searchParams.set("iss", "http://127.0.0.1:1") });
    expect(errorOf(issuer.callback)).toBe("sso_idp");
  });

  it("a disabled or missing connection sends the person back to the sign-in page", async () => {
    const other = await makeOrg("sso-none");
    const res = await ssoStartResponse(new Request(`${ORIGIN}/api/sso/${other.slug}/start`), other.slug);
    expect(new URL(res.headers.get("location")!).searchParams.get("error")).toBe("sso_unavailable");
    const unknown = await ssoStartResponse(new Request(`${ORIGIN}/api/sso/no-such-org-${uniq()}/start`), `no-such-org-${uniq()}`);
    expect(new URL(unknown.headers.get("location")!).searchParams.get("error")).toBe("sso_unavailable");
  });
});

describe("abuse", () => {
  it("limits the sign-ins a client address may start per minute", async () => {
    useSsoStartLimiter(limiter());
    try {
      const slug = `no-such-org-${uniq()}`;
      const start = () => ssoStartResponse(new Request(`${ORIGIN}/api/sso/${slug}/start`), slug);
      for (let i = 0; i < SSO_STARTS_PER_MINUTE; i++) expect(errorOf(await start())).toBe("sso_unavailable");
      expect(errorOf(await start())).toBe("sso_rate_limited");
    } finally {
      useSsoStartLimiter(limiter());
    }
  });
});

describe("forced SSO", () => {
  it("refuses the password of a person on a forced domain with sso_required, and admits SSO", async () => {
    const forcedOrg = await makeOrg("sso-forced");
    const d = `forced-${uniq()}.example`;
    await addDomain(forcedOrg.ctx("admin"), { domain: d });
    await confirmDomainAsOperator(forcedOrg.slug, d);
    const email = `pw-${uniq()}@${d}`;
    await signUp({ name: "Pw", email, password: "Correct-Horse-9" });
    expect(await authorizeWith("credentials", { email, password: "Correct-Horse-9" })).toMatchObject({ email });
    await updateOrgPolicy(forcedOrg.ctx("owner"), { ssoEnforced: true });
    await expect(authorizeWith("credentials", { email, password: "Correct-Horse-9" })).rejects.toMatchObject({ code: "sso_required" });
    // a wrong password still says nothing more than a wrong password
    expect(await authorizeWith("credentials", { email, password: "Wrong-Horse-9" })).toBeNull();
  });
});
