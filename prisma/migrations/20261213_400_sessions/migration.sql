-- Sessions (issue 14, the kernel's session API): a conversation with an agent or a team. Each message a person or a
-- key sends is an ordinary run of the session's target (Run."sessionId"), with the session's earlier turns as its
-- working memory; the run's end appends the answer. One message at a time: "busyRunId" is the run answering now
-- (a second message meanwhile is refused with 409, server/sessions/service.ts).
CREATE TABLE "Session" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "agentId" TEXT,
    "teamId" TEXT,
    "subject" TEXT,
    "title" TEXT NOT NULL DEFAULT '',
    "metadata" JSONB NOT NULL DEFAULT '{}',
    "busyRunId" TEXT,
    "messageCount" INTEGER NOT NULL DEFAULT 0,
    "summary" TEXT NOT NULL DEFAULT '',
    "summarizedThroughSeq" INTEGER NOT NULL DEFAULT 0,
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "lastMessageAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Session_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "Session_id_workspaceId_key" ON "Session"("id", "workspaceId");
CREATE INDEX "Session_workspaceId_createdAt_idx" ON "Session"("workspaceId", "createdAt");
CREATE INDEX "Session_workspaceId_subject_idx" ON "Session"("workspaceId", "subject");
ALTER TABLE "Session" ADD CONSTRAINT "Session_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Session" ADD CONSTRAINT "Session_agentId_workspaceId_fkey" FOREIGN KEY ("agentId", "workspaceId") REFERENCES "Agent"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Session" ADD CONSTRAINT "Session_teamId_workspaceId_fkey" FOREIGN KEY ("teamId", "workspaceId") REFERENCES "Team"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Session" ADD CONSTRAINT "Session_targetType_check" CHECK (("targetType" = 'agent' AND "agentId" IS NOT NULL AND "teamId" IS NULL) OR ("targetType" = 'team' AND "teamId" IS NOT NULL AND "agentId" IS NULL));
ALTER TABLE "Session" ADD CONSTRAINT "Session_subject_check" CHECK ("subject" IS NULL OR "subject" ~ '^[A-Za-z0-9_.:@-]{1,200}$');
ALTER TABLE "Session" ADD CONSTRAINT "Session_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key'));

CREATE TABLE "SessionMessage" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "role" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "runId" TEXT,
    "status" TEXT NOT NULL DEFAULT 'ok',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SessionMessage_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "SessionMessage_sessionId_seq_key" ON "SessionMessage"("sessionId", "seq");
CREATE INDEX "SessionMessage_workspaceId_idx" ON "SessionMessage"("workspaceId");
CREATE INDEX "SessionMessage_runId_idx" ON "SessionMessage"("runId");
ALTER TABLE "SessionMessage" ADD CONSTRAINT "SessionMessage_sessionId_workspaceId_fkey" FOREIGN KEY ("sessionId", "workspaceId") REFERENCES "Session"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "SessionMessage" ADD CONSTRAINT "SessionMessage_role_check" CHECK ("role" IN ('user', 'assistant'));
ALTER TABLE "SessionMessage" ADD CONSTRAINT "SessionMessage_status_check" CHECK ("status" IN ('ok', 'failed', 'cancelled'));
ALTER TABLE "SessionMessage" ADD CONSTRAINT "SessionMessage_seq_check" CHECK ("seq" >= 1);

ALTER TABLE "Run" ADD COLUMN "sessionId" TEXT;
CREATE INDEX "Run_sessionId_idx" ON "Run"("sessionId");
ALTER TABLE "Run" ADD CONSTRAINT "Run_sessionId_workspaceId_fkey" FOREIGN KEY ("sessionId", "workspaceId")
  REFERENCES "Session"("id", "workspaceId") ON DELETE SET NULL ("sessionId") ON UPDATE CASCADE;

-- A session's run that ends (whoever writes the end) appends the answer, or what became of the message, and frees
-- the session for the next message: the same transaction as the run's end, so no answer is lost or written twice.
CREATE OR REPLACE FUNCTION cadre_session_run_ended() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  s "Session"%ROWTYPE;
BEGIN
  SELECT * INTO s FROM "Session" WHERE id = NEW."sessionId" AND "workspaceId" = NEW."workspaceId" FOR UPDATE;
  IF NOT FOUND THEN RETURN NULL; END IF;
  INSERT INTO "SessionMessage" ("id", "workspaceId", "sessionId", "seq", "role", "content", "runId", "status", "createdAt")
  VALUES (
    'smsg_' || substr(md5(NEW.id || clock_timestamp()::text), 1, 24), NEW."workspaceId", s.id, s."messageCount" + 1, 'assistant',
    CASE NEW."status"
      WHEN 'succeeded' THEN coalesce(NEW."output"->>'text', NEW."output" #>> '{}', '')
      WHEN 'failed' THEN 'The run failed: ' || coalesce(NEW."error", 'no reason given')
      ELSE 'The run was cancelled.'
    END,
    NEW.id,
    CASE NEW."status" WHEN 'succeeded' THEN 'ok' WHEN 'failed' THEN 'failed' ELSE 'cancelled' END,
    (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
  );
  UPDATE "Session" SET "messageCount" = s."messageCount" + 1,
    "busyRunId" = CASE WHEN "busyRunId" = NEW.id THEN NULL ELSE "busyRunId" END,
    "lastMessageAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3),
    "updatedAt" = (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)
  WHERE id = s.id AND "workspaceId" = s."workspaceId";
  RETURN NULL;
END
$$;
CREATE TRIGGER "Run_session_ended" AFTER UPDATE OF "status" ON "Run" FOR EACH ROW
  WHEN (NEW."sessionId" IS NOT NULL AND OLD."status" IN ('queued', 'running') AND NEW."status" IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION cadre_session_run_ended();

GRANT SELECT, INSERT, UPDATE, DELETE ON "Session", "SessionMessage" TO cadre_app, cadre_system;
ALTER TABLE "Session" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "Session" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "Session"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "SessionMessage" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "SessionMessage" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "SessionMessage"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- sessions are audited (session.create, session.delete)
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'memory_document', 'model', 'provider', 'routing_preset', 'run', 'secret', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'workspace'
));
