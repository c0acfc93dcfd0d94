-- Incoming webhook triggers and schedules (issue 15). A trigger (POST /api/hooks/{id}, Standard Webhooks signatures
-- with its own secret, a system secret of kind "webhook_trigger" in the vault) and a schedule (cron + time zone)
-- each start ordinary runs of an agent or a team, with their creator's powers.
CREATE TABLE "WebhookTrigger" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "agentId" TEXT,
    "teamId" TEXT,
    "template" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "secretId" TEXT NOT NULL,
    "secretRotatedAt" TIMESTAMP(3),
    "deliveries" INTEGER NOT NULL DEFAULT 0,
    "lastDeliveryAt" TIMESTAMP(3),
    "lastRunId" TEXT,
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookTrigger_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "WebhookTrigger_id_workspaceId_key" ON "WebhookTrigger"("id", "workspaceId");
CREATE INDEX "WebhookTrigger_workspaceId_createdAt_id_idx" ON "WebhookTrigger"("workspaceId", "createdAt", "id");
ALTER TABLE "WebhookTrigger" ADD CONSTRAINT "WebhookTrigger_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookTrigger" ADD CONSTRAINT "WebhookTrigger_agentId_workspaceId_fkey" FOREIGN KEY ("agentId", "workspaceId") REFERENCES "Agent"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookTrigger" ADD CONSTRAINT "WebhookTrigger_teamId_workspaceId_fkey" FOREIGN KEY ("teamId", "workspaceId") REFERENCES "Team"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookTrigger" ADD CONSTRAINT "WebhookTrigger_secretId_workspaceId_fkey" FOREIGN KEY ("secretId", "workspaceId") REFERENCES "Secret"("id", "workspaceId") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "WebhookTrigger" ADD CONSTRAINT "WebhookTrigger_targetType_check" CHECK (("targetType" = 'agent' AND "agentId" IS NOT NULL AND "teamId" IS NULL) OR ("targetType" = 'team' AND "teamId" IS NOT NULL AND "agentId" IS NULL));
ALTER TABLE "WebhookTrigger" ADD CONSTRAINT "WebhookTrigger_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key'));

CREATE TABLE "WebhookTriggerDelivery" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "triggerId" TEXT NOT NULL,
    "webhookId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookTriggerDelivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "WebhookTriggerDelivery_triggerId_webhookId_key" ON "WebhookTriggerDelivery"("triggerId", "webhookId");
CREATE INDEX "WebhookTriggerDelivery_workspaceId_idx" ON "WebhookTriggerDelivery"("workspaceId");
ALTER TABLE "WebhookTriggerDelivery" ADD CONSTRAINT "WebhookTriggerDelivery_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookTriggerDelivery" ADD CONSTRAINT "WebhookTriggerDelivery_triggerId_workspaceId_fkey" FOREIGN KEY ("triggerId", "workspaceId") REFERENCES "WebhookTrigger"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "Schedule" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "agentId" TEXT,
    "teamId" TEXT,
    "cron" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "input" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "allowOverlap" BOOLEAN NOT NULL DEFAULT false,
    "missedPolicy" TEXT NOT NULL DEFAULT 'skip',
    "nextRunAt" TIMESTAMP(3),
    "lastRunId" TEXT,
    "lastFiredAt" TIMESTAMP(3),
    "lastSkipReason" TEXT,
    "lastSkippedAt" TIMESTAMP(3),
    "skippedFires" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "claimOwner" TEXT,
    "claimExpiresAt" TIMESTAMP(3),
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Schedule_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Schedule_id_workspaceId_key" ON "Schedule"("id", "workspaceId");
CREATE INDEX "Schedule_workspaceId_createdAt_id_idx" ON "Schedule"("workspaceId", "createdAt", "id");
CREATE INDEX "Schedule_status_nextRunAt_idx" ON "Schedule"("status", "nextRunAt");
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_agentId_workspaceId_fkey" FOREIGN KEY ("agentId", "workspaceId") REFERENCES "Agent"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_teamId_workspaceId_fkey" FOREIGN KEY ("teamId", "workspaceId") REFERENCES "Team"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_targetType_check" CHECK (("targetType" = 'agent' AND "agentId" IS NOT NULL AND "teamId" IS NULL) OR ("targetType" = 'team' AND "teamId" IS NOT NULL AND "agentId" IS NULL));
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_status_check" CHECK ("status" IN ('active', 'paused'));
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_missedPolicy_check" CHECK ("missedPolicy" IN ('skip', 'catch_up'));
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_lastSkipReason_check" CHECK ("lastSkipReason" IS NULL OR "lastSkipReason" IN ('overlap', 'missed', 'failed'));
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key'));
-- an active schedule always has its next due time; a paused one has none
ALTER TABLE "Schedule" ADD CONSTRAINT "Schedule_nextRunAt_check" CHECK (("status" = 'active') = ("nextRunAt" IS NOT NULL));

GRANT SELECT, INSERT, UPDATE, DELETE ON "WebhookTrigger", "WebhookTriggerDelivery", "Schedule" TO cadre_app, cadre_system;
ALTER TABLE "WebhookTrigger" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "WebhookTrigger" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "WebhookTrigger"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "WebhookTriggerDelivery" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "WebhookTriggerDelivery" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "WebhookTriggerDelivery"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "Schedule" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Schedule" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Schedule"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- a trigger's signing secret is a system secret (never listed or selectable; deleted with its trigger)
ALTER TABLE "Secret" DROP CONSTRAINT "Secret_kind_check";
ALTER TABLE "Secret" ADD CONSTRAINT "Secret_kind_check" CHECK ("kind" IN ('user', 'mcp_oauth', 'webhook_trigger'));

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook_trigger', 'workspace'
));
