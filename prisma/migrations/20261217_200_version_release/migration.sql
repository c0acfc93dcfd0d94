-- Versions that are released (became the one new runs use) and the latest version an edit builds on. Until now the
-- newest version was always the current one; a version saved under an evaluation rule is a candidate (releasedAt
-- NULL) until its evaluation passes, so "current" (the newest released) and "latest" can differ.
ALTER TABLE "Agent" ADD COLUMN "latestVersion" INTEGER NOT NULL DEFAULT 1;
UPDATE "Agent" SET "latestVersion" = "currentVersion";
ALTER TABLE "AgentVersion" ADD COLUMN "releasedAt" TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP;
UPDATE "AgentVersion" SET "releasedAt" = "createdAt";

ALTER TABLE "Team" ADD COLUMN "latestVersion" INTEGER NOT NULL DEFAULT 1;
UPDATE "Team" SET "latestVersion" = "currentVersion";
ALTER TABLE "TeamVersion" ADD COLUMN "releasedAt" TIMESTAMP(3) DEFAULT CURRENT_TIMESTAMP;
UPDATE "TeamVersion" SET "releasedAt" = "createdAt";
