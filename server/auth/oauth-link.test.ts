import { afterEach, describe, expect, it, vi } from "vitest";
import { testDb as db } from "@/test/db";
import { setEnv } from "@/server/env";
import { newId } from "@/lib/ids";
import { signUp } from "@/server/users/service";
import { verifyCredentials } from "@/server/auth/credentials";
import { createLinkIntent, oauthSignInCallback, readLinkIntent, resolveOAuthSignIn, LINK_INTENT_TTL_MS } from "@/server/auth/oauth-link";
import { githubUserinfo, githubVerifiedEmail } from "@/server/auth/oauth-profile";
import { createVerificationToken, verifyEmailToken } from "@/server/auth/email-verification";
import { outcome, uniq } from "@/test/helpers";

const PASSWORD = "Correct-Horse-9";
const email = (label: string) => `${label}-${uniq()}@corp.test`;
const providerId = () => String(Math.floor(Math.random() * 1e9));

/** What next-auth hands the signIn callback after a Google round trip (the id token's claims as profile). */
function googleSignIn(address: string, verified: boolean, sub = providerId()) {
  return {
    user: { email: address, name: "Real Owner" } as { id?: string; email?: string | null; name?: string | null },
    account: { provider: "google", providerAccountId: sub },
    profile: { sub, email: address, email_verified: verified },
  };
}

/** A GitHub round trip, the profile built by our userinfo request from simulated API answers (no network). */
async function githubSignIn(emails: { email: string; primary: boolean; verified: boolean }[], publicEmail: string | null, id = providerId()) {
  const fetchMock = vi.fn(async (url: string) => {
    if (url.endsWith("/user")) return Response.json({ id: Number(id), login: "octo", name: "Octo", email: publicEmail });
    if (url.endsWith("/user/emails")) return Response.json(emails);
    return new Response("not found", { status: 404 });
  });
  vi.stubGlobal("fetch", fetchMock);
  try {
    const profile = await githubUserinfo().request({ tokens: { access_token: "gho_test" } });
    return {
      user: { email: profile.email as string | null, name: "Octo" } as { id?: string; email?: string | null; name?: string | null },
      account: { provider: "github", providerAccountId: id },
      profile,
    };
  } finally {
    vi.unstubAllGlobals();
  }
}

async function passwordUser(address: string) {
  await signUp({ name: "Someone", email: address, password: PASSWORD });
  return db().user.findUniqueOrThrow({ where: { email: address } });
}

afterEach(() => {
  setEnv("CADRE_SIGNUP", "");
});

describe("account takeover by pre-registration", () => {
  it("an unverified password account is never linked to an OAuth sign-in with its email; the attacker keeps no access to the owner's identity", async () => {
    const victim = email("ceo");
    // the attacker registers the address first
    const attacker = await passwordUser(victim);
    expect(attacker.emailVerified).toBeNull();

    // the real owner later signs in with Google, whose email is verified
    const params = googleSignIn(victim, true);
    const result = await oauthSignInCallback(params, {});
    expect(result).toBe("/sign-in?error=AccountNotLinked");
    expect(params.user.id).toBeUndefined(); // next-auth issues no session for the attacker's account
    expect(await db().account.count({ where: { userId: attacker.id } })).toBe(0);
    expect(await db().account.count({ where: { provider: "google", providerAccountId: params.account.providerAccountId } })).toBe(0);
    // the same refusal on every later attempt (nothing was created on the way)
    expect(await oauthSignInCallback(googleSignIn(victim, true, params.account.providerAccountId), {})).toBe("/sign-in?error=AccountNotLinked");
  });

  it("the owner clicking the verification link without the attacker's session verifies nothing", async () => {
    const victim = email("cfo");
    const attacker = await passwordUser(victim);
    const owner = await db().user.create({ data: { id: newId("usr"), email: email("owner-other"), name: "Owner" } });
    const token = createVerificationToken(attacker);
    // signed in as someone else: refused
    expect(await outcome(verifyEmailToken(token, owner.id))).toMatchObject({ ok: false, code: "FORBIDDEN" });
    expect((await db().user.findUniqueOrThrow({ where: { id: attacker.id } })).emailVerified).toBeNull();
    expect(await oauthSignInCallback(googleSignIn(victim, true), {})).toBe("/sign-in?error=AccountNotLinked");
  });
});

