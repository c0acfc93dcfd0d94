-- Per-workspace retention policies (null: the server's default) and the soft delete of a workspace with a
-- recovery window. No new table: the Workspace row's policies (row-level security) already cover these columns.
ALTER TABLE "Workspace" ADD COLUMN "retentionRunEventsDays" INTEGER;
ALTER TABLE "Workspace" ADD COLUMN "retentionStepPayloadsDays" INTEGER;
ALTER TABLE "Workspace" ADD COLUMN "retentionUsageDays" INTEGER;
ALTER TABLE "Workspace" ADD COLUMN "retentionAuditDays" INTEGER;
ALTER TABLE "Workspace" ADD COLUMN "deletedAt" TIMESTAMP(3);
ALTER TABLE "Workspace" ADD COLUMN "deletedById" TEXT;
ALTER TABLE "Workspace" ADD COLUMN "purgeAfter" TIMESTAMP(3);

-- the purge finds workspaces past their recovery window
CREATE INDEX "Workspace_purgeAfter_idx" ON "Workspace"("purgeAfter");

-- the sign-in throttle's expiry purge
CREATE INDEX "LoginThrottle_lastFailureAt_idx" ON "LoginThrottle"("lastFailureAt");
CREATE INDEX "RateLimiterFlexible_expire_idx" ON "RateLimiterFlexible"("expire");
