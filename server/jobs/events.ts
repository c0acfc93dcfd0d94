/**
 * Run events: the live progress of a run, sequence-numbered per run (1, 2, ...). An event's seq comes from the
 * run's `lastEventSeq`, incremented in the same statement that inserts the event, so concurrent writers (parallel
 * branches, another process) never collide and a reader never sees a gap that is filled later out of order
 * (each statement commits its events and the counter together).
 */
import { newId } from "@/lib/ids";
import { TERMINAL_RUN_EVENTS, type RunEventType } from "@/lib/schemas/runs";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { notifyRunEvents } from "./notify";

/** Node outputs in events are cut to this length (the step keeps the whole output). */
export const EVENT_OUTPUT_MAX = 4000;

export interface NewRunEvent {
  type: RunEventType;
  data?: Record<string, unknown>;
}

export interface AppendOptions {
  /** extra `SET` assignments on the Run row in the same statement */
  set?: Sql;
  /** extra condition on the Run row: when it does not hold, nothing is written and null is returned */
  where?: Sql;
  /** Run columns to return, besides the new seqs */
  returning?: Sql;
}

export const isTerminalEvent = (type: string) => (TERMINAL_RUN_EVENTS as readonly string[]).includes(type);

/**
 * The statement that appends events to a run, optionally updating the run in the same statement; it returns the
 * Run columns asked for plus `lastEventSeq` (no row when the run did not match).
 */
export function appendRunEventsSql(runId: string, events: NewRunEvent[], options: AppendOptions = {}): Sql {
  const now = new Date();
  const n = events.length;
  const sets = sql.join([sql`"lastEventSeq" = "lastEventSeq" + ${n}`, sql`"updatedAt" = ${now}`, ...(options.set ? [options.set] : [])]);
  const where = options.where ? sql`id = ${runId} AND (${options.where})` : sql`id = ${runId}`;
  const returning = sql.join([sql`"workspaceId"`, sql`"lastEventSeq"`, ...(options.returning ? [options.returning] : [])]);
  if (n === 0) return sql`UPDATE "Run" SET ${sets} WHERE ${where} RETURNING ${returning}`;
  const values = sql.join(events.map((e, i) => sql`(${newId("evt")}, ${i + 1}, ${e.type}, ${sql.json(e.data ?? {})})`));
  return sql`WITH r AS (UPDATE "Run" SET ${sets} WHERE ${where} RETURNING ${returning}),
     ins AS (INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
       SELECT v.id, r."workspaceId", ${runId}, r."lastEventSeq" - ${n} + v.ord, v.type, v.data, ${now}
       FROM r, (VALUES ${values}) AS v(id, ord, type, data) RETURNING 1)
     SELECT r.* FROM r`;
}

/** Appends events to a run now (see appendRunEventsSql): the Run columns asked for, or null when the run did not match. */
export async function appendRunEvents(
  run: { runId: string; workspaceId: string },
  events: NewRunEvent[],
  options: AppendOptions = {},
): Promise<Record<string, unknown> | null> {
  const { rows } = await execute(run, appendRunEventsSql(run.runId, events, options));
  if (rows[0] && events.length > 0) notifyRunEvents(run.runId);
  return rows[0] ?? null;
}

export interface StoredRunEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** Events of a run after a sequence number, in order (callers have checked the run; row-level security scopes it too). */
export async function eventsAfter(run: { runId: string; workspaceId: string }, afterSeq: number, limit = 500): Promise<StoredRunEvent[]> {
  const { rows } = await execute<{ seq: number; type: string; data: Record<string, unknown>; created: string }>(
    run,
    sql`SELECT seq, type, data, to_char("createdAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created FROM "RunEvent"
     WHERE "runId" = ${run.runId} AND seq > ${Math.max(0, Math.floor(afterSeq))} ORDER BY seq LIMIT ${Math.max(1, Math.floor(limit))}`,
  );
  return rows.map((r) => ({ seq: r.seq, type: r.type, data: r.data ?? {}, createdAt: new Date(r.created) }));
}