describe("OAuth sign-in rules", () => {
  it("links a verified OAuth email to a Cadre-verified account, and signs in as that account from then on", async () => {
    const address = email("verified");
    const user = await passwordUser(address);
    await verifyEmailToken(createVerificationToken(user), user.id);
    expect((await db().user.findUniqueOrThrow({ where: { id: user.id } })).emailVerified).toBeInstanceOf(Date);

    const params = googleSignIn(address.toUpperCase(), true);
    expect(await oauthSignInCallback(params, {})).toBe(true);
    expect(params.user.id).toBe(user.id);
    expect(await db().account.findMany({ where: { userId: user.id }, select: { provider: true } })).toEqual([{ provider: "google" }]);
    // the next sign-in finds the link; the password still works for its owner
    const again = googleSignIn(address, true, params.account.providerAccountId);
    expect(await oauthSignInCallback(again, {})).toBe(true);
    expect(again.user.id).toBe(user.id);
    expect(await verifyCredentials(address, PASSWORD)).toMatchObject({ id: user.id });
  });

  it("refuses a Google email the provider did not verify", async () => {
    const address = email("gunverified");
    const params = googleSignIn(address, false);
    expect(await oauthSignInCallback(params, {})).toBe("/sign-in?error=EmailUnverified");
    expect(await db().user.findUnique({ where: { email: address } })).toBeNull();
  });

  it("GitHub: an unverified address is refused, even when it is the primary one", async () => {
    const address = email("ghunverified");
    const existing = await db().user.create({ data: { id: newId("usr"), email: address, name: "Has it", emailVerified: new Date() } });
    const params = await githubSignIn([{ email: address, primary: true, verified: false }], null);
    expect(params.profile.email_verified).toBe(false);
    expect(await oauthSignInCallback(params, {})).toBe("/sign-in?error=EmailUnverified");
    expect(await db().account.count({ where: { userId: existing.id } })).toBe(0);
  });

  it("GitHub: an unverified public email is not used; the verified primary address is", async () => {
    const publicAddress = email("ghpublic");
    const primary = email("ghprimary");
    const params = await githubSignIn(
      [
        { email: publicAddress, primary: false, verified: false },
        { email: primary, primary: true, verified: true },
      ],
      publicAddress,
    );
    expect(params.profile).toMatchObject({ email: primary, email_verified: true });
    expect(await oauthSignInCallback(params, {})).toBe(true);
    const created = await db().user.findUniqueOrThrow({ where: { email: primary } });
    expect(params.user.id).toBe(created.id);
    expect(created.emailVerified).toBeInstanceOf(Date);
    expect(await db().user.findUnique({ where: { email: publicAddress } })).toBeNull();
  });

  it("GitHub: without the email list (scope refused) nothing counts as verified", () => {
    expect(githubVerifiedEmail("a@b.test", null)).toEqual({ email: "a@b.test", verified: false });
    expect(githubVerifiedEmail(null, [])).toEqual({ email: null, verified: false });
    expect(githubVerifiedEmail("A@B.test", [{ email: "a@b.test", primary: false, verified: true }])).toEqual({ email: "a@b.test", verified: true });
  });

  it("a new verified identity creates a verified user (when sign-up admits the address)", async () => {
    const address = email("newcomer");
    const params = googleSignIn(address, true);
    expect(await oauthSignInCallback(params, {})).toBe(true);
    const user = await db().user.findUniqueOrThrow({ where: { email: address }, include: { accounts: true } });
    expect(user.passwordHash).toBeNull();
    expect(user.emailVerified).toBeInstanceOf(Date);
    expect(user.accounts.map((a) => a.provider)).toEqual(["google"]);
  });

  it("with CADRE_SIGNUP=closed an OAuth sign-in creates no user unless the email is invited", async () => {
    setEnv("CADRE_SIGNUP", "closed");
    const address = email("closed");
    expect(await oauthSignInCallback(googleSignIn(address, true), {})).toBe("/sign-in?error=SignupClosed");
    expect(await db().user.findUnique({ where: { email: address } })).toBeNull();

    const ws = await db().workspace.create({ data: { id: newId("ws"), slug: `inv-${uniq()}`, name: "Inviting" } });
    const inviter = await db().user.create({ data: { id: newId("usr"), email: email("inviter"), name: "Inviter" } });
    await db().invitation.create({
      data: {
        id: newId("inv"),
        workspaceId: ws.id,
        email: address,
        role: "member",
        tokenHash: uniq() + uniq(),
        invitedById: inviter.id,
        expiresAt: new Date(Date.now() + 86_400_000),
      },
    });
    expect(await oauthSignInCallback(googleSignIn(address, true), {})).toBe(true);
  });
});

