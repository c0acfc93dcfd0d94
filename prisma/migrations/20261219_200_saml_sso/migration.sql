-- SAML 2.0 as the second kind of an organisation's SSO connection: the identity provider's SSO URL, signing
-- certificates and attribute names; the AuthnRequest id, the ACS's acceptance and the validated attributes on the
-- sign-in row; the assertion IDs already accepted (replay), organisation-scoped under row-level security.
ALTER TABLE "SsoConnection"
  ADD COLUMN "samlSsoUrl" TEXT,
  ADD COLUMN "samlCertificates" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN "samlEmailAttribute" TEXT NOT NULL DEFAULT 'email',
  ADD COLUMN "samlNameAttribute" TEXT NOT NULL DEFAULT 'name';
ALTER TABLE "SsoConnection" DROP CONSTRAINT "SsoConnection_kind_check";
ALTER TABLE "SsoConnection" ADD CONSTRAINT "SsoConnection_kind_check" CHECK ("kind" IN ('oidc', 'saml'));
ALTER TABLE "SsoConnection" DROP CONSTRAINT "SsoConnection_clientId_check";
ALTER TABLE "SsoConnection" ADD CONSTRAINT "SsoConnection_clientId_check"
  CHECK (CASE WHEN "kind" = 'oidc' THEN length("clientId") BETWEEN 1 AND 512 ELSE "clientId" = '' END);
ALTER TABLE "SsoConnection" ADD CONSTRAINT "SsoConnection_saml_check"
  CHECK ("kind" <> 'saml' OR ("samlSsoUrl" IS NOT NULL AND cardinality("samlCertificates") BETWEEN 1 AND 4 AND "secretCiphertext" IS NULL));
ALTER TABLE "SsoConnection" ADD CONSTRAINT "SsoConnection_samlSsoUrl_check" CHECK (length("samlSsoUrl") BETWEEN 1 AND 2048);
ALTER TABLE "SsoConnection" ADD CONSTRAINT "SsoConnection_samlAttributes_check"
  CHECK (length("samlEmailAttribute") BETWEEN 1 AND 256 AND length("samlNameAttribute") BETWEEN 1 AND 256);

ALTER TABLE "SsoSignIn"
  ADD COLUMN "samlRequestId" TEXT,
  ADD COLUMN "assertedAt" TIMESTAMP(3),
  ADD COLUMN "assertion" JSONB;
CREATE UNIQUE INDEX "SsoSignIn_samlRequestId_key" ON "SsoSignIn"("samlRequestId");

CREATE TABLE "SsoAssertionUse" (
  "organizationId" TEXT NOT NULL,
  "assertionId" TEXT NOT NULL,
  "expiresAt" TIMESTAMP(3) NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "SsoAssertionUse_pkey" PRIMARY KEY ("organizationId", "assertionId"),
  CONSTRAINT "SsoAssertionUse_assertionId_check" CHECK (length("assertionId") BETWEEN 1 AND 256),
  CONSTRAINT "SsoAssertionUse_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "SsoAssertionUse_expiresAt_idx" ON "SsoAssertionUse"("expiresAt");

GRANT SELECT, INSERT, UPDATE, DELETE ON "SsoAssertionUse" TO cadre_app, cadre_system;
ALTER TABLE "SsoAssertionUse" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "SsoAssertionUse" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "SsoAssertionUse"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));
