-- A model call in flight (issue 11, "the ledger complete"): written by the gateway before it calls a provider
-- (server/ledger/calls-in-flight.ts), with the call's usage row's id and its worst-case estimate. The call's usage
-- row deletes it in the same statement. One left behind belongs to a process that died mid-call: the claim that
-- resumes its run, or the sweep of expired rows, turns it into that usage row in one statement (outcome 'lost',
-- estimated, costed at the estimate), exactly once whatever the number of processes; a late usage row of the call
-- (its process was only slow) replaces it, as it has the same id.
CREATE TABLE "ModelCallInFlight" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT,
    "stepId" TEXT,
    "agentId" TEXT,
    "modelRef" TEXT,
    "modelName" TEXT NOT NULL,
    "providerKind" TEXT NOT NULL,
    "inputTokens" INTEGER NOT NULL DEFAULT 0,
    "outputTokens" INTEGER NOT NULL DEFAULT 0,
    "costUsd" DECIMAL(20,10) NOT NULL DEFAULT 0,
    "actorType" TEXT,
    "actorId" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "ModelCallInFlight_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "ModelCallInFlight_workspaceId_runId_idx" ON "ModelCallInFlight"("workspaceId", "runId");
CREATE INDEX "ModelCallInFlight_expiresAt_idx" ON "ModelCallInFlight"("expiresAt");
ALTER TABLE "ModelCallInFlight" ADD CONSTRAINT "ModelCallInFlight_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "ModelCallInFlight" TO cadre_app, cadre_system;
ALTER TABLE "ModelCallInFlight" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "ModelCallInFlight" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "ModelCallInFlight"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- 'lost': the estimated usage row of a call whose process died before it could record it
ALTER TABLE "UsageRecord" DROP CONSTRAINT "UsageRecord_outcome_check";
ALTER TABLE "UsageRecord" ADD CONSTRAINT "UsageRecord_outcome_check"
  CHECK ("outcome" IN ('ok', 'error', 'timeout', 'refused', 'answer_invalid', 'lost'));
