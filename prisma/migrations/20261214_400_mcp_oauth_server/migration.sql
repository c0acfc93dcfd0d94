-- The OAuth 2.1 authorization server of the hosted MCP endpoint (issue 15; server/mcp-auth, docs/security.md
-- "MCP authorization server"). OAuthClient is global (clients register before anyone signs in, RFC 7591); a
-- connection (one consent: its authorization code, then the grant its tokens belong to) and its tokens are tenant rows.
CREATE TABLE "OAuthClient" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "redirectUris" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "OAuthClient_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "OAuthClient" ADD CONSTRAINT "OAuthClient_bounds_check" CHECK (
  char_length("name") BETWEEN 1 AND 200 AND cardinality("redirectUris") BETWEEN 1 AND 10);

CREATE TABLE "McpConnection" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "clientId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "resource" TEXT NOT NULL,
    "scopes" TEXT[],
    "redirectUri" TEXT NOT NULL,
    "codeHash" TEXT NOT NULL,
    "codeChallenge" TEXT NOT NULL,
    "codeExpiresAt" TIMESTAMP(3) NOT NULL,
    "codeUsedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "revokeReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "McpConnection_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "McpConnection_codeHash_key" ON "McpConnection"("codeHash");
CREATE UNIQUE INDEX "McpConnection_id_workspaceId_key" ON "McpConnection"("id", "workspaceId");
CREATE INDEX "McpConnection_workspaceId_createdAt_idx" ON "McpConnection"("workspaceId", "createdAt");
ALTER TABLE "McpConnection" ADD CONSTRAINT "McpConnection_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpConnection" ADD CONSTRAINT "McpConnection_clientId_fkey" FOREIGN KEY ("clientId") REFERENCES "OAuthClient"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpConnection" ADD CONSTRAINT "McpConnection_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpConnection" ADD CONSTRAINT "McpConnection_revokeReason_check" CHECK ("revokeReason" IN ('revoked', 'client_revoked', 'code_reuse', 'refresh_reuse'));

CREATE TABLE "McpToken" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "connectionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "McpToken_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "McpToken_tokenHash_key" ON "McpToken"("tokenHash");
CREATE INDEX "McpToken_connectionId_idx" ON "McpToken"("connectionId");
CREATE INDEX "McpToken_workspaceId_idx" ON "McpToken"("workspaceId");
ALTER TABLE "McpToken" ADD CONSTRAINT "McpToken_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpToken" ADD CONSTRAINT "McpToken_connectionId_workspaceId_fkey" FOREIGN KEY ("connectionId", "workspaceId") REFERENCES "McpConnection"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpToken" ADD CONSTRAINT "McpToken_kind_check" CHECK ("kind" IN ('access', 'refresh'));

GRANT SELECT, INSERT, UPDATE, DELETE ON "OAuthClient", "McpConnection", "McpToken" TO cadre_app, cadre_system;
ALTER TABLE "McpConnection" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "McpConnection" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "McpConnection"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "McpToken" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "McpToken" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "McpToken"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'mcp_connection.authorize', 'mcp_connection.revoke', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'mcp_connection', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
