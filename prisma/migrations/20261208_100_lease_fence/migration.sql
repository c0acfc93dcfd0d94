-- Lease fencing: every run-level write of an execution is conditional on the execution still being the run's current
-- one. "Run"."executions" (incremented by each claim, cadre_claim_run) is the run's lease epoch. The executor's writes
-- for a run name their execution in the transaction (`SELECT set_config('cadre.run_fence', '<epoch>:<runId>', true)`,
-- server/jobs/run-writer.ts); the triggers below skip, silently, what such a transaction writes to that run, its
-- steps or its events once another claim has moved the epoch on: a superseded execution cannot finish the run, record
-- a step or append an event. Writes that name no execution (cancels, the claim, operators) are not fenced.

-- Whether the current transaction writes for an execution of p_run other than p_executions (its current one).
CREATE OR REPLACE FUNCTION cadre_run_fence(p_run TEXT, p_executions INTEGER) RETURNS BOOLEAN LANGUAGE plpgsql STABLE AS $$
DECLARE
  f TEXT := COALESCE(current_setting('cadre.run_fence', true), '');
  sep INTEGER;
BEGIN
  IF f = '' THEN
    RETURN false;
  END IF;
  sep := position(':' IN f);
  RETURN substr(f, sep + 1) = p_run AND substr(f, 1, sep - 1)::int IS DISTINCT FROM p_executions;
END
$$;

-- The same, reading the run's current epoch (for its steps and events).
CREATE OR REPLACE FUNCTION cadre_run_fenced(p_run TEXT) RETURNS BOOLEAN LANGUAGE plpgsql STABLE AS $$
DECLARE
  f TEXT := COALESCE(current_setting('cadre.run_fence', true), '');
BEGIN
  IF f = '' OR substr(f, position(':' IN f) + 1) <> p_run THEN
    RETURN false;
  END IF;
  RETURN cadre_run_fence(p_run, (SELECT r."executions" FROM "Run" r WHERE r.id = p_run));
END
$$;

CREATE OR REPLACE FUNCTION cadre_run_fence_run() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF cadre_run_fence(OLD.id, OLD."executions") THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "Run_lease_fence" BEFORE UPDATE ON "Run" FOR EACH ROW EXECUTE FUNCTION cadre_run_fence_run();

CREATE OR REPLACE FUNCTION cadre_run_fence_step() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF cadre_run_fenced(NEW."runId") THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "RunStep_lease_fence" BEFORE INSERT OR UPDATE ON "RunStep" FOR EACH ROW EXECUTE FUNCTION cadre_run_fence_step();

-- Nothing is appended after a run's terminal event (whoever writes it): such an event is skipped. The partial index
-- makes the check one index probe.
CREATE INDEX "RunEvent_terminal_idx" ON "RunEvent" ("runId") WHERE "type" IN ('run.succeeded', 'run.failed', 'run.cancelled');

CREATE OR REPLACE FUNCTION cadre_run_event_guard() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  IF cadre_run_fenced(NEW."runId") THEN
    RETURN NULL;
  END IF;
  IF EXISTS (SELECT 1 FROM "RunEvent" e WHERE e."runId" = NEW."runId" AND e."type" IN ('run.succeeded', 'run.failed', 'run.cancelled')) THEN
    RETURN NULL;
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER "Run_no_event_after_terminal" BEFORE INSERT ON "RunEvent" FOR EACH ROW EXECUTE FUNCTION cadre_run_event_guard();
