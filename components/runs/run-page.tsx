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
import type { RunDetailOut, RunStepOut } from "@/lib/schemas/runs";
import { Card } from "@/components/ui/card";
import { OutputText } from "@/components/markdown/lazy-output-text";
import { LiveText } from "@/components/markdown/live-text";
import { FormError } from "@/components/ui/form-error";
import { Loading, NoAccess } from "@/components/ui/loading";
import { formatTimestamp } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { formatTokenCount, RunStatusBadge, RunTargetLabel } from "./labels";
import { OutcomeBadge } from "./outcome-badge";
import { RunGraph } from "./run-graph";
import { runGraph, runGraphDetails, runGraphStates } from "./run-graph-model";
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
  const tone = view.status === "succeeded" ? " progress-done" : view.status === "failed" ? " progress-failed" : "";
  return (
    <div
      className="run-progress"
      data-testid="run-progress"
      role="progressbar"
      aria-label="Steps done"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={pct}
      data-done={view.stepsDone}
      data-expected={view.stepsExpected}
    >
      <div className={`progress${tone}`}>
        <div className="progress-bar" style={{ width: `${pct}%` }} />
      </div>
      <div className="run-progress-label">
        {view.stepsDone} of {view.stepsExpected || "?"} steps · {pct}%
      </div>
    </div>
  );
}

