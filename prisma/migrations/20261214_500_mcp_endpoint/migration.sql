-- The hosted MCP endpoint per workspace (issue 15, server/mcp-endpoint/): which agents and teams it offers as tools,
-- which agents' instructions it offers as prompts, and its sessions.
ALTER TABLE "Agent" ADD COLUMN "mcpExposed" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Agent" ADD COLUMN "mcpSharePrompt" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "Team" ADD COLUMN "mcpExposed" BOOLEAN NOT NULL DEFAULT false;

-- An MCP session (the Mcp-Session-Id a client got at initialize): bound to the principal that initialised it (an API
-- key or an OAuth token, "principal"); a request presenting it with another principal is refused. It keeps the
-- client's name for the audit entries of its calls.
CREATE TABLE "McpSession" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "clientName" TEXT NOT NULL,
    "clientVersion" TEXT NOT NULL DEFAULT '',
    "protocolVersion" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "McpSession_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "McpSession_workspaceId_lastSeenAt_idx" ON "McpSession"("workspaceId", "lastSeenAt");
ALTER TABLE "McpSession" ADD CONSTRAINT "McpSession_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "McpSession" TO cadre_app, cadre_system;
ALTER TABLE "McpSession" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "McpSession" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "McpSession"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