describe("link mode (account settings)", () => {
  it("links an identity with any email to the signed-in user who started it, and marks a matching verified email", async () => {
    const address = email("linker");
    const user = await passwordUser(address);
    const intent = createLinkIntent(user.id, "github");
    const params = await githubSignIn([{ email: address, primary: true, verified: true }], null);
    expect(await oauthSignInCallback(params, { intent, sessionUserId: user.id })).toBe(true);
    expect(params.user.id).toBe(user.id);
    const row = await db().user.findUniqueOrThrow({ where: { id: user.id }, include: { accounts: true } });
    expect(row.accounts.map((a) => a.provider)).toEqual(["github"]);
    expect(row.emailVerified).toBeInstanceOf(Date);

    // a different address on the provider side links too (the user proved both), but verifies nothing
    const other = await passwordUser(email("linker2"));
    const params2 = googleSignIn(email("elsewhere"), true);
    expect(await oauthSignInCallback(params2, { intent: createLinkIntent(other.id, "google"), sessionUserId: other.id })).toBe(true);
    expect(params2.user.id).toBe(other.id);
    expect((await db().user.findUniqueOrThrow({ where: { id: other.id } })).emailVerified).toBeNull();
  });

  it("ignores an intent of another session user, another provider, an expired or a tampered one (the ordinary rules apply)", async () => {
    const address = email("intent");
    const user = await passwordUser(address);
    const someone = await db().user.create({ data: { id: newId("usr"), email: email("someone"), name: "Someone" } });
    const intent = createLinkIntent(user.id, "google");
    expect(readLinkIntent(intent, "google", user.id)).toBe(user.id);
    expect(readLinkIntent(intent, "google", someone.id)).toBeNull();
    expect(readLinkIntent(intent, "google", null)).toBeNull();
    expect(readLinkIntent(intent, "github", user.id)).toBeNull();
    expect(readLinkIntent(createLinkIntent(user.id, "google", Date.now() - LINK_INTENT_TTL_MS - 1), "google", user.id)).toBeNull();
    expect(readLinkIntent(intent.replace(user.id, someone.id), "google", someone.id)).toBeNull();
    expect(readLinkIntent(intent.slice(0, -2) + (intent.endsWith("A") ? "BB" : "AA"), "google", user.id)).toBeNull();

    // left behind by `user`, used by someone else signed in in that browser: not linked to `user`
    const params = googleSignIn(address, true);
    expect(await oauthSignInCallback(params, { intent, sessionUserId: someone.id })).toBe("/sign-in?error=AccountNotLinked");
    expect(await db().account.count({ where: { userId: user.id } })).toBe(0);
  });

  it("refuses an identity already linked to another user, and a second identity of the same provider", async () => {
    const first = await passwordUser(email("first"));
    const second = await passwordUser(email("second"));
    const sub = providerId();
    expect((await resolveOAuthSignIn({ provider: "google", providerAccountId: sub, email: null, emailVerified: false }, first.id)).ok).toBe(true);
    expect(await resolveOAuthSignIn({ provider: "google", providerAccountId: sub, email: null, emailVerified: false }, second.id)).toEqual({
      ok: false,
      reason: "LinkedElsewhere",
    });
    expect(await resolveOAuthSignIn({ provider: "google", providerAccountId: providerId(), email: null, emailVerified: false }, first.id)).toEqual({
      ok: false,
      reason: "ProviderAlreadyLinked",
    });
    const refused = await oauthSignInCallback(googleSignIn(first.email, true, providerId()), {
      intent: createLinkIntent(first.id, "google"),
      sessionUserId: first.id,
    });
    expect(refused).toBe("/account?error=ProviderAlreadyLinked");
  });
});
