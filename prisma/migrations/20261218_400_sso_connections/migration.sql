-- An organisation's single sign-on (OIDC; kind leaves room for SAML) and its sign-ins in flight: server/sso/.
CREATE TABLE "SsoConnection" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "kind" TEXT NOT NULL DEFAULT 'oidc',
  "issuer" TEXT NOT NULL,
  "clientId" TEXT NOT NULL,
  "secretCiphertext" BYTEA,
  "secretIv" BYTEA,
  "secretAuthTag" BYTEA,
  "secretWrappedKey" BYTEA,
  "secretKeyVersion" TEXT,
  "scopes" TEXT NOT NULL DEFAULT 'openid email profile',
  "groupsClaim" TEXT NOT NULL DEFAULT 'groups',
  "enabled" BOOLEAN NOT NULL DEFAULT false,
  "jitProvisioning" BOOLEAN NOT NULL DEFAULT true,
  "defaultWorkspaceId" TEXT,
  "defaultRole" "Role" NOT NULL DEFAULT 'member',
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "SsoConnection_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "SsoConnection_kind_check" CHECK ("kind" IN ('oidc')),
  CONSTRAINT "SsoConnection_issuer_check" CHECK (length("issuer") BETWEEN 1 AND 2048),
  CONSTRAINT "SsoConnection_clientId_check" CHECK (length("clientId") BETWEEN 1 AND 512),
  CONSTRAINT "SsoConnection_scopes_check" CHECK (length("scopes") BETWEEN 6 AND 512),
  CONSTRAINT "SsoConnection_groupsClaim_check" CHECK (length("groupsClaim") BETWEEN 1 AND 128),
  CONSTRAINT "SsoConnection_defaultRole_check" CHECK ("defaultRole" <> 'owner'),
  CONSTRAINT "SsoConnection_secret_check" CHECK (("secretCiphertext" IS NULL) = ("secretKeyVersion" IS NULL)),
  CONSTRAINT "SsoConnection_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "SsoConnection_defaultWorkspaceId_fkey" FOREIGN KEY ("defaultWorkspaceId") REFERENCES "Workspace"("id") ON DELETE SET NULL ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "SsoConnection_organizationId_key" ON "SsoConnection"("organizationId");

-- One sign-in through SSO: the state (hashed, single use, bound to the browser) from start to callback, then the
-- single-use ticket (hashed) the callback hands to next-auth.
CREATE TABLE "SsoSignIn" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "stateHash" TEXT NOT NULL,
  "browserHash" TEXT NOT NULL,
  "nonce" TEXT NOT NULL,
  "codeVerifier" TEXT NOT NULL,
  "callbackUrl" TEXT NOT NULL,
  "expiresAt" TIMESTAMP(3) NOT NULL,
  "stateUsedAt" TIMESTAMP(3),
  "userId" TEXT,
  "ticketHash" TEXT,
  "ticketExpiresAt" TIMESTAMP(3),
  "ticketUsedAt" TIMESTAMP(3),
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "SsoSignIn_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "SsoSignIn_callbackUrl_check" CHECK (length("callbackUrl") BETWEEN 1 AND 2048),
  CONSTRAINT "SsoSignIn_ticket_check" CHECK (("ticketHash" IS NULL) = ("ticketExpiresAt" IS NULL) AND ("ticketHash" IS NULL OR "userId" IS NOT NULL)),
  CONSTRAINT "SsoSignIn_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "SsoSignIn_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "SsoSignIn_stateHash_key" ON "SsoSignIn"("stateHash");
CREATE UNIQUE INDEX "SsoSignIn_ticketHash_key" ON "SsoSignIn"("ticketHash");
CREATE INDEX "SsoSignIn_organizationId_expiresAt_idx" ON "SsoSignIn"("organizationId", "expiresAt");

GRANT SELECT, INSERT, UPDATE, DELETE ON "SsoConnection", "SsoSignIn" TO cadre_app, cadre_system;
ALTER TABLE "SsoConnection" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "SsoConnection" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "SsoConnection"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));
ALTER TABLE "SsoSignIn" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "SsoSignIn" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "SsoSignIn"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));
