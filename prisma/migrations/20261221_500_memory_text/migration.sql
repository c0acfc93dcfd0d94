-- Recall's full-text half on a narrow side table, and a bound on the matches it ranks (docs/architecture.md, "Memory";
-- docs/benchmarks.md, "Memory's full-text half on a side table").
-- - "MemoryText": one row per memory with what the full-text search filters and ranks on (id, workspace, scope, kind,
--   the tsvector of its content): ~200 bytes a row against ~1.9 kB for a 384-dimension "Memory" row, so a query whose
--   words match thousands of memories reads tens of rows a page instead of one page a match. Partitioned like
--   "Memory" (32 hash partitions on "workspaceId"), with its own GIN index over ("workspaceId", "searchText").
-- - Kept by triggers on "Memory", in the statement that changes it: inserted rows (a statement trigger over the inserted
--   rows: a bulk insert is one INSERT ... SELECT), deleted rows (likewise: forget, a subject's erasure, retention, a
--   document's chunks deleted with it) and an update of the content, scope or kind (a row trigger that fires for those
--   columns only: recall's "lastRecalledAt", pinning or re-embedding do not touch the side table). The triggers run as
--   the caller: the side table's policy checks them as it checks "Memory"'s.
-- - "Memory"."searchText" and its GIN index are dropped: nothing else reads them, and every insert paid for them.
-- - cadre_memory_text_candidates reads the side table and ranks at most p_ranked of the matches (see below).
-- - Row-level security as on "Memory": the policy on the parent, and on each partition (forced), which the app's roles
--   are not granted: a partition is not reachable by name.
CREATE TABLE "MemoryText" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeId" TEXT,
    "kind" TEXT NOT NULL,
    "searchText" tsvector NOT NULL,
    CONSTRAINT "MemoryText_pkey" PRIMARY KEY ("id", "workspaceId")
) PARTITION BY HASH ("workspaceId");

DO $$
BEGIN
  FOR r IN 0..31 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF "MemoryText" FOR VALUES WITH (MODULUS 32, REMAINDER %s)', 'MemoryText_p' || lpad(r::text, 2, '0'), r);
  END LOOP;
END
$$;

-- the existing memories (the generated "searchText" of each row, the same to_tsvector the trigger computes)
INSERT INTO "MemoryText" ("id", "workspaceId", "scopeType", "scopeId", "kind", "searchText")
  SELECT "id", "workspaceId", "scopeType", "scopeId", "kind", to_tsvector('simple'::regconfig, "content") FROM "Memory";

CREATE INDEX "MemoryText_workspaceId_searchText_idx" ON "MemoryText" USING gin ("workspaceId", "searchText");
ALTER TABLE "MemoryText" ADD CONSTRAINT "MemoryText_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "MemoryText" TO cadre_app, cadre_system;
ALTER TABLE "MemoryText" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "MemoryText" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "MemoryText"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- each partition's indexes named after the parent's, its policy, no grants (as "Memory"'s, 20261220_100)
DO $$
DECLARE
  part TEXT;
  ix RECORD;
BEGIN
  FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"MemoryText"'::regclass LOOP
    FOR ix IN SELECT ci.relname AS child, pi.relname AS parent
      FROM pg_index x JOIN pg_class ci ON ci.oid = x.indexrelid
      JOIN pg_inherits ii ON ii.inhrelid = ci.oid JOIN pg_class pi ON pi.oid = ii.inhparent
      WHERE x.indrelid = format('%I', part)::regclass LOOP
      IF ix.child <> part || substr(ix.parent, 11) THEN
        EXECUTE format('ALTER INDEX %I RENAME TO %I', ix.child, part || substr(ix.parent, 11));
      END IF;
    END LOOP;
    EXECUTE format('REVOKE ALL ON %I FROM cadre_app, cadre_system', part);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', part);
    EXECUTE format($p$CREATE POLICY "tenant_isolation" ON %I USING ("workspaceId" = current_setting('app.workspace_id', true)) WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true))$p$, part);
  END LOOP;
END
$$;

-- The triggers. Statement triggers read the statement's rows from its transition table (a partitioned table allows
-- them on the parent); the update trigger is a row trigger because a trigger with a column list may not have one.
CREATE FUNCTION cadre_memory_text_inserted() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
  INSERT INTO "MemoryText" ("id", "workspaceId", "scopeType", "scopeId", "kind", "searchText")
    SELECT n."id", n."workspaceId", n."scopeType", n."scopeId", n."kind", to_tsvector('simple'::regconfig, n."content") FROM cadre_new_rows n;
  RETURN NULL;
END
$$;

CREATE FUNCTION cadre_memory_text_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
  DELETE FROM "MemoryText" t USING cadre_old_rows o WHERE t."id" = o."id" AND t."workspaceId" = o."workspaceId";
  RETURN NULL;
END
$$;

