-- SCIM 2.0 provisioning and organisation tokens (server/scim/, docs/scim.md). Row-level security on
-- app.organization_id like the other organisation tables; an OrgToken is found by its hash before its organisation is
-- known through the privileged path "org-token-lookup" (server/db/scope.ts).
ALTER TABLE "User" ADD COLUMN "deactivatedAt" TIMESTAMP(3);

CREATE TABLE "OrgToken" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "tokenHash" TEXT NOT NULL,
  "scopes" TEXT[],
  "createdById" TEXT NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "lastUsedAt" TIMESTAMP(3),
  "expiresAt" TIMESTAMP(3),
  "revokedAt" TIMESTAMP(3),
  CONSTRAINT "OrgToken_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "OrgToken_scopes_check" CHECK (cardinality("scopes") >= 1 AND "scopes" <@ ARRAY['scim', 'admin']::TEXT[]),
  CONSTRAINT "OrgToken_name_check" CHECK (length("name") BETWEEN 1 AND 80),
  CONSTRAINT "OrgToken_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "OrgToken_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "OrgToken_tokenHash_key" ON "OrgToken"("tokenHash");
CREATE INDEX "OrgToken_organizationId_idx" ON "OrgToken"("organizationId");

CREATE TABLE "ScimUser" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "externalId" TEXT,
  "userName" TEXT NOT NULL,
  "active" BOOLEAN NOT NULL DEFAULT true,
  "version" INTEGER NOT NULL DEFAULT 1,
  "displayName" TEXT,
  "name" JSONB NOT NULL DEFAULT '{}',
  "suspendedMemberships" JSONB NOT NULL DEFAULT '[]',
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "ScimUser_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "ScimUser_userName_check" CHECK ("userName" = lower("userName") AND length("userName") BETWEEN 1 AND 320),
  CONSTRAINT "ScimUser_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "ScimUser_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "ScimUser_organizationId_userId_key" ON "ScimUser"("organizationId", "userId");
CREATE UNIQUE INDEX "ScimUser_organizationId_userName_key" ON "ScimUser"("organizationId", "userName");
CREATE INDEX "ScimUser_organizationId_externalId_idx" ON "ScimUser"("organizationId", "externalId");

CREATE TABLE "ScimGroup" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "displayName" TEXT NOT NULL,
  "externalId" TEXT,
  "version" INTEGER NOT NULL DEFAULT 1,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "ScimGroup_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "ScimGroup_displayName_check" CHECK (length("displayName") BETWEEN 1 AND 256),
  CONSTRAINT "ScimGroup_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "ScimGroup_organizationId_displayName_key" ON "ScimGroup"("organizationId", "displayName");
CREATE INDEX "ScimGroup_organizationId_externalId_idx" ON "ScimGroup"("organizationId", "externalId");

CREATE TABLE "ScimGroupMember" (
  "organizationId" TEXT NOT NULL,
  "groupId" TEXT NOT NULL,
  "scimUserId" TEXT NOT NULL,
  CONSTRAINT "ScimGroupMember_pkey" PRIMARY KEY ("groupId", "scimUserId"),
  CONSTRAINT "ScimGroupMember_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "ScimGroupMember_groupId_fkey" FOREIGN KEY ("groupId") REFERENCES "ScimGroup"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "ScimGroupMember_scimUserId_fkey" FOREIGN KEY ("scimUserId") REFERENCES "ScimUser"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "ScimGroupMember_scimUserId_idx" ON "ScimGroupMember"("scimUserId");

GRANT SELECT, INSERT, UPDATE, DELETE ON "OrgToken", "ScimUser", "ScimGroup", "ScimGroupMember" TO cadre_app, cadre_system;

ALTER TABLE "OrgToken" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OrgToken" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "OrgToken"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));

ALTER TABLE "ScimUser" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ScimUser" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "ScimUser"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));

ALTER TABLE "ScimGroup" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ScimGroup" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "ScimGroup"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));

ALTER TABLE "ScimGroupMember" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ScimGroupMember" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "ScimGroupMember"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));
