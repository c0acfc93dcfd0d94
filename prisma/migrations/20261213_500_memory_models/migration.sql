-- Per-scope embedding models (issue 14). A workspace's settings say which model policy embeds a memory scope: its
-- default (scopeType and scopeId null), every scope of a type (scopeType only; for 'workspace', the workspace scope),
-- or one exact scope (both). The most specific setting wins; without one, the built-in default policy embeds. At most
-- one setting per target (the unique index over the nullable columns).
CREATE TABLE "MemoryModelSetting" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scopeType" TEXT,
    "scopeId" TEXT,
    "policy" JSONB NOT NULL,
    "updatedByType" TEXT NOT NULL,
    "updatedById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "MemoryModelSetting_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "MemoryModelSetting_target_key" ON "MemoryModelSetting"("workspaceId", (coalesce("scopeType", '')), (coalesce("scopeId", '')));
CREATE INDEX "MemoryModelSetting_workspaceId_createdAt_id_idx" ON "MemoryModelSetting"("workspaceId", "createdAt", "id");

ALTER TABLE "MemoryModelSetting" ADD CONSTRAINT "MemoryModelSetting_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "MemoryModelSetting" ADD CONSTRAINT "MemoryModelSetting_scopeType_check" CHECK ("scopeType" IN ('workspace', 'team', 'agent', 'session', 'subject'));
ALTER TABLE "MemoryModelSetting" ADD CONSTRAINT "MemoryModelSetting_scopeId_check" CHECK (("scopeId" IS NULL OR ("scopeType" IS NOT NULL AND "scopeType" <> 'workspace')) AND char_length(coalesce("scopeId", '')) <= 200);
ALTER TABLE "MemoryModelSetting" ADD CONSTRAINT "MemoryModelSetting_updatedByType_check" CHECK ("updatedByType" IN ('user', 'api_key', 'system'));
ALTER TABLE "MemoryModelSetting" ADD CONSTRAINT "MemoryModelSetting_policy_check" CHECK (jsonb_typeof("policy") = 'object');

GRANT SELECT, INSERT, UPDATE, DELETE ON "MemoryModelSetting" TO cadre_app, cadre_system;
ALTER TABLE "MemoryModelSetting" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "MemoryModelSetting" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "MemoryModelSetting"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- A change of a setting re-embeds the target's memories in the background: one row per change, the job's state (its
-- policy, the model label it writes once known, status and progress) and the lease of the worker running it (like
-- MemoryDocument's: owner + expiry on the database's clock; an expired lease is taken over and the job resumes, since
-- it only ever picks the rows not yet of its model). A later change of the same target supersedes it.
CREATE TABLE "MemoryReembed" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scopeType" TEXT,
    "scopeId" TEXT,
    "policy" JSONB NOT NULL,
    "targetModel" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "rowsDone" INTEGER NOT NULL DEFAULT 0,
    "rowsTotal" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retryAt" TIMESTAMP(3),
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "MemoryReembed_pkey" PRIMARY KEY ("id")
);

CREATE INDEX "MemoryReembed_workspaceId_createdAt_id_idx" ON "MemoryReembed"("workspaceId", "createdAt", "id");
-- the worker's claim: the jobs still to run, oldest first
CREATE INDEX "MemoryReembed_active_idx" ON "MemoryReembed"("createdAt") WHERE "status" IN ('queued', 'processing');

ALTER TABLE "MemoryReembed" ADD CONSTRAINT "MemoryReembed_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "MemoryReembed" ADD CONSTRAINT "MemoryReembed_scopeType_check" CHECK ("scopeType" IN ('workspace', 'team', 'agent', 'session', 'subject'));
ALTER TABLE "MemoryReembed" ADD CONSTRAINT "MemoryReembed_scopeId_check" CHECK (("scopeId" IS NULL OR ("scopeType" IS NOT NULL AND "scopeType" <> 'workspace')) AND char_length(coalesce("scopeId", '')) <= 200);
ALTER TABLE "MemoryReembed" ADD CONSTRAINT "MemoryReembed_status_check" CHECK ("status" IN ('queued', 'processing', 'done', 'failed', 'superseded'));
ALTER TABLE "MemoryReembed" ADD CONSTRAINT "MemoryReembed_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'));
ALTER TABLE "MemoryReembed" ADD CONSTRAINT "MemoryReembed_progress_check" CHECK ("rowsDone" >= 0 AND "rowsTotal" >= 0 AND "attempts" >= 0);

GRANT SELECT, INSERT, UPDATE, DELETE ON "MemoryReembed" TO cadre_app, cadre_system;
ALTER TABLE "MemoryReembed" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "MemoryReembed" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "MemoryReembed"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the settings are audited (memory_model.update, memory_model.delete): the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
