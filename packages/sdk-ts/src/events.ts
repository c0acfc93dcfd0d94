/**
 * Following a run's events: GET /api/v1/runs/{runId}/events as Server-Sent Events, parsed, resumed after the last event
 * seen when the connection ends early, finished at the run's terminal event.
 */
import type { components } from "./generated/openapi.js";
import { apiErrorOf, CadreApiError } from "./errors.js";

export type RunEvent = components["schemas"]["RunEvent"];
export const TERMINAL_EVENTS = ["run.succeeded", "run.failed", "run.cancelled"] as const;

export interface FollowOptions {
  /** the sequence number after which to start (default 0: from the first event) */
  after?: number;
  signal?: AbortSignal;
  /** how many times to reconnect after the stream ended without a terminal event (default 5) */
  reconnects?: number;
}

/** The `data:` payloads of an event stream, one per event (comments and other fields are skipped). */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let data: string[] = [];
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, "");
        buffer = buffer.slice(end + 1);
        if (line === "") {
          if (data.length) yield data.join("\n");
          data = [];
        } else if (line.startsWith("data:")) {
          data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
        }
      }
    }
    if (data.length) yield data.join("\n");
  } finally {
    reader.releaseLock();
  }
}

export async function* followRunEvents(
  connect: (runId: string, after: number, signal?: AbortSignal) => Promise<Response>,
  runId: string,
  options: FollowOptions = {},
): AsyncGenerator<RunEvent> {
  let last = options.after ?? 0;
  let reconnects = options.reconnects ?? 5;
  for (;;) {
    const response = await connect(runId, last, options.signal);
    if (!response.ok || !response.body) {
      const text = await response.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {}
      throw apiErrorOf(response.status, body, response.headers.get("x-request-id"));
    }
    for await (const data of sseData(response.body)) {
      const event = JSON.parse(data) as RunEvent;
      last = Math.max(last, event.seq);
      yield event;
      if ((TERMINAL_EVENTS as readonly string[]).includes(event.type)) return;
    }
    if (reconnects-- <= 0) throw new CadreApiError(0, "STREAM_ENDED", `The event stream of ${runId} ended before the run finished`);
  }
}
