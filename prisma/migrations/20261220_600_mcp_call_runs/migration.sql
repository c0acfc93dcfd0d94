-- The hosted MCP endpoint (issue 15): which run answers an MCP tools/call in progress, keyed by the caller's
-- principal, MCP session and JSON-RPC request id, so that the client's notifications/cancelled cancels the run
-- whichever process receives it (not only the one following the call). A row is deleted when its call ends, and
-- with its session, its run or its workspace; one left behind (a process that died) expires ("expiresAt": purged
-- as new calls start).
CREATE TABLE "McpCallRun" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "principal" TEXT NOT NULL,
    "sessionId" TEXT,
    "requestKey" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "McpCallRun_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "McpCallRun_workspaceId_principal_requestKey_idx" ON "McpCallRun"("workspaceId", "principal", "requestKey");
CREATE INDEX "McpCallRun_runId_idx" ON "McpCallRun"("runId");
CREATE INDEX "McpCallRun_expiresAt_idx" ON "McpCallRun"("expiresAt");
ALTER TABLE "McpCallRun" ADD CONSTRAINT "McpCallRun_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpCallRun" ADD CONSTRAINT "McpCallRun_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "McpSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "McpCallRun" ADD CONSTRAINT "McpCallRun_runId_fkey" FOREIGN KEY ("runId") REFERENCES "Run"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "McpCallRun" TO cadre_app, cadre_system;
ALTER TABLE "McpCallRun" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "McpCallRun" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "McpCallRun"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
