-- Where each run was started (lib/schemas/runs.ts RUN_CHANNELS): the web app, the REST API (or the cadre CLI over it),
-- the hosted MCP endpoint, the OpenAI-compatible endpoint, a webhook trigger, a schedule, an evaluation, or an agent's
-- run_agent tool (a sub-run); "channelRef" names the trigger, schedule or evaluation. Runs from before this migration
-- have neither (NULL: not recorded). The runs list filters on it within a workspace.
ALTER TABLE "Run" ADD COLUMN "channel" TEXT;
ALTER TABLE "Run" ADD COLUMN "channelRef" TEXT;
ALTER TABLE "Run" ADD CONSTRAINT "Run_channel_check"
  CHECK ("channel" IS NULL OR "channel" IN ('web', 'api', 'cli', 'mcp', 'openai', 'webhook', 'schedule', 'evaluation', 'agent'));
