"use client";

import type { TopologyGraph } from "@/lib/topology-graph";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { formatDuration } from "@/lib/duration";
import { formatUsd } from "@/lib/usd";
import type { GraphAgentStep, GraphToolCall, ToolApprovalState } from "./run-graph-tools";

const APPROVAL_TONES: Record<ToolApprovalState, BadgeTone> = {
  none: "neutral",
  pending: "warning",
  approved: "success",
  denied: "danger",
  expired: "danger",
};
const APPROVAL_LABELS: Record<ToolApprovalState, string> = {
  none: "no approval needed",
  pending: "awaiting approval",
  approved: "approved",
  denied: "denied",
  expired: "expired (denied)",
};
const EXCERPT = "min-w-0 truncate rounded bg-muted/50 px-1.5 py-0.5 font-mono text-xs";
const tokens = (input: number, output: number) => `${input.toLocaleString("en-US")} in / ${output.toLocaleString("en-US")} out`;

function CallRow({ call }: { call: GraphToolCall }) {
  return (
    <li
      className="grid gap-1 rounded-md border px-2 py-1.5 text-sm"
      data-testid="run-graph-tool-call"
      data-step-id={call.stepId}
      data-approval={call.approval}
      data-status={call.status}
    >
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <code className="font-mono font-medium">{call.name ?? "tool"}</code>
        <Badge tone={APPROVAL_TONES[call.approval]}>{APPROVAL_LABELS[call.approval]}</Badge>
        {call.isError ? <Badge tone="danger">error result</Badge> : null}
        <span className="tabular-nums text-muted-foreground">{call.durationMs === null ? call.status : formatDuration(call.durationMs)}</span>
      </div>
      <div className="grid grid-cols-[5rem_1fr] items-baseline gap-x-2 gap-y-1">
        <span className="text-xs text-muted-foreground">arguments</span>
        <span className={EXCERPT} title={call.args ?? undefined}>
          {call.args ?? "—"}
        </span>
        <span className="text-xs text-muted-foreground">result</span>
        <span className={EXCERPT} title={call.result ?? undefined}>
          {call.result ?? "—"}
        </span>
      </div>
    </li>
  );
}

function AgentStepTools({ step }: { step: GraphAgentStep }) {
  return (
    <div className="grid gap-2" data-testid="run-graph-agent-step" data-step-id={step.stepId}>
      <p className="text-sm">
        <span className="font-medium">{step.agent ?? step.stepId}</span>{" "}
        <span className="text-muted-foreground">
          step <code>{step.stepId}</code> · {tokens(step.inputTokens, step.outputTokens)} · {formatUsd(step.costUsd)}
        </span>
      </p>
      <ol className="grid gap-1">
        {step.turns.map((t) => (
          <li key={t.stepId} className="grid gap-1" data-testid="run-graph-turn" data-step-id={t.stepId}>
            <div className="flex flex-wrap gap-x-3 text-xs text-muted-foreground">
              <span className="font-medium text-foreground">turn {t.n}</span>
              {t.model ? <span>{t.model}</span> : null}
              <span className="tabular-nums">{tokens(t.inputTokens, t.outputTokens)}</span>
              <span className="tabular-nums">{formatUsd(t.costUsd)}</span>
              <span>{t.toolCalls === 0 ? "answered" : `${t.toolCalls} tool call${t.toolCalls === 1 ? "" : "s"}`}</span>
            </div>
            <ol className="grid gap-1 pl-4">
              {step.calls
                .filter((c) => c.stepId.startsWith(`${step.stepId}~tool${t.n}.`))
                .map((c) => (
                  <CallRow key={c.id} call={c} />
                ))}
            </ol>
          </li>
        ))}
      </ol>
    </div>
  );
}

/**
 * Under the run's graph: each agent node's tool use, per agent step: its model turns (tokens and cost, all on the
 * step's share) and the calls each turn asked for, with arguments and result (cut: the trace has them whole),
 * duration and approval.
 */
export function NodeToolCalls({ graph, activity }: { graph: TopologyGraph; activity: Record<string, GraphAgentStep[]> }) {
  const nodes = graph.nodes.filter((n) => activity[n.id]?.length);
  if (nodes.length === 0) return null;
  return (
    <div className="mt-4 grid gap-4" data-testid="run-graph-tools">
      {nodes.map((n) => (
        <section key={n.id} className="grid gap-2" data-testid="run-graph-node-tool-calls" data-node-id={n.id}>
          <h3 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">Tool calls of {n.label}</h3>
          {activity[n.id]!.map((s) => (
            <AgentStepTools key={s.stepId} step={s} />
          ))}
        </section>
      ))}
    </div>
  );
}
