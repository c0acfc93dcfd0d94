-- AlterTable
ALTER TABLE "Run" ADD COLUMN     "pins" JSONB;

-- Backfill: runs created before this column keep their pins in their run.queued event
UPDATE "Run" r SET "pins" = e."data"->'pins' FROM "RunEvent" e WHERE e."runId" = r.id AND e.type = 'run.queued' AND r."pins" IS NULL;
