-- Tools (issue 13): the workspace's tool registry, the shared per-minute call windows of its rate limits, and the
-- approvals a run waits for. Every table is tenant-scoped under row-level security; closed sets are CHECKed
-- (lib/schemas/tools.ts), and a tool's secret and an approval's run are bound to the same workspace by composite keys.
-- CreateTable
CREATE TABLE "Tool" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "inputSchema" JSONB NOT NULL DEFAULT '{"type":"object"}',
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "config" JSONB NOT NULL DEFAULT '{}',
    "secretId" TEXT,
    "secretHost" TEXT,
    "timeoutMs" INTEGER NOT NULL DEFAULT 30000,
    "maxResponseBytes" INTEGER NOT NULL DEFAULT 262144,
    "rateLimitPerMinute" INTEGER,
    "agentRateLimitPerMinute" INTEGER,
    "costPerCallUsd" DECIMAL(20,10) NOT NULL DEFAULT 0,
    "approval" JSONB NOT NULL DEFAULT '{"mode":"never"}',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Tool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ToolRateWindow" (
    "workspaceId" TEXT NOT NULL,
    "toolName" TEXT NOT NULL,
    "scope" TEXT NOT NULL,
    "windowStart" TIMESTAMP(3) NOT NULL,
    "calls" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ToolRateWindow_pkey" PRIMARY KEY ("workspaceId","toolName","scope")
);

-- CreateTable
CREATE TABLE "ToolApproval" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "toolName" TEXT NOT NULL,
    "agentId" TEXT,
    "agentSlug" TEXT NOT NULL DEFAULT '',
    "input" JSONB NOT NULL,
    "reason" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'pending',
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "decidedById" TEXT,
    "decidedAt" TIMESTAMP(3),
    "note" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ToolApproval_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Tool_secretId_idx" ON "Tool"("secretId");

-- CreateIndex
CREATE UNIQUE INDEX "Tool_workspaceId_name_key" ON "Tool"("workspaceId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "Tool_id_workspaceId_key" ON "Tool"("id", "workspaceId");

-- CreateIndex
CREATE INDEX "ToolApproval_workspaceId_status_createdAt_idx" ON "ToolApproval"("workspaceId", "status", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "ToolApproval_runId_stepId_key" ON "ToolApproval"("runId", "stepId");

-- AddForeignKey
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_secretId_fkey" FOREIGN KEY ("secretId") REFERENCES "Secret"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ToolRateWindow" ADD CONSTRAINT "ToolRateWindow_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ToolApproval" ADD CONSTRAINT "ToolApproval_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "Tool" ADD CONSTRAINT "Tool_secretId_workspaceId_fkey" FOREIGN KEY ("secretId", "workspaceId") REFERENCES "Secret"("id", "workspaceId") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "ToolApproval" ADD CONSTRAINT "ToolApproval_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_kind_check" CHECK ("kind" IN ('builtin', 'http', 'mcp'));
ALTER TABLE "ToolApproval" ADD CONSTRAINT "ToolApproval_status_check" CHECK ("status" IN ('pending', 'approved', 'denied', 'expired'));

-- tool calls and the model turns of an agent step that uses tools are steps of their own
ALTER TABLE "RunStep" DROP CONSTRAINT "RunStep_kind_check";
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_kind_check" CHECK ("kind" IN ('agent', 'aggregate', 'plan', 'team', 'system', 'summary', 'embed', 'turn', 'tool'));

GRANT SELECT, INSERT, UPDATE, DELETE ON "Tool", "ToolRateWindow", "ToolApproval" TO cadre_app, cadre_system;
ALTER TABLE "Tool" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Tool" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Tool"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "ToolRateWindow" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ToolRateWindow" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ToolRateWindow"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "ToolApproval" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ToolApproval" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ToolApproval"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the tools' audit entries (lib/schemas/audit.ts)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'member.leave', 'member.remove', 'member.role_change', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'member', 'model', 'provider', 'routing_preset', 'run', 'secret', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
