-- Outgoing webhooks (issue 15): subscriptions of a workspace to its events, and an outbox of deliveries. A delivery row
-- is written by a trigger in the SAME transaction as the change that causes it (a run's end, an approval request, a
-- usage record that crosses the month's budget threshold), so an event is recorded exactly once and survives a
-- restart; the delivery worker (server/jobs/webhook-deliveries.ts) sends it later, never blocking the run.
CREATE TABLE "WebhookSubscription" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "url" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "eventTypes" TEXT[] NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabledReason" TEXT,
    "secretId" TEXT NOT NULL,
    "previousSecretId" TEXT,
    "previousSecretExpiresAt" TIMESTAMP(3),
    "createdByType" TEXT NOT NULL,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookSubscription_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "WebhookSubscription_id_workspaceId_key" ON "WebhookSubscription"("id", "workspaceId");
CREATE INDEX "WebhookSubscription_workspaceId_createdAt_id_idx" ON "WebhookSubscription"("workspaceId", "createdAt", "id");
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_eventTypes_check" CHECK (
  cardinality("eventTypes") >= 1 AND "eventTypes" <@ ARRAY['run.succeeded', 'run.failed', 'run.cancelled', 'approval.requested', 'budget.alert']::text[]);
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'));
ALTER TABLE "WebhookSubscription" ADD CONSTRAINT "WebhookSubscription_text_check" CHECK (
  char_length("url") BETWEEN 1 AND 2000 AND char_length("description") <= 500 AND char_length(coalesce("disabledReason", '')) <= 500);

CREATE TABLE "WebhookDelivery" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "subscriptionId" TEXT NOT NULL,
    "eventType" TEXT NOT NULL,
    "eventKey" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "retryAt" TIMESTAMP(3),
    "deadlineAt" TIMESTAMP(3) NOT NULL,
    "redeliverRequested" BOOLEAN NOT NULL DEFAULT false,
    "leaseOwner" TEXT,
    "leaseExpiresAt" TIMESTAMP(3),
    "lastStatus" INTEGER,
    "lastError" TEXT,
    "createdByType" TEXT NOT NULL DEFAULT 'system',
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    CONSTRAINT "WebhookDelivery_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "WebhookDelivery_id_workspaceId_key" ON "WebhookDelivery"("id", "workspaceId");
CREATE UNIQUE INDEX "WebhookDelivery_subscriptionId_eventKey_key" ON "WebhookDelivery"("subscriptionId", "eventKey");
CREATE INDEX "WebhookDelivery_workspaceId_subscriptionId_createdAt_id_idx" ON "WebhookDelivery"("workspaceId", "subscriptionId", "createdAt", "id");
-- the worker's claim: the deliveries still to send, oldest first
CREATE INDEX "WebhookDelivery_active_idx" ON "WebhookDelivery"("createdAt") WHERE "status" IN ('queued', 'processing');
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_subscriptionId_workspaceId_fkey" FOREIGN KEY ("subscriptionId", "workspaceId") REFERENCES "WebhookSubscription"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_eventType_check" CHECK ("eventType" IN ('run.succeeded', 'run.failed', 'run.cancelled', 'approval.requested', 'budget.alert', 'webhook.test'));
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_status_check" CHECK ("status" IN ('queued', 'processing', 'delivered', 'failed'));
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_createdByType_check" CHECK ("createdByType" IN ('user', 'api_key', 'system'));
ALTER TABLE "WebhookDelivery" ADD CONSTRAINT "WebhookDelivery_attempts_check" CHECK ("attempts" >= 0);

CREATE TABLE "WebhookAttempt" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "deliveryId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "manual" BOOLEAN NOT NULL DEFAULT false,
    "url" TEXT NOT NULL,
    "requestHeaders" JSONB NOT NULL,
    "responseStatus" INTEGER,
    "responseBody" TEXT,
    "error" TEXT,
    "durationMs" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "WebhookAttempt_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "WebhookAttempt_deliveryId_number_idx" ON "WebhookAttempt"("deliveryId", "number");
