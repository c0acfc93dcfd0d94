-- A run's finish is stamped after it holds the run's row, as the literal statement it replaced was (20261222_200 made
-- it a function and read the clock as the function started). A finish that waited for a concurrent cancel's
-- transaction (which holds the row) was stamped before that cancel's request, and a run finished "before" a cancel
-- it had waited for (server/runs/cancel-race.test.ts). The function is 20261222_200's, with the row locked first and
-- the clock read after.
CREATE OR REPLACE FUNCTION cadre_finish_run(
  p_run TEXT, p_status TEXT, p_output JSONB, p_error TEXT, p_outcome JSONB,
  p_event_id TEXT, p_event_type TEXT, p_event_data JSONB, p_parked_before TIMESTAMP(3)
) RETURNS TABLE (finished INTEGER)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  v_now TIMESTAMP(3);
BEGIN
  -- the run's row first (a concurrent cancel holding it commits before), then the clock
  PERFORM 1 FROM "Run" x WHERE x.id = p_run FOR UPDATE;
  v_now := (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3);
  RETURN QUERY
  WITH u AS (
       SELECT l."stepId", COALESCE(SUM(l."inputTokens"), 0)::int AS i, COALESCE(SUM(l."outputTokens"), 0)::int AS o, COALESCE(SUM(l."costUsd"), 0) AS c
       FROM "UsageRecord" l WHERE l."workspaceId" = (SELECT x."workspaceId" FROM "Run" x WHERE x.id = p_run) AND l."runId" = p_run AND l."stepId" IS NOT NULL
       GROUP BY l."stepId"),
     n AS (
       SELECT COUNT(*)::int AS calls, COALESCE(SUM(l."inputTokens"), 0)::int AS i, COALESCE(SUM(l."outputTokens"), 0)::int AS o, COALESCE(SUM(l."costUsd"), 0) AS c
       FROM "UsageRecord" l WHERE l."workspaceId" = (SELECT x."workspaceId" FROM "Run" x WHERE x.id = p_run) AND l."runId" = p_run),
     s AS (
       SELECT COALESCE(SUM(st."inputTokens") FILTER (WHERE st."kind" <> 'tool'), 0)::int AS i,
         COALESCE(SUM(st."outputTokens") FILTER (WHERE st."kind" <> 'tool'), 0)::int AS o,
         COALESCE(SUM(st."costUsd") FILTER (WHERE st."kind" <> 'tool'), 0) AS c,
         COUNT(*) FILTER (WHERE st."status" = 'succeeded' AND st."kind" NOT IN ('system', 'team', 'embed', 'turn', 'tool'))::int AS d
       FROM "RunStep" st WHERE st."runId" = p_run),
     k AS (
       SELECT COALESCE(SUM(c."inputTokens"), 0)::int AS i, COALESCE(SUM(c."outputTokens"), 0)::int AS o, COALESCE(SUM(c."costUsd"), 0) AS c
       FROM "Run" c WHERE c."parentRunId" = p_run),
     t AS (
       SELECT (CASE WHEN n.calls > 0 THEN n.i ELSE s.i END) + k.i AS i, (CASE WHEN n.calls > 0 THEN n.o ELSE s.o END) + k.o AS o,
         (CASE WHEN n.calls > 0 THEN n.c ELSE s.c END) + k.c AS c, s.d
       FROM n, s, k),
     r AS (
       UPDATE "Run" AS run SET "status" = p_status::"RunStatus", "output" = p_output,
         "error" = CASE WHEN p_status = 'cancelled' THEN COALESCE(p_error, run."cancelReason") ELSE p_error END,
         "outcome" = p_outcome, "finishedAt" = v_now, "startedAt" = COALESCE(run."startedAt", v_now),
         "inputTokens" = t.i, "outputTokens" = t.o, "costUsd" = t.c, "stepsDone" = t.d,
         "stepsExpected" = CASE WHEN p_status = 'succeeded' THEN t.d ELSE GREATEST(run."stepsExpected", t.d) END,
         "leaseOwner" = NULL, "leaseExpiresAt" = NULL, "wakeAt" = NULL, "lastEventSeq" = run."lastEventSeq" + 1, "updatedAt" = v_now
       FROM t WHERE run.id = p_run AND run."status" IN ('queued', 'running')
         AND (p_parked_before IS NULL OR (run."status" = 'running' AND run."cancelRequestedAt" IS NOT NULL AND run."wakeAt" > p_parked_before
           AND (run."leaseOwner" IS NULL OR run."leaseExpiresAt" < p_parked_before)))
       RETURNING run."workspaceId", run."lastEventSeq", run."cancelReason"),
     shares AS (
       UPDATE "RunStep" st SET "inputTokens" = u.i, "outputTokens" = u.o, "costUsd" = u.c
       FROM u WHERE st."runId" = p_run AND st."stepId" = u."stepId" AND EXISTS (SELECT 1 FROM r)
         AND (st."inputTokens" <> u.i OR st."outputTokens" <> u.o OR st."costUsd" <> u.c)),
     ev AS (
       INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
       SELECT p_event_id, r."workspaceId", p_run, r."lastEventSeq", p_event_type,
         CASE WHEN p_status <> 'cancelled' THEN p_event_data
              WHEN r."cancelReason" IS NULL THEN '{}'::jsonb
              ELSE jsonb_build_object('reason', r."cancelReason") END,
         v_now
       FROM r
       RETURNING 1)
  SELECT 1 FROM r;
END
$$;
