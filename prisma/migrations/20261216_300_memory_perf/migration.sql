-- Recall's full-text half, selective for the workspace (server/memory/recall.ts textCandidatesSql).
-- Under row-level security the planner may use an index only for conditions whose operators are LEAKPROOF, and the
-- full-text match (`tsvector @@ tsquery`, ts_match_vq) is not: as cadre_app, the GIN index on "searchText" was never
-- used, and the match was a filter over every row of the workspace (a bitmap scan of its "workspaceId" index), so its
-- cost grew with the workspace (docs/benchmarks.md, "Memory").
-- Now: one GIN index over ("workspaceId", "searchText") (btree_gin: the workspace is a key of the same index, so a scan
-- reads the workspace's matches only), searched by a function owned by cadre_system (BYPASSRLS, no login) that filters
-- by the caller's workspace itself: `"workspaceId" = current_setting('app.workspace_id', true)`, the policy's own
-- condition (unset: no row). It returns ids and ranks only, and takes no workspace argument: a caller can never name
-- another workspace.
CREATE EXTENSION IF NOT EXISTS btree_gin;

CREATE INDEX "Memory_workspaceId_searchText_idx" ON "Memory" USING gin ("workspaceId", "searchText");
DROP INDEX "Memory_searchText_idx";

-- p_scope_types / p_scope_ids: the scopes searched, pairwise (the id is ignored for the workspace scope);
-- p_kinds: NULL for every kind.
CREATE OR REPLACE FUNCTION cadre_memory_text_candidates(p_query TEXT, p_scope_types TEXT[], p_scope_ids TEXT[], p_kinds TEXT[], p_limit INTEGER)
RETURNS TABLE ("id" TEXT, "score" REAL)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = public, pg_catalog AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT m."id", ts_rank(m."searchText", tq) AS "score"
  FROM "Memory" m, websearch_to_tsquery('simple', p_query) tq
  WHERE m."workspaceId" = current_setting('app.workspace_id', true)
    AND m."searchText" @@ tq
    AND EXISTS (SELECT 1 FROM unnest(p_scope_types, p_scope_ids) s(t, i) WHERE m."scopeType" = s.t AND (s.t = 'workspace' OR m."scopeId" = s.i))
    AND (p_kinds IS NULL OR m."kind" = ANY (p_kinds))
  ORDER BY 2 DESC, 1
  LIMIT p_limit;
END
$$;
-- Owned by cadre_system, so that the policy does not apply inside it. Giving it away needs the new owner to hold CREATE
-- on the schema (not granted to PUBLIC since PostgreSQL 15): granted for the change only. A migrating user that may
-- not do this keeps the function: the policy then applies inside it too (the same rows, without the index).
DO $$
BEGIN
  GRANT CREATE ON SCHEMA public TO cadre_system;
  ALTER FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER) OWNER TO cadre_system;
  REVOKE CREATE ON SCHEMA public FROM cadre_system;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cadre_memory_text_candidates stays owned by %: memory full-text recall will not use its index', current_user;
END
$$;
REVOKE ALL ON FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER) TO cadre_app, cadre_system;
