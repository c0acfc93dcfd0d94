-- Datasets of test inputs and evaluations of an agent or team version over them (server/quality/datasets,
-- server/quality/evaluations). Tenant tables under row-level security; closed sets as CHECK constraints.

CREATE TABLE "Dataset" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "archivedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Dataset_slug_check" CHECK (char_length("slug") BETWEEN 1 AND 63),
    CONSTRAINT "Dataset_name_check" CHECK (char_length("name") BETWEEN 1 AND 120),
    CONSTRAINT "Dataset_description_check" CHECK (char_length("description") <= 2000)
);
CREATE UNIQUE INDEX "Dataset_workspaceId_slug_key" ON "Dataset"("workspaceId", "slug");
CREATE UNIQUE INDEX "Dataset_id_workspaceId_key" ON "Dataset"("id", "workspaceId");
CREATE INDEX "Dataset_workspaceId_createdAt_id_idx" ON "Dataset"("workspaceId", "createdAt", "id");
ALTER TABLE "Dataset" ADD CONSTRAINT "Dataset_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "DatasetItem" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "input" TEXT NOT NULL,
    "reference" TEXT,
    "tags" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "DatasetItem_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "DatasetItem_input_check" CHECK (char_length("input") BETWEEN 1 AND 100000),
    CONSTRAINT "DatasetItem_reference_check" CHECK ("reference" IS NULL OR char_length("reference") <= 100000),
    CONSTRAINT "DatasetItem_tags_check" CHECK (cardinality("tags") <= 16)
);
CREATE INDEX "DatasetItem_datasetId_createdAt_id_idx" ON "DatasetItem"("datasetId", "createdAt", "id");
ALTER TABLE "DatasetItem" ADD CONSTRAINT "DatasetItem_datasetId_workspaceId_fkey" FOREIGN KEY ("datasetId", "workspaceId") REFERENCES "Dataset"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "Evaluation" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "targetSlug" TEXT NOT NULL,
    "targetVersion" INTEGER NOT NULL,
    "judges" JSONB NOT NULL,
    "passThreshold" DOUBLE PRECISION NOT NULL,
    "failThreshold" DOUBLE PRECISION NOT NULL,
    "passRate" DOUBLE PRECISION NOT NULL DEFAULT 0.8,
    "budgetUsd" DECIMAL(20,10),
    "concurrency" INTEGER NOT NULL DEFAULT 2,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "error" TEXT,
    "itemsTotal" INTEGER NOT NULL DEFAULT 0,
    "passed" BOOLEAN,
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
    CONSTRAINT "Evaluation_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "Evaluation_targetType_check" CHECK ("targetType" IN ('agent', 'team')),
    CONSTRAINT "Evaluation_status_check" CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
    CONSTRAINT "Evaluation_thresholds_check" CHECK ("failThreshold" >= 0 AND "failThreshold" <= "passThreshold" AND "passThreshold" <= 1),
    CONSTRAINT "Evaluation_passRate_check" CHECK ("passRate" >= 0 AND "passRate" <= 1),
    CONSTRAINT "Evaluation_budgetUsd_check" CHECK ("budgetUsd" IS NULL OR "budgetUsd" > 0),
    CONSTRAINT "Evaluation_concurrency_check" CHECK ("concurrency" BETWEEN 1 AND 16),
    CONSTRAINT "Evaluation_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'))
);
CREATE UNIQUE INDEX "Evaluation_id_workspaceId_key" ON "Evaluation"("id", "workspaceId");
CREATE INDEX "Evaluation_workspaceId_createdAt_id_idx" ON "Evaluation"("workspaceId", "createdAt", "id");
CREATE INDEX "Evaluation_datasetId_idx" ON "Evaluation"("datasetId");
-- the worker's claim looks at the unfinished evaluations only
CREATE INDEX "Evaluation_active_idx" ON "Evaluation"("createdAt") WHERE "status" IN ('queued', 'running');
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Evaluation" ADD CONSTRAINT "Evaluation_datasetId_workspaceId_fkey" FOREIGN KEY ("datasetId", "workspaceId") REFERENCES "Dataset"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "EvaluationItem" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "evaluationId" TEXT NOT NULL,
    "datasetItemId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "runId" TEXT,
    "score" DOUBLE PRECISION,
    "verdict" TEXT,
    "latencyMs" INTEGER,
    "costUsd" DECIMAL(20,10) NOT NULL DEFAULT 0,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EvaluationItem_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "EvaluationItem_status_check" CHECK ("status" IN ('pending', 'running', 'scored', 'errored', 'skipped', 'cancelled')),
    CONSTRAINT "EvaluationItem_verdict_check" CHECK ("verdict" IS NULL OR "verdict" IN ('pass', 'revise', 'fail')),
    CONSTRAINT "EvaluationItem_score_check" CHECK ("score" IS NULL OR ("score" >= 0 AND "score" <= 1))
);
CREATE UNIQUE INDEX "EvaluationItem_evaluationId_position_key" ON "EvaluationItem"("evaluationId", "position");
CREATE UNIQUE INDEX "EvaluationItem_evaluationId_datasetItemId_key" ON "EvaluationItem"("evaluationId", "datasetItemId");
CREATE INDEX "EvaluationItem_runId_idx" ON "EvaluationItem"("runId");
ALTER TABLE "EvaluationItem" ADD CONSTRAINT "EvaluationItem_evaluationId_workspaceId_fkey" FOREIGN KEY ("evaluationId", "workspaceId") REFERENCES "Evaluation"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "Dataset", "DatasetItem", "Evaluation", "EvaluationItem" TO cadre_app, cadre_system;

ALTER TABLE "Dataset" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Dataset" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Dataset"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "DatasetItem" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "DatasetItem" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "DatasetItem"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "Evaluation" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Evaluation" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Evaluation"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "EvaluationItem" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "EvaluationItem" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "EvaluationItem"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the audit CHECK lists, whole, with the datasets' and evaluations' actions and target types
ALTER TABLE "AuditLog" DROP CONSTRAINT IF EXISTS "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN ('agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'judge.create', 'judge.update', 'judge.archive', 'label.create', 'label.update', 'dataset.create', 'dataset.update', 'dataset.archive', 'dataset.import', 'dataset_item.create', 'dataset_item.update', 'dataset_item.delete', 'evaluation.create', 'evaluation.cancel', 'listing.publish', 'listing.publish_version', 'listing.update', 'listing.unpublish', 'listing.republish', 'listing.remove', 'listing.review', 'listing.report', 'listing_install.create', 'listing_install.update', 'listing_install.delete', 'mcp.call', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update', 'workspace.pii.update', 'workspace.calibration.update'));
ALTER TABLE "AuditLog" DROP CONSTRAINT IF EXISTS "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN ('agent', 'api_key', 'budget', 'invitation', 'judge', 'label', 'dataset', 'evaluation', 'listing', 'listing_install', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'webhook_trigger', 'workspace'));