CREATE INDEX "WebhookAttempt_workspaceId_idx" ON "WebhookAttempt"("workspaceId");
ALTER TABLE "WebhookAttempt" ADD CONSTRAINT "WebhookAttempt_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "WebhookAttempt" ADD CONSTRAINT "WebhookAttempt_deliveryId_workspaceId_fkey" FOREIGN KEY ("deliveryId", "workspaceId") REFERENCES "WebhookDelivery"("id", "workspaceId") ON DELETE CASCADE ON UPDATE CASCADE;

-- a budget alert already raised: once per workspace, month and threshold
CREATE TABLE "BudgetAlert" (
    "workspaceId" TEXT NOT NULL,
    "monthStart" TIMESTAMP(3) NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "spentUsd" DECIMAL(20,10) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "BudgetAlert_pkey" PRIMARY KEY ("workspaceId", "monthStart", "threshold")
);
ALTER TABLE "BudgetAlert" ADD CONSTRAINT "BudgetAlert_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- webhook signing secrets are system secrets of the vault (kind "webhook")
ALTER TABLE "Secret" DROP CONSTRAINT "Secret_kind_check";
ALTER TABLE "Secret" ADD CONSTRAINT "Secret_kind_check" CHECK ("kind" IN ('user', 'mcp_oauth', 'webhook'));

GRANT SELECT, INSERT, UPDATE, DELETE ON "WebhookSubscription", "WebhookDelivery", "WebhookAttempt", "BudgetAlert" TO cadre_app, cadre_system;
ALTER TABLE "WebhookSubscription" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "WebhookSubscription" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "WebhookSubscription"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "WebhookDelivery" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "WebhookDelivery" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "WebhookDelivery"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "WebhookAttempt" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "WebhookAttempt" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "WebhookAttempt"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));
ALTER TABLE "BudgetAlert" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "BudgetAlert" FORCE ROW LEVEL SECURITY;
CREATE POLICY "tenant_isolation" ON "BudgetAlert"
  USING ("workspaceId" = current_setting('app.workspace_id', true))
  WITH CHECK ("workspaceId" = current_setting('app.workspace_id', true));

-- The outbox: one delivery per enabled subscription of the workspace that receives `event_type`, unique per
-- (subscription, event key) so that the same event is never queued twice. Runs in the caller's transaction and role
-- (the run's writer, the approval's insert): as cadre_app its workspace is the row's own, as cadre_system it bypasses RLS.
CREATE OR REPLACE FUNCTION cadre_webhook_enqueue(ws TEXT, event_type TEXT, event_key TEXT, data JSONB) RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
  now_utc TIMESTAMP(3) := (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3);
