-- Remote MCP servers (issue 13): a workspace connects servers over Streamable HTTP or HTTP+SSE (never stdio) and their
-- tools are synced into the registry as Tool rows of kind "mcp", each with the definition last reviewed (a hash)
-- and a changed definition pending review. Tenant-scoped under row-level security; closed sets CHECKed
-- (lib/schemas/mcp.ts); a server's secret and a tool's server are bound to the same workspace by composite keys.
-- AlterTable
ALTER TABLE "Tool" ADD COLUMN     "definitionHash" TEXT,
ADD COLUMN     "mcpServerId" TEXT,
ADD COLUMN     "pendingDefinition" JSONB,
ADD COLUMN     "remoteName" TEXT;

-- CreateTable
CREATE TABLE "McpServer" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "transport" TEXT NOT NULL DEFAULT 'streamable_http',
    "authType" TEXT NOT NULL DEFAULT 'none',
    "secretId" TEXT,
    "oauth" JSONB,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "status" TEXT NOT NULL DEFAULT 'ok',
    "lastError" TEXT,
    "lastSyncedAt" TIMESTAMP(3),
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "McpServer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "McpServer_workspaceId_name_key" ON "McpServer"("workspaceId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "McpServer_id_workspaceId_key" ON "McpServer"("id", "workspaceId");

-- CreateIndex
CREATE UNIQUE INDEX "Tool_mcpServerId_remoteName_key" ON "Tool"("mcpServerId", "remoteName");

-- AddForeignKey
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_mcpServerId_fkey" FOREIGN KEY ("mcpServerId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_secretId_workspaceId_fkey" FOREIGN KEY ("secretId", "workspaceId") REFERENCES "Secret"("id", "workspaceId") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Tool" ADD CONSTRAINT "Tool_mcpServerId_workspaceId_fkey" FOREIGN KEY ("mcpServerId", "workspaceId") REFERENCES "McpServer"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_transport_check" CHECK ("transport" IN ('streamable_http', 'sse'));
ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_authType_check" CHECK ("authType" IN ('none', 'bearer', 'oauth'));
ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_status_check" CHECK ("status" IN ('ok', 'error', 'needs_auth'));

GRANT SELECT, INSERT, UPDATE, DELETE ON "McpServer" TO cadre_app, cadre_system;
ALTER TABLE "McpServer" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "McpServer" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "McpServer"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- audit entries of MCP servers and tool reviews (lib/schemas/audit.ts)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'member.leave', 'member.remove', 'member.role_change', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'model', 'provider', 'routing_preset', 'run', 'secret', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
