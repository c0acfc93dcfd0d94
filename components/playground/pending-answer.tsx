"use client";

import { useCallback, useEffect, useRef } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { useTRPC, useTRPCClient } from "@/lib/trpc/react";
import { runningSteps, isTerminal, type LiveEvent } from "@/components/runs/run-state";
import { useRunEvents } from "@/components/runs/use-run-events";
import type { PlaygroundTurn } from "@/lib/playground";
import { LiveText } from "@/components/markdown/live-text";

/**
 * The answer being written: the run's events streamed (the running step's text as it comes); once the run ended,
 * its totals and the model that answered are read and the turn is handed back.
 */
export function PendingAnswer({ runId, slug, onDone }: { runId: string; slug: string; onDone: (turn: PlaygroundTurn) => void }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
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
    void (async () => {
      const run = await queryClient.fetchQuery({ ...trpc.runs.get.queryOptions({ runId }), staleTime: 0 }).catch(() => null);
      const answering = run?.steps.filter((s) => s.model).at(-1) ?? null;
      const status = (run?.status ?? live.status) as PlaygroundTurn["status"];
      onDone({
        role: "assistant",
        text: status === "succeeded" ? (run?.output ?? live.output ?? "") : (run?.error ?? live.error?.message ?? `The run ${status}`),
        runId,
        status,
        costUsd: run?.costUsd ?? live.costUsd ?? 0,
        tokens: (run?.inputTokens ?? 0) + (run?.outputTokens ?? 0),
        model: answering?.model?.name ?? null,
        routeReason: answering?.routeReason ?? null,
      });
    })();
  }, [live.status, live.output, live.error, live.costUsd, onDone, queryClient, runId, trpc]);
  const text = runningSteps(live)
    .map((s) => s.text)
    .join("\n\n");
  return (
    <div className="grid gap-1" data-testid="playground-pending" aria-live="polite">
      <span className="text-xs text-muted-foreground">{live.status === "queued" || !live.status ? "Starting…" : "Writing…"}</span>
      {text ? <LiveText text={text} testId="playground-live-text" /> : null}
    </div>
  );
}
