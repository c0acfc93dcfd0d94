-- Remote MCP servers are synced again automatically (server/tools/mcp-resync.ts, every CADRE_MCP_SYNC_HOURS): each
-- server's next sync, claimed by moving it on. Servers from before this migration have none: due at the first pass.
ALTER TABLE "McpServer" ADD COLUMN "nextSyncAt" TIMESTAMP(3);

-- the pass's claim reads the enabled servers that are due, across workspaces (kept by hand: a partial index)
CREATE INDEX "McpServer_nextSyncAt_idx" ON "McpServer" ("nextSyncAt") WHERE "enabled";
