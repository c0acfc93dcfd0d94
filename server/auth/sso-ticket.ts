/**
 * The hand-over from an SSO callback (server/sso/) to next-auth: the callback stores a random ticket's hash on its
 * SsoSignIn row; the "sso" credentials provider redeems it here, once, within its 60 seconds. auth sits below sso,
 * so the redemption reads the table directly (a privileged path: the organisation is not known before the row).
 */
import { createHash, randomBytes } from "node:crypto";
import { db, SYSTEM } from "@/server/db/client";
import type { SessionUser } from "./sessions";

export const SSO_TICKET_TTL_MS = 60_000;

/** A random single-use token (state, browser binding, ticket) and its hash, the only form stored. */
export function newSsoToken(): string {
  return randomBytes(32).toString("base64url");
}

export function hashSsoToken(token: string): string {
  return createHash("sha256").update(`cadre-sso:${token}`).digest("hex");
}

/**
 * Redeems a ticket atomically (a second redemption, or one after expiry, finds no row): the person it was issued to,
 * or null.
 */
export async function redeemSsoTicket(ticket: string): Promise<(SessionUser & { organizationId: string }) | null> {
  if (typeof ticket !== "string" || ticket.length < 20 || ticket.length > 100) return null;
  const scoped = db(SYSTEM("sso-sign-in"));
  const ticketHash = hashSsoToken(ticket);
  // one UPDATE whose WHERE is the whole check: of two redemptions racing, only one matches
  const claimed = await scoped.ssoSignIn.updateMany({
    where: { ticketHash, ticketUsedAt: null, ticketExpiresAt: { gt: new Date() } },
    data: { ticketUsedAt: new Date() },
  });
  if (claimed.count !== 1) return null;
  const row = await scoped.ssoSignIn.findUnique({ where: { ticketHash }, select: { userId: true, organizationId: true } });
  if (!row?.userId) return null;
  const user = await scoped.user.findUnique({ where: { id: row.userId }, select: { id: true, email: true, name: true, sessionVersion: true } });
  return user ? { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion, organizationId: row.organizationId } : null;
}
