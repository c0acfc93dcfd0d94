-- Budgets as reservations: before a model call (or an embedding call) whose workspace or run has a limit, the call's
-- worst-case estimate is reserved in one transaction (under a per-workspace advisory lock) that checks the month's
-- and the run's spend plus the open reservations against the limits; the usage row of the call deletes it in the
-- same statement. A reservation past `expiresAt` (its process died) is ignored by the check and deleted by the next.
CREATE TABLE "BudgetReservation" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "runId" TEXT,
    "amountUsd" DECIMAL(20,10) NOT NULL,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BudgetReservation_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "BudgetReservation_workspaceId_expiresAt_idx" ON "BudgetReservation"("workspaceId", "expiresAt");
CREATE INDEX "BudgetReservation_workspaceId_runId_idx" ON "BudgetReservation"("workspaceId", "runId");
ALTER TABLE "BudgetReservation" ADD CONSTRAINT "BudgetReservation_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "BudgetReservation" TO cadre_app, cadre_system;
ALTER TABLE "BudgetReservation" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "BudgetReservation" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "BudgetReservation"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- A usage row whose tokens were counted by Cadre, not reported by the provider (a stream cut or a call timed out
-- after the provider began to bill): its cost is an estimate.
ALTER TABLE "UsageRecord" ADD COLUMN "estimated" BOOLEAN NOT NULL DEFAULT false;

-- The month-to-date sum of a reservation under a monthly limit reads only this index (an index-only scan): the
-- costs ride along with the (workspaceId, createdAt) key. (Prisma's schema cannot declare INCLUDE columns: this
-- index lives in migrations only.)
CREATE INDEX "UsageRecord_workspaceId_createdAt_costUsd_idx" ON "UsageRecord"("workspaceId", "createdAt") INCLUDE ("costUsd");
