"use client";

import { useDocumentTitle } from "@/components/shell/use-document-title";
import Link from "next/link";
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC, useTRPCClient } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { RerunButton } from "./rerun-button";
import { Breadcrumbs } from "@/components/ui/breadcrumbs";
import { runTitle } from "./run-title";
import { StepDetail } from "./step-detail";
import { TraceView } from "./trace-view";
import { VerdictsPanel } from "@/components/judges/verdicts-panel";
import type { RunDetailOut, RunStepOut } from "@/lib/schemas/runs";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { OutputText } from "@/components/markdown/lazy-output-text";
import { LiveText } from "@/components/markdown/live-text";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { formatTimestamp } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Badge } from "@/components/ui/badge";
import { formatTokenCount, RunChannelLabel, RunStatusBadge, RunTargetLabel } from "./labels";
import { OutcomeBadge } from "./outcome-badge";
import { RunGraph } from "./run-graph";
import { runGraph, runGraphDetails, runGraphStates } from "./run-graph-model";
import { nodeToolActivity, toolCallsSummary } from "./run-graph-tools";
import { NodeToolCalls } from "./node-tool-calls";
import {
  elapsedMs,
  formatCost,
  formatDuration,
  isTerminal,
  progressPercent,
  runningSteps,
  waitingLabel,
  type LiveEvent,
  type RunLiveState,
  type RunStatusValue,
} from "./run-state";
import { useRunEvents, type StreamState } from "./use-run-events";

/** The line above a step's text: its id, agent and state. */
const STEP_HEADER = "flex flex-wrap items-center gap-2 text-xs [&_code]:font-mono [&_code]:text-muted-foreground";
/** A block of text as it was given (the run's input). */
const TEXT_BLOCK = "max-h-90 overflow-auto rounded-md border bg-muted/50 p-3 font-mono text-xs whitespace-pre-wrap break-words";

const STATUS_RANK: Record<RunStatusValue, number> = { queued: 0, running: 1, succeeded: 2, failed: 2, cancelled: 2 };

/** The run as the page shows it: the fetched run, moved forward by the live events where they are ahead. */
export interface RunView {
  status: RunStatusValue;
  stepsDone: number;
  stepsExpected: number;
  costUsd: number;
  inputTokens: number;
  outputTokens: number;
  output: string | null;
  error: string | null;
  failedStepId: string | null;
  outcome: RunDetailOut["outcome"];
}

export function mergeRun(run: RunDetailOut, live: RunLiveState): RunView {
  const status = live.status && STATUS_RANK[live.status] > STATUS_RANK[run.status] ? live.status : run.status;
  const max = (a: number, b: number | null) => (b === null ? a : Math.max(a, b));
  return {
    status,
    stepsDone: max(run.stepsDone, live.stepsDone),
    stepsExpected: max(run.stepsExpected, live.stepsExpected),
    costUsd: isTerminal(run.status) ? run.costUsd : max(run.costUsd, live.costUsd),
    inputTokens: isTerminal(run.status) ? run.inputTokens : max(run.inputTokens, live.inputTokens),
    outputTokens: isTerminal(run.status) ? run.outputTokens : max(run.outputTokens, live.outputTokens),
    output: run.output ?? live.output,
    error: run.error ?? live.error?.message ?? null,
    failedStepId: run.failedStepId ?? live.error?.stepId ?? null,
    outcome: run.outcome ?? live.outcome,
  };
}

/** Elapsed time, ticking while the run goes on. Uses the server's own duration, so clock skew does not matter. */
function useElapsed(run: RunDetailOut, fetchedAt: number, view: RunView, live: RunLiveState): number | null {
  const ticking = !isTerminal(view.status) && (run.startedAt !== null || live.startedAt !== null);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(timer);
  }, [ticking]);
  if (isTerminal(run.status)) return run.durationMs ?? elapsedMs(run.startedAt, run.finishedAt, now);
  if (isTerminal(view.status)) return elapsedMs(live.startedAt ?? run.startedAt, live.finishedAt, now);
  if (run.durationMs !== null) return run.durationMs + Math.max(0, now - fetchedAt);
  return elapsedMs(live.startedAt, null, now);
}

