-- A run's running totals (its row while it runs, and each run.progress event) are the finish's (20261222_200): with
-- ledger rows, the run's ledger plus its sub-runs' totals, never lower than shown before; with none, the sum of what its
-- steps recorded. Before, each record took the larger of the ledger and the previous total plus the step's figures,
-- which counted twice every step whose usage rows had landed before an earlier step's record: a parallel team's 8
-- branches answering together showed 110, 121, 132, ... tokens over a ledger of 110, until the finish corrected it.
-- The two step record functions are the ones they replace, with that formula (server/jobs/run-cost.ts has it for the
-- embedding step).
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
     k AS (
       SELECT COALESCE(SUM(c."inputTokens"), 0)::int AS i, COALESCE(SUM(c."outputTokens"), 0)::int AS o, COALESCE(SUM(c."costUsd"), 0) AS c
       FROM "Run" c WHERE c."parentRunId" = p_run),
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
         "inputTokens" = CASE WHEN u.calls > 0 THEN GREATEST(run."inputTokens", u.i + k.i) ELSE run."inputTokens" + p_in END,
         "outputTokens" = CASE WHEN u.calls > 0 THEN GREATEST(run."outputTokens", u.o + k.o) ELSE run."outputTokens" + p_out END,
         "costUsd" = CASE WHEN u.calls > 0 THEN GREATEST(run."costUsd", u.c + k.c) ELSE run."costUsd" + p_cost END,
         "lastEventSeq" = run."lastEventSeq" + 2, "updatedAt" = p_now
       FROM u, k WHERE run.id = p_run AND EXISTS (SELECT 1 FROM st)
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

CREATE OR REPLACE FUNCTION cadre_record_agent_steps(p_run TEXT, p_steps JSONB)
RETURNS TABLE (step_id TEXT)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  v_ws TEXT;
  v_calls INTEGER; v_ui INTEGER; v_uo INTEGER; v_uc NUMERIC;
  a_step TEXT[]; a_i INTEGER[]; a_o INTEGER[]; a_c NUMERIC[]; a_in INTEGER[]; a_out INTEGER[]; a_cost NUMERIC[];
  a_finished JSONB[]; a_fid TEXT[]; a_pid TEXT[]; a_now TIMESTAMP(3)[];
  v_n INTEGER;
  v_seq INTEGER; v_done INTEGER; v_expected INTEGER; v_ri INTEGER; v_ro INTEGER; v_rc NUMERIC;
  e_id TEXT[] := '{}'; e_seq INTEGER[] := '{}'; e_type TEXT[] := '{}'; e_data JSONB[] := '{}'; e_at TIMESTAMP(3)[] := '{}';
