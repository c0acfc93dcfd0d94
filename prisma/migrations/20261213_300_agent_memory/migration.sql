-- Issue 14: an agent version's memory policy (replacing the reserved memoryScope label, which no run ever read),
-- a run's subject (the end user or customer it serves: the subject scope of memory), and the memory steps of a run
-- (a recall before an agent step, an episodic memory written when the run ends).
ALTER TABLE "AgentVersion" DROP COLUMN "memoryScope";
ALTER TABLE "AgentVersion" ADD COLUMN "memoryPolicy" JSONB;

ALTER TABLE "Run" ADD COLUMN "subject" TEXT;
ALTER TABLE "Run" ADD CONSTRAINT "Run_subject_check" CHECK ("subject" IS NULL OR "subject" ~ '^[A-Za-z0-9_.:@-]{1,200}$');

ALTER TABLE "RunStep" DROP CONSTRAINT "RunStep_kind_check";
ALTER TABLE "RunStep" ADD CONSTRAINT "RunStep_kind_check" CHECK ("kind" IN ('agent', 'aggregate', 'plan', 'team', 'system', 'summary', 'embed', 'turn', 'tool', 'memory'));
