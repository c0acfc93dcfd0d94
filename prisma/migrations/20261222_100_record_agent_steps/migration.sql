-- Several succeeded agent steps of one run recorded at once (server/jobs/run-writer.ts merges the step records that
-- meet in one batch of the run's writes, e.g. a parallel team's branches answering together). It writes exactly what
-- cadre_record_agent_step (20261211_100_step_statement_functions) called once per step, in the array's order, would:
-- each step's record fenced to its attempt, node.finished and run.progress per recorded step (consecutive sequence
-- numbers, the running totals as each step left them), the run's totals, counter and sequence. But in one UPDATE of
-- the steps, one of the run and one INSERT of the events, where N calls made N of each (and ran the run's triggers N
-- times). p_steps: one object per step (see server/jobs/run-sql.ts `agentStepRecordsSql`). Returns the ids of the
-- steps whose record was written (a step missing from it: another execution moved it on).
CREATE OR REPLACE FUNCTION cadre_record_agent_steps(p_run TEXT, p_steps JSONB)
RETURNS TABLE (step_id TEXT)
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
  v_ws TEXT;
  v_ui INTEGER; v_uo INTEGER; v_uc NUMERIC;
  a_step TEXT[]; a_i INTEGER[]; a_o INTEGER[]; a_c NUMERIC[]; a_in INTEGER[]; a_out INTEGER[]; a_cost NUMERIC[];
  a_finished JSONB[]; a_fid TEXT[]; a_pid TEXT[]; a_now TIMESTAMP(3)[];
  v_n INTEGER;
  v_seq INTEGER; v_done INTEGER; v_expected INTEGER; v_ri INTEGER; v_ro INTEGER; v_rc NUMERIC;
  e_id TEXT[] := '{}'; e_seq INTEGER[] := '{}'; e_type TEXT[] := '{}'; e_data JSONB[] := '{}'; e_at TIMESTAMP(3)[] := '{}';
BEGIN
  SELECT r."workspaceId" INTO v_ws FROM "Run" r WHERE r.id = p_run;
  SELECT COALESCE(SUM(l."inputTokens"), 0)::int, COALESCE(SUM(l."outputTokens"), 0)::int, COALESCE(SUM(l."costUsd"), 0)
    INTO v_ui, v_uo, v_uc
    FROM "UsageRecord" l WHERE l."workspaceId" = v_ws AND l."runId" = p_run;

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
    v_ri := GREATEST(v_ui, v_ri + a_in[j]);
    v_ro := GREATEST(v_uo, v_ro + a_out[j]);
    v_rc := GREATEST(v_uc, v_rc + a_cost[j]);
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