BEGIN
  SELECT r."workspaceId" INTO v_ws FROM "Run" r WHERE r.id = p_run;
  SELECT COUNT(*)::int, COALESCE(SUM(l."inputTokens"), 0)::int, COALESCE(SUM(l."outputTokens"), 0)::int, COALESCE(SUM(l."costUsd"), 0)
    INTO v_calls, v_ui, v_uo, v_uc
    FROM "UsageRecord" l WHERE l."workspaceId" = v_ws AND l."runId" = p_run;
  -- the run's total as the finish counts it: its ledger plus its sub-runs' totals
  SELECT v_ui + COALESCE(SUM(c."inputTokens"), 0)::int, v_uo + COALESCE(SUM(c."outputTokens"), 0)::int, v_uc + COALESCE(SUM(c."costUsd"), 0)
    INTO v_ui, v_uo, v_uc
    FROM "Run" c WHERE c."parentRunId" = p_run;

  WITH x AS (
      SELECT e.ord, e.v->>'step' AS step, (e.v->>'attempt')::int AS attempt, e.v->>'kind' AS kind, e.v->>'node' AS node,
        e.v->>'agentId' AS agent_id, (e.v->>'agentVersion')::int AS agent_version, e.v->>'modelRef' AS model_ref,
        e.v->>'modelName' AS model_name, e.v->>'routeReason' AS route_reason, e.v->>'inputSeen' AS input_seen,
        e.v->>'output' AS output, (e.v->>'in')::int AS p_in, (e.v->>'out')::int AS p_out, (e.v->>'cost')::numeric AS p_cost,
        (e.v->>'latency')::int AS latency, e.v->'result' AS result, e.v->'finished' AS finished, e.v->>'finishedId' AS finished_id,
        e.v->>'progressId' AS progress_id, (e.v->>'now')::timestamp(3) AS at
      FROM jsonb_array_elements(p_steps) WITH ORDINALITY AS e(v, ord)),
    s AS (
      SELECT l."stepId", COALESCE(SUM(l."inputTokens"), 0)::int AS i, COALESCE(SUM(l."outputTokens"), 0)::int AS o,
        COALESCE(SUM(l."costUsd"), 0) AS c
      FROM "UsageRecord" l WHERE l."workspaceId" = v_ws AND l."runId" = p_run AND l."stepId" IN (SELECT x.step FROM x)
      GROUP BY l."stepId"),
    st AS (
      UPDATE "RunStep" AS rs SET "kind" = x.kind, "nodeId" = x.node, "agentId" = x.agent_id, "agentVersion" = x.agent_version,
        "modelRef" = x.model_ref, "modelName" = x.model_name, "routeReason" = x.route_reason, "inputSeen" = x.input_seen,
        "output" = x.output,
        "inputTokens" = CASE WHEN s."stepId" IS NOT NULL THEN s.i ELSE x.p_in END,
        "outputTokens" = CASE WHEN s."stepId" IS NOT NULL THEN s.o ELSE x.p_out END,
        "costUsd" = CASE WHEN s."stepId" IS NOT NULL THEN s.c ELSE x.p_cost END,
        "latencyMs" = x.latency, "status" = 'succeeded', "result" = x.result, "error" = NULL, "finishedAt" = x.at
      FROM x LEFT JOIN s ON s."stepId" = x.step
      WHERE rs."runId" = p_run AND rs."stepId" = x.step AND rs."status" = 'running' AND rs."attempts" = x.attempt
      RETURNING x.ord, x.step, rs."inputTokens" AS i, rs."outputTokens" AS o, rs."costUsd" AS c, x.p_in, x.p_out, x.p_cost,
        x.finished, x.finished_id, x.progress_id, x.at)
  SELECT array_agg(st.step ORDER BY st.ord), array_agg(st.i ORDER BY st.ord), array_agg(st.o ORDER BY st.ord),
    array_agg(st.c ORDER BY st.ord), array_agg(st.p_in ORDER BY st.ord), array_agg(st.p_out ORDER BY st.ord),
    array_agg(st.p_cost ORDER BY st.ord), array_agg(st.finished ORDER BY st.ord), array_agg(st.finished_id ORDER BY st.ord),
    array_agg(st.progress_id ORDER BY st.ord), array_agg(st.at ORDER BY st.ord)
    INTO a_step, a_i, a_o, a_c, a_in, a_out, a_cost, a_finished, a_fid, a_pid, a_now
    FROM st;
  v_n := COALESCE(array_length(a_step, 1), 0);
  IF v_n = 0 THEN
    RETURN;
  END IF;

  -- the run as each step leaves it, in order (cadre_record_agent_step's formulas, applied one step after another)
  SELECT r."lastEventSeq", r."stepsDone", r."stepsExpected", r."inputTokens", r."outputTokens", r."costUsd"
    INTO v_seq, v_done, v_expected, v_ri, v_ro, v_rc
    FROM "Run" r WHERE r.id = p_run FOR UPDATE;
  FOR j IN 1..v_n LOOP
    IF v_calls > 0 THEN
      v_ri := GREATEST(v_ri, v_ui); v_ro := GREATEST(v_ro, v_uo); v_rc := GREATEST(v_rc, v_uc);
    ELSE
      v_ri := v_ri + a_in[j]; v_ro := v_ro + a_out[j]; v_rc := v_rc + a_cost[j];
    END IF;
    e_id := e_id || a_fid[j] || a_pid[j];
    e_seq := e_seq || (v_seq + 2 * j - 1) || (v_seq + 2 * j);
    e_type := e_type || 'node.finished'::text || 'run.progress'::text;
    e_data := array_append(e_data, a_finished[j] || jsonb_build_object('inputTokens', a_i[j], 'outputTokens', a_o[j], 'costUsd', a_c[j]::float8));
    e_data := array_append(e_data, jsonb_build_object('stepsDone', v_done + j, 'stepsExpected', GREATEST(v_expected, v_done + j),
      'costUsd', v_rc::float8, 'inputTokens', v_ri, 'outputTokens', v_ro));
    e_at := e_at || a_now[j] || a_now[j];
  END LOOP;
  UPDATE "Run" AS run SET "stepsDone" = run."stepsDone" + v_n, "inputTokens" = v_ri, "outputTokens" = v_ro, "costUsd" = v_rc,
    "lastEventSeq" = run."lastEventSeq" + 2 * v_n, "updatedAt" = a_now[v_n]
    WHERE run.id = p_run;
  IF FOUND THEN
    INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
      SELECT e.id, v_ws, p_run, e.seq, e.type, e.data, e.at FROM unnest(e_id, e_seq, e_type, e_data, e_at) AS e(id, seq, type, data, at);
  END IF;
  RETURN QUERY SELECT unnest(a_step);
END
$$;
