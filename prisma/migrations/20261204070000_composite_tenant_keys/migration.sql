-- A child row's workspace is its parent's: composite keys (id, workspaceId) on the parents and composite foreign
-- keys from the children, so that no row can name a parent of another workspace.
CREATE UNIQUE INDEX "Agent_id_workspaceId_key" ON "Agent"("id", "workspaceId");
CREATE UNIQUE INDEX "Team_id_workspaceId_key" ON "Team"("id", "workspaceId");
CREATE UNIQUE INDEX "Run_id_workspaceId_key" ON "Run"("id", "workspaceId");
CREATE UNIQUE INDEX "Provider_id_workspaceId_key" ON "Provider"("id", "workspaceId");

ALTER TABLE "AgentVersion" DROP CONSTRAINT "AgentVersion_agentId_fkey";
ALTER TABLE "AgentVersion" ADD CONSTRAINT "AgentVersion_agentId_workspaceId_fkey" FOREIGN KEY ("agentId", "workspaceId") REFERENCES "Agent"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "TeamVersion" DROP CONSTRAINT "TeamVersion_teamId_fkey";
ALTER TABLE "TeamVersion" ADD CONSTRAINT "TeamVersion_teamId_workspaceId_fkey" FOREIGN KEY ("teamId", "workspaceId") REFERENCES "Team"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "RunStep" DROP CONSTRAINT "RunStep_runId_fkey";
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "RunEvent" DROP CONSTRAINT "RunEvent_runId_fkey";
ALTER TABLE "RunEvent" ADD CONSTRAINT "RunEvent_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "Model" DROP CONSTRAINT "Model_providerId_fkey";
ALTER TABLE "Model" ADD CONSTRAINT "Model_providerId_workspaceId_fkey" FOREIGN KEY ("providerId", "workspaceId") REFERENCES "Provider"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

-- Provider.secretId is optional: its workspace is checked by a composite key on Secret (MATCH SIMPLE: a NULL
-- secretId is not checked). Declared here only: Prisma cannot express an optional relation over a required column.
CREATE UNIQUE INDEX "Secret_id_workspaceId_key" ON "Secret"("id", "workspaceId");
ALTER TABLE "Provider" ADD CONSTRAINT "Provider_secretId_workspaceId_fkey" FOREIGN KEY ("secretId", "workspaceId") REFERENCES "Secret"("id", "workspaceId") ON DELETE RESTRICT ON UPDATE CASCADE;
