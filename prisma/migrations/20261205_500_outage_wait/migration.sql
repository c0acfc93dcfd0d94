-- Runs ride out short provider outages: a step whose models are all cooling down waits (durably) for the first
-- to recover, within its agent's outage wait limit. A waiting run is parked: no executor holds it, and the claim
-- leaves it alone until its wake-up time.
ALTER TABLE "AgentVersion" ADD COLUMN "outageWaitSeconds" INTEGER NOT NULL DEFAULT 120;
ALTER TABLE "Run" ADD COLUMN "wakeAt" TIMESTAMP(3);
