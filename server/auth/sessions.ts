/**
 * Server-side control over next-auth's JWT sessions (the cookie alone decides nothing):
 *
 * - Each session carries, from sign-in, the user's `sessionVersion` (`sv`), its own random id (`sid`) and its
 *   sign-in time (`sat`). A session is valid while the user exists, their version still equals `sv`, `sid` is not
 *   in EndedSession, and it is younger than SESSION_MAX_AGE_SECONDS counted from sign-in (an absolute lifetime:
 *   next-auth re-issues the cookie as it is used, and a copy could otherwise be kept alive for ever).
 * - Signing out records `sid` in EndedSession (until the session's absolute end), so a copied cookie stops working.
 * - Bumping `sessionVersion` ends every session of the user at once: "sign out everywhere", a password change, an
 *   operator's `users revoke-sessions`, a SCIM deactivation (which also sets `deactivatedAt`: no session is valid
 *   while it is set).
 *
 * The check is one statement (the user by primary key, the ended session by primary key); with a workspace it is
 * the membership statement itself (server/workspaces/tenant.ts).
 */
import { randomBytes } from "node:crypto";
import { db, NO_TENANT, userScope } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";

export interface SessionUser {
  id: string;
  email: string;
  name: string | null;
  /** at sign-in: the version stamped into the new session (server/auth/sessions.ts) */
  sessionVersion?: number;
  /** a signed-in user's session, re-checked with the membership on every request */
  session?: SessionClaims;
}

/** A session's absolute lifetime, from sign-in. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

export interface SessionClaims {
  userId: string;
  /** the session's id (`sid`) */
  sessionId: string;
  /** the user's session version at sign-in (`sv`) */
  version: number;
  /** sign-in time, epoch seconds (`sat`) */
  signedInAt: number;
}

/** The claims a new session gets at sign-in. */
export function newSessionClaims(user: { id: string; sessionVersion: number }): { uid: string; sid: string; sv: number; sat: number } {
  return { uid: user.id, sid: randomBytes(18).toString("base64url"), sv: user.sessionVersion, sat: Math.floor(Date.now() / 1000) };
}

/** The claims of a decoded session token, or null when it predates them (such a session must sign in again). */
export function claimsOf(token: Record<string, unknown> | null | undefined): SessionClaims | null {
  if (!token) return null;
  const { uid, sid, sv, sat } = token;
  if (typeof uid !== "string" || typeof sid !== "string" || typeof sv !== "number" || typeof sat !== "number") return null;
  return { userId: uid, sessionId: sid, version: sv, signedInAt: sat };
}

export function sessionEndsAt(claims: SessionClaims): Date {
  return new Date((claims.signedInAt + SESSION_MAX_AGE_SECONDS) * 1000);
}

/** Past its absolute lifetime (no database read needed). */
export function sessionExpired(claims: SessionClaims, now = Date.now()): boolean {
  return sessionEndsAt(claims).getTime() <= now;
}

/** The condition on a User row under which the session is still valid (for a query that reads the user anyway). */
export function validSessionWhere(claims: SessionClaims, now = Date.now()): Prisma.UserWhereInput {
  // an organisation of the person may cut sessions shorter (Organization.sessionMaxAgeMinutes; read in their user scope)
  const ageMinutes = Math.floor((now / 1000 - claims.signedInAt) / 60);
  return {
    id: claims.userId,
    sessionVersion: claims.version,
    // SCIM deactivated the person (server/scim): every session ends at once
    deactivatedAt: null,
    endedSessions: { none: { id: claims.sessionId } },
    organizations: { none: { organization: { sessionMaxAgeMinutes: { lte: ageMinutes } } } },
  };
}

/** The signed-in user if the session is still valid (one statement), else null. */
export async function verifySession(claims: SessionClaims | null): Promise<SessionUser | null> {
  if (!claims || sessionExpired(claims)) return null;
  const user = await db(userScope(claims.userId)).user.findFirst({ where: validSessionWhere(claims), select: { id: true, email: true, name: true } });
  return user ? { id: user.id, email: user.email, name: user.name, session: claims } : null;
}

/** Sign-out: this session ends on the server too (a copy of its cookie stops working). Expired entries are purged. */
export async function endSession(claims: SessionClaims): Promise<void> {
  const now = new Date();
  await db(NO_TENANT).endedSession.createMany({
    data: [{ id: claims.sessionId, userId: claims.userId, expiresAt: sessionEndsAt(claims) }],
    skipDuplicates: true,
  });
  await db(NO_TENANT).endedSession.deleteMany({ where: { expiresAt: { lt: now } } });
}

export type SessionRevocationReason = "sign_out_everywhere" | "password_change" | "operator";

/**
 * Ends every session of the user (bumps their session version), in `tx` when given. The ended-session entries of
 * the user are no longer needed: the version already refuses those sessions.
 */
export async function revokeAllSessions(userId: string, tx: Prisma.TransactionClient = db(NO_TENANT)): Promise<number> {
  const updated = await tx.user.update({ where: { id: userId }, data: { sessionVersion: { increment: 1 } }, select: { sessionVersion: true } });
  await tx.endedSession.deleteMany({ where: { userId } });
  return updated.sessionVersion;
}
