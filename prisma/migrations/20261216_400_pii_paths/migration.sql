-- The PII policy's "sessions" path (server/quality/pii/): a session's run whose reply the policy redacts while its
-- output is stored as it is (the "storage" path off) carries the reply in "output"->>'sessionReply'; the trigger
-- that appends a session's reply reads it first. Otherwise unchanged from 20261213_400_sessions.
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
      WHEN 'succeeded' THEN coalesce(NEW."output"->>'sessionReply', NEW."output"->>'text', NEW."output" #>> '{}', '')
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
