/**
 * Whether anyone follows a run live, so that its running steps stream their text (`node.delta`): an event stream of
 * the run open in this process (server/jobs/notify.ts subscribers), or one open in another process, which marks the
 * run (`Run.watchedUntil`, renewed while the stream stays open). The executor reads the mark with each step start
 * (and with its claim). The mark is on the database's clock, which also decides whether a new event of the run is
 * announced to other processes (the NOTIFY trigger, server/jobs/notify.ts). Streaming costs the step (the answer is parsed chunk by chunk, the deltas are written as
 * events), so a run nobody watches does not pay for it.
 *
 * On embedded PGlite the app is one process (the database lives in it): the in-process subscribers are every watcher,
 * so an event stream writes no mark there (one write less on every stream's start and renewal, on a connection the
 * run's own writes wait for). A run started from the web app is still marked by its start (its claim says so).
 */
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { AppError } from "@/lib/errors";
import { databaseMode } from "@/server/env";
import { runEventSubscriberCount } from "./notify";

/** Whether event streams mark the runs they follow: only where other processes may execute them (a database server). */
export function streamsMarkRuns(): boolean {
  return databaseMode() === "server";
}

/** The database's clock as Prisma stores times (UTC wall time). */
const DB_CLOCK = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/** How long a mark lasts, and how often an open stream renews it. */
export const WATCH_TTL_MS = 30_000;
export const WATCH_RENEW_MS = 10_000;

/** An event stream of the run is open (for WATCH_TTL_MS from now). */
export async function markRunWatched(run: { runId: string; workspaceId: string }): Promise<void> {
  await execute(
    run,
    sql`UPDATE "Run" SET "watchedUntil" = ${DB_CLOCK} + ${WATCH_TTL_MS} * INTERVAL '1 millisecond' WHERE id = ${run.runId} AND "status" IN ('queued', 'running')`,
  );
}

/**
 * Opening a stream: the run must be the workspace's (NOT_FOUND otherwise) and is marked as watched (where streams
 * mark runs), in ONE statement (one round trip less on every stream's start; on embedded PGlite every statement waits its turn
 * behind the run's own writes).
 */
export async function openWatchedRun(run: { runId: string; workspaceId: string }): Promise<void> {
  const { rows } = await execute<{ found: boolean }>(
    run,
    !streamsMarkRuns()
      ? sql`SELECT EXISTS (SELECT 1 FROM "Run" WHERE id = ${run.runId} AND "workspaceId" = ${run.workspaceId}) AS found`
      : sql`WITH target AS (SELECT id, "status" FROM "Run" WHERE id = ${run.runId} AND "workspaceId" = ${run.workspaceId}),
      marked AS (UPDATE "Run" r SET "watchedUntil" = ${DB_CLOCK} + ${WATCH_TTL_MS} * INTERVAL '1 millisecond'
        FROM target WHERE r.id = target.id AND target."status" IN ('queued', 'running') RETURNING r.id)
      SELECT EXISTS (SELECT 1 FROM target) AS found, (SELECT count(*) FROM marked) AS marked`,
  );
  if (!rows[0]?.found) throw new AppError("NOT_FOUND", "Run not found");
}

/** An event stream of the run is open in this process. */
export function watchedInProcess(runId: string): boolean {
  return runEventSubscriberCount(runId) > 0;
}

/** The SQL condition "marked as watched now" on a Run row (alias `r` by default). */
export function watchedSql(alias = ""): Sql {
  const column = alias ? sql`${sql.ident(alias)}."watchedUntil"` : sql`"watchedUntil"`;
  return sql`COALESCE(${column} > ${DB_CLOCK}, false)`;
}
