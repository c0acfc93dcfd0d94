-- An agent version's own model-call timeout (seconds, the whole call; first byte and idle pauses of a stream are
-- capped by it); NULL: scaled to the call's output budget (server/models/timeouts.ts).
ALTER TABLE "AgentVersion" ADD COLUMN "callTimeoutSeconds" INTEGER;
ALTER TABLE "AgentVersion" ADD CONSTRAINT "AgentVersion_callTimeoutSeconds_check"
  CHECK ("callTimeoutSeconds" IS NULL OR ("callTimeoutSeconds" BETWEEN 1 AND 600));
