-- A run's finish (server/jobs/run-sql.ts `finishRunSql`) as a function, like the step statements of
-- 20261211_100_step_statement_functions: sent as literal SQL, the statement (eight CTEs) was parsed, rewritten for
-- row-level security and planned at every run's end (about 1.2 ms of embedded PGlite's time, measured with EXPLAIN
-- ANALYZE); PL/pgSQL keeps its plan per connection. The statement is the one it replaces: only a queued or running
-- run changes (and with p_parked_before, only one that waits parked with its cancel requested: its wake-up time after
-- p_parked_before and no live lease at that time); the totals are the ledger's (each step's share written back), else
-- its steps' (tool steps aside), plus its sub-runs'; the lease is released; the terminal event follows; times are the
-- database's clock as it runs. A cancelled run's error and event carry its cancel reason. One row when it finished the
-- run, none when not (it had ended, or the lease fence refused a superseded execution's finish). SECURITY INVOKER.
CREATE OR REPLACE FUNCTION cadre_finish_run(
  p_run TEXT, p_status TEXT, p_output JSONB, p_error TEXT, p_outcome JSONB,
  p_event_id TEXT, p_event_type TEXT, p_event_data JSONB, p_parked_before TIMESTAMP(3)
) RETURNS TABLE (finished INTEGER)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  v_now TIMESTAMP(3) := (clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3);
BEGIN
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
