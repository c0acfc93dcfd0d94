/**
 * A signed-in browser for the code that reads the session from the request (`currentUser()`, next-auth's `auth()`):
 * a session cookie as next-auth issues it at sign-in (a JWT with the session's claims, server/auth/sessions.ts),
 * set on the tests' request (test/next-headers.ts). The session is real: signing out everywhere, a password change
 * or a removal ends it as it would a browser's.
 */
import { encode } from "next-auth/jwt";
import { testDb as db } from "@/test/db";
import { newSessionClaims, type SessionClaims } from "@/server/auth/sessions";
import { resetTestRequest } from "./next-headers";

export const SESSION_COOKIE = "authjs.session-token";

/** The tests' request now carries a new session of `user` (its claims returned); `null` signs the request out. */
export async function signInRequest(user: { id: string } | null): Promise<SessionClaims | null> {
  if (!user) {
    resetTestRequest();
    return null;
  }
  const row = await db().user.findUniqueOrThrow({ where: { id: user.id }, select: { id: true, email: true, sessionVersion: true } });
  const claims = newSessionClaims(row);
  const token = await encode({ token: { sub: row.id, email: row.email, ...claims }, secret: process.env.AUTH_SECRET!, salt: SESSION_COOKIE });
  resetTestRequest({ cookies: { [SESSION_COOKIE]: token } });
  return { userId: claims.uid, sessionId: claims.sid, version: claims.sv, signedInAt: claims.sat };
}
