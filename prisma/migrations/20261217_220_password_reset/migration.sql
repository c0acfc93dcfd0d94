-- Password reset's authentication events (server/auth/password-reset.ts): the full list of lib/schemas/audit.ts AUTH_EVENT_ACTIONS
ALTER TABLE "AuthEvent" DROP CONSTRAINT IF EXISTS "AuthEvent_action_check";
ALTER TABLE "AuthEvent" ADD CONSTRAINT "AuthEvent_action_check" CHECK ("action" IN (
  'auth.sign_in', 'auth.sign_in_failed', 'auth.sign_in_limited', 'auth.sign_in_delayed', 'auth.sign_up',
  'auth.oauth_link', 'auth.oauth_link_refused', 'auth.email_verified', 'auth.session_revoke',
  'auth.password_reset_requested', 'auth.password_reset', 'auth.account_delete'
));
-- the per-address counter of reset requests
CREATE INDEX "AuthEvent_clientIp_createdAt_idx" ON "AuthEvent"("clientIp", "createdAt");
