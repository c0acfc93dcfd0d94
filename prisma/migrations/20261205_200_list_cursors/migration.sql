-- A run's steps page on (startedAt, id) (GET /api/v1/runs/{runId}/steps): the index serves a page of a run with
-- thousands of steps without sorting them all.
CREATE INDEX "RunStep_runId_startedAt_id_idx" ON "RunStep"("runId", "startedAt", "id");

-- The lists of agents, teams and members page on (createdAt, id) within a workspace.
CREATE INDEX "Agent_workspaceId_createdAt_id_idx" ON "Agent"("workspaceId", "createdAt", "id");
CREATE INDEX "Team_workspaceId_createdAt_id_idx" ON "Team"("workspaceId", "createdAt", "id");
CREATE INDEX "Membership_workspaceId_createdAt_id_idx" ON "Membership"("workspaceId", "createdAt", "id");
