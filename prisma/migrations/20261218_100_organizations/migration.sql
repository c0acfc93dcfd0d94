-- Organisations above workspaces (issue 18): policy, members, verified email domains and their own audit log.
-- Row-level security keys them on app.organization_id (server/db/scope.ts, kind "org"); members read their
-- organisations in their user scope; a workspace reads its organisation (its policy applies there).

CREATE TABLE "Organization" (
  "id" TEXT NOT NULL,
  "slug" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "allowedSignInMethods" TEXT[] NOT NULL DEFAULT ARRAY['password', 'github', 'google', 'sso']::TEXT[],
  "ssoEnforced" BOOLEAN NOT NULL DEFAULT false,
  "mfaRequired" BOOLEAN NOT NULL DEFAULT false,
  "sessionMaxAgeMinutes" INTEGER,
  "invitationDomains" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  "workspaceCreation" TEXT NOT NULL DEFAULT 'admins',
  "apiIpAllowlist" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "Organization_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "Organization_workspaceCreation_check" CHECK ("workspaceCreation" IN ('admins', 'members')),
  CONSTRAINT "Organization_allowedSignInMethods_check" CHECK ("allowedSignInMethods" <@ ARRAY['password', 'github', 'google', 'sso']::TEXT[]),
  CONSTRAINT "Organization_sessionMaxAgeMinutes_check" CHECK ("sessionMaxAgeMinutes" IS NULL OR "sessionMaxAgeMinutes" BETWEEN 5 AND 43200)
);
CREATE UNIQUE INDEX "Organization_slug_key" ON "Organization"("slug");

CREATE TABLE "OrganizationMember" (
  "organizationId" TEXT NOT NULL,
  "userId" TEXT NOT NULL,
  "role" TEXT NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updatedAt" TIMESTAMP(3) NOT NULL,
  CONSTRAINT "OrganizationMember_pkey" PRIMARY KEY ("organizationId", "userId"),
  CONSTRAINT "OrganizationMember_role_check" CHECK ("role" IN ('owner', 'admin', 'member')),
  CONSTRAINT "OrganizationMember_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE,
  CONSTRAINT "OrganizationMember_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "OrganizationMember_userId_idx" ON "OrganizationMember"("userId");

CREATE TABLE "OrganizationDomain" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "domain" TEXT NOT NULL,
  "verificationToken" TEXT NOT NULL,
  "verifiedAt" TIMESTAMP(3),
  "verifiedBy" TEXT,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "OrganizationDomain_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "OrganizationDomain_verifiedBy_check" CHECK ("verifiedBy" IS NULL OR "verifiedBy" IN ('dns', 'operator')),
  CONSTRAINT "OrganizationDomain_verified_check" CHECK (("verifiedAt" IS NULL) = ("verifiedBy" IS NULL)),
  CONSTRAINT "OrganizationDomain_domain_check" CHECK ("domain" = lower("domain") AND "domain" ~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$'),
  CONSTRAINT "OrganizationDomain_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "OrganizationDomain_organizationId_domain_key" ON "OrganizationDomain"("organizationId", "domain");
CREATE INDEX "OrganizationDomain_domain_idx" ON "OrganizationDomain"("domain");
-- one organisation at most holds a domain verified
CREATE UNIQUE INDEX "OrganizationDomain_verified_domain_key" ON "OrganizationDomain"("domain") WHERE "verifiedAt" IS NOT NULL;

CREATE TABLE "OrganizationAuditLog" (
  "id" TEXT NOT NULL,
  "organizationId" TEXT NOT NULL,
  "actorType" TEXT NOT NULL,
  "actorId" TEXT,
  "actorLabel" TEXT,
  "action" TEXT NOT NULL,
  "targetType" TEXT NOT NULL,
  "targetId" TEXT,
  "metadata" JSONB NOT NULL DEFAULT '{}',
  "requestId" TEXT,
  "clientIp" TEXT,
  "userAgent" TEXT,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "OrganizationAuditLog_pkey" PRIMARY KEY ("id"),
  CONSTRAINT "OrganizationAuditLog_actorType_check" CHECK ("actorType" IN ('user', 'scim', 'sso', 'operator')),
  CONSTRAINT "OrganizationAuditLog_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "OrganizationAuditLog_organizationId_createdAt_idx" ON "OrganizationAuditLog"("organizationId", "createdAt");

ALTER TABLE "Workspace" ADD COLUMN "organizationId" TEXT;
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE SET NULL ON UPDATE CASCADE;
CREATE INDEX "Workspace_organizationId_idx" ON "Workspace"("organizationId");

GRANT SELECT, INSERT, UPDATE, DELETE ON "Organization", "OrganizationMember", "OrganizationDomain", "OrganizationAuditLog" TO cadre_app, cadre_system;

ALTER TABLE "Organization" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Organization" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "Organization"
  USING ("id" = current_setting('app.organization_id', true))
  WITH CHECK ("id" = current_setting('app.organization_id', true));
CREATE POLICY "member_reads_own" ON "Organization" FOR SELECT
  USING (EXISTS (SELECT 1 FROM "OrganizationMember" m WHERE m."organizationId" = "Organization"."id" AND m."userId" = current_setting('app.user_id', true)));
CREATE POLICY "workspace_reads_own" ON "Organization" FOR SELECT
  USING (EXISTS (SELECT 1 FROM "Workspace" w WHERE w."organizationId" = "Organization"."id" AND w."id" = current_setting('app.workspace_id', true)));

ALTER TABLE "OrganizationMember" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OrganizationMember" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "OrganizationMember"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));
CREATE POLICY "member_reads_own" ON "OrganizationMember" FOR SELECT
  USING ("userId" = current_setting('app.user_id', true));

ALTER TABLE "OrganizationDomain" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OrganizationDomain" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "OrganizationDomain"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));

ALTER TABLE "OrganizationAuditLog" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OrganizationAuditLog" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "OrganizationAuditLog"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));

-- an organisation lists its workspaces (names and slugs; their content stays behind the workspace's own scope)
CREATE POLICY "org_reads_workspaces" ON "Workspace" FOR SELECT
  USING ("organizationId" IS NOT NULL AND "organizationId" = current_setting('app.organization_id', true));
