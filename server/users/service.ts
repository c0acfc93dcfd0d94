import { RateLimiterPrisma, RateLimiterRes } from "rate-limiter-flexible";
import { db, NO_TENANT } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { env } from "@/server/env";
import { signUpInputSchema } from "@/lib/schemas/auth";
import { dummyPasswordHash, hashPassword, verifyPassword } from "@/server/auth/passwords";
import { recordAuthEvent } from "@/server/audit/auth-events";
import type { z } from "zod";
import { acceptableNameOrNull } from "@/lib/schemas/text";

/** Where an authentication request came from, for the auth events (server/audit/auth-events.ts). */
export interface AuthClient {
  ip?: string;
  userAgent?: string;
  requestId?: string;
}

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
}

export async function signUp(input: z.input<typeof signUpInputSchema>, client: AuthClient = {}): Promise<SessionUser> {
  const parsed = signUpInputSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError("VALIDATION_FAILED", parsed.error.issues[0]?.message ?? "Invalid sign-up details", {
      issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
    });
  }
  const { email, name, password } = parsed.data;
  const existing = await db(NO_TENANT).user.findUnique({ where: { email } });
  if (existing) throw new AppError("CONFLICT", "An account with this email already exists. Sign in instead.");
  const passwordHash = await hashPassword(password);
  try {
    const user = await db(NO_TENANT).user.create({ data: { id: newId("usr"), email, name, passwordHash } });
    await recordAuthEvent({ action: "auth.sign_up", userId: user.id, email: user.email, ...client, metadata: { method: "password" } });
    return { id: user.id, email: user.email, name: user.name };
  } catch (error) {
    if ((error as { code?: string }).code === "P2002") {
      throw new AppError("CONFLICT", "An account with this email already exists. Sign in instead.");
    }
    throw error;
  }
}

const limiters = new Map<string, RateLimiterPrisma>();
function limiterFor(kind: "email" | "ip"): RateLimiterPrisma {
  let limiter = limiters.get(kind);
  if (!limiter) {
    // a client address is shared (offices, NAT), so it gets a wider allowance than one account
    const points = env().CADRE_LOGIN_MAX_ATTEMPTS * (kind === "ip" ? 5 : 1);
    limiter = new RateLimiterPrisma({
      storeClient: db(NO_TENANT),
      tableName: "rateLimiterFlexible",
      keyPrefix: `login-${kind}`,
      points,
      duration: env().CADRE_LOGIN_WINDOW_SECONDS,
      clearExpiredByTimeout: false,
    });
    limiters.set(kind, limiter);
  }
  return limiter;
}

/**
 * Checks email + password. Failed attempts are counted per email and per client address in the
 * database (so every app process shares the count); past the limit, sign-in is refused until the
 * window passes, even with the right password.
 */
export async function verifyCredentials(emailRaw: string, password: string, clientIp?: string, client: Omit<AuthClient, "ip"> = {}): Promise<SessionUser> {
  const email = emailRaw.trim().toLowerCase();
  const ip = clientIp && clientIp !== "unknown" ? clientIp : null;
  const counters: { limiter: RateLimiterPrisma; key: string }[] = [{ limiter: limiterFor("email"), key: email }];
  if (clientIp && clientIp !== "unknown") counters.push({ limiter: limiterFor("ip"), key: clientIp });
  for (const { limiter, key } of counters) {
    const state = await limiter.get(key);
    if (state && state.consumedPoints >= limiter.points) {
      await recordAuthEvent({ action: "auth.sign_in_limited", email, ip, ...client, metadata: { limit: limiter.keyPrefix.replace("login-", "") } });
      throw new AppError("RATE_LIMITED", `Too many sign-in attempts. Try again in ${Math.ceil(state.msBeforeNext / 60000)} minute(s).`);
    }
  }
  const user = await db(NO_TENANT).user.findUnique({ where: { email } });
  const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
  if (!user || !user.passwordHash || !ok) {
    for (const { limiter, key } of counters) await limiter.penalty(key, 1).catch((e: unknown) => rethrowUnlessLimit(e));
    await recordAuthEvent({ action: "auth.sign_in_failed", userId: user?.id ?? null, email, ip, ...client, metadata: { method: "password" } });
    throw new AppError("UNAUTHORIZED", "Wrong email or password");
  }
  await limiterFor("email").delete(email);
  await recordAuthEvent({ action: "auth.sign_in", userId: user.id, email, ip, ...client, metadata: { method: "password" } });
  return { id: user.id, email: user.email, name: user.name };
}

function rethrowUnlessLimit(error: unknown): void {
  if (!(error instanceof RateLimiterRes)) throw error;
}

/** An OAuth sign-in: link the provider identity to the user with that (provider-verified) email. */
export async function findOrCreateOAuthUser(input: {
  provider: string;
  providerAccountId: string;
  email: string;
  name?: string | null;
}, client: AuthClient = {}): Promise<SessionUser> {
  const email = input.email.trim().toLowerCase();
  const linked = await db(NO_TENANT).account.findUnique({
    where: { provider_providerAccountId: { provider: input.provider, providerAccountId: input.providerAccountId } },
    include: { user: true },
  });
  if (linked) return { id: linked.user.id, email: linked.user.email, name: linked.user.name };
  const user =
    (await db(NO_TENANT).user.findUnique({ where: { email } })) ??
    (await db(NO_TENANT).user.create({ data: { id: newId("usr"), email, name: acceptableNameOrNull(input.name) } }));
  await db(NO_TENANT).account.create({
    data: { id: newId("acc"), userId: user.id, provider: input.provider, providerAccountId: input.providerAccountId },
  });
  await recordAuthEvent({ action: "auth.oauth_link", userId: user.id, email, ...client, metadata: { provider: input.provider } });
  return { id: user.id, email: user.email, name: user.name };
}

export async function getUser(userId: string): Promise<SessionUser | null> {
  const user = await db(NO_TENANT).user.findUnique({ where: { id: userId } });
  return user ? { id: user.id, email: user.email, name: user.name } : null;
}
