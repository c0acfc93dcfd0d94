import { TERMINAL_RUN_STATUSES, type RunDetailOut } from "@/lib/schemas/runs";
import type { TenantContext } from "@/server/context";
import { eventsAfter, isTerminalEvent } from "@/server/jobs/events";
import { subscribeRunEvents } from "@/server/jobs/notify";
import { getRun } from "@/server/runs/service";

export interface RunProgress {
  /** steps finished so far */
  progress: number;
  /** the steps the run expects (grows when a topology adds rounds) */
  total: number;
  message: string;
}

export interface FollowOptions {
  /** ends the following (not the run) */
  signal?: AbortSignal;
  /** stop following after this long and answer with the run as it is */
  timeoutMs?: number;
  onProgress?: (progress: RunProgress) => Promise<void> | void;
}

/** the longest wait between two reads when no signal comes (another process writing without the listener) */
const POLL_MS = 2_000;

/**
 * Follows a run's events until it ends (or the signal or the timeout ends the following), reporting each finished
 * step, then answers the run. Woken by the run-events signal (server/jobs/notify.ts), polling slowly as a fallback.
 */
export async function followRun(ctx: TenantContext, runId: string, options: FollowOptions = {}): Promise<RunDetailOut> {
  const run = { runId, workspaceId: ctx.workspaceId };
  const deadline = options.timeoutMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeoutMs;
  const subscription = subscribeRunEvents(runId);
  try {
    let current = await getRun(ctx, runId, { stepsLimit: 1 });
    let seq = 0;
    let done = 0;
    let ended = TERMINAL_RUN_STATUSES.includes(current.status);
    while (!ended && !options.signal?.aborted && Date.now() < deadline) {
      for (const event of await eventsAfter(run, seq)) {
        seq = event.seq;
        if (event.type === "node.finished" || event.type === "node.failed") {
          done += 1;
          const by = event.data.agent ?? event.data.nodeId;
          const node = typeof by === "string" ? by : "a step";
          await options.onProgress?.({
            progress: done,
            total: Math.max(done, current.stepsExpected),
            message: `${node} ${event.type === "node.failed" ? "failed" : "finished"}`,
          });
        }
        if (isTerminalEvent(event.type)) ended = true;
      }
      if (ended) break;
      await subscription.wait(Math.min(POLL_MS, Math.max(0, deadline - Date.now())), options.signal);
    }
    current = await getRun(ctx, runId, { stepsLimit: 1 });
    return current;
  } finally {
    subscription.close();
  }
}