CREATE FUNCTION cadre_memory_text_updated() RETURNS trigger LANGUAGE plpgsql SET search_path = public, pg_catalog AS $$
BEGIN
  IF NEW."id" <> OLD."id" OR NEW."workspaceId" <> OLD."workspaceId" THEN
    DELETE FROM "MemoryText" WHERE "id" = OLD."id" AND "workspaceId" = OLD."workspaceId";
    INSERT INTO "MemoryText" ("id", "workspaceId", "scopeType", "scopeId", "kind", "searchText")
      VALUES (NEW."id", NEW."workspaceId", NEW."scopeType", NEW."scopeId", NEW."kind", to_tsvector('simple'::regconfig, NEW."content"));
  ELSE
    UPDATE "MemoryText" SET "scopeType" = NEW."scopeType", "scopeId" = NEW."scopeId", "kind" = NEW."kind",
        "searchText" = CASE WHEN NEW."content" = OLD."content" THEN "searchText" ELSE to_tsvector('simple'::regconfig, NEW."content") END
      WHERE "id" = OLD."id" AND "workspaceId" = OLD."workspaceId";
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER "Memory_text_inserted" AFTER INSERT ON "Memory" REFERENCING NEW TABLE AS cadre_new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION cadre_memory_text_inserted();
CREATE TRIGGER "Memory_text_deleted" AFTER DELETE ON "Memory" REFERENCING OLD TABLE AS cadre_old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION cadre_memory_text_deleted();
CREATE TRIGGER "Memory_text_updated" AFTER UPDATE OF "id", "workspaceId", "scopeType", "scopeId", "kind", "content" ON "Memory"
  FOR EACH ROW WHEN (OLD."id" IS DISTINCT FROM NEW."id" OR OLD."workspaceId" IS DISTINCT FROM NEW."workspaceId"
    OR OLD."scopeType" IS DISTINCT FROM NEW."scopeType" OR OLD."scopeId" IS DISTINCT FROM NEW."scopeId"
    OR OLD."kind" IS DISTINCT FROM NEW."kind" OR OLD."content" IS DISTINCT FROM NEW."content")
  EXECUTE FUNCTION cadre_memory_text_updated();

REVOKE ALL ON FUNCTION cadre_memory_text_inserted() FROM PUBLIC;
REVOKE ALL ON FUNCTION cadre_memory_text_deleted() FROM PUBLIC;
REVOKE ALL ON FUNCTION cadre_memory_text_updated() FROM PUBLIC;

DROP INDEX "Memory_workspaceId_searchText_idx";
ALTER TABLE "Memory" DROP COLUMN "searchText";

-- The full-text candidates, from the side table. As before (20261216_300, 20261220_100): owned by cadre_system, so
-- that the policy (whose non-LEAKPROOF match would keep the GIN index unused) does not apply inside it; it filters by
-- the transaction's workspace itself (unset: no row) and takes no workspace argument.
-- New: p_ranked, the most matches it ranks. A query whose words are common matches thousands of a workspace's memories,
-- and ranking them all reads every one; the matches ranked are the first p_ranked the GIN index's bitmap yields, in
-- the table's storage order (mostly oldest first), and the p_limit best of them by ts_rank are returned. A query with
-- at most p_ranked matches (an identifier, a sentence) is ranked exactly as before.
-- Planned for each call's own values (plan_cache_mode): the workspace's partition pruned at planning, and the
-- tsquery's selectivity known; no sequential scan (enable_seqscan): one that stops at the bound would first read the
-- other workspaces' rows of a shared partition.
DROP FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER);
CREATE FUNCTION cadre_memory_text_candidates(p_query TEXT, p_scope_types TEXT[], p_scope_ids TEXT[], p_kinds TEXT[], p_limit INTEGER, p_ranked INTEGER)
RETURNS TABLE ("id" TEXT, "score" REAL)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50
SET search_path = public, pg_catalog SET plan_cache_mode = force_custom_plan SET enable_seqscan = off AS $$
#variable_conflict use_column
DECLARE
  v_workspace TEXT := current_setting('app.workspace_id', true);
  v_query tsquery := websearch_to_tsquery('simple'::regconfig, p_query);
BEGIN
  IF coalesce(v_workspace, '') = '' THEN
    RETURN;
  END IF;
  RETURN QUERY
  SELECT m."id", ts_rank(m."searchText", v_query) AS "score"
  FROM (
    SELECT t."id", t."searchText" FROM "MemoryText" t
    WHERE t."workspaceId" = v_workspace
      AND t."searchText" @@ v_query
      AND EXISTS (SELECT 1 FROM unnest(p_scope_types, p_scope_ids) s(st, si) WHERE t."scopeType" = s.st AND (s.st = 'workspace' OR t."scopeId" = s.si))
      AND (p_kinds IS NULL OR t."kind" = ANY (p_kinds))
    LIMIT p_ranked
  ) m
  ORDER BY 2 DESC, 1
  LIMIT p_limit;
END
$$;
DO $$
BEGIN
  GRANT CREATE ON SCHEMA public TO cadre_system;
  ALTER FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER, INTEGER) OWNER TO cadre_system;
  REVOKE CREATE ON SCHEMA public FROM cadre_system;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'cadre_memory_text_candidates stays owned by %: memory full-text recall will not use its index', current_user;
END
$$;
REVOKE ALL ON FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER, INTEGER) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION cadre_memory_text_candidates(TEXT, TEXT[], TEXT[], TEXT[], INTEGER, INTEGER) TO cadre_app, cadre_system;
