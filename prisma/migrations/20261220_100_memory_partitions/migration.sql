-- Memory partitioned by workspace, and its vector out of line where the row is toasted (docs/benchmarks.md, "Memory
-- partitioned by workspace"; docs/architecture.md, "Memory").
-- - Hash partitions on "workspaceId" (32): every recall names its workspace, so the planner keeps one partition, and
--   the filtered HNSW walk runs on that partition's own graph instead of a graph of every tenant's rows (with 10
--   workspaces in one graph, 9 of 10 tuples the walk visited were another tenant's, and recall@10 fell to 0.916 at
--   1,000,000 rows). A partition holds the workspaces whose ids hash to it; the iterative scan filters the others.
-- - The vector out of line when the row is toasted at all (STORAGE EXTERNAL: no compression attempt; toast_tuple_target
--   1024 on each partition), the tsvector inline (STORAGE MAIN). PostgreSQL toasts a row only above ~2 kB
--   (TOAST_TUPLE_THRESHOLD, whatever toast_tuple_target says): a row with 768 dimensions or more (3 kB and up) keeps
--   its vector in the TOAST table and ~15 rows a page for the full-text half to read; a 384-dimension row (~1.9 kB)
--   stays inline, 3 rows a page. The HNSW index keeps its own copy of the vectors: the walk never reads the heap's.
-- - A partitioned table's unique keys include the partition key: the primary key is ("id", "workspaceId") (ids stay
--   generated, globally unique by construction) and a document's chunk is unique per workspace.
-- - Row-level security: the policy is on the parent, through which the app reads and writes. The partitions carry the
--   same policy and are not granted to the app's roles: a partition is not reachable by name.
CREATE TABLE "Memory_next" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeId" TEXT,
    "kind" TEXT NOT NULL DEFAULT 'semantic',
    "content" TEXT NOT NULL,
    "importance" REAL NOT NULL DEFAULT 0.5,
    "pinned" BOOLEAN NOT NULL DEFAULT false,
    "source" TEXT NOT NULL,
    "sourceRef" JSONB NOT NULL DEFAULT '{}',
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "embeddingModel" TEXT NOT NULL,
    "dims" INTEGER NOT NULL,
    "embedding" vector NOT NULL,
    "searchText" tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, "content")) STORED,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastRecalledAt" TIMESTAMP(3),
    "documentId" TEXT,
    "chunkIndex" INTEGER,
    CONSTRAINT "Memory_scopeType_check" CHECK ("scopeType" IN ('workspace', 'team', 'agent', 'session', 'subject')),
    CONSTRAINT "Memory_scopeId_check" CHECK (("scopeType" = 'workspace') = ("scopeId" IS NULL) AND char_length(coalesce("scopeId", '')) <= 200),
    CONSTRAINT "Memory_kind_check" CHECK ("kind" IN ('semantic', 'episodic', 'working')),
    CONSTRAINT "Memory_source_check" CHECK ("source" IN ('api', 'person', 'run', 'document')),
    CONSTRAINT "Memory_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system')),
    CONSTRAINT "Memory_content_check" CHECK (char_length("content") BETWEEN 1 AND 8000),
    CONSTRAINT "Memory_importance_check" CHECK ("importance" >= 0 AND "importance" <= 1),
    CONSTRAINT "Memory_dims_check" CHECK ("dims" IN (384, 768, 1024, 1536) AND vector_dims("embedding") = "dims"),
    CONSTRAINT "Memory_chunk_check" CHECK (("documentId" IS NULL) = ("chunkIndex" IS NULL) AND coalesce("chunkIndex", 0) >= 0)
) PARTITION BY HASH ("workspaceId");

DO $$
BEGIN
  FOR r IN 0..31 LOOP
    EXECUTE format(
      'CREATE TABLE %I PARTITION OF "Memory_next" FOR VALUES WITH (MODULUS 32, REMAINDER %s) WITH (fillfactor = 80, toast_tuple_target = 1024)',
      'Memory_p' || lpad(r::text, 2, '0'), r);
  END LOOP;
END
$$;
ALTER TABLE "Memory_next" ALTER COLUMN "embedding" SET STORAGE EXTERNAL;
ALTER TABLE "Memory_next" ALTER COLUMN "searchText" SET STORAGE MAIN;

INSERT INTO "Memory_next" ("id", "workspaceId", "scopeType", "scopeId", "kind", "content", "importance", "pinned", "source", "sourceRef",
    "createdByType", "createdById", "embeddingModel", "dims", "embedding", "createdAt", "updatedAt", "lastRecalledAt", "documentId", "chunkIndex")
  SELECT "id", "workspaceId", "scopeType", "scopeId", "kind", "content", "importance", "pinned", "source", "sourceRef",
    "createdByType", "createdById", "embeddingModel", "dims", "embedding", "createdAt", "updatedAt", "lastRecalledAt", "documentId", "chunkIndex"
  FROM "Memory";

