/**
 * The scheduler (issue 15): fires due schedules. Durable and exactly once per due time:
 *
 * - Claim: the due active schedules of every workspace (`nextRunAt` <= now, no live claim), oldest first, with a short
 *   claim (owner + expiry) under FOR UPDATE SKIP LOCKED, through the privileged path `scheduler`: two schedulers
 *   (processes, or a process and the Inngest cron) never work on the same schedule at once.
 * - Fire: in the schedule's workspace, with its creator's powers (their current role; a creator who can no longer act
 *   makes the fire fail, recorded). The run is started and `nextRunAt` advanced from the due time to the next time
 *   after now in ONE statement (startRun's gate: `nextRunAt = <due time>` as the condition), so a crash or a restart
 *   never fires a due time twice, and a second scheduler that reaches the same due time writes nothing.
 * - Overlap: while the schedule's last run is still queued or running, a due time is skipped (recorded:
 *   lastSkipReason "overlap", skippedFires) unless `allowOverlap`.
 * - Missed times (a due time older than SCHEDULE_MISSED_AFTER_MS when reached: the server was down): `skip` jumps to
 *   the next future time without a run (recorded as "missed"); `catch_up` runs once, then resumes. Either way several
 *   missed times give at most one run.
 * - A fire that cannot start a run (budget spent, agent archived, creator gone) advances too, recorded as "failed"
 *   with the reason (lastError).
 *
 * `tickSchedules` is one pass; the in-process scheduler calls it every few seconds, the Inngest cron function every
 * minute (./inngest.ts). Both take the clock as a parameter (tests drive it). The in-process scheduler also syncs the
 * remote MCP servers that are due (./mcp-sync.ts), beside the schedules' passes, never in their way (on Inngest: a
 * cron function of its own).
 */
import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { isAppError } from "@/lib/errors";
import { nextScheduleTime } from "@/lib/schedule-times";
import { SCHEDULE_MISSED_AFTER_MS, type SCHEDULE_SKIP_REASONS } from "@/lib/schemas/schedules";
import { TERMINAL_RUN_STATUSES } from "@/lib/schemas/runs";
import type { ActorType } from "@/lib/schemas/common";
import type { TenantContext } from "@/server/context";
import { db, SYSTEM } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { runTenantContext } from "@/server/jobs/run-function";
import { logger } from "@/server/logger";
import { startRun } from "@/server/runs/service";
import { syncDueMcpServers } from "./mcp-sync";

/** how long a claim keeps other schedulers off a schedule (a fire takes one statement after the checks) */
const CLAIM_MS = 60_000;
const CLAIM_BATCH = 20;
const DEFAULT_POLL_MS = 5_000;
/** how often the in-process scheduler looks for MCP servers due for their periodic sync (./mcp-sync.ts) */
const MCP_SYNC_POLL_MS = 60_000;
const ERROR_MAX = 500;
/** startRun's answer when the gate wrote nothing: another scheduler fired this due time, or it changed meanwhile */
const LOST = "The schedule's due time was fired or changed meanwhile";

export interface DueSchedule extends Record<string, unknown> {
  id: string;
  workspaceId: string;
  /** the due time (UTC, as stored): the fire's condition */
  nextRunAt: Date;
  cron: string;
  timezone: string;
  input: string;
  agentId: string | null;
  teamId: string | null;
  allowOverlap: boolean;
  missedPolicy: string;
  lastRunId: string | null;
  createdByType: string;
  createdById: string | null;
}

export type FireOutcome = { fired: string } | { skipped: (typeof SCHEDULE_SKIP_REASONS)[number] } | { lost: true };

/** Claims up to `limit` due schedules for `owner` (none another scheduler holds). */
export async function claimDueSchedules(o: { owner: string; now: Date; limit?: number; workspaceIds?: string[] }): Promise<DueSchedule[]> {
  const workspaces = o.workspaceIds ? sql`AND c."workspaceId" = ANY (${sql.array(o.workspaceIds, "text")})` : sql.empty;
  const { rows } = await execute<DueSchedule>(
    SYSTEM("scheduler"),
    sql`UPDATE "Schedule" s SET "claimOwner" = ${o.owner}, "claimExpiresAt" = ${new Date(o.now.getTime() + CLAIM_MS)}
     WHERE s.id IN (SELECT c.id FROM "Schedule" c
       WHERE c."status" = 'active' AND c."nextRunAt" <= ${o.now} AND (c."claimExpiresAt" IS NULL OR c."claimExpiresAt" < ${o.now}) ${workspaces}
       ORDER BY c."nextRunAt", c.id LIMIT ${o.limit ?? CLAIM_BATCH} FOR UPDATE SKIP LOCKED)
     RETURNING s.id, s."workspaceId", to_char(s."nextRunAt", 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "nextRunAt", s.cron, s.timezone, s.input, s."agentId", s."teamId", s."allowOverlap", s."missedPolicy",
       s."lastRunId", s."createdByType", s."createdById"`,
  );
  // read as UTC text: the driver would read a timestamp without time zone in the process's zone
  return rows.map((r) => ({ ...r, nextRunAt: new Date(r.nextRunAt as unknown as string) }));
}

