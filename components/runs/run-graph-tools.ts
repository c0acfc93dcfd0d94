/**
 * What each graph node's agent did with tools: per agent step, its model turns (tokens and cost of each, all on the
 * agent step's share of the ledger) and its tool calls (name, arguments, result, duration, approval), from the run's
 * steps as the server lists them (server/jobs/tool-loop.ts names them `<step>~turnN` and `<step>~toolN.M`).
 * Pure: the run page draws it under the graph, and counts it on each node.
 */
import type { RunStepOut, StepStatus } from "@/lib/schemas/runs";

/** A call's approval: none when its policy did not ask for one. */
export type ToolApprovalState = "none" | "pending" | "approved" | "denied" | "expired";

/** Characters of a call's arguments and result the graph shows (the trace's step panel has them whole). */
export const TOOL_EXCERPT_CHARS = 240;

export interface GraphToolCall {
  /** the step's id (stp_...) and its step id (`<step>~toolN.M`) */
  id: string;
  stepId: string;
  name: string | null;
  status: StepStatus;
  approval: ToolApprovalState;
  isError: boolean;
  args: string | null;
  result: string | null;
  /** the call's own time once it finished; null while it runs or waits */
  durationMs: number | null;
}

export interface GraphTurn {
  stepId: string;
  n: number;
  status: StepStatus;
  model: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  toolCalls: number;
}

export interface GraphAgentStep {
  stepId: string;
  agent: string | null;
  status: StepStatus | null;
  /** the agent step's share of the ledger: every turn's tokens and cost (and tools' cost per call) */
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  turns: GraphTurn[];
  calls: GraphToolCall[];
}

const LOOP_PART = /~(turn(\d+)|tool(\d+)\.(\d+))$/;

export function excerpt(text: string | null, max = TOOL_EXCERPT_CHARS): string | null {
  if (text === null) return null;
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** The graph node a step belongs to: a nested team's inner steps (`team/inner`) are drawn on the team's node. */
const graphNodeOf = (step: RunStepOut) => (step.nodeId ?? step.stepId).split("/")[0]!;

/**
 * Graph node id -> its agent steps that used tools, in the order they started; each with its turns and calls in
 * order. Agent steps without a turn or a call (no tools granted) are left out.
 */
export function nodeToolActivity(steps: readonly RunStepOut[]): Record<string, GraphAgentStep[]> {
  const byAgentStep = new Map<string, { node: string; entry: GraphAgentStep; started: number }>();
  const entryFor = (agentStepId: string, step: RunStepOut) => {
    let found = byAgentStep.get(agentStepId);
    if (!found) {
      found = {
        node: graphNodeOf(step),
        started: step.startedAt.getTime(),
        entry: { stepId: agentStepId, agent: step.agent?.slug ?? null, status: null, inputTokens: 0, outputTokens: 0, costUsd: 0, turns: [], calls: [] },
      };
      byAgentStep.set(agentStepId, found);
    }
    found.started = Math.min(found.started, step.startedAt.getTime());
    return found.entry;
  };
  for (const step of steps) {
    const m = LOOP_PART.exec(step.stepId);
    if (!m) continue;
    const entry = entryFor(step.stepId.slice(0, m.index), step);
    if (m[2] !== undefined) {
      entry.turns.push({
        stepId: step.stepId,
        n: Number(m[2]),
        status: step.status,
        model: step.model?.name ?? null,
        inputTokens: step.turn?.inputTokens ?? 0,
        outputTokens: step.turn?.outputTokens ?? 0,
        costUsd: step.turn?.costUsd ?? 0,
        toolCalls: step.turn?.toolCalls ?? 0,
      });
    } else {
      entry.calls.push({
        id: step.id,
        stepId: step.stepId,
        name: step.toolCall?.name ?? null,
        status: step.status,
        approval: step.toolCall?.approval?.status ?? "none",
        isError: step.toolCall?.isError ?? false,
        args: excerpt(step.inputSeen),
        result: excerpt(step.output),
        durationMs: step.status === "succeeded" ? step.latencyMs : null,
      });
    }
  }
  // the agent step's own row: its status and its share of the ledger
  for (const step of steps) {
    const found = byAgentStep.get(step.stepId);
    if (!found) continue;
    Object.assign(found.entry, {
      agent: step.agent?.slug ?? found.entry.agent,
      status: step.status,
      inputTokens: step.inputTokens,
      outputTokens: step.outputTokens,
      costUsd: step.costUsd,
    });
  }
  const order = (id: string) => LOOP_PART.exec(id)!.slice(2).filter(Boolean).map(Number);
  const byOrder = (a: { stepId: string }, b: { stepId: string }) => {
    const [x, y] = [order(a.stepId), order(b.stepId)];
    return x[0]! - y[0]! || (x[1] ?? 0) - (y[1] ?? 0);
  };
  const out: Record<string, GraphAgentStep[]> = {};
  for (const { node, entry } of [...byAgentStep.values()].sort((a, b) => a.started - b.started || a.entry.stepId.localeCompare(b.entry.stepId))) {
    entry.turns.sort(byOrder);
    entry.calls.sort(byOrder);
    (out[node] ??= []).push(entry);
  }
  return out;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Under a node: "2 tool calls", "3 tool calls, 1 awaiting approval"; nothing for a node without calls. */
export function toolCallsSummary(activity: Record<string, GraphAgentStep[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [node, agentSteps] of Object.entries(activity)) {
    const calls = agentSteps.flatMap((s) => s.calls);
    if (calls.length === 0) continue;
    const pending = calls.filter((c) => c.approval === "pending").length;
    out[node] = `${plural(calls.length, "tool call")}${pending ? `, ${pending} awaiting approval` : ""}`;
  }
  return out;
}
