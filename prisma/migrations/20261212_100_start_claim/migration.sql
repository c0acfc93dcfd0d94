-- A run claimed in the statement that queues it (server/runs/service.ts startRun, server/jobs/executor.ts
-- reserveStart): when the in-process executor of the process that starts the run has room, the run is inserted with
-- that executor's lease instead of being claimed by a second statement. The rules of cadre_claim_run hold: the
-- workspace's running count is read under its advisory lock (class 72741, the workspace id's hash) with a fresh
-- snapshot, so CADRE_WORKSPACE_CONCURRENT_RUNS holds across processes; and the run does not jump its workspace's
-- queue (any claimable run of the workspace leaves it to the fair claim). It runs as the starting tenant
-- (SECURITY INVOKER, row-level security): it reads that workspace's runs only. Other workspaces' waiting runs are the
-- executor's concern: it reserves a slot only when its last claim found nothing else claimable.
-- Returns the lease's expiry on the database's clock, or NULL (then the run is queued for the normal claim).
CREATE OR REPLACE FUNCTION cadre_start_lease(p_workspace TEXT, p_lease_ms INTEGER, p_limit INTEGER)
RETURNS TIMESTAMP(3) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  t TIMESTAMP(3) := clock_timestamp() AT TIME ZONE 'UTC';
  n INTEGER;
BEGIN
  IF EXISTS (SELECT 1 FROM "Run" r
      WHERE r."workspaceId" = p_workspace AND r."status" IN ('queued', 'running')
        AND (r."leaseOwner" IS NULL OR r."leaseExpiresAt" IS NULL OR r."leaseExpiresAt" < t)
        AND (r."wakeAt" IS NULL OR r."wakeAt" <= t)) THEN
    RETURN NULL;
  END IF;
  -- a claim of this workspace in progress elsewhere: no wait, the normal claim takes the run
  IF NOT pg_try_advisory_xact_lock(72741, hashtext(p_workspace)) THEN
    RETURN NULL;
  END IF;
  t := clock_timestamp() AT TIME ZONE 'UTC';
  SELECT count(*) INTO n FROM "Run" h
  WHERE h."workspaceId" = p_workspace AND h."leaseOwner" IS NOT NULL AND h."leaseExpiresAt" >= t AND h."status" IN ('queued', 'running');
  IF n >= p_limit THEN
    RETURN NULL;
  END IF;
  RETURN t + p_lease_ms * INTERVAL '1 millisecond';
END
$$;
