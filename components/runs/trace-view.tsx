"use client";

import { useEffect, useMemo, useState } from "react";
import type { RunStepOut } from "@/lib/schemas/runs";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle } from "@/components/ui/sheet";
import { cn } from "@/lib/cn";
import { formatDuration } from "@/lib/duration";
import { formatUsd } from "@/lib/usd";
import { StepDetail } from "./step-detail";
import { axisMarks, buildTrace, type TraceRow } from "./trace-model";

const BAR_TONES: Record<string, string> = {
  succeeded: "bg-primary",
  failed: "bg-destructive",
  running: "bg-chart-5 animate-pulse",
  retrying: "bg-warning animate-pulse",
  waiting: "bg-muted-foreground/60",
  sleeping: "bg-muted-foreground/60",
  pending: "bg-muted-foreground/40",
};

const TURN = /~turn(\d+)$/;

function stepName(step: RunStepOut): string {
  if (step.kind === "tool") return `tool ${step.toolCall?.name ?? "call"}`;
  if (step.kind === "turn") return `turn ${TURN.exec(step.stepId)?.[1] ?? ""}`.trim();
  if (step.agent?.slug) return step.agent.slug;
  return `${step.kind} ${step.nodeId ?? step.stepId}`;
}

/** A tool call's state beyond its status: an error result, or its approval. */
function toolNote(step: RunStepOut): string | null {
  const call = step.toolCall;
  if (step.kind !== "tool") return null;
  if (step.status === "waiting" && (!call || call.approval?.status === "pending")) return "waiting for approval";
  if (!call) return null;
  const approval = call.approval ? `approval ${call.approval.status}` : null;
  return [approval, call.isError ? "error result" : null].filter(Boolean).join(", ") || null;
}

function stepSummary(row: TraceRow): string {
  const s = row.step;
  // a model turn's own figures (its agent step's share counts them already)
  const figures = s.turn ?? s;
  return [
    toolNote(s),
    s.model?.name ?? null,
    formatDuration(row.durationMs),
    `${(figures.inputTokens + figures.outputTokens).toLocaleString("en-US")} tokens${s.turn ? " (of the step's)" : ""}`,
    formatUsd(figures.costUsd),
    s.attempts > 1 ? `${s.attempts} attempts` : null,
  ]
    .filter(Boolean)
    .join(" · ");
}

/** While a step runs, the clock moves (once a second); a finished run's trace is still. */
function useNow(live: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [live]);
  return now;
}

/**
 * The run's steps as a waterfall on its time axis (where the time went): nested teams' steps indented under their
 * node, parallel ones side by side; a bar opens the step's input, output, route reason, finish reason and every
 * model call it made.
 */
export function TraceView({
  runId,
  steps,
  run,
  live,
}: {
  runId: string;
  steps: RunStepOut[];
  run: { startedAt: Date | null; finishedAt: Date | null };
  live: boolean;
}) {
  const now = useNow(live);
  const trace = useMemo(() => buildTrace(steps, now, run), [steps, now, run]);
  const [openId, setOpenId] = useState<string | null>(null);
  const open = trace.rows.find((r) => r.step.id === openId)?.step ?? null;
  return (
    <Card data-testid="run-trace">
      <CardHeader>
        <CardTitle>Trace</CardTitle>
        <CardDescription>Where the run's time went: every step on one time axis. Open a bar for its input, output and model calls.</CardDescription>
      </CardHeader>
      <CardContent>
        {trace.rows.length === 0 ? (
          <p className="text-sm text-muted-foreground" data-testid="run-trace-empty">
            No steps yet.
          </p>
        ) : (
          <div className="grid gap-1">
            <div className="grid grid-cols-[minmax(8rem,14rem)_1fr] gap-3 text-xs text-muted-foreground" aria-hidden="true">
              <span />
              <div className="relative h-4">
                {axisMarks(trace.spanMs).map((ms, i, all) => (
                  <span
                    key={ms}
                    className={cn("absolute tabular-nums", i === all.length - 1 && all.length > 1 ? "-translate-x-full" : i > 0 ? "-translate-x-1/2" : "")}
                    style={{ left: `${trace.spanMs ? (ms / trace.spanMs) * 100 : 0}%` }}
                  >
                    {formatDuration(ms)}
                  </span>
                ))}
              </div>
            </div>
            <ol className="grid gap-1">
              {trace.rows.map((row) => (
                <li
                  key={row.step.id}
                  className="grid grid-cols-[minmax(8rem,14rem)_1fr] items-center gap-3"
                  data-testid="run-trace-row"
                  data-step-id={row.step.stepId}
                  data-depth={row.depth}
                  data-status={row.step.status}
                >
                  <div className="min-w-0 text-sm" style={{ paddingLeft: `${row.depth}rem` }}>
                    <div className={cn("truncate font-medium", row.step.kind === "team" && "text-muted-foreground")}>{stepName(row.step)}</div>
                    <div className="truncate text-xs text-muted-foreground">{stepSummary(row)}</div>
                  </div>
                  <div className="relative h-6 rounded-sm bg-muted/50">
                    <button
                      type="button"
                      className={cn(
                        "absolute inset-y-1 min-w-1 rounded-sm focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none",
                        BAR_TONES[row.step.status] ?? "bg-primary",
                      )}
                      style={{ left: `${row.offset * 100}%`, width: `${row.width * 100}%` }}
                      aria-label={`${stepName(row.step)}: ${row.step.status}, ${stepSummary(row)}. Open the step`}
                      onClick={() => setOpenId(row.step.id)}
                      data-testid="run-trace-bar"
                    />
                  </div>
                </li>
              ))}
            </ol>
          </div>
        )}
      </CardContent>
      <Sheet open={open !== null} onOpenChange={(o) => !o && setOpenId(null)}>
        <SheetContent className="w-full sm:max-w-2xl" data-testid="run-trace-step">
          {open ? (
            <>
              <SheetHeader>
                <SheetTitle>{stepName(open)}</SheetTitle>
                <SheetDescription>
                  Step <code>{open.stepId}</code> · {open.status}
                  {open.agent?.version ? ` · version ${open.agent.version}` : ""}
                </SheetDescription>
              </SheetHeader>
              <div className="px-4 pb-4">
                <StepDetail runId={runId} step={open} />
              </div>
            </>
          ) : null}
        </SheetContent>
      </Sheet>
    </Card>
  );
}
