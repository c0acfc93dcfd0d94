-- OAuth 2.1 for remote MCP servers (issue 13): a server with authType "oauth" keeps its client registration (client_id
-- and the discovered endpoints, no secrets) in McpServer.oauth, and its client secret and tokens in a vault secret of
-- kind "mcp_oauth" (a system secret: owned by the server, never listed or selectable, deleted with it). A pending
-- authorization (PKCE verifier encrypted, state stored as its sha256) lives in McpOAuthState for 10 minutes, bound to
-- the workspace, the server and the member who started it. Tenant-scoped under row-level security.
ALTER TABLE "Secret" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'user';
ALTER TABLE "Secret" ADD CONSTRAINT "Secret_kind_check" CHECK ("kind" IN ('user', 'mcp_oauth'));

ALTER TABLE "McpServer" ADD COLUMN "oauthSecretId" TEXT;
CREATE UNIQUE INDEX "McpServer_oauthSecretId_key" ON "McpServer"("oauthSecretId");
ALTER TABLE "McpServer" ADD CONSTRAINT "McpServer_oauthSecretId_workspaceId_fkey" FOREIGN KEY ("oauthSecretId", "workspaceId") REFERENCES "Secret"("id", "workspaceId") ON DELETE RESTRICT ON UPDATE CASCADE;

CREATE TABLE "McpOAuthState" (
    "stateHash" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "mcpServerId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,
    "ciphertext" BYTEA NOT NULL,
    "iv" BYTEA NOT NULL,
    "authTag" BYTEA NOT NULL,
    "wrappedKey" BYTEA NOT NULL,
    "keyVersion" TEXT NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "McpOAuthState_pkey" PRIMARY KEY ("stateHash")
);
CREATE INDEX "McpOAuthState_mcpServerId_idx" ON "McpOAuthState"("mcpServerId");
ALTER TABLE "McpOAuthState" ADD CONSTRAINT "McpOAuthState_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpOAuthState" ADD CONSTRAINT "McpOAuthState_mcpServerId_workspaceId_fkey" FOREIGN KEY ("mcpServerId", "workspaceId") REFERENCES "McpServer"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "McpOAuthState" TO cadre_app, cadre_system;
ALTER TABLE "McpOAuthState" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "McpOAuthState" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "McpOAuthState"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- audit entries of MCP authorization (lib/schemas/audit.ts)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'member.leave', 'member.remove', 'member.role_change', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
