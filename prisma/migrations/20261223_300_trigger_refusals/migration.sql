-- Signed deliveries to a webhook trigger that started no run (server/triggers/receive.ts): counted on the trigger with when
-- and why the last one was refused, for the Automations page and the API (unsigned ones are not the sender's: not counted).
ALTER TABLE "WebhookTrigger" ADD COLUMN     "lastRefusal" TEXT,
ADD COLUMN     "lastRefusedAt" TIMESTAMP(3),
ADD COLUMN     "refusedDeliveries" INTEGER NOT NULL DEFAULT 0;
