-- Second factor (TOTP + recovery codes) and step-up re-authentication (server/auth/mfa.ts, server/auth/step-up.ts).
-- The three tables belong to a person, not a workspace: row-level security keys them on app.user_id (the user scope
-- of server/db/scope.ts), so a statement sees only the signed-in person's rows.

CREATE TABLE "UserMfa" (
  "userId" TEXT NOT NULL,
  "ciphertext" BYTEA NOT NULL,
  "iv" BYTEA NOT NULL,
  "authTag" BYTEA NOT NULL,
  "wrappedKey" BYTEA NOT NULL,
  "keyVersion" TEXT NOT NULL,
  "enabledAt" TIMESTAMP(3),
  "lastUsedStep" BIGINT NOT NULL DEFAULT 0,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "UserMfa_pkey" PRIMARY KEY ("userId"),
  CONSTRAINT "UserMfa_lastUsedStep_check" CHECK ("lastUsedStep" >= 0),
  CONSTRAINT "UserMfa_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "RecoveryCode" (
  "id" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "codeHash" TEXT NOT NULL,
  "usedAt" TIMESTAMP(3),
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "RecoveryCode_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "RecoveryCode_codeHash_check" CHECK ("codeHash" ~ '^[0-9a-f]{64}$'),
  CONSTRAINT "RecoveryCode_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "RecoveryCode_codeHash_key" ON "RecoveryCode"("codeHash");
CREATE INDEX "RecoveryCode_userId_idx" ON "RecoveryCode"("userId");

CREATE TABLE "SessionStepUp" (
  "sessionId" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "at" TIMESTAMP(3) NOT NULL,
  "expiresAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "SessionStepUp_pkey" PRIMARY KEY ("sessionId"),
  CONSTRAINT "SessionStepUp_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "SessionStepUp_userId_idx" ON "SessionStepUp"("userId");
CREATE INDEX "SessionStepUp_expiresAt_idx" ON "SessionStepUp"("expiresAt");

GRANT SELECT, INSERT, UPDATE, DELETE ON "UserMfa", "RecoveryCode", "SessionStepUp" TO cadre_app, cadre_system;

ALTER TABLE "UserMfa" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "UserMfa" FORCE ROW LEVEL SECURITY;
CREATE POLICY "user_isolation" ON "UserMfa"
  USING ("userId" = current_setting('app.user_id', true))
  WITH CHECK ("userId" = current_setting('app.user_id', true));

ALTER TABLE "RecoveryCode" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "RecoveryCode" FORCE ROW LEVEL SECURITY;
CREATE POLICY "user_isolation" ON "RecoveryCode"
  USING ("userId" = current_setting('app.user_id', true))
  WITH CHECK ("userId" = current_setting('app.user_id', true));

ALTER TABLE "SessionStepUp" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "SessionStepUp" FORCE ROW LEVEL SECURITY;
CREATE POLICY "user_isolation" ON "SessionStepUp"
  USING ("userId" = current_setting('app.user_id', true))
  WITH CHECK ("userId" = current_setting('app.user_id', true));

-- the new authentication events: the full list of lib/schemas/audit.ts AUTH_EVENT_ACTIONS
ALTER TABLE "AuthEvent" DROP CONSTRAINT IF EXISTS "AuthEvent_action_check";
ALTER TABLE "AuthEvent" ADD CONSTRAINT "AuthEvent_action_check" CHECK ("action" IN (
  'auth.sign_in', 'auth.sign_in_failed', 'auth.sign_in_limited', 'auth.sign_in_delayed', 'auth.sign_up', 'auth.oauth_link', 'auth.oauth_link_refused', 'auth.email_verified', 'auth.session_revoke', 'auth.password_reset_requested', 'auth.password_reset', 'auth.mfa_enrolled', 'auth.mfa_disabled', 'auth.mfa_recovery_regenerated', 'auth.mfa_recovery_used', 'auth.mfa_failed', 'auth.step_up', 'auth.email_changed', 'auth.account_delete'
));
