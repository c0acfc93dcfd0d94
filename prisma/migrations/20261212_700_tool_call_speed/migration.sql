-- What a tool call reads from the database when it executes (server/tools/registry.ts toolForCallSql), as a function:
-- the tool's row as it is now (NULL columns: no row, e.g. a built-in with its defaults or a tool deleted since) and
-- the workspace's egress lists, in one row. Sent as literal SQL, the join was parsed, rewritten (row-level security on
-- both tables) and planned again at every call; PL/pgSQL keeps the prepared plan for the session. SECURITY INVOKER:
-- row-level security applies as it did to the statement it replaces (no row outside the caller's workspace).
CREATE OR REPLACE FUNCTION cadre_tool_for_call(p_workspace TEXT, p_name TEXT)
RETURNS TABLE (
  "egressAllowHosts" TEXT[], "egressDenyHosts" TEXT[], "id" TEXT, "name" TEXT, "kind" TEXT, "description" TEXT, "inputSchema" JSONB,
  "enabled" BOOLEAN, "config" JSONB, "secretId" TEXT, "secretHost" TEXT, "timeoutMs" INTEGER, "maxResponseBytes" INTEGER,
  "rateLimitPerMinute" INTEGER, "agentRateLimitPerMinute" INTEGER, "costPerCallUsd" TEXT, "approval" JSONB, "mcpServerId" TEXT,
  "remoteName" TEXT, "pendingDefinition" JSONB
)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT w."egressAllowHosts", w."egressDenyHosts", t."id", t."name", t."kind", t."description", t."inputSchema", t."enabled", t."config",
    t."secretId", t."secretHost", t."timeoutMs", t."maxResponseBytes", t."rateLimitPerMinute", t."agentRateLimitPerMinute",
    t."costPerCallUsd"::text, t."approval", t."mcpServerId", t."remoteName", t."pendingDefinition"
  FROM "Workspace" w LEFT JOIN "Tool" t ON t."workspaceId" = w."id" AND t."name" = p_name
  WHERE w."id" = p_workspace;
END
$$;
