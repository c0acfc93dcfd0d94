import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { isAppError } from "@/lib/errors";
import { signInInputSchema } from "@/lib/schemas/auth";
import { cookies, headers } from "next/headers";
import { secondFactorRefusalOf, verifyCredentials, type SecondFactorRefusal } from "@/server/auth/credentials";
import { db, NO_TENANT } from "@/server/db/client";
import { claimsOf, endSession, newSessionClaims, SESSION_MAX_AGE_SECONDS, verifySession, type SessionClaims, type SessionUser } from "@/server/auth/sessions";
import { authSecrets } from "@/server/auth/secrets";
import { githubUserinfo } from "@/server/auth/oauth-profile";
import { LINK_INTENT_COOKIE, LINK_INTENT_COOKIE_PATH, oauthSignInCallback } from "@/server/auth/oauth-link";
import { clientAddress } from "@/server/http/client-address";
import { userAgentOf } from "@/server/http/client-info";
import { requestIdOf } from "@/server/http/request-id";
import { recordAuthEvent } from "@/server/auth/events";
import { publicOrigin } from "@/server/http/origin";
import { signInMethodRefusal } from "@/server/auth/org-policy";
import { redeemSsoTicket } from "@/server/auth/sso-ticket";

class RateLimitedSignin extends CredentialsSignin {
  code = "rate_limited";
}

/** The password was right; the account has a second factor and the code is missing ("mfa_required") or wrong ("mfa_invalid"). */
class SecondFactorSignin extends CredentialsSignin {
  constructor(reason: SecondFactorRefusal) {
    super();
    this.code = reason;
  }
}

/** A password sign-in refused by an organisation's policy (forced SSO, or password not allowed). */
class SsoRequiredSignin extends CredentialsSignin {
  code = "sso_required";
}

/** An SSO ticket that is unknown, used or expired. */
class SsoTicketSignin extends CredentialsSignin {
  code = "sso_ticket";
}

function oauthProviders(): NextAuthConfig["providers"] {
  const e = env();
  const providers: NextAuthConfig["providers"] = [];
  // GitHub: our userinfo request reads /user/emails' `verified` flag (Auth.js's takes the primary address unchecked)
  if (e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET)
    providers.push(GitHub({ clientId: e.AUTH_GITHUB_ID, clientSecret: e.AUTH_GITHUB_SECRET, userinfo: githubUserinfo() }));
  if (e.AUTH_GOOGLE_ID && e.AUTH_GOOGLE_SECRET) providers.push(Google({ clientId: e.AUTH_GOOGLE_ID, clientSecret: e.AUTH_GOOGLE_SECRET }));
  return providers;
}

export function enabledOAuthProviders(): { id: string; name: string }[] {
  const e = env();
  return [
    ...(e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET ? [{ id: "github", name: "GitHub" }] : []),
    ...(e.AUTH_GOOGLE_ID && e.AUTH_GOOGLE_SECRET ? [{ id: "google", name: "Google" }] : []),
  ];
}

