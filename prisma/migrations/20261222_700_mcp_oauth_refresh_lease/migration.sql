-- One refresh of an MCP server's OAuth tokens at a time, across processes (server/tools/mcp-oauth.ts): the process
-- that refreshes holds this lease until it has stored the new tokens (or until it lapses, if that process died);
-- the others wait for the stored tokens to change instead of spending the same refresh token (rotated on use, and
-- under refresh-token reuse detection, spending it twice revokes the whole grant).
ALTER TABLE "McpServer" ADD COLUMN "oauthRefreshUntil" TIMESTAMP(3);
