-- People's labels of judged outputs and the judges' calibration against them (server/quality/calibration/).

CREATE TABLE "OutputLabel" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT NOT NULL,
    "iteration" INTEGER NOT NULL,
    "labellerId" TEXT NOT NULL,
    "scores" JSONB NOT NULL DEFAULT '{}',
    "verdict" TEXT NOT NULL,
    "score" DOUBLE PRECISION,
    "note" TEXT NOT NULL DEFAULT '',
    "heldOut" BOOLEAN NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "OutputLabel_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "OutputLabel_verdict_check" CHECK ("verdict" IN ('pass', 'revise', 'fail')),
    CONSTRAINT "OutputLabel_score_check" CHECK ("score" IS NULL OR ("score" >= 0 AND "score" <= 1)),
    CONSTRAINT "OutputLabel_iteration_check" CHECK ("iteration" >= 1)
);
CREATE UNIQUE INDEX "OutputLabel_runId_iteration_labellerId_key" ON "OutputLabel"("runId", "iteration", "labellerId");
CREATE INDEX "OutputLabel_workspaceId_createdAt_id_idx" ON "OutputLabel"("workspaceId", "createdAt", "id");
ALTER TABLE "OutputLabel" ADD CONSTRAINT "OutputLabel_runId_workspaceId_fkey" FOREIGN KEY ("runId", "workspaceId") REFERENCES "Run"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "OutputLabel" ADD CONSTRAINT "OutputLabel_labellerId_fkey" FOREIGN KEY ("labellerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "OutputLabel" TO cadre_app, cadre_system;

ALTER TABLE "OutputLabel" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "OutputLabel" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "OutputLabel"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the workspace's calibration settings
ALTER TABLE "Workspace" ADD COLUMN "calibrationKappaThreshold" DOUBLE PRECISION NOT NULL DEFAULT 0.4;
ALTER TABLE "Workspace" ADD COLUMN "calibrationMinPairs" INTEGER NOT NULL DEFAULT 10;
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_calibrationKappaThreshold_check" CHECK ("calibrationKappaThreshold" >= -1 AND "calibrationKappaThreshold" <= 1);
ALTER TABLE "Workspace" ADD CONSTRAINT "Workspace_calibrationMinPairs_check" CHECK ("calibrationMinPairs" >= 4 AND "calibrationMinPairs" <= 1000);

-- the audit actions label.create, label.update, workspace.calibration.update and the target type label are added to
-- the audit CHECK lists by 20261216_950_labels_closed_sets (after 20261216_900_quality_closed_sets, which rewrites them)