DROP TABLE "Memory";
ALTER TABLE "Memory_next" RENAME TO "Memory";

ALTER TABLE "Memory" ADD CONSTRAINT "Memory_pkey" PRIMARY KEY ("id", "workspaceId");
CREATE UNIQUE INDEX "Memory_workspaceId_documentId_chunkIndex_key" ON "Memory"("workspaceId", "documentId", "chunkIndex");
CREATE INDEX "Memory_workspaceId_createdAt_id_idx" ON "Memory"("workspaceId", "createdAt", "id");
CREATE INDEX "Memory_workspaceId_scopeType_scopeId_idx" ON "Memory"("workspaceId", "scopeType", "scopeId");
CREATE INDEX "Memory_workspaceId_pinned_idx" ON "Memory"("workspaceId") WHERE "pinned";
CREATE INDEX "Memory_workspaceId_searchText_idx" ON "Memory" USING gin ("workspaceId", "searchText");
CREATE INDEX "Memory_embedding_384_idx" ON "Memory" USING hnsw (("embedding"::vector(384)) vector_cosine_ops) WHERE "dims" = 384;
CREATE INDEX "Memory_embedding_768_idx" ON "Memory" USING hnsw (("embedding"::vector(768)) vector_cosine_ops) WHERE "dims" = 768;
CREATE INDEX "Memory_embedding_1024_idx" ON "Memory" USING hnsw (("embedding"::vector(1024)) vector_cosine_ops) WHERE "dims" = 1024;
CREATE INDEX "Memory_embedding_1536_idx" ON "Memory" USING hnsw (("embedding"::vector(1536)) vector_cosine_ops) WHERE "dims" = 1536;
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_documentId_workspaceId_fkey" FOREIGN KEY ("documentId", "workspaceId") REFERENCES "MemoryDocument"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

GRANT SELECT, INSERT, UPDATE, DELETE ON "Memory" TO cadre_app, cadre_system;
ALTER TABLE "Memory" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Memory" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Memory"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- each partition's indexes named after the parent's ("Memory_p07_embedding_384_idx", not "Memory_p07_embedding_idx2")
DO $$
DECLARE
  part TEXT;
  ix RECORD;
BEGIN
  FOR part IN SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = '"Memory"'::regclass LOOP
    FOR ix IN SELECT ci.relname AS child, pi.relname AS parent
      FROM pg_index x JOIN pg_class ci ON ci.oid = x.indexrelid
      JOIN pg_inherits ii ON ii.inhrelid = ci.oid JOIN pg_class pi ON pi.oid = ii.inhparent
      WHERE x.indrelid = format('%I', part)::regclass LOOP
      IF ix.child <> part || substr(ix.parent, 7) THEN
        EXECUTE format('ALTER INDEX %I RENAME TO %I', ix.child, part || substr(ix.parent, 7));
      END IF;
    END LOOP;
    EXECUTE format('REVOKE ALL ON %I FROM cadre_app, cadre_system', part);
    EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', part);
    EXECUTE format($p$CREATE POLICY "tenant_isolation" ON %I USING ("workspaceId" = current_setting('app.workspace_id', true)) WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true))$p$, part);
  END LOOP;
END
$$;

-- The full-text search reads the workspace from a variable, so that the planner keeps the workspace's partition when
-- it plans the query (a condition on current_setting() is pruned only when the plan runs, after every partition was
-- opened and planned). The rest is unchanged (20261216_300_memory_perf): no setting, no row. The owner stays
-- cadre_system (a replaced function keeps its owner).
CREATE OR REPLACE FUNCTION cadre_memory_text_candidates(p_query TEXT, p_scope_types TEXT[], p_scope_ids TEXT[], p_kinds TEXT[], p_limit INTEGER)
RETURNS TABLE ("id" TEXT, "score" REAL)
LANGUAGE plpgsql STABLE SECURITY DEFINER ROWS 50 SET search_path = public, pg_catalog AS $$
#variable_conflict use_column
DECLARE
  v_workspace TEXT := current_setting('app.workspace_id', true);
BEGIN
  IF coalesce(v_workspace, '') = '' THEN
    RETURN;
  END IF;
  RETURN QUERY
  SELECT m."id", ts_rank(m."searchText", tq) AS "score"
  FROM "Memory" m, websearch_to_tsquery('simple', p_query) tq
  WHERE m."workspaceId" = v_workspace
    AND m."searchText" @@ tq
    AND EXISTS (SELECT 1 FROM unnest(p_scope_types, p_scope_ids) s(t, i) WHERE m."scopeType" = s.t AND (s.t = 'workspace' OR m."scopeId" = s.i))
    AND (p_kinds IS NULL OR m."kind" = ANY (p_kinds))
  ORDER BY 2 DESC, 1
  LIMIT p_limit;
END
$$;
