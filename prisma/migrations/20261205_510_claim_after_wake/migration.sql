-- The fair claim (20261205_400_fair_claim) leaves parked runs alone until their wake-up time (20261205_500_outage_wait:
-- a run whose step waits for a provider to recover, or sleeps, holds no lease and stores "wakeAt"). The same function
-- with that one condition where it picks a workspace's oldest claimable run.
CREATE OR REPLACE FUNCTION cadre_claim_run(p_owner TEXT, p_lease_ms INTEGER, p_limit INTEGER, p_workspaces TEXT[], p_exclude TEXT[])
RETURNS SETOF "Run" LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  c RECORD;
  n INTEGER;
  t TIMESTAMP(3);
  claimed "Run";
  held BOOLEAN := false;
  passed TEXT := NULL;
  ws TEXT;
  pass INTEGER;
BEGIN
  -- (the skip scan orders by all of Run_active_queue_idx's columns, so that it walks that index and no other)
  FOR pass IN 1..2 LOOP
    t := clock_timestamp() AT TIME ZONE 'UTC';
    FOR c IN
      WITH RECURSIVE active(id) AS (
        (SELECT r."workspaceId" FROM "Run" r WHERE p_workspaces IS NULL AND r."status" IN ('queued', 'running') ORDER BY r."workspaceId", r."queuedAt", r.id LIMIT 1)
        UNION ALL
        SELECT (SELECT r."workspaceId" FROM "Run" r WHERE r."status" IN ('queued', 'running') AND r."workspaceId" > a.id ORDER BY r."workspaceId", r."queuedAt", r.id LIMIT 1)
        FROM active a WHERE a.id IS NOT NULL),
      candidates(id) AS (
        SELECT id FROM active WHERE id IS NOT NULL
        UNION ALL
        SELECT DISTINCT unnest(p_workspaces) WHERE p_workspaces IS NOT NULL)
      SELECT w.id, l.n AS running, q."queuedAt" AS oldest
      FROM candidates w
      CROSS JOIN LATERAL (
        SELECT count(*)::int AS n FROM "Run" h
        WHERE h."workspaceId" = w.id AND h."leaseOwner" IS NOT NULL AND h."leaseExpiresAt" >= t AND h."status" IN ('queued', 'running')) l
      CROSS JOIN LATERAL (
        SELECT r."queuedAt" FROM "Run" r
        WHERE r."workspaceId" = w.id AND r."status" IN ('queued', 'running')
          AND (r."leaseOwner" IS NULL OR r."leaseExpiresAt" IS NULL OR r."leaseExpiresAt" < t)
          AND (r."wakeAt" IS NULL OR r."wakeAt" <= t)
          AND (p_exclude IS NULL OR r.id <> ALL (p_exclude))
        ORDER BY r."queuedAt", r.id LIMIT 1) q
      WHERE l.n < p_limit AND (pass = 1 OR w.id = passed)
      ORDER BY l.n, q."queuedAt", w.id
    LOOP
      IF pass = 1 THEN
        IF NOT pg_try_advisory_xact_lock(72741, hashtext(c.id)) THEN
          passed := COALESCE(passed, c.id);
          CONTINUE;
        END IF;
      ELSE
        PERFORM pg_advisory_xact_lock(72741, hashtext(c.id));
      END IF;
      held := true;
      t := clock_timestamp() AT TIME ZONE 'UTC';
      -- under the lock, with a fresh snapshot: claims committed by others before it are counted
      SELECT count(*) INTO n FROM "Run" h
      WHERE h."workspaceId" = c.id AND h."leaseOwner" IS NOT NULL AND h."leaseExpiresAt" >= t AND h."status" IN ('queued', 'running');
      IF n >= p_limit THEN
        CONTINUE;
      END IF;
      UPDATE "Run" AS u SET
        "leaseOwner" = p_owner,
        "leaseExpiresAt" = t + p_lease_ms * INTERVAL '1 millisecond',
        "executions" = u."executions" + 1,
        -- a lease that was still held (it expired) is an execution that died; without a step finished since the
        -- last claim it counts towards poison-run detection
        "lostExecutions" = CASE WHEN u."leaseOwner" IS NULL OR u."stepsDone" > u."stepsDoneAtClaim" THEN 0 ELSE u."lostExecutions" + 1 END,
        "stepsDoneAtClaim" = u."stepsDone"
      WHERE u.id = (
          SELECT r.id FROM "Run" r
          WHERE r."workspaceId" = c.id AND r."status" IN ('queued', 'running')
            AND (r."leaseOwner" IS NULL OR r."leaseExpiresAt" IS NULL OR r."leaseExpiresAt" < t)
            AND (r."wakeAt" IS NULL OR r."wakeAt" <= t)
            AND (p_exclude IS NULL OR r.id <> ALL (p_exclude))
          ORDER BY r."queuedAt", r.id LIMIT 1
          FOR UPDATE SKIP LOCKED)
        AND (u."leaseOwner" IS NULL OR u."leaseExpiresAt" IS NULL OR u."leaseExpiresAt" < t)
      RETURNING u.* INTO claimed;
      IF FOUND THEN
        RETURN NEXT claimed;
        RETURN;
      END IF;
    END LOOP;
    -- a second pass only to wait for a workspace another claim held, and only while holding no lock
    EXIT WHEN passed IS NULL OR held;
  END LOOP;
  RETURN;
END
$$;