/** Advances a due time without a run, recording why (only while the due time is still the schedule's). */
async function skip(s: DueSchedule, next: Date | null, reason: (typeof SCHEDULE_SKIP_REASONS)[number], now: Date, error?: string): Promise<FireOutcome> {
  const { rows } = await execute(
    s,
    sql`UPDATE "Schedule" SET "nextRunAt" = ${next}, "status" = ${next ? "active" : "paused"}, "skippedFires" = "skippedFires" + 1,
       "lastSkipReason" = ${reason}, "lastSkippedAt" = ${now}, "lastError" = ${error ? error.slice(0, ERROR_MAX) : null},
       "claimOwner" = NULL, "claimExpiresAt" = NULL, "updatedAt" = ${now}
     WHERE id = ${s.id} AND "workspaceId" = ${s.workspaceId} AND "status" = 'active' AND "nextRunAt" = ${s.nextRunAt}
     RETURNING id`,
  );
  return rows.length ? { skipped: reason } : { lost: true };
}

async function previousRunActive(ctx: TenantContext, runId: string | null): Promise<boolean> {
  if (!runId) return false;
  const run = await db(ctx).run.findFirst({ where: { id: runId, workspaceId: ctx.workspaceId }, select: { status: true } });
  return !!run && !(TERMINAL_RUN_STATUSES as readonly string[]).includes(run.status);
}

/** Fires one claimed schedule at `now`: a run, or a recorded skip; `lost` when another scheduler fired it first. */
export async function fireSchedule(s: DueSchedule, now: Date): Promise<FireOutcome> {
  // the next time after now: several missed times collapse into this fire
  const next = nextScheduleTime(s.cron, s.timezone, now);
  let ctx: TenantContext;
  try {
    ctx = {
      ...(await runTenantContext({ id: s.id, workspaceId: s.workspaceId, createdByType: s.createdByType as ActorType, createdById: s.createdById })),
      requestId: `schedule:${s.id}`,
    };
  } catch (error) {
    return skip(s, next, "failed", now, isAppError(error) ? error.message : "The schedule's creator can no longer act in the workspace");
  }
  const missed = now.getTime() - s.nextRunAt.getTime() > SCHEDULE_MISSED_AFTER_MS;
  if (missed && s.missedPolicy === "skip") return skip(s, next, "missed", now);
  if (!s.allowOverlap && (await previousRunActive(ctx, s.lastRunId))) return skip(s, next, "overlap", now);
  try {
    const run = await startRun(
      ctx,
      { ...(s.agentId ? { agent: s.agentId } : { team: s.teamId! }), input: s.input },
      {
        channel: "schedule",
        channelRef: s.id,
        gate: {
          cte: (runId, ts) => sql`
          g AS (
            UPDATE "Schedule" SET "nextRunAt" = ${next}, "status" = ${next ? "active" : "paused"}, "lastRunId" = ${runId}, "lastFiredAt" = ${ts},
              "lastError" = NULL, "claimOwner" = NULL, "claimExpiresAt" = NULL, "updatedAt" = ${ts}
            WHERE id = ${s.id} AND "workspaceId" = ${s.workspaceId} AND "status" = 'active' AND "nextRunAt" = ${s.nextRunAt}
            RETURNING id)`,
          refused: LOST,
          audit: { schedule: s.id, dueAt: s.nextRunAt.toISOString() },
        },
      },
    );
    return { fired: run.id };
  } catch (error) {
    if (isAppError(error) && error.code === "CONFLICT" && error.message === LOST) return { lost: true };
    const message = isAppError(error) && error.code !== "INTERNAL" ? error.message : "The run could not be started";
    if (!isAppError(error)) logger.error({ scheduleId: s.id, error: (error as Error).message }, "scheduler: a fire failed");
    return skip(s, next, "failed", now, message);
  }
}

/** One pass: claims the due schedules and fires each. */
export async function tickSchedules(o: { owner: string; now?: Date; workspaceIds?: string[] }): Promise<FireOutcome[]> {
  const now = o.now ?? new Date();
  const due = await claimDueSchedules({ owner: o.owner, now, ...(o.workspaceIds ? { workspaceIds: o.workspaceIds } : {}) });
  const outcomes: FireOutcome[] = [];
  for (const s of due) outcomes.push(await fireSchedule(s, now));
  return outcomes;
}

export interface Scheduler {
  readonly owner: string;
  stop(): Promise<void>;
}

/** The in-process scheduler: a pass every `pollMs` (one at a time). */
export function startScheduler(o: { owner?: string; pollMs?: number; clock?: () => Date; workspaceIds?: string[] } = {}): Scheduler {
  const owner = o.owner ?? `${hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  let stopped = false;
  let running: Promise<unknown> | null = null;
  // the remote MCP servers' periodic sync (./mcp-sync.ts) on a track of its own: a server that takes its time to
  // answer never holds up a schedule's due time
  // (its claim is looked for once a minute, not at every poll: due times are hours apart)
  let syncing: Promise<unknown> | null = null;
  let syncStarted = Number.NEGATIVE_INFINITY;
  const timer = setInterval(() => {
    if (stopped) return;
    const now = o.clock?.();
    const scope = { ...(now ? { now } : {}), ...(o.workspaceIds ? { workspaceIds: o.workspaceIds } : {}) };
    if (!syncing && performance.now() - syncStarted >= MCP_SYNC_POLL_MS) {
      syncStarted = performance.now();
      syncing = syncDueMcpServers(scope)
        .catch((error: unknown) => logger.warn({ error: (error as Error).message }, "scheduler: the MCP sync pass failed"))
        .finally(() => {
          syncing = null;
        });
    }
    if (running) return;
    running = tickSchedules({ owner, ...scope })
      .catch((error: unknown) => logger.warn({ error: (error as Error).message }, "scheduler: a pass failed"))
      .finally(() => {
        running = null;
      });
  }, o.pollMs ?? DEFAULT_POLL_MS);
  timer.unref();
  return {
    owner,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.all([running, syncing]);
    },
  };
}