function Progress({ view }: { view: RunView }) {
  const pct = progressPercent(view.stepsDone, view.stepsExpected, view.status);
  const tone = view.status === "succeeded" ? "bg-success" : view.status === "failed" ? "bg-destructive" : "bg-primary";
  return (
    <div
      className="mt-4 grid gap-1.5"
      data-testid="run-progress"
      role="progressbar"
      aria-label="Steps done"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-done={view.stepsDone}
      data-expected={view.stepsExpected}
    >
      <div className="h-2 overflow-hidden rounded-full bg-muted">
        <div className={`h-full rounded-full transition-[width] ${tone}`} style={{ width: `${pct}%` }} />
      </div>
      <div className="text-xs text-muted-foreground">
        {view.stepsDone} of {view.stepsExpected || "?"} steps · {pct}%
      </div>
    </div>
  );
}

function Summary({ run, view, elapsed, stream }: { run: RunDetailOut; view: RunView; elapsed: number | null; stream: StreamState }) {
  return (
    <Card>
      <dl className="grid grid-cols-2 gap-4 text-sm sm:grid-cols-3 lg:grid-cols-6 [&_dd]:mt-0.5 [&_dd]:font-medium [&_dt]:text-xs [&_dt]:text-muted-foreground">
        <div>
          <dt>Status</dt>
          <dd>
            <RunStatusBadge status={view.status} />
          </dd>
        </div>
        <div>
          <dt>Elapsed</dt>
          <dd data-testid="run-elapsed">{formatDuration(elapsed)}</dd>
        </div>
        <div>
          <dt>Cost</dt>
          <dd data-testid="run-cost" title="Every model call of the run, as the usage ledger records it (the figure its budget is checked against)">
            {formatCost(view.costUsd)}
          </dd>
        </div>
        <div>
          <dt>Tokens</dt>
          <dd data-testid="run-tokens" title={`${view.inputTokens} in, ${view.outputTokens} out`}>
            {formatTokenCount(view.inputTokens + view.outputTokens)}
          </dd>
        </div>
        <div>
          <dt>Budget</dt>
          <dd>{run.budgetUsd === null ? <span className="text-muted-foreground">none</span> : formatCost(run.budgetUsd)}</dd>
        </div>
        <div>
          <dt>Live</dt>
          <dd className="text-muted-foreground" data-testid="run-stream" data-stream={stream}>
            {stream === "open" ? "connected" : stream === "polling" ? "polling" : stream === "connecting" ? "connecting…" : "ended"}
          </dd>
        </div>
      </dl>
      <Progress view={view} />
    </Card>
  );
}

function LiveOutput({ live, status }: { live: RunLiveState; status: RunStatusValue }) {
  const running = runningSteps(live);
  return (
    <Card title="Live output" description="What the running step(s) write, as they write it." testId="run-live-output">
      {running.length === 0 ? (
        <p className="text-sm text-muted-foreground">{status === "queued" ? "Waiting for the run to start…" : "Between steps…"}</p>
      ) : (
        <div className="grid gap-4">
          {running.map((s) => (
            <section key={s.stepId} className="grid gap-2" data-testid="run-live-step" data-step-id={s.stepId} data-node-id={s.nodeId}>
              <header className={STEP_HEADER}>
                <code>{s.stepId}</code>
                {s.agent ? <span>{s.agent}</span> : null}
                {s.team ? <span data-testid="run-live-team">team {s.team}</span> : null}
                {s.attempt > 1 ? <span className="text-muted-foreground">attempt {s.attempt}</span> : null}
                {s.willRetry && s.error ? <span className="text-warning">retrying after: {s.error}</span> : null}
                {s.waiting ? (
                  <span className="text-warning" data-testid="run-step-waiting" title={s.waiting.reason ?? undefined}>
                    {waitingLabel(s.waiting)}
                  </span>
                ) : null}
              </header>
              {s.team ? <p className="text-sm text-muted-foreground">Running its own steps (below).</p> : <LiveText text={s.text} testId="run-live-text" />}
            </section>
          ))}
        </div>
      )}
    </Card>
  );
}

function Output({ run, view, title = "Output" }: { run: RunDetailOut; view: RunView; title?: string }) {
  return (
    <Card title={title} testId="run-output">
      {view.output ? <OutputText text={view.output} testId="run-output-text" /> : null}
      {run.attributed?.length ? (
        <div className="grid gap-4">
          {run.attributed.map((a) => (
            <section key={a.nodeId} className="grid gap-2" data-testid="run-output-attributed" data-node-id={a.nodeId}>
              <header className={STEP_HEADER}>
                <code>{a.nodeId}</code>
                <span>{a.agent}</span>
              </header>
              <OutputText text={a.output} />
            </section>
          ))}
        </div>
      ) : null}
      {!view.output && !run.attributed?.length ? <p className="text-sm text-muted-foreground">The run produced no output.</p> : null}
    </Card>
  );
}

