-- The most steps one run of this workspace may make (worst case when a team is saved or started, and counted while
-- it runs); null: the operator default (CADRE_RUN_STEP_LIMIT)
ALTER TABLE "Workspace" ADD COLUMN "runStepLimit" INTEGER;
