/**
 * A run's events as Server-Sent Events, backed by the database (so it works whichever process executes the run):
 * replays the events after Last-Event-ID (or ?after=), then reads again as soon as the run's events move
 * (server/jobs/notify.ts: a signal from this process's writers, or the database's NOTIFY from another process) or, at
 * the latest, at the slow poll (every ~2 s, aligned on the clock so that the streams of one run poll together)
 * until the terminal event (run.succeeded / run.failed / run.cancelled), after which the stream ends. Each message is
 * `id: <seq>`, `event: <type>`, `data: {"seq","type","data","createdAt"}`. A comment line is sent as a heartbeat
 * when nothing was written for a while. The stream stops when the client goes away or the server shuts down.
 *
 * The streams of one run in this process share their reads: streams at the same position woken by the same signal
 * (or the same poll tick) send ONE query between them, and the run's "watched" mark and "finished?" check are
 * written and read once per run, not once per stream. So the database load of N streams on a run is that of one.
 *
 * Open streams are capped per process (CADRE_MAX_STREAMS) and per caller, an API key or a user
 * (CADRE_MAX_STREAMS_PER_CALLER, in this process): beyond either, 429 RATE_LIMITED; a stream's place is given back
 * when it ends.
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
import { eventsAfter, isTerminalEvent } from "@/server/jobs/events";
import { runEventGeneration, stopRunEventListener, subscribeRunEvents } from "@/server/jobs/notify";
import { markRunWatched, openWatchedRun, streamsMarkRuns, WATCH_RENEW_MS } from "@/server/jobs/watchers";
import { metrics } from "@/server/observability/metrics";
import { eventsRedacted, readPolicy } from "./read-redaction";

export interface StreamSettings {
  pollMs: number;
  heartbeatMs: number;
  /** events per database read */
  batch: number;
  /** how often the caller's access is checked again (default CADRE_STREAM_RECHECK_SECONDS) */
  recheckMs?: number;
}

const DEFAULT_SETTINGS: StreamSettings = { pollMs: 2_000, heartbeatMs: 15_000, batch: 500 };
let settings: StreamSettings = { ...DEFAULT_SETTINGS };

export function configureRunStreams(patch?: Partial<StreamSettings>): void {
  settings = patch ? { ...settings, ...patch } : { ...DEFAULT_SETTINGS };
}

const globalForStreams = globalThis as unknown as { cadreStreamsShutdown?: AbortController };
function shutdownController(): AbortController {
  globalForStreams.cadreStreamsShutdown ??= new AbortController();
  return globalForStreams.cadreStreamsShutdown;
}

/** Ends every open stream (server shutdown: open streams would otherwise keep the HTTP server from closing), and the listener. */
export function closeAllRunStreams(): void {
  shutdownController().abort();
  void stopRunEventListener();
}

type RunRef = { runId: string; workspaceId: string };

async function readRunFinished(run: RunRef): Promise<boolean> {
  const { rows } = await execute<{ status: string }>(run, sql`SELECT status FROM "Run" WHERE id = ${run.runId}`);
  return !rows[0] || ["succeeded", "failed", "cancelled"].includes(rows[0].status);
}

// ---------------------------------------------------------------------------------------------------
// Reads shared by the streams of a run in this process

interface SharedRead<T> {
  generation: number;
  promise: Promise<T>;
}
const globalForShared = globalThis as unknown as { cadreStreamReads?: Map<string, SharedRead<unknown>>; cadreStreamMarks?: Map<string, number> };
function sharedReads(): Map<string, SharedRead<unknown>> {
  globalForShared.cadreStreamReads ??= new Map();
  return globalForShared.cadreStreamReads;
}

/**
 * One read for every caller with the same key while it is in flight, provided no signal of the run arrived since it
 * started (a read that started before the latest commit was announced might not see it: the caller starts its own).
 */
function shared<T>(run: RunRef, key: string, read: () => Promise<T>): Promise<T> {
  const full = `${run.workspaceId}:${run.runId}:${key}`;
  const generation = runEventGeneration(run.runId);
  const inFlight = sharedReads().get(full) as SharedRead<T> | undefined;
  if (inFlight && inFlight.generation === generation) return inFlight.promise;
  const entry: SharedRead<T> = { generation, promise: read() };
  sharedReads().set(full, entry);
  const done = () => {
    if (sharedReads().get(full) === entry) sharedReads().delete(full);
  };
  entry.promise.then(done, done);
  return entry.promise;
}

const sharedEventsAfter = (run: RunRef, afterSeq: number, batch: number) => shared(run, `events:${afterSeq}:${batch}`, () => eventsAfter(run, afterSeq, batch));
const runIsFinished = (run: RunRef) => shared(run, "finished", () => readRunFinished(run));

function watchMarks(): Map<string, number> {
  globalForShared.cadreStreamMarks ??= new Map();
  return globalForShared.cadreStreamMarks;
}

