-- Memory (issue 14, first slice): a workspace's memories with their provenance, embedding and full-text vector.
-- Tenant-scoped under row-level security, closed sets CHECKed (lib/schemas/memory.ts).
-- Embeddings differ in size by model and HNSW needs a fixed dimension: "embedding" is an untyped vector with its
-- size in "dims", and there is one partial HNSW index per supported size on the expression embedding::vector(n).
-- The full-text vector uses the 'simple' configuration (no stemming, no stop words, any language): identifiers
-- such as order numbers and error codes stay whole.
CREATE TABLE "Memory" (
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

    CONSTRAINT "Memory_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "Memory_id_workspaceId_key" ON "Memory"("id", "workspaceId");
CREATE INDEX "Memory_workspaceId_createdAt_id_idx" ON "Memory"("workspaceId", "createdAt", "id");
CREATE INDEX "Memory_workspaceId_scopeType_scopeId_idx" ON "Memory"("workspaceId", "scopeType", "scopeId");
CREATE INDEX "Memory_searchText_idx" ON "Memory" USING gin ("searchText");
CREATE INDEX "Memory_embedding_384_idx" ON "Memory" USING hnsw (("embedding"::vector(384)) vector_cosine_ops) WHERE "dims" = 384;
CREATE INDEX "Memory_embedding_768_idx" ON "Memory" USING hnsw (("embedding"::vector(768)) vector_cosine_ops) WHERE "dims" = 768;
CREATE INDEX "Memory_embedding_1024_idx" ON "Memory" USING hnsw (("embedding"::vector(1024)) vector_cosine_ops) WHERE "dims" = 1024;
CREATE INDEX "Memory_embedding_1536_idx" ON "Memory" USING hnsw (("embedding"::vector(1536)) vector_cosine_ops) WHERE "dims" = 1536;

ALTER TABLE "Memory" ADD CONSTRAINT "Memory_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_scopeType_check" CHECK ("scopeType" IN ('workspace', 'team', 'agent', 'session', 'subject'));
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_scopeId_check" CHECK (("scopeType" = 'workspace') = ("scopeId" IS NULL) AND char_length(coalesce("scopeId", '')) <= 200);
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_kind_check" CHECK ("kind" IN ('semantic', 'episodic', 'working'));
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_source_check" CHECK ("source" IN ('api', 'person', 'run', 'document'));
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'));
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_content_check" CHECK (char_length("content") BETWEEN 1 AND 8000);
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_importance_check" CHECK ("importance" >= 0 AND "importance" <= 1);
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_dims_check" CHECK ("dims" IN (384, 768, 1024, 1536) AND vector_dims("embedding") = "dims");

GRANT SELECT, INSERT, UPDATE, DELETE ON "Memory" TO cadre_app, cadre_system;
ALTER TABLE "Memory" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Memory" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Memory"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- the memories' audit entries (lib/schemas/audit.ts)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'memory.create', 'memory.update', 'memory.delete', 'member.leave', 'member.remove', 'member.role_change', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'model', 'provider', 'routing_preset', 'run', 'secret', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
