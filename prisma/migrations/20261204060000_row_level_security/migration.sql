-- Row-level security: the second wall behind the services' scoping (docs/security.md).
-- The app runs every statement as cadre_app (no ownership, no BYPASSRLS) with the transaction-local setting
-- app.workspace_id, or as cadre_system (BYPASSRLS) on the named privileged paths. Creating a role with BYPASSRLS
-- needs a superuser: on a server where the migrating user is not one, create both roles first (README).
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cadre_app') THEN
    CREATE ROLE cadre_app NOLOGIN NOBYPASSRLS;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cadre_system') THEN
    CREATE ROLE cadre_system NOLOGIN BYPASSRLS;
  END IF;
  IF NOT pg_has_role(current_user, 'cadre_app', 'MEMBER') THEN
    EXECUTE format('GRANT cadre_app TO %I', current_user);
  END IF;
  IF NOT pg_has_role(current_user, 'cadre_system', 'MEMBER') THEN
    EXECUTE format('GRANT cadre_system TO %I', current_user);
  END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO cadre_app, cadre_system;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO cadre_app, cadre_system;
REVOKE ALL ON "_prisma_migrations" FROM cadre_app, cadre_system;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO cadre_app, cadre_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO cadre_app, cadre_system;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO cadre_app, cadre_system;

ALTER TABLE "Workspace" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Workspace" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Workspace"
  USING ("id" = current_setting('app.workspace_id', true))
  WITH CHECK ("id" = current_setting('app.workspace_id', true));
CREATE POLICY "member_reads_own" ON "Workspace" FOR SELECT
  USING (EXISTS (SELECT 1 FROM "Membership" m WHERE m."workspaceId" = "Workspace"."id" AND m."userId" = current_setting('app.user_id', true)));

ALTER TABLE "Membership" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Membership" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Membership"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Invitation" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Invitation" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Invitation"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "ApiKey" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ApiKey" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ApiKey"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "AuditLog" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "AuditLog" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "AuditLog"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Secret" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Secret" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Secret"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Provider" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Provider" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Provider"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Model" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Model" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Model"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "RoutingPreset" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "RoutingPreset" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "RoutingPreset"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "UsageRecord" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "UsageRecord" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "UsageRecord"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Budget" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Budget" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Budget"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Agent" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Agent" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Agent"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "AgentVersion" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "AgentVersion" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "AgentVersion"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Team" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Team" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Team"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "TeamVersion" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "TeamVersion" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "TeamVersion"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "Run" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Run" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Run"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "RunStep" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "RunStep" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "RunStep"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

ALTER TABLE "RunEvent" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "RunEvent" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "RunEvent"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

CREATE POLICY "member_reads_own" ON "Membership" FOR SELECT
  USING ("userId" = current_setting('app.user_id', true));