function RunError({ run, view, live }: { run: RunDetailOut; view: RunView; live: RunLiveState }) {
  const stepId = view.failedStepId;
  const step = stepId ? run.steps.find((s) => s.stepId === stepId) : undefined;
  const liveStep = stepId ? live.steps[stepId] : undefined;
  const nodeId = step?.nodeId ?? liveStep?.nodeId ?? null;
  const agent = step?.agent?.slug ?? liveStep?.agent ?? null;
  return (
    <div className="rounded-lg border border-destructive/40 bg-destructive/10 px-4 py-3 text-sm text-destructive" data-testid="run-error" role="alert">
      <strong>The run failed</strong>
      {stepId ? (
        <>
          {" at step "}
          <code data-testid="run-error-step">{stepId}</code>
          {nodeId ? (
            <>
              {" "}
              (node {nodeId}
              {agent ? `, agent ${agent}` : ""})
            </>
          ) : null}
        </>
      ) : null}
      : {view.error ?? step?.error ?? "unknown error"}
    </div>
  );
}

export function StepsTable({ runId, steps }: { runId: string; steps: RunStepOut[] }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const sorted = useMemo(() => [...steps].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.stepId.localeCompare(b.stepId)), [steps]);
  const toggle = (stepId: string) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(stepId)) next.delete(stepId);
      else next.add(stepId);
      return next;
    });
  return (
    <Card title="Steps" description="Every step the run took, with the version of the agent, the model the router chose and why." testId="run-steps">
      {sorted.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="run-steps-empty">
          No steps yet.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-md border">
          <table className="w-full text-sm [&_td]:px-3 [&_td]:py-2 [&_td]:align-top [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:font-medium [&_th]:whitespace-nowrap [&_th]:text-muted-foreground [&_thead_tr]:border-b [&_tbody_tr]:border-b [&_tbody_tr:last-child]:border-0">
            <thead>
              <tr>
                <th>Step</th>
                <th>Node</th>
                <th>Agent</th>
                <th>Model</th>
                <th className="text-right!">Tokens</th>
                <th className="text-right!" title="The step's share of the run's cost: every model call it made, earlier attempts included">
                  Cost
                </th>
                <th className="text-right!">Latency</th>
                <th className="text-right!">Attempts</th>
                <th>Status</th>
                <th>
                  <span className="sr-only">Details</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((s) => {
                const expanded = open.has(s.stepId);
                return (
                  <Fragment key={s.id}>
                    <tr data-testid="run-step-row" data-step-id={s.stepId} data-node-id={s.nodeId ?? ""} data-status={s.status}>
                      <td>
                        <code>{s.stepId}</code>
                      </td>
                      <td>{s.nodeId ?? <span className="text-muted-foreground">—</span>}</td>
                      <td className="whitespace-nowrap" data-testid="run-step-agent">
                        {s.agent ? (
                          `${s.agent.slug ?? s.agent.id}${s.agent.version !== null ? `@v${s.agent.version}` : ""}`
                        ) : (
                          <span className="text-muted-foreground">—</span>
                        )}
                      </td>
                      <td data-testid="run-step-model">{s.model?.name ?? s.model?.ref ?? <span className="text-muted-foreground">—</span>}</td>
                      <td className="text-right whitespace-nowrap tabular-nums" title={`${s.inputTokens} in, ${s.outputTokens} out`}>
                        {formatTokenCount(s.inputTokens + s.outputTokens)}
                      </td>
                      <td className="text-right whitespace-nowrap tabular-nums">{formatCost(s.costUsd)}</td>
                      <td className="text-right whitespace-nowrap tabular-nums">{s.finishedAt ? formatDuration(s.latencyMs) : "—"}</td>
                      <td className="text-right tabular-nums">{s.attempts}</td>
                      <td className="whitespace-nowrap">
                        <RunStatusBadge status={s.status} />
                        {s.outcome ? (
                          <>
                            {" "}
                            <OutcomeBadge outcome={s.outcome} testId="run-step-outcome" />
                          </>
                        ) : null}
                      </td>
                      <td className="text-right">
                        <Button variant="ghost" size="sm" data-testid="run-step-expand" aria-expanded={expanded} onClick={() => toggle(s.stepId)}>
                          {expanded ? "Hide" : "Details"}
                        </Button>
                      </td>
                    </tr>
                    {expanded ? (
                      <tr className="bg-muted/30" data-testid="run-step-detail" data-step-id={s.stepId}>
                        <td colSpan={10}>
                          <StepDetail runId={runId} step={s} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}

function RunDetail({ run, fetchedAt }: { run: RunDetailOut; fetchedAt: number }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const queryClient = useQueryClient();
  const { slug, can, workspace } = useWorkspace();
  const runId = run.id;

  // refresh the run (steps, totals) as steps finish: at most every 400 ms
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (refreshTimer.current) clearTimeout(refreshTimer.current);
    },
    [],
  );
  const onEvent = useCallback(
    (event: LiveEvent) => {
      if (event.type === "node.delta" || event.type === "run.progress") return;
      if (refreshTimer.current) return;
      refreshTimer.current = setTimeout(() => {
        refreshTimer.current = null;
        void queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ runId }) });
        void queryClient.invalidateQueries({ queryKey: trpc.runs.list.pathKey() });
      }, 400);
    },
    [queryClient, trpc, runId],
  );
  const poll = useCallback(
    async (after: number): Promise<LiveEvent[]> => {
      const events = await client.runs.events.query({ runId, after, limit: 500 });
      return events.map((e) => ({ seq: e.seq, type: e.type, data: e.data, createdAt: e.createdAt }));
    },
    [client, runId],
  );
  const { live, stream } = useRunEvents({
    url: `/api/runs/${encodeURIComponent(runId)}/events?workspace=${encodeURIComponent(slug)}`,
    poll,
    onEvent,
  });

  const view = mergeRun(run, live);
  const elapsed = useElapsed(run, fetchedAt, view, live);

  // the pinned team version's topology
  const team = run.pins?.team ?? (run.team ? { id: run.team.id, slug: run.team.slug, version: run.team.version } : null);
  const pinned = useQuery({
    ...trpc.teams.version.queryOptions({ team: team?.id ?? "", version: team?.version ?? 1 }),
    enabled: team !== null && can("teams:read"),
    staleTime: Infinity,
  });
  const spec = team ? (pinned.data?.spec ?? null) : null;
  const waitingForSpec = team !== null && can("teams:read") && pinned.isPending;
  const agentLabel = run.agent?.slug ?? null;
  const extrasKey = Object.keys(live.nodes).join("|");
  // the graph changes only when new node ids appear (not on every event): keyed by them
  // biome-ignore lint/correctness/useExhaustiveDependencies: keyed by the node ids (extrasKey), not by every change of live
  const graph = useMemo(() => runGraph(spec, live, agentLabel), [spec, agentLabel, extrasKey]);
  const states = useMemo(() => runGraphStates(graph, live, { status: view.status, steps: run.steps }), [graph, live, view.status, run.steps]);
  const details = useMemo(() => runGraphDetails(live), [live]);
  // tool calls and model turns come from the run's steps (refetched as events arrive), tenant-scoped like the run
  const toolActivity = useMemo(() => nodeToolActivity(run.steps), [run.steps]);
  const toolSummaries = useMemo(() => toolCallsSummary(toolActivity), [toolActivity]);

  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ runId }) }),
    }),
  );
  const terminal = isTerminal(view.status);
  useDocumentTitle([runTitle(run), "Runs", workspace.name]);

  return (
    <div className="grid gap-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div className="grid min-w-0 gap-1.5">
          <Breadcrumbs items={[{ label: "Runs", href: `/w/${slug}/runs` }, { label: runTitle(run) }]} />
          <h1 className="text-2xl font-semibold tracking-tight">
            Run{" "}
            <code className="font-mono text-lg font-normal text-muted-foreground" data-testid="run-id">
              {run.id}
            </code>
          </h1>
          <div className="flex flex-wrap items-center gap-2 text-sm text-muted-foreground">
            <RunStatusBadge status={view.status} testId="run-status" />
            <OutcomeBadge outcome={view.outcome} />
            <RunTargetLabel run={run} slug={slug} />
            <span>· started {formatTimestamp(run.startedAt ?? run.queuedAt)}</span>
            {run.channel ? (
              <span>
                · from <RunChannelLabel run={run} slug={slug} testId="run-channel" />
              </span>
            ) : null}
            {run.tags.length > 0 ? (
              <span data-testid="run-tag-list" className="flex flex-wrap items-center gap-1">
                ·{" "}
                {run.tags.map((tag) => (
                  <Link key={tag} href={`/w/${slug}/runs?tag=${encodeURIComponent(tag)}`}>
                    <Badge>{tag}</Badge>
                  </Link>
                ))}
              </span>
            ) : null}
            {run.parentRunId ? (
              <span data-testid="run-parent">
                · sub-run of{" "}
                <Link className="font-mono underline underline-offset-2" href={`/w/${slug}/runs/${run.parentRunId}`}>
                  {run.parentRunId}
                </Link>
              </span>
            ) : null}
            {run.subRuns.length > 0 ? (
              <span data-testid="run-sub-runs">
                · sub-runs{" "}
                {run.subRuns.map((child, i) => (
                  <Fragment key={child.id}>
                    {i > 0 ? ", " : null}
                    <Link className="font-mono underline underline-offset-2" href={`/w/${slug}/runs/${child.id}`} title={child.status}>
                      {child.id}
                    </Link>
                  </Fragment>
                ))}
              </span>
            ) : null}
            {run.modelPolicyOverride ? (
              <span>
                · model policy{" "}
                <code>
                  {run.modelPolicyOverride.type === "preset"
                    ? run.modelPolicyOverride.preset
                    : run.modelPolicyOverride.type === "pinned"
                      ? run.modelPolicyOverride.modelId
                      : "constraints"}
                </code>
              </span>
            ) : null}
          </div>
        </div>
        {!terminal && can("runs:cancel") ? (
          <Button
            variant="destructive"
            data-testid="run-cancel"
            disabled={cancel.isPending || run.cancelRequestedAt !== null}
            onClick={() => cancel.mutate({ runId })}
          >
            {cancel.isPending || run.cancelRequestedAt ? "Cancelling…" : "Cancel run"}
          </Button>
        ) : null}
        {terminal && can("runs:create") ? <RerunButton runId={runId} slug={slug} /> : null}
      </div>
      <FormError message={cancel.error ? errorMessage(cancel.error) : null} />

      <Summary run={run} view={view} elapsed={elapsed} stream={stream} />

      <Card title="Input">
        <pre className={TEXT_BLOCK} data-testid="run-input-text">
          {run.input}
        </pre>
      </Card>

      <Card title="Topology" description="Each node as it runs: waiting, running, done or failed; an agent's tool calls under the graph.">
        {waitingForSpec ? (
          <Loading />
        ) : (
          <>
            <RunGraph graph={graph} states={states} details={details} tools={toolSummaries} />
            <NodeToolCalls graph={graph} activity={toolActivity} />
          </>
        )}
      </Card>

      {!terminal ? <LiveOutput live={live} status={view.status} /> : null}
      {view.status === "succeeded" ? <Output run={run} view={view} /> : null}
      {view.status === "failed" ? <RunError run={run} view={view} live={live} /> : null}
      {view.status === "failed" && view.output ? <Output run={run} view={view} title="Last draft" /> : null}
      {view.status === "cancelled" ? (
        <div className="rounded-lg border border-warning/40 bg-warning/10 px-4 py-3 text-sm" data-testid="run-cancelled">
          This run was cancelled; the steps it finished are kept below.
        </div>
      ) : null}

      <VerdictsPanel runId={run.id} live={!terminal} />
      <TraceView runId={run.id} steps={run.steps} run={run} live={!terminal} />
      <StepsTable runId={run.id} steps={run.steps} />
    </div>
  );
}

