"use client";

import { useEffect, useReducer, useRef, useState } from "react";
import { RUN_EVENT_TYPES } from "@/lib/schemas/runs";
import { applyEvents, EMPTY_LIVE_STATE, isTerminal, type LiveEvent, type RunLiveState } from "./run-state";

export type StreamState = "connecting" | "open" | "polling" | "closed";

/** Every event type the server emits; SSE messages may be named by their type or be plain `message`s. */
export { RUN_EVENT_TYPES };

const TERMINAL_EVENTS = new Set(["run.succeeded", "run.failed", "run.cancelled"]);

/** One SSE message as a run event: the body is either the whole event ({ seq, type, data, createdAt }) or its data. */
export function parseSseMessage(type: string, lastEventId: string, raw: string): LiveEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return null;
  }
  if (!body || typeof body !== "object") return null;
  const b = body as Record<string, unknown>;
  const whole = typeof b.type === "string" && (typeof b.seq === "number" || typeof b.seq === "string");
  const seq = Number(whole ? b.seq : lastEventId);
  const eventType = whole ? (b.type as string) : type !== "message" ? type : null;
  if (!eventType || !Number.isFinite(seq) || seq <= 0) return null;
  const data = whole ? (b.data && typeof b.data === "object" ? (b.data as Record<string, unknown>) : {}) : b;
  const createdAt = whole && (typeof b.createdAt === "string" || b.createdAt instanceof Date) ? (b.createdAt as string) : null;
  return { seq, type: eventType, data, createdAt };
}

type Action = { events: LiveEvent[] } | { reset: true };

function reducer(state: RunLiveState, action: Action): RunLiveState {
  if ("reset" in action) return EMPTY_LIVE_STATE;
  return applyEvents(state, action.events);
}

export interface UseRunEventsOptions {
  /** the web app's stream: GET /api/runs/{runId}/events?workspace=<slug> */
  url: string;
  /** fallback when the stream cannot be opened: the events after a sequence number (runs.events) */
  poll: (afterSeq: number) => Promise<LiveEvent[]>;
  /** called for every new event (after it was applied), e.g. to refresh the run's steps */
  onEvent?: (event: LiveEvent) => void;
  enabled?: boolean;
}

/**
 * The run's events, live: an EventSource from seq 1 (a reload replays everything; the browser resumes with
 * Last-Event-ID when the connection drops), closed after the terminal event. If the stream cannot be opened at
 * all, it falls back to polling. Duplicates are ignored by sequence number.
 */
export function useRunEvents({ url, poll, onEvent, enabled = true }: UseRunEventsOptions): { live: RunLiveState; stream: StreamState } {
  const [live, dispatch] = useReducer(reducer, EMPTY_LIVE_STATE);
  const [stream, setStream] = useState<StreamState>("connecting");
  const lastSeq = useRef(0);
  const onEventRef = useRef(onEvent);
  const pollRef = useRef(poll);
  useEffect(() => {
    onEventRef.current = onEvent;
    pollRef.current = poll;
  });

  useEffect(() => {
    if (!enabled) return;
    let stopped = false;
    let source: EventSource | null = null;
    let pollTimer: ReturnType<typeof setTimeout> | null = null;
    let failures = 0;
    dispatch({ reset: true });
    lastSeq.current = 0;

    const deliver = (events: LiveEvent[]): boolean => {
      const fresh = events.filter((e) => e.seq > lastSeq.current).sort((a, b) => a.seq - b.seq);
      if (!fresh.length) return false;
      lastSeq.current = fresh[fresh.length - 1]!.seq;
      dispatch({ events: fresh });
      for (const e of fresh) onEventRef.current?.(e);
      return fresh.some((e) => TERMINAL_EVENTS.has(e.type));
    };

    const startPolling = () => {
      setStream("polling");
      const tick = async () => {
        if (stopped) return;
        let ended = false;
        try {
          ended = deliver(await pollRef.current(lastSeq.current));
          failures = 0;
        } catch {
          failures += 1;
        }
        if (stopped) return;
        if (ended) {
          setStream("closed");
          return;
        }
        pollTimer = setTimeout(() => void tick(), Math.min(5000, 700 * 2 ** Math.min(failures, 3)));
      };
      void tick();
    };

    if (typeof EventSource === "undefined") {
      startPolling();
    } else {
      source = new EventSource(url, { withCredentials: true });
      const onMessage = (e: MessageEvent<string>) => {
        const event = parseSseMessage(e.type, e.lastEventId, e.data);
        if (!event) return;
        if (deliver([event])) {
          source?.close();
          setStream("closed");
        }
      };
      source.addEventListener("message", onMessage);
      for (const type of RUN_EVENT_TYPES) source.addEventListener(type, onMessage as EventListener);
      source.addEventListener("open", () => setStream("open"));
      source.addEventListener("error", () => {
        if (stopped || !source) return;
        if (source.readyState === EventSource.CLOSED) {
          // the stream refused (4xx) or cannot be opened: poll instead
          source.close();
          source = null;
          startPolling();
        } else {
          setStream("connecting"); // the browser reconnects by itself, sending Last-Event-ID
        }
      });
    }

    return () => {
      stopped = true;
      source?.close();
      if (pollTimer) clearTimeout(pollTimer);
    };
  }, [url, enabled]);

  return { live, stream: isTerminal(live.status) && stream !== "polling" ? "closed" : stream };
}
