-- Idempotency keys of the organisation API's creating requests (POST /api/v1/orgs/{org}/domains): the same mechanism
-- as "IdempotencyKey" (server/idempotency/store.ts), one row per organisation, caller (org_token:<id>) and key, under
-- the organisation's row-level security. Purged with the workspaces' keys once expired (24 hours).
CREATE TABLE "OrgIdempotencyKey" (
    "id" TEXT NOT NULL,
    "organizationId" TEXT NOT NULL,
    "actor" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "responseStatus" INTEGER,
    "responseBody" TEXT,
    "lockedUntil" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OrgIdempotencyKey_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "OrgIdempotencyKey_organizationId_actor_key_key" ON "OrgIdempotencyKey"("organizationId", "actor", "key");
CREATE INDEX "OrgIdempotencyKey_organizationId_expiresAt_idx" ON "OrgIdempotencyKey"("organizationId", "expiresAt");
CREATE INDEX "OrgIdempotencyKey_expiresAt_idx" ON "OrgIdempotencyKey"("expiresAt");
ALTER TABLE "OrgIdempotencyKey" ADD CONSTRAINT "OrgIdempotencyKey_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "OrgIdempotencyKey" TO cadre_app, cadre_system;
ALTER TABLE "OrgIdempotencyKey" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OrgIdempotencyKey" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "OrgIdempotencyKey"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));
