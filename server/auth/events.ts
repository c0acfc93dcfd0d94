import { logger } from "@/server/logger";

/**
 * Identity events (sign-in delays, OAuth links, refused links, email verification, sign-ups). They concern a
 * person, not a workspace, so they are logged here; the auth-event audit (server/audit/auth-events.ts) takes them
 * over when it exists. Never pass a secret.
 */
export type AuthEvent =
  | { action: "auth.sign_up"; userId?: string; method: "password" | "oauth"; provider?: string; outcome: "created" | "exists" | "refused"; clientAddress?: string }
  | { action: "auth.sign_in_delayed"; email: string; scope: "email" | "address"; failures: number; delaySeconds: number; clientAddress?: string }
  | { action: "auth.oauth_link"; userId: string; provider: string; mode: "settings" | "verified_email" | "new_user" }
  | { action: "auth.oauth_link_refused"; provider: string; reason: string; userId?: string }
  | { action: "auth.email_verified"; userId: string };

export function recordAuthEvent(event: AuthEvent): void {
  logger.info({ authEvent: event }, event.action);
}
