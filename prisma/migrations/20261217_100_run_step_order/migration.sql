-- A run's steps page on (startedAt, stepId): the step id breaks ties between steps that start in the same millisecond
DROP INDEX IF EXISTS "RunStep_runId_startedAt_id_idx";
CREATE INDEX "RunStep_runId_startedAt_stepId_idx" ON "RunStep"("runId", "startedAt", "stepId");
