-- The hosted MCP endpoint (issue 15): an McpCallRun row is now written when a followed tools/call starts, before its
-- run exists ("runId" null until the run is started and attached), so that a notifications/cancelled reaching
-- another process in between finds the call: it sets "cancelledAt", and the call, attaching its run, sees it and
-- cancels the run. Both are single-row UPDATEs of the same row (row lock): whichever comes second sees the other's.
ALTER TABLE "McpCallRun" ALTER COLUMN "runId" DROP NOT NULL;
ALTER TABLE "McpCallRun" ADD COLUMN "cancelledAt" TIMESTAMP(3);
