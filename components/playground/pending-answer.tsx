"use client";

import { useCallback, useEffect, useRef } from "react";
import { useTRPCClient } from "@/lib/trpc/react";
import { runningSteps, isTerminal, type LiveEvent } from "@/components/runs/run-state";
import { useRunEvents } from "@/components/runs/use-run-events";
import { LiveText } from "@/components/markdown/live-text";

/**
 * The answer being written: the run's events streamed (the running step's text as it comes). Once the run has ended,
 * `onDone` is called once: the answer is then in the session's history (the run's end appended it).
 */
export function PendingAnswer({ runId, slug, onDone }: { runId: string; slug: string; onDone: (runId: string) => void }) {
  const client = useTRPCClient();
  const poll = useCallback(
    async (after: number): Promise<LiveEvent[]> => {
      const events = await client.runs.events.query({ runId, after, limit: 500 });
      return events.map((e) => ({ seq: e.seq, type: e.type, data: e.data, createdAt: e.createdAt }));
    },
    [client, runId],
  );
  const { live } = useRunEvents({ url: `/api/runs/${encodeURIComponent(runId)}/events?workspace=${encodeURIComponent(slug)}`, poll });
  const done = useRef(false);
  useEffect(() => {
    if (done.current || !isTerminal(live.status)) return;
    done.current = true;
    onDone(runId);
  }, [live.status, onDone, runId]);
  // (once ended, the output stays until the history shows the answer)
  const text =
    isTerminal(live.status) && live.output
      ? live.output
      : runningSteps(live)
          .map((s) => s.text)
          .join("\n\n");
  return (
    <div className="grid gap-1" data-testid="playground-pending" data-run-id={runId} aria-live="polite">
      <span className="text-xs text-muted-foreground">
        {live.status === "queued" || !live.status ? "Starting…" : isTerminal(live.status) ? "Done" : "Writing…"}
      </span>
      {text ? <LiveText text={text} testId="playground-live-text" /> : null}
    </div>
  );
}
