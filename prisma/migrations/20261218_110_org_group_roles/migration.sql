-- Identity-provider groups mapped to workspace roles (SSO group claims, SCIM groups): server/orgs/group-roles.ts.
CREATE TABLE "OrgGroupRole" (
  "organizationId" TEXT NOT NULL,
  "group" TEXT NOT NULL,
  "workspaceId" TEXT NOT NULL,
  "role" "Role" NOT NULL,
  "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT "OrgGroupRole_pkey" PRIMARY KEY ("organizationId", "group", "workspaceId"),
  CONSTRAINT "OrgGroupRole_group_check" CHECK (length("group") BETWEEN 1 AND 256),
  CONSTRAINT "OrgGroupRole_organizationId_fkey" FOREIGN KEY ("organizationId") REFERENCES "Organization"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "OrgGroupRole_organizationId_workspaceId_idx" ON "OrgGroupRole"("organizationId", "workspaceId");

GRANT SELECT, INSERT, UPDATE, DELETE ON "OrgGroupRole" TO cadre_app, cadre_system;
ALTER TABLE "OrgGroupRole" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OrgGroupRole" FORCE ROW LEVEL SECURITY;
CREATE POLICY "org_isolation" ON "OrgGroupRole"
  USING ("organizationId" = current_setting('app.organization_id', true))
  WITH CHECK ("organizationId" = current_setting('app.organization_id', true));

-- the organisation's additions to workspace audit actions (member.add)
ALTER TABLE "AuditLog" DROP CONSTRAINT IF EXISTS "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN ('agent.create', 'agent.update', 'agent.archive', 'agent.promote', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'judge.create', 'judge.update', 'judge.archive', 'label.create', 'label.update', 'dataset.create', 'dataset.update', 'dataset.archive', 'dataset.import', 'dataset_item.create', 'dataset_item.update', 'dataset_item.delete', 'evaluation.create', 'evaluation.cancel', 'listing.publish', 'listing.publish_version', 'listing.update', 'listing.unpublish', 'listing.republish', 'listing.remove', 'listing.review', 'listing.report', 'listing_install.create', 'listing_install.update', 'listing_install.delete', 'mcp.call', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.add', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'team.promote', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update', 'workspace.pii.update', 'workspace.calibration.update'));
ALTER TABLE "AuditLog" DROP CONSTRAINT IF EXISTS "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN ('agent', 'api_key', 'budget', 'invitation', 'judge', 'label', 'dataset', 'evaluation', 'listing', 'listing_install', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'webhook_trigger', 'workspace'));
