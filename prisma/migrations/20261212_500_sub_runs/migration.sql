-- Sub-runs (issue 13, the built-in tool run_agent): a run started by a tool call of another run of the same workspace.
-- "parentRunId" and "parentStepId" name the parent run and its tool step; "depth" is 0 for a run started by a person or
-- a key, the parent's + 1 for a sub-run (lib/schemas/runs.ts MAX_RUN_DEPTH). One child per tool step: unique on
-- (parentRunId, parentStepId), so that a replayed tool step finds its child instead of starting a second one.
-- The parent is bound to the same workspace by a composite key; deleting a parent (retention) keeps its children as
-- runs of their own (their ledger rows and audit entries stay meaningful): SET NULL on "parentRunId" only.
ALTER TABLE "Run" ADD COLUMN "parentRunId" TEXT;
ALTER TABLE "Run" ADD COLUMN "parentStepId" TEXT;
ALTER TABLE "Run" ADD COLUMN "depth" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "Run" ADD CONSTRAINT "Run_depth_check" CHECK ("depth" >= 0);
ALTER TABLE "Run" ADD CONSTRAINT "Run_parentStepId_check" CHECK ("parentRunId" IS NULL OR "parentStepId" IS NOT NULL);

CREATE UNIQUE INDEX "Run_parentRunId_parentStepId_key" ON "Run"("parentRunId", "parentStepId");
CREATE INDEX "Run_parentRunId_idx" ON "Run"("parentRunId");

ALTER TABLE "Run" ADD CONSTRAINT "Run_parentRunId_workspaceId_fkey" FOREIGN KEY ("parentRunId", "workspaceId")
  REFERENCES "Run"("id", "workspaceId") ON DELETE SET NULL ("parentRunId") ON UPDATE CASCADE;

-- A sub-run that ends (succeeded, failed, cancelled: whoever writes it) makes its parked parent claimable at once: the
-- parent's tool step runs again and reads the child (server/jobs/sub-run.ts). The same transaction as the child's end,
-- so no end is missed; a parent still parking at that moment is woken by the executor's park statement instead
-- (server/jobs/executor.ts, parkRun). Under Inngest the engine sends the wake event as well.
CREATE OR REPLACE FUNCTION cadre_wake_parent_run() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  UPDATE "Run" p SET "wakeAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
  WHERE p.id = NEW."parentRunId" AND p."workspaceId" = NEW."workspaceId" AND p."status" = 'running' AND p."wakeAt" IS NOT NULL
    AND p."wakeAt" > (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3);
  RETURN NULL;
END
$$;
CREATE TRIGGER "Run_wake_parent" AFTER UPDATE OF "status" ON "Run" FOR EACH ROW
  WHEN (NEW."parentRunId" IS NOT NULL AND OLD."status" IN ('queued', 'running') AND NEW."status" IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION cadre_wake_parent_run();