BEGIN
  INSERT INTO "WebhookDelivery" ("id", "workspaceId", "subscriptionId", "eventType", "eventKey", "body", "status", "deadlineAt", "createdByType", "createdAt", "updatedAt")
  SELECT 'whd_' || substr(md5(s.id || event_key || random()::text || clock_timestamp()::text), 1, 24), ws, s.id, event_type, event_key,
    jsonb_build_object('type', event_type, 'timestamp', to_char(now_utc, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'data', data)::text,
    'queued', now_utc + INTERVAL '24 hours', 'system', now_utc, now_utc
  FROM "WebhookSubscription" s
  WHERE s."workspaceId" = ws AND s."enabled" AND event_type = ANY (s."eventTypes")
  ON CONFLICT ("subscriptionId", "eventKey") DO NOTHING;
END
$$;

-- A run's end (whoever writes it: the executor, a cancel, Inngest): run.succeeded / run.failed / run.cancelled, for
-- runs people or keys started (depth 0; a sub-run's end is part of its parent's). The output summary is cut to 1000
-- characters and the error to 500; no input, no secret.
CREATE OR REPLACE FUNCTION cadre_webhook_run_ended() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  event_type TEXT := 'run.' || NEW."status"::text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookSubscription" s WHERE s."workspaceId" = NEW."workspaceId" AND s."enabled" AND event_type = ANY (s."eventTypes")) THEN
    RETURN NULL;
  END IF;
  PERFORM cadre_webhook_enqueue(NEW."workspaceId", event_type, event_type || ':' || NEW.id, jsonb_build_object(
    'runId', NEW.id,
    'status', NEW."status"::text,
    'targetType', NEW."targetType",
    'agent', (SELECT jsonb_build_object('id', a.id, 'slug', a.slug) FROM "Agent" a WHERE a.id = NEW."agentId" AND a."workspaceId" = NEW."workspaceId"),
    'team', (SELECT jsonb_build_object('id', t.id, 'slug', t.slug) FROM "Team" t WHERE t.id = NEW."teamId" AND t."workspaceId" = NEW."workspaceId"),
    'sessionId', NEW."sessionId",
    'subject', NEW."subject",
    'outputSummary', CASE WHEN NEW."status"::text = 'succeeded' THEN left(coalesce(NEW."output"->>'text', NEW."output" #>> '{}', ''), 1000) END,
    'error', left(NEW."error", 500),
    'costUsd', NEW."costUsd"::float8,
    'inputTokens', NEW."inputTokens",
    'outputTokens', NEW."outputTokens",
    'startedAt', to_char(NEW."startedAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
    'finishedAt', to_char(coalesce(NEW."finishedAt", (clock_timestamp() AT TIME ZONE 'UTC')), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ));
  RETURN NULL;
END
$$;
CREATE TRIGGER "Run_webhook_ended" AFTER UPDATE OF "status" ON "Run" FOR EACH ROW
  WHEN (NEW."depth" = 0 AND OLD."status" IN ('queued', 'running') AND NEW."status" IN ('succeeded', 'failed', 'cancelled'))
  EXECUTE FUNCTION cadre_webhook_run_ended();

-- A tool call waits for a person's approval (a new pending ToolApproval): approval.requested. The call's input and
-- the agent's reason are not sent (untrusted, possibly large): the receiver reads them through the API.
CREATE OR REPLACE FUNCTION cadre_webhook_approval_requested() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  PERFORM cadre_webhook_enqueue(NEW."workspaceId", 'approval.requested', 'approval.requested:' || NEW.id, jsonb_build_object(
    'approvalId', NEW.id,
    'runId', NEW."runId",
    'stepId', NEW."stepId",
    'toolName', NEW."toolName",
    'agentId', NEW."agentId",
    'agentSlug', NEW."agentSlug",
    'expiresAt', to_char(NEW."expiresAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
  ));
  RETURN NULL;
END
$$;
CREATE TRIGGER "ToolApproval_webhook_requested" AFTER INSERT ON "ToolApproval" FOR EACH ROW
  WHEN (NEW."status" = 'pending')
  EXECUTE FUNCTION cadre_webhook_approval_requested();

-- A usage record that brings the month's spend (UTC calendar month) to the alert threshold or to the limit: budget.alert,
-- once per workspace, month and threshold (BudgetAlert). Only computed when a subscription receives budget.alert and a
-- monthly limit is set. Two records committed at the same moment may each miss the other's cost: the next record
-- raises the alert then.
CREATE OR REPLACE FUNCTION cadre_webhook_budget_alert() RETURNS TRIGGER LANGUAGE plpgsql AS $$
DECLARE
  b "Budget"%ROWTYPE;
  month_start TIMESTAMP(3);
  spent NUMERIC;
  t DOUBLE PRECISION;
  raised INTEGER;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM "WebhookSubscription" s WHERE s."workspaceId" = NEW."workspaceId" AND s."enabled" AND 'budget.alert' = ANY (s."eventTypes")) THEN
    RETURN NULL;
  END IF;
  SELECT * INTO b FROM "Budget" WHERE "workspaceId" = NEW."workspaceId";
  IF NOT FOUND OR b."monthlyLimitUsd" IS NULL THEN RETURN NULL; END IF;
  month_start := date_trunc('month', clock_timestamp() AT TIME ZONE 'UTC');
  SELECT coalesce(sum("costUsd"), 0) INTO spent FROM "UsageRecord" WHERE "workspaceId" = NEW."workspaceId" AND "createdAt" >= month_start;
  FOREACH t IN ARRAY ARRAY[b."alertThreshold", 1.0]::float8[] LOOP
    IF spent >= b."monthlyLimitUsd" * t::numeric THEN
      INSERT INTO "BudgetAlert" ("workspaceId", "monthStart", "threshold", "spentUsd") VALUES (NEW."workspaceId", month_start, t, spent)
      ON CONFLICT DO NOTHING;
      GET DIAGNOSTICS raised = ROW_COUNT;
      IF raised = 1 THEN
        PERFORM cadre_webhook_enqueue(NEW."workspaceId", 'budget.alert', 'budget.alert:' || to_char(month_start, 'YYYY-MM') || ':' || t::text, jsonb_build_object(
          'monthStart', to_char(month_start, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'spentUsd', spent::float8,
          'monthlyLimitUsd', b."monthlyLimitUsd"::float8,
          'threshold', t,
          'exceeded', spent >= b."monthlyLimitUsd"
        ));
      END IF;
    END IF;
  END LOOP;
  RETURN NULL;
END
$$;
CREATE TRIGGER "UsageRecord_webhook_budget_alert" AFTER INSERT ON "UsageRecord" FOR EACH ROW
  WHEN (NEW."costUsd" > 0)
  EXECUTE FUNCTION cadre_webhook_budget_alert();

-- the full lists of lib/schemas/audit.ts
ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_action_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_action_check" CHECK ("action" IN (
  'agent.create', 'agent.update', 'agent.archive', 'api_key.create', 'api_key.revoke', 'budget.update', 'invitation.create', 'invitation.accept', 'invitation.revoke', 'mcp_server.create', 'mcp_server.update', 'mcp_server.delete', 'mcp_server.sync', 'mcp_server.authorize', 'mcp_server.disconnect', 'member.leave', 'member.remove', 'member.role_change', 'memory.create', 'memory.update', 'memory.delete', 'memory_document.create', 'memory_document.delete', 'memory.settings.update', 'memory.subject.erase', 'memory_model.update', 'memory_model.delete', 'model.create', 'model.update', 'model.delete', 'provider.create', 'provider.update', 'provider.delete', 'routing_preset.create', 'routing_preset.update', 'routing_preset.delete', 'run.start', 'run.cancel', 'secret.create', 'secret.update', 'secret.delete', 'secret.use', 'session.create', 'session.delete', 'team.create', 'team.update', 'team.archive', 'tool.create', 'tool.update', 'tool.delete', 'tool.review', 'tool_approval.approve', 'tool_approval.deny', 'user.delete', 'webhook.create', 'webhook.update', 'webhook.delete', 'webhook.rotate_secret', 'webhook.test', 'webhook_delivery.redeliver', 'workspace.create', 'workspace.update', 'workspace.delete', 'workspace.restore', 'workspace.purge', 'workspace.egress.update', 'workspace.retention.update'
));

ALTER TABLE "AuditLog" DROP CONSTRAINT "AuditLog_targetType_check";
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_targetType_check" CHECK ("targetType" IN (
  'agent', 'api_key', 'budget', 'invitation', 'mcp_server', 'member', 'memory', 'memory_document', 'memory_model', 'model', 'provider', 'routing_preset', 'run', 'secret', 'session', 'subject', 'team', 'tool', 'tool_approval', 'user', 'webhook', 'webhook_delivery', 'workspace'
));