function RunLoader({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const { slug } = useWorkspace();
  const run = useQuery(trpc.runs.get.queryOptions({ runId }));
  if (run.data) return <RunDetail run={run.data} fetchedAt={run.dataUpdatedAt} />;
  if (run.isError && (errorCode(run.error) === "NOT_FOUND" || errorCode(run.error) === "BAD_REQUEST" || errorCode(run.error) === "UNPROCESSABLE_CONTENT")) {
    return (
      <div className="grid justify-items-center gap-3 rounded-lg border border-dashed p-8 text-center" data-testid="run-not-found">
        <h1 className="text-xl font-semibold">Run not found</h1>
        <p className="text-sm text-muted-foreground">
          There is no run <code>{runId}</code> in this workspace.
        </p>
        <Button asChild variant="outline">
          <Link href={`/w/${slug}/runs`}>All runs</Link>
        </Button>
      </div>
    );
  }
  if (run.isError) {
    return (
      <div className="grid justify-items-center gap-3 rounded-lg border border-dashed p-8 text-center">
        <FormError message={errorMessage(run.error)} />
        <Button variant="outline" onClick={() => void run.refetch()}>
          Try again
        </Button>
      </div>
    );
  }
  return <Loading />;
}

export function RunPage({ runId }: { runId: string }) {
  const { can } = useWorkspace();
  if (!can("runs:read")) {
    return (
      <div className="grid gap-6">
        <NoAccess>Your role cannot see the runs of this workspace.</NoAccess>
      </div>
    );
  }
  return <RunLoader runId={runId} />;
}
