import NextAuth, { CredentialsSignin, type NextAuthConfig } from "next-auth";
import Credentials from "next-auth/providers/credentials";
import GitHub from "next-auth/providers/github";
import Google from "next-auth/providers/google";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { isAppError } from "@/lib/errors";
import { signInInputSchema } from "@/lib/schemas/auth";
import { findOrCreateOAuthUser, getUser, verifyCredentials } from "@/server/users/service";
import { clientInfoOf } from "@/server/http/client-info";
import { requestIdOf } from "@/server/http/request-id";
import { recordAuthEvent } from "@/server/audit/auth-events";

/** The request behind an OAuth callback (next-auth passes none to the signIn callback). */
async function callbackClient(): Promise<{ ip?: string; userAgent?: string; requestId?: string }> {
  try {
    const { headers } = await import("next/headers");
    const h = await headers();
    const info = clientInfoOf({ headers: h });
    return { ip: info.clientIp, userAgent: info.userAgent, requestId: requestIdOf(h) };
  } catch {
    return {};
  }
}

class RateLimitedSignin extends CredentialsSignin {
  code = "rate_limited";
}

function oauthProviders(): NextAuthConfig["providers"] {
  const e = env();
  const providers: NextAuthConfig["providers"] = [];
  if (e.AUTH_GITHUB_ID && e.AUTH_GITHUB_SECRET) providers.push(GitHub({ clientId: e.AUTH_GITHUB_ID, clientSecret: e.AUTH_GITHUB_SECRET }));
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

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: env().AUTH_SECRET,
  trustHost: true,
  session: { strategy: "jwt", maxAge: 30 * 24 * 60 * 60 },
  pages: { signIn: "/sign-in", error: "/sign-in" },
  providers: [
    Credentials({
      credentials: { email: { label: "Email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, request) {
        const parsed = signInInputSchema.safeParse(credentials);
        if (!parsed.success) return null;
        try {
          const client = clientInfoOf(request);
          const user = await verifyCredentials(parsed.data.email, parsed.data.password, client.clientIp ?? "unknown", {
            userAgent: client.userAgent, requestId: request ? requestIdOf(request.headers) : undefined,
          });
          return { id: user.id, email: user.email, name: user.name };
        } catch (error) {
          if (isAppError(error) && error.code === "RATE_LIMITED") throw new RateLimitedSignin();
          if (isAppError(error) && error.code === "UNAUTHORIZED") return null;
          throw error;
        }
      },
    }),
    ...oauthProviders(),
  ],
  callbacks: {
    async signIn({ user, account, profile }) {
      if (!account || account.provider === "credentials") return true;
      // OAuth: accept only a provider-verified email, then link it to the Cadre user with that email
      const verified = account.provider === "google" ? profile?.email_verified === true : Boolean(user.email);
      if (!user.email || !verified) return false;
      const client = await callbackClient();
      const linked = await findOrCreateOAuthUser({ provider: account.provider, providerAccountId: account.providerAccountId, email: user.email, name: user.name }, client);
      user.id = linked.id;
      await recordAuthEvent({ action: "auth.sign_in", userId: linked.id, email: linked.email, ...client, metadata: { method: account.provider } });
      return true;
    },
    async jwt({ token, user }) {
      if (user?.id) token.uid = user.id;
      return token;
    },
    async session({ session, token }) {
      if (typeof token.uid === "string") session.user.id = token.uid;
      return session;
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
}));

/** The signed-in user, re-read from the database (a JWT outlives a deleted account). */
export async function currentUser() {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  return getUser(id);
}
