import { logger } from "@/server/logger";
import { recordAuthEvent as writeAuthEvent } from "@/server/audit/auth-events";

/**
 * Identity events (sign-ins, failures, delays, sign-ups, OAuth links, refused links, email verification). They
 * concern a person, not a workspace: they are logged and written to the AuthEvent table (server/audit/auth-events.ts),
 * which the person sees on their account's activity page. Best effort, never awaited by the sign-in it records.
 * Never pass a secret.
 */
interface Origin {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}
export type AuthEvent = Origin &
  (
    | { action: "auth.sign_in"; userId: string; email: string; method: string }
    | { action: "auth.sign_in_failed"; userId?: string; email: string; method: "password" }
    | { action: "auth.sign_up"; userId?: string; email?: string; method: "password" | "oauth"; provider?: string; outcome: "created" | "exists" | "refused" }
    | { action: "auth.sign_in_delayed"; email: string; scope: "email" | "address"; failures: number; delaySeconds: number }
    | { action: "auth.oauth_link"; userId: string; provider: string; mode: "settings" | "verified_email" | "new_user" }
    | { action: "auth.oauth_link_refused"; provider: string; reason: string; userId?: string }
    | { action: "auth.email_verified"; userId: string }
  );

export function recordAuthEvent(event: AuthEvent): void {
  logger.info({ authEvent: { ...event, email: undefined } }, event.action);
  const { action, clientAddress, userAgent, requestId, ...rest } = event;
  const { userId, email, ...metadata } = rest as { userId?: string; email?: string } & Record<string, unknown>;
  void writeAuthEvent({ action, userId, email, ip: clientAddress, userAgent, requestId, metadata });
}
