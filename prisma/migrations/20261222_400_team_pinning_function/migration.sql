-- A new run's pinning read (server/teams/pinning.ts `teamWithItsAgents`) as a function, like the finish of
-- 20261222_200: a team of the workspace by id or slug at its current version (or p_version), the workspace's step
-- limit and PII policy, and every agent whose slug is a string anywhere in the version's spec, each with its current
-- version as a jsonb array (read by server/agents/service.ts `currentAgentsFromJson`, which names these keys). Sent as
-- literal SQL, the statement was parsed, rewritten for row-level security and planned at every run's start; PL/pgSQL
-- keeps its plan per connection. No row when the workspace has no such team. SECURITY INVOKER: the caller's
-- row-level security applies.
CREATE OR REPLACE FUNCTION cadre_team_with_agents(p_workspace TEXT, p_ref TEXT, p_version INTEGER)
RETURNS TABLE (
  id TEXT, slug TEXT, name TEXT, archived BOOLEAN, "currentVersion" INTEGER, version INTEGER, spec JSONB, "qualityGate" JSONB,
  "agentGates" TEXT, "runStepLimit" INTEGER, "piiPolicy" JSONB, agents JSONB
)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH t AS (
       SELECT t.id, t.slug, t.name, t."archivedAt" IS NOT NULL AS archived, t."currentVersion", v.version, v.spec, v."qualityGate", v."agentGates"
       FROM "Team" t
       LEFT JOIN LATERAL (SELECT x.version, x.spec, x."qualityGate", x."agentGates" FROM "TeamVersion" x
         WHERE x."teamId" = t.id AND x.version = COALESCE(p_version, t."currentVersion")) v ON TRUE
       WHERE t."workspaceId" = p_workspace AND (t.id = p_ref OR t.slug = p_ref)
       LIMIT 1)
  SELECT t.id, t.slug, t.name, t.archived, t."currentVersion", t.version, t.spec, t."qualityGate", t."agentGates",
    w."runStepLimit", w."piiPolicy",
    (SELECT COALESCE(jsonb_agg(jsonb_build_object(
       'id', a.id, 'slug', a.slug, 'archived', a."archivedAt" IS NOT NULL, 'version', av.version, 'name', av.name,
       'roleDescription', av."roleDescription", 'instructions', av.instructions, 'modelPolicy', av."modelPolicy",
       'maxOutputTokens', av."maxOutputTokens", 'temperature', av.temperature::text, 'outageWaitSeconds', av."outageWaitSeconds",
       'callTimeoutSeconds', av."callTimeoutSeconds", 'contextBudget', av."contextBudget", 'allowedTools', to_jsonb(av."allowedTools"),
       'toolApprovals', av."toolApprovals", 'memoryPolicy', av."memoryPolicy", 'qualityGate', av."qualityGate",
       'createdAt', to_char(av."createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
       'releasedAt', to_char(av."releasedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))), '[]'::jsonb)
     FROM "Agent" a
     JOIN "AgentVersion" av ON av."agentId" = a.id AND av.version = a."currentVersion"
     WHERE a."workspaceId" = p_workspace
       AND a.slug IN (SELECT s #>> '{}' FROM jsonb_path_query(t.spec, 'strict $.**') AS s WHERE jsonb_typeof(s) = 'string'))
  FROM t LEFT JOIN "Workspace" w ON w.id = p_workspace;
END
$$;
