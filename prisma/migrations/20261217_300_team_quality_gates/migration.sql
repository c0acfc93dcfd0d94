-- Team quality gates: a team version's gate on the team run's output, and its setting that applies each member
-- agent's own gate to its node's output inside the team run (docs/architecture.md, Quality gate).
ALTER TABLE "TeamVersion" ADD COLUMN "qualityGate" JSONB;
ALTER TABLE "TeamVersion" ADD COLUMN "agentGates" TEXT NOT NULL DEFAULT 'off';
ALTER TABLE "TeamVersion" ADD CONSTRAINT "TeamVersion_agentGates_check" CHECK ("agentGates" IN ('off', 'on'));

-- A consensus per gate and iteration: "" is the run's own gate, a node id an agent's gate inside a team run.
ALTER TABLE "JudgeConsensus" ADD COLUMN "scope" TEXT NOT NULL DEFAULT '';
DROP INDEX "JudgeConsensus_runId_iteration_key";
CREATE UNIQUE INDEX "JudgeConsensus_runId_scope_iteration_key" ON "JudgeConsensus"("runId", "scope", "iteration");
