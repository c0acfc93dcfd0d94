/**
 * Waiting for a run to end, for the synchronous answers (POST /api/v1/runs?wait=, a session's JSON send, the
 * OpenAI-compatible endpoint): the run-events wake-up of server/jobs/notify.ts (a signal from this process's writers,
 * or the database's NOTIFY for a watched run executed elsewhere) says when to look again, so a wait reads the run's
 * status once per change, not in a loop; a slow fallback read (FALLBACK_MS) covers a run executed by another process
 * that nobody marked as watched. Nothing is held in the database while waiting.
 */
import { TERMINAL_RUN_STATUSES, type RunStatus } from "@/lib/schemas/runs";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { subscribeRunEvents } from "@/server/jobs/notify";

/** the longest a wait goes without reading the run's status when no signal came */
export const FALLBACK_MS = 1_000;

const isTerminal = (status: RunStatus) => TERMINAL_RUN_STATUSES.includes(status);

async function statusOf(run: { runId: string; workspaceId: string }): Promise<RunStatus | null> {
  const { rows } = await execute<{ status: RunStatus }>(run, sql`SELECT status FROM "Run" WHERE id = ${run.runId} AND "workspaceId" = ${run.workspaceId}`);
  return rows[0]?.status ?? null;
}

/**
 * Waits up to `ms` for the run to succeed, fail or be cancelled (or until `signal` aborts). Returns its status at the
 * end of the wait (null when the run is not the workspace's).
 */
export async function waitForRunEnd(ctx: { workspaceId: string }, runId: string, ms: number, signal?: AbortSignal): Promise<RunStatus | null> {
  const run = { runId, workspaceId: ctx.workspaceId };
  const deadline = Date.now() + Math.max(0, ms);
  // subscribed before the first read: a change committed after that read wakes the wait
  const wakeUps = subscribeRunEvents(runId);
  try {
    for (;;) {
      const status = await statusOf(run);
      const left = deadline - Date.now();
      if (status === null || isTerminal(status) || left <= 0 || signal?.aborted) return status;
      await wakeUps.wait(Math.min(left, FALLBACK_MS), signal);
    }
  } finally {
    wakeUps.close();
  }
}
