-- Memory documents (issue 14): a document ingested into a memory scope. The row is the ingestion job's state:
-- its extracted text (cleared once ready), its status and progress (chunks done of total), and the lease of the worker
-- processing it (claimed like a run: owner + expiry on the database's clock; an expired lease is taken over and the
-- document resumes after its last committed batch). Its chunks are Memory rows (source 'document') that reference it:
-- unique per (document, chunk index), so a batch run twice never duplicates a chunk, and deleted with it (cascade),
-- so a deleted document is gone from recall at once.
CREATE TABLE "MemoryDocument" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "scopeType" TEXT NOT NULL,
    "scopeId" TEXT,
    "title" TEXT NOT NULL,
    "mimeType" TEXT NOT NULL,
    "sizeBytes" INTEGER NOT NULL,
    "text" TEXT,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "chunksDone" INTEGER NOT NULL DEFAULT 0,
    "chunksTotal" INTEGER NOT NULL DEFAULT 0,
    "error" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retryAt" TIMESTAMP(3),
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "MemoryDocument_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "MemoryDocument_id_workspaceId_key" ON "MemoryDocument"("id", "workspaceId");
CREATE INDEX "MemoryDocument_workspaceId_createdAt_id_idx" ON "MemoryDocument"("workspaceId", "createdAt", "id");
-- the worker's claim: the documents still to process, oldest first
CREATE INDEX "MemoryDocument_active_idx" ON "MemoryDocument"("createdAt") WHERE "status" IN ('queued', 'processing');

ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_scopeType_check" CHECK ("scopeType" IN ('workspace', 'team', 'agent', 'session', 'subject'));
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_scopeId_check" CHECK (("scopeType" = 'workspace') = ("scopeId" IS NULL) AND char_length(coalesce("scopeId", '')) <= 200);
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_status_check" CHECK ("status" IN ('queued', 'processing', 'ready', 'failed'));
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_mimeType_check" CHECK ("mimeType" IN ('text/plain', 'text/markdown', 'text/html', 'application/pdf'));
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'));
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_title_check" CHECK (char_length("title") BETWEEN 1 AND 200);
ALTER TABLE "MemoryDocument" ADD CONSTRAINT "MemoryDocument_progress_check" CHECK ("chunksDone" >= 0 AND "chunksDone" <= "chunksTotal" AND "sizeBytes" >= 0 AND "attempts" >= 0);

GRANT SELECT, INSERT, UPDATE, DELETE ON "MemoryDocument" TO cadre_app, cadre_system;
ALTER TABLE "MemoryDocument" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "MemoryDocument" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "MemoryDocument"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- a document's chunks: the document (same workspace) and the chunk's index in it, unique together
ALTER TABLE "Memory" ADD COLUMN "documentId" TEXT;
ALTER TABLE "Memory" ADD COLUMN "chunkIndex" INTEGER;
CREATE UNIQUE INDEX "Memory_documentId_chunkIndex_key" ON "Memory"("documentId", "chunkIndex");
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_documentId_workspaceId_fkey" FOREIGN KEY ("documentId", "workspaceId") REFERENCES "MemoryDocument"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Memory" ADD CONSTRAINT "Memory_chunk_check" CHECK (("documentId" IS NULL) = ("chunkIndex" IS NULL) AND coalesce("chunkIndex", 0) >= 0);

-- the documents' audit entries (lib/schemas/audit.ts)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'member.leave', 'member.remove', 'member.role_change', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'memory_document', 'model', 'provider', 'routing_preset', 'run', 'secret', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