/** next-auth's configuration, built when first needed (env is read lazily). */
export const authConfig = (): NextAuthConfig => ({
  // the keyring: the current secret signs, previous ones (AUTH_SECRET_PREVIOUS) still open sessions they signed
  secret: authSecrets(),
  trustHost: true,
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" }, code: { label: "Code" }, webauthn: { label: "Passkey" } },
      async authorize(credentials, request) {
        const parsed = signInInputSchema.safeParse(credentials);
        if (!parsed.success) return null;
        try {
          const user = await verifyCredentials(
            parsed.data.email,
            parsed.data.password,
            clientAddress(request?.headers),
            { userAgent: request ? userAgentOf(request.headers) : undefined, requestId: request ? requestIdOf(request.headers) : undefined },
            { code: parsed.data.code, webauthn: parsed.data.webauthn, siteOrigin: request ? publicOrigin(request) : undefined },
          );
          if (await signInMethodRefusal(user, user.email, "password")) throw new SsoRequiredSignin();
          return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
        } catch (error) {
          if (error instanceof SsoRequiredSignin) throw error;
          if (isAppError(error) && error.code === "RATE_LIMITED") throw new RateLimitedSignin();
          const refusal = secondFactorRefusalOf(error);
          if (refusal) throw new SecondFactorSignin(refusal);
          if (isAppError(error) && error.code === "UNAUTHORIZED") return null;
          throw error;
        }
      },
    }),
    // the hand-over from an organisation's SSO callback (server/sso/): a single-use ticket, redeemed atomically
    Credentials({
      id: "sso",
      name: "Single sign-on",
      credentials: { ticket: { label: "Ticket" } },
      async authorize(credentials, request) {
        const ticket = typeof credentials?.ticket === "string" ? credentials.ticket : "";
        const user = await redeemSsoTicket(ticket);
        if (!user) throw new SsoTicketSignin();
        recordAuthEvent({
          action: "auth.sign_in",
          userId: user.id,
          email: user.email,
          method: "sso",
          clientAddress: clientAddress(request?.headers) ?? undefined,
          userAgent: request ? userAgentOf(request.headers) : undefined,
          requestId: request ? requestIdOf(request.headers) : undefined,
        });
        return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
      },
    }),
    ...oauthProviders(),
  ],
  callbacks: {
    async signIn({ user, account, profile }) {
      if (!account || account.provider === "credentials" || account.provider === "sso") return true;
      // an organisation's policy (forced SSO, allowed methods) applies to GitHub and Google too
      const policyEmail = user.email ?? (typeof profile?.email === "string" ? profile.email : null);
      if (policyEmail && (account.provider === "github" || account.provider === "google")) {
        const existing = await db(NO_TENANT).user.findUnique({ where: { email: policyEmail.trim().toLowerCase() }, select: { id: true, email: true } });
        if (await signInMethodRefusal(existing, policyEmail, account.provider)) return "/sign-in?error=sso_required";
      }
      // OAuth: the rules are in server/auth/oauth-link.ts; link mode needs the intent cookie set by account settings
      // for the user signed in in this browser
      const intent = (await cookies()).get(LINK_INTENT_COOKIE)?.value;
      const sessionUserId = intent ? ((await auth())?.user?.id ?? null) : null;
      const result = await oauthSignInCallback({ user, account, profile: profile as Record<string, unknown> | undefined }, { intent, sessionUserId });
      if (intent) (await cookies()).delete({ name: LINK_INTENT_COOKIE, path: LINK_INTENT_COOKIE_PATH });
      if (result === true && user.id && user.email) {
        const h = await headers();
        recordAuthEvent({
          action: "auth.sign_in",
          userId: user.id,
          email: user.email,
          method: account.provider,
          clientAddress: clientAddress(h) ?? undefined,
          userAgent: userAgentOf(h),
          requestId: requestIdOf(h),
        });
      }
      return result;
    },
    async jwt({ token, user }) {
      // sign-in: the session's id, the user's session version (as read with the credentials) and the sign-in time
      if (user?.id) {
        let version = (user as { sessionVersion?: number }).sessionVersion;
        version ??= (await db(NO_TENANT).user.findUnique({ where: { id: user.id }, select: { sessionVersion: true } }))?.sessionVersion ?? 0;
        Object.assign(token, newSessionClaims({ id: user.id, sessionVersion: version }));
      }
      return token;
    },
    async session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      // for currentUser(), which checks them against the database (none of them is a secret: the cookie is)
      Object.assign(session, { cadre: { uid: token.uid, sid: token.sid, sv: token.sv, sat: token.sat } });
      return session;
    },
  },
  events: {
    // signing out ends the session on the server too: a copy of the cookie stops working
    async signOut(message) {
      const claims = "token" in message ? claimsOf(message.token as Record<string, unknown> | null) : null;
      if (claims) await endSession(claims);
    },
  },
  logger: {
    // a wrong password is not an error worth a stack trace
    error(error) {
      if (error.name === "CredentialsSignin" || (error as { type?: string }).type === "CredentialsSignin") return;
      logger.error({ err: { name: error.name, message: error.message } }, "auth error");
    },
    warn(code) {
      logger.warn({ code }, "auth warning");
    },
    debug() {},
  },
});

export const { handlers, auth, signIn, signOut } = NextAuth(authConfig);

/** The claims of the request's session cookie (not yet checked against the database), or null. */
export async function currentSessionClaims(): Promise<SessionClaims | null> {
  const session = await auth();
  return claimsOf((session as { cadre?: Record<string, unknown> } | null)?.cadre);
}

/**
 * The signed-in user, re-read from the database with the session's validity (a JWT outlives a deleted account, a
 * sign-out elsewhere, a password change): one statement. Null when signed out or the session was revoked.
 */
export async function currentUser(): Promise<SessionUser | null> {
  return verifySession(await currentSessionClaims());
}