function Summary({ run, view, elapsed, stream }: { run: RunDetailOut; view: RunView; elapsed: number | null; stream: StreamState }) {
  return (
    <Card>
      <dl className="run-summary">
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
          <dd>{run.budgetUsd === null ? <span className="muted">none</span> : formatCost(run.budgetUsd)}</dd>
        </div>
        <div>
          <dt>Live</dt>
          <dd className="muted" data-testid="run-stream" data-stream={stream}>
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
        <p className="muted">{status === "queued" ? "Waiting for the run to start…" : "Between steps…"}</p>
      ) : (
        <div className="run-live">
          {running.map((s) => (
            <section key={s.stepId} className="run-live-step" data-testid="run-live-step" data-step-id={s.stepId} data-node-id={s.nodeId}>
              <header>
                <code>{s.stepId}</code>
                {s.agent ? <span>{s.agent}</span> : null}
                {s.team ? <span data-testid="run-live-team">team {s.team}</span> : null}
                {s.attempt > 1 ? <span className="muted">attempt {s.attempt}</span> : null}
                {s.willRetry && s.error ? <span className="hint-warning">retrying after: {s.error}</span> : null}
                {s.waiting ? (
                  <span className="hint-warning" data-testid="run-step-waiting" title={s.waiting.reason ?? undefined}>
                    {waitingLabel(s.waiting)}
                  </span>
                ) : null}
              </header>
              {s.team ? <p className="muted small">Running its own steps (below).</p> : <LiveText text={s.text} testId="run-live-text" />}
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
        <div className="run-live">
          {run.attributed.map((a) => (
            <section key={a.nodeId} className="run-live-step" data-testid="run-output-attributed" data-node-id={a.nodeId}>
              <header>
                <code>{a.nodeId}</code>
                <span>{a.agent}</span>
              </header>
              <OutputText text={a.output} />
            </section>
          ))}
        </div>
      ) : null}
      {!view.output && !run.attributed?.length ? <p className="muted">The run produced no output.</p> : null}
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
    <div className="form-error" data-testid="run-error" role="alert">
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
        <p className="muted" data-testid="run-steps-empty">
          No steps yet.
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table table-compact table-steps">
            <thead>
              <tr>
                <th>Step</th>
                <th>Node</th>
                <th>Agent</th>
                <th>Model</th>
                <th className="num">Tokens</th>
                <th className="num" title="The step's share of the run's cost: every model call it made, earlier attempts included">
                  Cost
                </th>
                <th className="num">Latency</th>
                <th className="num">Attempts</th>
                <th>Status</th>
                <th className="actions-col">
                  <span className="visually-hidden">Details</span>
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
                      <td>{s.nodeId ?? <span className="muted">—</span>}</td>
                      <td className="nowrap" data-testid="run-step-agent">
                        {s.agent ? `${s.agent.slug ?? s.agent.id}${s.agent.version !== null ? `@v${s.agent.version}` : ""}` : <span className="muted">—</span>}
                      </td>
                      <td data-testid="run-step-model">{s.model?.name ?? s.model?.ref ?? <span className="muted">—</span>}</td>
                      <td className="num nowrap" title={`${s.inputTokens} in, ${s.outputTokens} out`}>
                        {formatTokenCount(s.inputTokens + s.outputTokens)}
                      </td>
                      <td className="num nowrap">{formatCost(s.costUsd)}</td>
                      <td className="num nowrap">{s.finishedAt ? formatDuration(s.latencyMs) : "—"}</td>
                      <td className="num">{s.attempts}</td>
                      <td className="nowrap">
                        <RunStatusBadge status={s.status} />
                        {s.outcome ? (
                          <>
                            {" "}
                            <OutcomeBadge outcome={s.outcome} testId="run-step-outcome" />
                          </>
                        ) : null}
                      </td>
                      <td className="actions-col">
                        <button
                          type="button"
                          className="btn btn-ghost btn-sm"
                          data-testid="run-step-expand"
                          aria-expanded={expanded}
                          onClick={() => toggle(s.stepId)}
                        >
                          {expanded ? "Hide" : "Details"}
                        </button>
                      </td>
                    </tr>
                    {expanded ? (
                      <tr className="step-detail" data-testid="run-step-detail" data-step-id={s.stepId}>
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

  const cancel = useMutation(
    trpc.runs.cancel.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.runs.get.queryKey({ runId }) }),
    }),
  );
  const terminal = isTerminal(view.status);
  useDocumentTitle([runTitle(run), "Runs", workspace.name]);

  return (
    <div className="page">
      <div className="page-header">
        <div>
          <Breadcrumbs items={[{ label: "Runs", href: `/w/${slug}/runs` }, { label: runTitle(run) }]} />
          <h1>
            Run{" "}
            <code className="model-id" data-testid="run-id">
              {run.id}
            </code>
          </h1>
          <div className="run-header-meta">
            <RunStatusBadge status={view.status} testId="run-status" />
            <OutcomeBadge outcome={view.outcome} />
            <RunTargetLabel run={run} slug={slug} />
            <span>· started {formatTimestamp(run.startedAt ?? run.queuedAt)}</span>
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
          <button
            type="button"
            className="btn btn-danger"
            data-testid="run-cancel"
            disabled={cancel.isPending || run.cancelRequestedAt !== null}
            onClick={() => cancel.mutate({ runId })}
          >
            {cancel.isPending || run.cancelRequestedAt ? "Cancelling…" : "Cancel run"}
          </button>
        ) : null}
        {terminal && can("runs:create") ? <RerunButton runId={runId} slug={slug} /> : null}
      </div>
      <FormError message={cancel.error ? errorMessage(cancel.error) : null} />

      <Summary run={run} view={view} elapsed={elapsed} stream={stream} />

      <Card title="Input">
        <pre className="run-text" data-testid="run-input-text">
          {run.input}
        </pre>
      </Card>

      <Card title="Topology" description="Each node as it runs: waiting, running, done or failed.">
        {waitingForSpec ? <Loading /> : <RunGraph graph={graph} states={states} details={details} />}
      </Card>

      {!terminal ? <LiveOutput live={live} status={view.status} /> : null}
      {view.status === "succeeded" ? <Output run={run} view={view} /> : null}
      {view.status === "failed" ? <RunError run={run} view={view} live={live} /> : null}
      {view.status === "failed" && view.output ? <Output run={run} view={view} title="Last draft" /> : null}
      {view.status === "cancelled" ? (
        <div className="notice notice-warning" data-testid="run-cancelled">
          This run was cancelled; the steps it finished are kept below.
        </div>
      ) : null}

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
  if (run.isError && (errorCode(run.error) === "NOT_FOUND" || errorCode(run.error) === "BAD_REQUEST")) {
    return (
      <div className="empty-state" data-testid="run-not-found">
        <h1>Run not found</h1>
        <p className="muted">
          There is no run <code>{runId}</code> in this workspace.
        </p>
        <Link href={`/w/${slug}/runs`} className="btn btn-secondary">
          All runs
        </Link>
      </div>
    );
  }
  if (run.isError) {
    return (
      <div className="empty-state">
        <FormError message={errorMessage(run.error)} />
        <button type="button" className="btn btn-secondary" onClick={() => void run.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  return <Loading />;
}

export function RunPage({ runId }: { runId: string }) {
  const { can } = useWorkspace();
  if (!can("runs:read")) {
    return (
      <div className="page">
        <NoAccess>Your role cannot see the runs of this workspace.</NoAccess>
      </div>
    );
  }
  return <RunLoader runId={runId} />;
}
