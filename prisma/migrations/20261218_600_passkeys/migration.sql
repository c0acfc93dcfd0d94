-- Passkeys (WebAuthn) as a second factor (server/auth/passkeys.ts): a person's registered credentials and the
-- challenges of registration and authentication ceremonies (single use, short-lived). Both belong to a person:
-- row-level security keys them on app.user_id like "UserMfa" (20261218_300_mfa).

CREATE TABLE "Passkey" (
  "id" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "credentialId" TEXT NOT NULL,
  "publicKey" BYTEA NOT NULL,
  "counter" BIGINT NOT NULL DEFAULT 0,
  "transports" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  "name" TEXT NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "lastUsedAt" TIMESTAMP(3),
  CONSTRAINT "Passkey_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "Passkey_counter_check" CHECK ("counter" >= 0),
  CONSTRAINT "Passkey_name_check" CHECK (char_length("name") BETWEEN 1 AND 64),
  CONSTRAINT "Passkey_credentialId_check" CHECK ("credentialId" ~ '^[A-Za-z0-9_-]+$' AND char_length("credentialId") BETWEEN 16 AND 1400),
  CONSTRAINT "Passkey_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "Passkey_credentialId_key" ON "Passkey"("credentialId");
CREATE INDEX "Passkey_userId_idx" ON "Passkey"("userId");

CREATE TABLE "WebAuthnChallenge" (
  "id" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "purpose" TEXT NOT NULL,
  "challenge" TEXT NOT NULL,
  "expiresAt" TIMESTAMP(3) NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "WebAuthnChallenge_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "WebAuthnChallenge_purpose_check" CHECK ("purpose" IN ('register', 'authenticate')),
  CONSTRAINT "WebAuthnChallenge_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "WebAuthnChallenge_challenge_key" ON "WebAuthnChallenge"("challenge");
CREATE INDEX "WebAuthnChallenge_userId_idx" ON "WebAuthnChallenge"("userId");
CREATE INDEX "WebAuthnChallenge_expiresAt_idx" ON "WebAuthnChallenge"("expiresAt");

GRANT SELECT, INSERT, UPDATE, DELETE ON "Passkey", "WebAuthnChallenge" TO cadre_app, cadre_system;

ALTER TABLE "Passkey" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Passkey" FORCE ROW LEVEL SECURITY;
CREATE POLICY "user_isolation" ON "Passkey"
  USING ("userId" = current_setting('app.user_id', true))
  WITH CHECK ("userId" = current_setting('app.user_id', true));

ALTER TABLE "WebAuthnChallenge" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "WebAuthnChallenge" FORCE ROW LEVEL SECURITY;
CREATE POLICY "user_isolation" ON "WebAuthnChallenge"
  USING ("userId" = current_setting('app.user_id', true))
  WITH CHECK ("userId" = current_setting('app.user_id', true));

-- the new authentication events: the full list of lib/schemas/audit.ts AUTH_EVENT_ACTIONS
ALTER TABLE "AuthEvent" DROP CONSTRAINT IF EXISTS "AuthEvent_action_check";
ALTER TABLE "AuthEvent" ADD CONSTRAINT "AuthEvent_action_check" CHECK ("action" IN (
  'auth.sign_in', 'auth.sign_in_failed', 'auth.sign_in_limited', 'auth.sign_in_delayed', 'auth.sign_up', 'auth.oauth_link', 'auth.oauth_link_refused', 'auth.email_verified', 'auth.session_revoke', 'auth.password_reset_requested', 'auth.password_reset', 'auth.mfa_enrolled', 'auth.mfa_disabled', 'auth.mfa_recovery_regenerated', 'auth.mfa_recovery_used', 'auth.mfa_failed', 'auth.passkey_added', 'auth.passkey_removed', 'auth.passkey_used', 'auth.mfa_reset', 'auth.step_up', 'auth.email_changed', 'auth.account_delete'
));
