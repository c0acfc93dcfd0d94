-- Memory governance (issue 14): per-workspace retention of memories (TTL per scope type or exact scope id),
-- importance decay, a cap on the number of memories; erasing a subject. docs/data-retention.md, "Memories".
-- "memoryTtl": [{"scopeType": "subject", "scopeId": null, "days": 30}, ...] (lib/schemas/memory.ts validates the
-- rules; an exact scope id's rule wins over its type's rule; days 0 keeps forever).
ALTER TABLE "Workspace" ADD COLUMN "memoryTtl" JSONB NOT NULL DEFAULT '[]';
ALTER TABLE "Workspace" ADD COLUMN "memoryDecayHalfLifeDays" INTEGER;
ALTER TABLE "Workspace" ADD COLUMN "memoryMaxCount" INTEGER;
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_memoryTtl_check" CHECK (jsonb_typeof("memoryTtl") = 'array' AND jsonb_array_length("memoryTtl") <= 100);
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_memoryDecayHalfLifeDays_check" CHECK ("memoryDecayHalfLifeDays" IS NULL OR "memoryDecayHalfLifeDays" BETWEEN 1 AND 36500);
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_memoryMaxCount_check" CHECK ("memoryMaxCount" IS NULL OR "memoryMaxCount" >= 1);

-- recall writes lastRecalledAt (at most hourly per memory): room on each page lets that be a HOT update, which adds
-- nothing to the indexes (a non-HOT update inserts the row's new version into the HNSW index too)
ALTER TABLE "Memory" SET (fillfactor = 80);

-- the cap counts a workspace's unpinned memories: total (index-only on the createdAt index) minus pinned (this one)
CREATE INDEX "Memory_workspaceId_pinned_idx" ON "Memory"("workspaceId") WHERE "pinned";

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'memory.create', 'memory.update', 'memory.delete', 'memory.settings.update', 'memory.subject.erase', 'member.leave', 'member.remove', 'member.role_change', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'model', 'provider', 'routing_preset', 'run', 'secret', 'subject', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
