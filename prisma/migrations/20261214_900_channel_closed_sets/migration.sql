-- The closed sets that the channel migrations (20261214_100 outgoing webhooks, _200 triggers and schedules, _400 the
-- MCP authorization server, _500 the hosted MCP endpoint) each extended on their own: their union.
ALTER TABLE "Secret" DROP CONSTRAINT "Secret_kind_check";
ALTER TABLE "Secret" ADD CONSTRAINT "Secret_kind_check" CHECK ("kind" IN ('user', 'mcp_oauth', 'webhook', 'webhook_trigger'));

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp.call', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'schedule.create', 'schedule.update', 'schedule.pause', 'schedule.resume', 'schedule.delete', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'webhook_trigger.create', 'webhook_trigger.update', 'webhook_trigger.rotate_secret', 'webhook_trigger.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'schedule', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'webhook_trigger', 'workspace'
));
