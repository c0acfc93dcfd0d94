-- The in-process executor's claim (server/jobs/executor.ts): fair across workspaces, bounded per workspace across
-- processes, its cost independent of the backlog, leases on the database's clock; poison-run bookkeeping; and the
-- cross-process wake-up of run event streams (LISTEN/NOTIFY, server/runs/notify.ts).

-- How often a run was claimed, how many of its executions in a row were lost (the lease expired, the process died)
-- without a step finishing in between, and its finished steps at its last claim (the progress mark).
ALTER TABLE "Run" ADD COLUMN "executions" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Run" ADD COLUMN "lostExecutions" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Run" ADD COLUMN "stepsDoneAtClaim" INTEGER NOT NULL DEFAULT 0;

-- Active runs per workspace in queue order: the distinct workspaces with work (a skip scan), and each workspace's
-- oldest claimable run, without reading the backlog. Partial indexes: not expressible in schema.prisma.
CREATE INDEX "Run_active_queue_idx" ON "Run" ("workspaceId", "queuedAt", "id") WHERE "status" IN ('queued', 'running');
-- Live and expired leases per workspace (a workspace's running count reads at most its leased runs).
CREATE INDEX "Run_leased_idx" ON "Run" ("workspaceId", "leaseExpiresAt") WHERE "leaseOwner" IS NOT NULL;

-- Claims one run for p_owner, or returns nothing. Workspaces with claimable work are visited fewest running runs
-- first (then the oldest waiting run): slots go to the workspace that has the least. Each workspace is claimed in
-- under a transaction-scoped advisory lock (class 72741, the workspace id's hash); its running count is read again
-- after the lock is taken (a fresh snapshot in a volatile function), so concurrent claims of any number of
-- processes never exceed p_limit. A workspace another claim holds is passed over; when every candidate was held,
-- the claim waits for the first one once (holding no other lock, so it cannot deadlock). Times are the database's
-- clock (UTC wall time, as Prisma stores timestamp(3)).
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

-- Run event streams of other processes are woken at once: a run whose lastEventSeq moves while an event stream
-- follows it (watchedUntil ahead of the database's clock) sends its id on channel cadre_run_events, delivered when
-- the transaction commits (identical notifications of one transaction are folded into one).
CREATE OR REPLACE FUNCTION cadre_notify_run_events() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('cadre_run_events', NEW.id);
  RETURN NULL;
END
$$;
CREATE TRIGGER "Run_events_notify" AFTER UPDATE OF "lastEventSeq" ON "Run"
  FOR EACH ROW
  WHEN (NEW."lastEventSeq" <> OLD."lastEventSeq" AND NEW."watchedUntil" IS NOT NULL AND NEW."watchedUntil" > (now() AT TIME ZONE 'UTC'))
  EXECUTE FUNCTION cadre_notify_run_events();
