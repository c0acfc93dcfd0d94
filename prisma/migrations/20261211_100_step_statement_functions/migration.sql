-- The run engine's two statements of every step, as functions: a step's start (cadre_begin_step) and an agent
-- step's record (cadre_record_agent_step). Sent as literal SQL, each was parsed, rewritten (row-level security) and
-- planned again at every step (about 1 ms of the database's time per step on PostgreSQL 15); PL/pgSQL keeps the
-- prepared plan of its statements for the session, so a pooled connection plans them once. Behaviour is that of the
-- statements they replace (server/jobs/step-records.ts beginStepSql, server/jobs/run-sql.ts recordAgentStepSql):
-- SECURITY INVOKER, so row-level security and the lease-fence triggers apply exactly as before.

-- Starts an attempt of a step: reads the run's cancel flag and the step's stored state; unless the step succeeded
-- before (or the run is cancelled and p_unless_cancelled), marks it running (its row created, attempts + 1) and, when
-- p_event_type is given, appends the start event (its data with the attempt number). One row, always.
CREATE OR REPLACE FUNCTION cadre_begin_step(
  p_run TEXT, p_workspace TEXT, p_step TEXT, p_row_id TEXT, p_kind TEXT, p_node TEXT, p_unless_cancelled BOOLEAN,
  p_event_id TEXT, p_event_type TEXT, p_event_data JSONB, p_now TIMESTAMP(3)
) RETURNS TABLE (cancel BOOLEAN, watched BOOLEAN, status TEXT, result JSONB, attempts INTEGER)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH r AS (SELECT "cancelRequestedAt" IS NOT NULL AS c, COALESCE("watchedUntil" > (clock_timestamp() AT TIME ZONE 'UTC'), false) AS w
             FROM "Run" WHERE id = p_run),
     prev AS (SELECT s."status" AS st, s."result" AS res FROM "RunStep" s WHERE s."runId" = p_run AND s."stepId" = p_step),
     claimed AS (
       INSERT INTO "RunStep" AS rs ("id", "workspaceId", "runId", "stepId", "kind", "nodeId", "status", "attempts", "startedAt")
       SELECT p_row_id, p_workspace, p_run, p_step, p_kind, p_node, 'running', 1, p_now
       FROM r WHERE NOT (p_unless_cancelled AND r.c) AND NOT EXISTS (SELECT 1 FROM prev WHERE prev.st = 'succeeded')
       ON CONFLICT ("runId", "stepId") DO UPDATE SET "status" = 'running', "attempts" = rs."attempts" + 1, "startedAt" = p_now, "error" = NULL, "finishedAt" = NULL
         WHERE rs."status" <> 'succeeded'
       RETURNING rs."attempts" AS a),
     ev AS (UPDATE "Run" SET "lastEventSeq" = "lastEventSeq" + 1, "updatedAt" = p_now
            WHERE id = p_run AND p_event_type IS NOT NULL AND EXISTS (SELECT 1 FROM claimed)
            RETURNING "workspaceId" AS ws, "lastEventSeq" AS seq),
     evi AS (INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
             SELECT p_event_id, ev.ws, p_run, ev.seq, p_event_type, p_event_data || jsonb_build_object('attempt', claimed.a), p_now
             FROM ev, claimed RETURNING 1)
  SELECT r.c, r.w, prev.st, prev.res, claimed.a FROM (SELECT 1) AS one
    LEFT JOIN r ON true LEFT JOIN prev ON true LEFT JOIN claimed ON true;
END
$$;

-- Records a succeeded agent step, fenced to the attempt that produced it: the step's details and result, its tokens
-- and cost (its share of the ledger: every usage row with its step id; p_in/p_out/p_cost only when the run has no
-- usage row at all), node.finished (p_finished plus the step's figures) and run.progress, and the run's running
-- totals (the ledger's, and at least what its steps recorded so far). Returns a row exactly when the step's record
-- was written (the step engine reads no row as "another execution moved the step on").
CREATE OR REPLACE FUNCTION cadre_record_agent_step(
  p_run TEXT, p_step TEXT, p_attempt INTEGER, p_kind TEXT, p_node TEXT, p_agent_id TEXT, p_agent_version INTEGER,
  p_model_ref TEXT, p_model_name TEXT, p_route_reason TEXT, p_input_seen TEXT, p_output TEXT,
  p_in INTEGER, p_out INTEGER, p_cost NUMERIC, p_latency INTEGER, p_result JSONB, p_finished JSONB,
  p_finished_id TEXT, p_progress_id TEXT, p_now TIMESTAMP(3)
) RETURNS TABLE (recorded INTEGER)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH u AS (
       SELECT COUNT(*)::int AS calls, COALESCE(SUM(l."inputTokens"), 0)::int AS i, COALESCE(SUM(l."outputTokens"), 0)::int AS o,
         COALESCE(SUM(l."costUsd"), 0) AS c,
         COUNT(*) FILTER (WHERE l."stepId" = p_step)::int AS scalls, COALESCE(SUM(l."inputTokens") FILTER (WHERE l."stepId" = p_step), 0)::int AS si,
         COALESCE(SUM(l."outputTokens") FILTER (WHERE l."stepId" = p_step), 0)::int AS so,
         COALESCE(SUM(l."costUsd") FILTER (WHERE l."stepId" = p_step), 0) AS sc
       FROM "UsageRecord" l WHERE l."workspaceId" = (SELECT "workspaceId" FROM "Run" WHERE id = p_run) AND l."runId" = p_run),
     st AS (
       UPDATE "RunStep" AS s SET "kind" = p_kind, "nodeId" = p_node, "agentId" = p_agent_id, "agentVersion" = p_agent_version,
         "modelRef" = p_model_ref, "modelName" = p_model_name, "routeReason" = p_route_reason, "inputSeen" = p_input_seen,
         "output" = p_output,
         "inputTokens" = CASE WHEN u.scalls > 0 THEN u.si ELSE p_in END,
         "outputTokens" = CASE WHEN u.scalls > 0 THEN u.so ELSE p_out END,
         "costUsd" = CASE WHEN u.scalls > 0 THEN u.sc ELSE p_cost END,
         "latencyMs" = p_latency, "status" = 'succeeded', "result" = p_result, "error" = NULL, "finishedAt" = p_now
       FROM u WHERE s."runId" = p_run AND s."stepId" = p_step AND s."status" = 'running' AND s."attempts" = p_attempt
       RETURNING s."inputTokens" AS i, s."outputTokens" AS o, s."costUsd" AS c),
     r AS (
       UPDATE "Run" AS run SET "stepsDone" = run."stepsDone" + 1,
         "inputTokens" = GREATEST(u.i, run."inputTokens" + p_in), "outputTokens" = GREATEST(u.o, run."outputTokens" + p_out),
         "costUsd" = GREATEST(u.c, run."costUsd" + p_cost), "lastEventSeq" = run."lastEventSeq" + 2, "updatedAt" = p_now
       FROM u WHERE run.id = p_run AND EXISTS (SELECT 1 FROM st)
       RETURNING run."workspaceId" AS ws, run."lastEventSeq" AS seq, run."stepsDone" AS done, run."stepsExpected" AS expected,
         run."costUsd" AS c, run."inputTokens" AS i, run."outputTokens" AS o),
     ev AS (INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
       SELECT p_finished_id, r.ws, p_run, r.seq - 1, 'node.finished',
         p_finished || jsonb_build_object('inputTokens', st.i, 'outputTokens', st.o, 'costUsd', st.c::float8), p_now FROM r, st
       UNION ALL
       SELECT p_progress_id, r.ws, p_run, r.seq, 'run.progress',
         jsonb_build_object('stepsDone', r.done, 'stepsExpected', GREATEST(r.expected, r.done), 'costUsd', r.c::float8,
           'inputTokens', r.i, 'outputTokens', r.o), p_now FROM r
       RETURNING 1)
  SELECT 1 FROM st;
END
$$;
