-- Judges and the quality gate (server/quality/judges/): versioned judges with rubrics, their verdicts on a run's
-- output per iteration, and the consensus of each iteration.

CREATE TABLE "Judge" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "currentVersion" INTEGER NOT NULL DEFAULT 1,
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Judge_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Judge_workspaceId_slug_key" ON "Judge"("workspaceId", "slug");
CREATE UNIQUE INDEX "Judge_id_workspaceId_key" ON "Judge"("id", "workspaceId");
CREATE INDEX "Judge_workspaceId_createdAt_id_idx" ON "Judge"("workspaceId", "createdAt", "id");
ALTER TABLE "Judge" ADD CONSTRAINT "Judge_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "JudgeVersion" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "judgeId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "instructions" TEXT NOT NULL DEFAULT '',
    "modelPolicy" JSONB NOT NULL,
    "rubric" JSONB NOT NULL,
    "referenceAnswer" TEXT,
    "examples" JSONB NOT NULL DEFAULT '[]',
    "labelledSetId" TEXT,
    "maxOutputTokens" INTEGER NOT NULL DEFAULT 1024,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "JudgeVersion_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "JudgeVersion_judgeId_version_key" ON "JudgeVersion"("judgeId", "version");
CREATE INDEX "JudgeVersion_workspaceId_idx" ON "JudgeVersion"("workspaceId");
ALTER TABLE "JudgeVersion" ADD CONSTRAINT "JudgeVersion_judgeId_workspaceId_fkey" FOREIGN KEY ("judgeId", "workspaceId") REFERENCES "Judge"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "JudgeVerdict" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "stepId" TEXT NOT NULL,
    "iteration" INTEGER NOT NULL,
    "judgeId" TEXT NOT NULL,
    "judgeSlug" TEXT NOT NULL,
    "judgeVersion" INTEGER NOT NULL,
    "modelRef" TEXT,
    "modelName" TEXT,
    "scores" JSONB NOT NULL,
    "overall" DOUBLE PRECISION NOT NULL,
    "verdict" TEXT NOT NULL,
    "rationale" TEXT NOT NULL DEFAULT '',
    "issues" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "sameModel" BOOLEAN NOT NULL DEFAULT false,
    "costUsd" DECIMAL(20,10) NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "JudgeVerdict_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "JudgeVerdict_verdict_check" CHECK ("verdict" IN ('pass', 'revise', 'fail')),
    CONSTRAINT "JudgeVerdict_overall_check" CHECK ("overall" >= 0 AND "overall" <= 1)
);
CREATE UNIQUE INDEX "JudgeVerdict_runId_stepId_key" ON "JudgeVerdict"("runId", "stepId");
CREATE INDEX "JudgeVerdict_workspaceId_judgeId_createdAt_idx" ON "JudgeVerdict"("workspaceId", "judgeId", "createdAt");
ALTER TABLE "JudgeVerdict" ADD CONSTRAINT "JudgeVerdict_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "JudgeConsensus" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "iteration" INTEGER NOT NULL,
    "score" DOUBLE PRECISION NOT NULL,
    "verdict" TEXT NOT NULL,
    "spread" DOUBLE PRECISION NOT NULL,
    "agreement" DOUBLE PRECISION NOT NULL,
    "judges" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "JudgeConsensus_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "JudgeConsensus_verdict_check" CHECK ("verdict" IN ('pass', 'revise', 'fail'))
);
CREATE UNIQUE INDEX "JudgeConsensus_runId_iteration_key" ON "JudgeConsensus"("runId", "iteration");
CREATE INDEX "JudgeConsensus_workspaceId_idx" ON "JudgeConsensus"("workspaceId");
ALTER TABLE "JudgeConsensus" ADD CONSTRAINT "JudgeConsensus_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

-- an agent version's quality gate (lib/schemas/judges.ts QualityGate)
ALTER TABLE "AgentVersion" ADD COLUMN "qualityGate" JSONB;

GRANT SELECT, INSERT, UPDATE, DELETE ON "Judge", "JudgeVersion", "JudgeVerdict", "JudgeConsensus" TO cadre_app, cadre_system;

ALTER TABLE "Judge" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Judge" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Judge"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "JudgeVersion" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "JudgeVersion" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "JudgeVersion"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "JudgeVerdict" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "JudgeVerdict" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "JudgeVerdict"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "JudgeConsensus" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "JudgeConsensus" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "JudgeConsensus"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- a judge's call is a step of its own
ALTER TABLE "RunStep" DROP CONSTRAINT "RunStep_kind_check";
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_kind_check" CHECK ("kind" IN ('agent', 'aggregate', 'plan', 'team', 'system', 'summary', 'embed', 'turn', 'tool', 'memory', 'judge'));

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'judge.create', 'judge.update', 'judge.archive', 'listing.publish', 'listing.publish_version', 'listing.update', 'listing.unpublish', 'listing.republish', 'listing.remove', 'listing.review', 'listing.report', 'listing_install.create', 'listing_install.update', 'listing_install.delete', 'mcp.call', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'judge', 'listing', 'listing_install', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'webhook_trigger', 'workspace'
));
