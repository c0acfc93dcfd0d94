-- People's labels of judged outputs and the judges' calibration against them (server/quality/calibration/).

CREATE TABLE "OutputLabel" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "iteration" INTEGER NOT NULL,
    "labellerId" TEXT NOT NULL,
    "scores" JSONB NOT NULL DEFAULT '{}',
    "verdict" TEXT NOT NULL,
    "score" DOUBLE PRECISION,
    "note" TEXT NOT NULL DEFAULT '',
    "heldOut" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "OutputLabel_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "OutputLabel_verdict_check" CHECK ("verdict" IN ('pass', 'revise', 'fail')),
    CONSTRAINT "OutputLabel_score_check" CHECK ("score" IS NULL OR ("score" >= 0 AND "score" <= 1)),
    CONSTRAINT "OutputLabel_iteration_check" CHECK ("iteration" >= 1)
);
CREATE UNIQUE INDEX "OutputLabel_runId_iteration_labellerId_key" ON "OutputLabel"("runId", "iteration", "labellerId");
CREATE INDEX "OutputLabel_workspaceId_createdAt_id_idx" ON "OutputLabel"("workspaceId", "createdAt", "id");
ALTER TABLE "OutputLabel" ADD CONSTRAINT "OutputLabel_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OutputLabel" ADD CONSTRAINT "OutputLabel_labellerId_fkey" FOREIGN KEY ("labellerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "OutputLabel" TO cadre_app, cadre_system;

ALTER TABLE "OutputLabel" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OutputLabel" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "OutputLabel"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the workspace's calibration settings
ALTER TABLE "Workspace" ADD COLUMN "calibrationKappaThreshold" DOUBLE PRECISION NOT NULL DEFAULT 0.4;
ALTER TABLE "Workspace" ADD COLUMN "calibrationMinPairs" INTEGER NOT NULL DEFAULT 10;
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_calibrationKappaThreshold_check" CHECK ("calibrationKappaThreshold" >= -1 AND "calibrationKappaThreshold" <= 1);
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_calibrationMinPairs_check" CHECK ("calibrationMinPairs" >= 4 AND "calibrationMinPairs" <= 1000);

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'judge.create', 'judge.update', 'judge.archive', 'label.create', 'label.update', 'listing.publish', 'listing.publish_version', 'listing.update', 'listing.unpublish', 'listing.republish', 'listing.remove', 'listing.review', 'listing.report', 'listing_install.create', 'listing_install.update', 'listing_install.delete', 'mcp.call', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update', 'workspace.pii.update', 'workspace.calibration.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'judge', 'label', 'listing', 'listing_install', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'webhook_trigger', 'workspace'
));
