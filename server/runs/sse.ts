/**
 * A run's events as Server-Sent Events, backed by the database (so it works whichever process executes the run):
 * replays the events after Last-Event-ID (or ?after=), then reads again as soon as this process commits new events
 * of the run (server/runs/notify.ts) or, at the latest, every ~150 ms (the poll: runs executed by another process)
 * until the terminal event (run.succeeded / run.failed / run.cancelled), after which the stream ends. Each message is
 * `id: <seq>`, `event: <type>`, `data: {"seq","type","data","createdAt"}`. A comment line is sent as a heartbeat
 * when nothing was written for a while. The stream stops when the client goes away or the server shuts down.
 *
 * Access is not only checked when the stream opens: every `recheckMs` (CADRE_STREAM_RECHECK_SECONDS) the caller is
 * authenticated again (session still valid and still a member; API key not revoked or expired, its creator still a
 * member) and must still hold runs:read. When that fails the stream ends with a `: access ended` comment; a
 * reconnecting client then gets the 401/404 of the first check.
 */
import type { TenantContext } from "@/server/context";
import { logger } from "@/server/logger";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { env } from "@/server/env";
import { AppError } from "@/lib/errors";
import { eventsAfter, isTerminalEvent } from "./events";
import { subscribeRunEvents } from "./notify";
import { markRunWatched, WATCH_RENEW_MS } from "./watchers";
import { assertRunVisible } from "./service";
import { metrics } from "@/server/observability/metrics";

export interface StreamSettings {
  pollMs: number;
  heartbeatMs: number;
  /** events per database read */
  batch: number;
  /** how often the caller's access is checked again (default CADRE_STREAM_RECHECK_SECONDS) */
  recheckMs?: number;
}

const DEFAULT_SETTINGS: StreamSettings = { pollMs: 150, heartbeatMs: 15_000, batch: 500 };
let settings: StreamSettings = { ...DEFAULT_SETTINGS };

export function configureRunStreams(patch?: Partial<StreamSettings>): void {
  settings = patch ? { ...settings, ...patch } : { ...DEFAULT_SETTINGS };
}

const globalForStreams = globalThis as unknown as { cadreStreamsShutdown?: AbortController };
function shutdownController(): AbortController {
  globalForStreams.cadreStreamsShutdown ??= new AbortController();
  return globalForStreams.cadreStreamsShutdown;
}

/** Ends every open stream (server shutdown: open streams would otherwise keep the HTTP server from closing). */
export function closeAllRunStreams(): void {
  shutdownController().abort();
}

async function runIsFinished(run: { runId: string; workspaceId: string }): Promise<boolean> {
  const { rows } = await execute<{ status: string }>(run, sql`SELECT status FROM "Run" WHERE id = ${run.runId}`);
  return !rows[0] || ["succeeded", "failed", "cancelled"].includes(rows[0].status);
}

/** The resume point of a request: Last-Event-ID, else ?after=, else 0. */
export function resumeSeqOf(request: Request): number {
  const header = request.headers.get("last-event-id");
  const fromQuery = new URL(request.url).searchParams.get("after");
  for (const value of [header, fromQuery]) {
    if (value !== null && /^\d{1,9}$/.test(value.trim())) return Number(value.trim());
  }
  return 0;
}

/**
 * The stream of a run whose visibility was checked. `stillAllowed` (when given) is asked every `recheckMs`: false
 * or an error ends the stream.
 */
export function runEventsStream(
  run: { runId: string; workspaceId: string },
  afterSeq: number,
  clientSignal: AbortSignal | undefined,
  requestId: string,
  stillAllowed?: () => Promise<boolean>,
): Response {
  const { runId } = run;
  const encoder = new TextEncoder();
  const abort = new AbortController();
  const signals = [abort.signal, shutdownController().signal, ...(clientSignal ? [clientSignal] : [])];
  const signal = AbortSignal.any(signals);
  const s = { ...settings };
  const recheckMs = s.recheckMs ?? env().CADRE_STREAM_RECHECK_SECONDS * 1000;

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      metrics.openStreams.inc();
      let last = afterSeq;
      let lastWrite = Date.now();
      let idlePolls = 0;
      const wakeUps = subscribeRunEvents(runId);
      const send = (text: string) => {
        controller.enqueue(encoder.encode(text));
        lastWrite = Date.now();
      };
      // the run's steps stream their text while someone watches (server/runs/watchers.ts)
      let watchMarkedAt = 0;
      const markWatched = () => {
        if (Date.now() - watchMarkedAt < WATCH_RENEW_MS) return;
        watchMarkedAt = Date.now();
        markRunWatched(run).catch((error: unknown) => logger.warn({ runId, requestId, error: (error as Error).message }, "could not mark a run as watched"));
      };
      let checkedAt = Date.now();
      const accessEnded = async (): Promise<boolean> => {
        if (!stillAllowed || Date.now() - checkedAt < recheckMs) return false;
        checkedAt = Date.now();
        const allowed = await stillAllowed().catch((error: unknown) => {
          if (!(error instanceof AppError)) logger.warn({ runId, requestId, error: (error as Error).message }, "run event stream: the access check failed");
          return false;
        });
        return !allowed;
      };
      try {
        send(`retry: 1000\n: run ${runId}\n\n`);
        while (!signal.aborted) {
          if (await accessEnded()) {
            send(`: access ended\n\n`);
            break;
          }
          markWatched();
          const events = await eventsAfter(run, last, s.batch);
          let ended = false;
          for (const e of events) {
            if (signal.aborted) break;
            send(`id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ seq: e.seq, type: e.type, data: e.data, createdAt: e.createdAt.toISOString() })}\n\n`);
            last = e.seq;
            if (isTerminalEvent(e.type)) {
              ended = true;
              break;
            }
          }
          if (ended) break;
          if (events.length >= s.batch) continue;
          // resumed after the end (or the run vanished): nothing more will come
          if (events.length === 0 && idlePolls++ % 10 === 0 && (await runIsFinished(run))) {
            const more = await eventsAfter(run, last, 1);
            if (more.length === 0) break;
            continue;
          }
          if (events.length > 0) idlePolls = 1;
          if (Date.now() - lastWrite >= s.heartbeatMs) send(`: keep-alive\n\n`);
          await wakeUps.wait(s.pollMs, signal);
        }
      } catch (error) {
        if (!signal.aborted) logger.warn({ runId, requestId, error: (error as Error).message }, "run event stream failed");
      } finally {
        metrics.openStreams.dec();
        wakeUps.close();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(stream, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-request-id": requestId,
    },
  });
}

/**
 * The `stream` of the run-events route definitions (server/rest/routes/runs.ts for API keys, server/rest/routes/web.ts
 * for the web app): the caller was authenticated and its `runs:read` checked by the route executor. While the stream
 * is open, `reauthorize` (the same authentication and permission check) is asked again every `recheckMs`: the caller
 * must still be let in, in the same workspace.
 */
export async function streamRunEvents({ ctx, params, request, requestId, reauthorize }: {
  ctx: TenantContext;
  params: { runId: string };
  request: Request;
  requestId: string;
  reauthorize?: () => Promise<TenantContext>;
}): Promise<Response> {
  await assertRunVisible(ctx, params.runId);
  const stillAllowed = reauthorize ? async () => (await reauthorize()).workspaceId === ctx.workspaceId : undefined;
  return runEventsStream({ runId: params.runId, workspaceId: ctx.workspaceId }, resumeSeqOf(request), request.signal, requestId, stillAllowed);
}