/** Marks the run as watched at most once per WATCH_RENEW_MS per process (whatever the number of its streams). */
function markWatchedShared(run: RunRef): Promise<void> {
  if (!streamsMarkRuns()) return Promise.resolve();
  const marks = watchMarks();
  const last = marks.get(run.runId);
  if (last !== undefined && Date.now() - last < WATCH_RENEW_MS) return Promise.resolve();
  marks.set(run.runId, Date.now());
  if (marks.size > 10_000) for (const [id, at] of marks) if (Date.now() - at >= WATCH_RENEW_MS) marks.delete(id);
  return shared(run, "mark", () => markRunWatched(run));
}

/** Until the next multiple of `ms` on the clock: the streams of a run poll in the same tick (and share the read). */
const untilNextTick = (ms: number) => ms - (Date.now() % ms) + 1;

// ---------------------------------------------------------------------------------------------------
// Caps on open streams

const globalForCaps = globalThis as unknown as { cadreStreamCount?: { total: number; byCaller: Map<string, number> } };
function openStreams() {
  globalForCaps.cadreStreamCount ??= { total: 0, byCaller: new Map() };
  return globalForCaps.cadreStreamCount;
}

/** The caller a stream counts against: its API key, or its user. */
function callerKey(ctx: TenantContext): string {
  return ctx.actor.type === "api_key" ? `key:${ctx.actor.keyId}` : `user:${ctx.actor.userId}`;
}

/** Takes a stream's place for the caller (429 when the process or the caller has no place left); the release is idempotent. */
export function acquireStreamSlot(caller: string): () => void {
  const e = env();
  const open = openStreams();
  if (open.total >= e.CADRE_MAX_STREAMS) throw new AppError("RATE_LIMITED", "Too many open event streams on this server: try again later");
  const mine = open.byCaller.get(caller) ?? 0;
  if (mine >= e.CADRE_MAX_STREAMS_PER_CALLER)
    throw new AppError("RATE_LIMITED", `Too many open event streams for this caller (at most ${e.CADRE_MAX_STREAMS_PER_CALLER}): close one first`);
  open.total++;
  open.byCaller.set(caller, mine + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    open.total--;
    const left = (open.byCaller.get(caller) ?? 1) - 1;
    if (left <= 0) open.byCaller.delete(caller);
    else open.byCaller.set(caller, left);
  };
}

/** Open streams in this process, in total or of one caller (tests, metrics). */
export function openStreamCount(caller?: string): number {
  const open = openStreams();
  return caller === undefined ? open.total : (open.byCaller.get(caller) ?? 0);
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
  onClose?: () => void,
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
      // the run's steps stream their text while someone watches, and its events are announced to other processes
      // (server/jobs/watchers.ts); once per run and process
      const markWatched = () =>
        markWatchedShared(run).catch((error: unknown) => logger.warn({ runId, requestId, error: (error as Error).message }, "could not mark a run as watched"));
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
        // the PII policy's "outputs" path with "storage" off: events are redacted as they are sent (read once per stream)
        const pii = await readPolicy(run);
        // marked before the first read: an event committed after that read is announced (NOTIFY) to this process
        await markWatched();
        while (!signal.aborted) {
          if (await accessEnded()) {
            send(`: access ended\n\n`);
            break;
          }
          void markWatched();
          const events = eventsRedacted(await sharedEventsAfter(run, last, s.batch), pii);
          let ended = false;
          for (const e of events) {
            if (signal.aborted) break;
            send(
              `id: ${e.seq}\nevent: ${e.type}\ndata: ${JSON.stringify({ seq: e.seq, type: e.type, data: e.data, createdAt: e.createdAt.toISOString() })}\n\n`,
            );
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
            const more = await sharedEventsAfter(run, last, 1);
            if (more.length === 0) break;
            continue;
          }
          if (events.length > 0) idlePolls = 1;
          if (Date.now() - lastWrite >= s.heartbeatMs) send(`: keep-alive\n\n`);
          await wakeUps.wait(untilNextTick(s.pollMs), signal);
        }
      } catch (error) {
        if (!signal.aborted) logger.warn({ runId, requestId, error: (error as Error).message }, "run event stream failed");
      } finally {
        metrics.openStreams.dec();
        wakeUps.close();
        onClose?.();
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
export async function streamRunEvents({
  ctx,
  params,
  request,
  requestId,
  reauthorize,
}: {
  ctx: TenantContext;
  params: { runId: string };
  request: Request;
  requestId: string;
  reauthorize?: () => Promise<TenantContext>;
}): Promise<Response> {
  // the visibility check and the run's first "watched" mark in one statement
  await openWatchedRun({ runId: params.runId, workspaceId: ctx.workspaceId });
  watchMarks().set(params.runId, Date.now());
  const stillAllowed = reauthorize ? async () => (await reauthorize()).workspaceId === ctx.workspaceId : undefined;
  const release = acquireStreamSlot(callerKey(ctx));
  try {
    return runEventsStream({ runId: params.runId, workspaceId: ctx.workspaceId }, resumeSeqOf(request), request.signal, requestId, stillAllowed, release);
  } catch (error) {
    release();
    throw error;
  }
}
