"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { formatDuration } from "@/lib/duration";
import { formatUsd } from "@/lib/usd";

const OUTCOME_TONES: Record<string, BadgeTone> = {
  ok: "success",
  error: "danger",
  timeout: "warning",
  refused: "neutral",
  answer_invalid: "warning",
  lost: "warning",
};

/** Every model call a step made, in order: fallbacks and retries with their errors, not only the call that answered. */
export function StepCalls({ runId, stepId }: { runId: string; stepId: string }) {
  const trpc = useTRPC();
  // runs.stepCalls needs only runs:read, like the page itself: a viewer without usage:read still sees the attempts
  const calls = useQuery(trpc.runs.stepCalls.queryOptions({ runId, stepId }));
  const items = calls.data ?? [];
  return (
    <div className="col-span-full grid gap-2" data-testid="run-step-calls">
      <h3>Model calls</h3>
      {calls.isPending ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : calls.isError ? (
        <p role="alert" className="text-sm text-destructive">
          {errorMessage(calls.error)}
        </p>
      ) : items.length === 0 ? (
        <p className="text-sm text-muted-foreground">No model call (a step of the topology itself, or from before calls were recorded).</p>
      ) : (
        <ol className="grid gap-1 text-sm">
          {items.map((c, i) => (
            <li
              key={c.id}
              className="flex flex-wrap items-center gap-x-3 gap-y-1 rounded-md border px-2 py-1"
              data-testid="run-step-call"
              data-outcome={c.outcome}
            >
              <span className="text-muted-foreground">#{i + 1}</span>
              <span className="font-medium" title={c.modelName}>
                {c.modelDisplayName}
              </span>
              <Badge tone={OUTCOME_TONES[c.outcome] ?? "neutral"}>{c.outcome}</Badge>
              <span className="tabular-nums">{formatDuration(c.latencyMs)}</span>
              <span className="tabular-nums text-muted-foreground">
                {c.inputTokens.toLocaleString("en-US")} in / {c.outputTokens.toLocaleString("en-US")} out
              </span>
              <span className="tabular-nums">{formatUsd(c.costUsd)}</span>
              {c.error ? <span className="basis-full text-destructive">{c.error}</span> : null}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
