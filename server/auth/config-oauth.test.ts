import { beforeEach, describe, expect, it } from "vitest";
import { encode } from "next-auth/jwt";
import { testDb as db } from "@/test/db";
import { signUp } from "@/server/users/service";
import { createLinkIntent, LINK_INTENT_COOKIE } from "@/server/auth/oauth-link";
import { uniq } from "@/test/helpers";
import { resetTestRequest, setTestCookie, testRequest } from "@/test/next-headers";
import { makeOrg } from "@/test/fixtures/orgs";
import { addDomain, confirmDomainAsOperator } from "@/server/orgs/domains";
import { updateOrgPolicy } from "@/server/orgs/service";
import { authConfig } from "@/server/auth/config";

/** The request the signIn callback runs in carries this user's session cookie (next/headers: test/next-headers.ts). */
async function signedInAs(userId: string) {
  const token = await encode({ token: { uid: userId, sub: userId }, secret: process.env.AUTH_SECRET!, salt: "authjs.session-token" });
  setTestCookie("authjs.session-token", token);
}

function googleRoundTrip(email: string) {
  const sub = String(Math.floor(Math.random() * 1e9));
  return {
    user: { id: undefined as string | undefined, email, name: "Owner" },
    account: { provider: "google", providerAccountId: sub, type: "oidc" as const },
    profile: { sub, email, email_verified: true },
  };
}

const signInCallback = (params: ReturnType<typeof googleRoundTrip>) =>
  // biome-ignore lint/suspicious/noExplicitAny: next-auth's callback parameters, built by hand in the test
  authConfig().callbacks!.signIn!(params as any);

beforeEach(() => {
  resetTestRequest({ headers: { host: "127.0.0.1:3000" } });
});

describe("next-auth signIn callback (wiring of the OAuth rules)", () => {
  it("refuses the pre-registered account and lets credentials through untouched", async () => {
    const address = `ceo-${uniq()}@corp.test`;
    await signUp({ name: "Attacker", email: address, password: "Correct-Horse-9" });
    const params = googleRoundTrip(address);
    expect(await signInCallback(params)).toBe("/sign-in?error=AccountNotLinked");
    expect(params.user.id).toBeUndefined();
    const credentials = { user: { id: "x" }, account: { provider: "credentials", type: "credentials", providerAccountId: "x" } };
    expect(await signInCallback(credentials as unknown as ReturnType<typeof googleRoundTrip>)).toBe(true);
  });

  it("link mode: the intent cookie of the signed-in user links the identity, and is removed", async () => {
    const address = `owner-${uniq()}@corp.test`;
    await signUp({ name: "Owner", email: address, password: "Correct-Horse-9" });
    const user = await db().user.findUniqueOrThrow({ where: { email: address } });
    await signedInAs(user.id);
    setTestCookie(LINK_INTENT_COOKIE, createLinkIntent(user.id, "google"));
    const params = googleRoundTrip(address);
    expect(await signInCallback(params)).toBe(true);
    expect(params.user.id).toBe(user.id);
    // deleted on the path it was set on (a deletion on "/" would leave it in place)
    expect(testRequest.deleted).toContain(`${LINK_INTENT_COOKIE}@/api/auth`);
    expect(await db().account.count({ where: { userId: user.id, provider: "google" } })).toBe(1);
  });

  it("an intent cookie without its user's session links nothing", async () => {
    const address = `left-${uniq()}@corp.test`;
    await signUp({ name: "Left", email: address, password: "Correct-Horse-9" });
    const user = await db().user.findUniqueOrThrow({ where: { email: address } });
    setTestCookie(LINK_INTENT_COOKIE, createLinkIntent(user.id, "google"));
    const params = googleRoundTrip(address);
    expect(await signInCallback(params)).toBe("/sign-in?error=AccountNotLinked");
    expect(await db().account.count({ where: { userId: user.id } })).toBe(0);
  });

  it("forced SSO: a Google sign-in of an address on the organisation's domain is refused, for a new or an existing account", async () => {
    const org = await makeOrg("oauth-forced");
    const domain = `forced-oauth-${uniq()}.example`;
    await addDomain(org.ctx("admin"), { domain });
    await confirmDomainAsOperator(org.slug, domain);
    await updateOrgPolicy(org.ctx("owner"), { ssoEnforced: true });
    const fresh = googleRoundTrip(`new-${uniq()}@${domain}`);
    expect(await signInCallback(fresh)).toBe("/sign-in?error=sso_required");
    expect(await db().user.count({ where: { email: fresh.user.email } })).toBe(0);
    const address = `old-${uniq()}@${domain}`;
    await signUp({ name: "Old", email: address, password: "Correct-Horse-9" });
    expect(await signInCallback(googleRoundTrip(address))).toBe("/sign-in?error=sso_required");
  });
});
