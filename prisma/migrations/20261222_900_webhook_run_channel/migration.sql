-- The run-end webhooks (run.succeeded / run.failed / run.cancelled, 20261214_100_webhooks_out) say where the run was
-- started: "channel" and "channelRef" (20261222_800_run_channel), so that a receiver can tell a scheduled run's end
-- from a webhook-triggered one's. The function is the same otherwise; its trigger is unchanged.
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
    'channel', NEW."channel",
    'channelRef', NEW."channelRef",
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
