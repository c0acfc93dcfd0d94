/**
 * The live view of a run, folded from its sequence-numbered events (see contracts: run.queued, run.started,
 * node.started, node.delta, node.finished, node.failed, node.waiting, node.resumed, run.progress, run.succeeded, run.failed, run.cancelled).
 * Pure and deterministic: replaying the same events from seq 1 gives the same view, so a reload or a reconnect
 * (which may deliver events twice) loses nothing and double-counts nothing: events at or below `lastSeq` are ignored.
 */
import { formatUsd } from "@/lib/usd";
import { parseOutcome, type RunOutcome } from "@/lib/schemas/run-outcome";

export type RunStatusValue = "queued" | "running" | "succeeded" | "failed" | "cancelled";
export type NodeState = "waiting" | "running" | "done" | "failed";

export const TERMINAL_STATUSES: readonly RunStatusValue[] = ["succeeded", "failed", "cancelled"];
export const isTerminal = (status: string | null | undefined): boolean => TERMINAL_STATUSES.includes(status as RunStatusValue);

export interface LiveEvent {
  seq: number;
  type: string;
  data: Record<string, unknown>;
  createdAt: Date | string | null;
}

export interface LiveStep {
  stepId: string;
  nodeId: string;
  agent: string | null;
  /** a nested team's node (hybrid): the team's slug; its inner steps are steps of their own */
  team: string | null;
  /** a nested team's outcome, once it finished */
  outcome: RunOutcome | null;
  status: "running" | "done" | "failed";
  attempt: number;
  /** streamed deltas while running; the step's output once finished */
  text: string;
  model: string | null;
  error: string | null;
  willRetry: boolean;
  /** the step waits for a provider to recover (node.waiting, until node.resumed or the step ends) */
  waiting: { waitingFor: string; retryAt: Date | null; reason: string | null } | null;
}

export interface LiveNode {
  /** step ids currently running on this node */
  running: string[];
  last: "done" | "failed" | null;
}

export interface RunLiveState {
  lastSeq: number;
  status: RunStatusValue | null;
  stepsDone: number | null;
  stepsExpected: number | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  nodes: Record<string, LiveNode>;
  steps: Record<string, LiveStep>;
  /** step ids in the order they started */
  stepOrder: string[];
  output: string | null;
  error: { message: string; stepId: string | null } | null;
  /** the topology's outcome, from the terminal event */
  outcome: RunOutcome | null;
}

export const EMPTY_LIVE_STATE: RunLiveState = {
  lastSeq: 0,
  status: null,
  stepsDone: null,
  stepsExpected: null,
  costUsd: null,
  inputTokens: null,
  outputTokens: null,
  startedAt: null,
  finishedAt: null,
  nodes: {},
  steps: {},
  stepOrder: [],
  output: null,
  error: null,
  outcome: null,
};

const str = (v: unknown): string | null => (typeof v === "string" ? v : v === undefined || v === null ? null : String(v));
const num = (v: unknown): number | null => {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};
const date = (v: Date | string | null | undefined): Date | null => {
  if (!v) return null;
  const d = v instanceof Date ? v : new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
};
const outputText = (v: unknown): string | null => {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "object" && typeof (v as { output?: unknown }).output === "string") return (v as { output: string }).output;
  return JSON.stringify(v, null, 2);
};

function withNode(state: RunLiveState, nodeId: string, update: (node: LiveNode) => LiveNode): Record<string, LiveNode> {
  const node = state.nodes[nodeId] ?? { running: [], last: null };
  return { ...state.nodes, [nodeId]: update(node) };
}

/** Applies one event; returns the same object when the event was seen already. */
export function applyEvent(state: RunLiveState, event: LiveEvent): RunLiveState {
  if (event.seq <= state.lastSeq) return state;
  const next: RunLiveState = { ...state, lastSeq: event.seq };
  const d = event.data ?? {};
  const at = date(event.createdAt);
  switch (event.type) {
    case "run.queued":
      next.status = state.status ?? "queued";
      break;
    case "run.started":
      next.status = "running";
      next.startedAt = state.startedAt ?? at;
      next.stepsExpected = num(d.stepsExpected) ?? state.stepsExpected;
      next.stepsDone = state.stepsDone ?? 0;
      break;
    case "run.progress":
      next.stepsDone = num(d.stepsDone) ?? state.stepsDone;
      next.stepsExpected = num(d.stepsExpected) ?? state.stepsExpected;
      next.costUsd = num(d.costUsd) ?? state.costUsd;
      next.inputTokens = num(d.inputTokens) ?? state.inputTokens;
      next.outputTokens = num(d.outputTokens) ?? state.outputTokens;
      break;
    case "node.started": {
      const nodeId = str(d.nodeId) ?? "?";
      const stepId = str(d.stepId) ?? `${nodeId}#${event.seq}`;
      if (!state.status || state.status === "queued") next.status = "running";
      next.startedAt = state.startedAt ?? at;
      const previous = state.steps[stepId];
      next.steps = {
        ...state.steps,
        [stepId]: {
          stepId,
          nodeId,
          agent: str(d.agent) ?? previous?.agent ?? null,
          team: str(d.team) ?? previous?.team ?? null,
          outcome: null,
          status: "running",
          attempt: num(d.attempt) ?? (previous ? previous.attempt + 1 : 1),
          text: "",
          model: null,
          error: null,
          willRetry: false,
          waiting: null,
        },
      };
      if (!previous) next.stepOrder = [...state.stepOrder, stepId];
      next.nodes = withNode(state, nodeId, (n) => ({ ...n, running: n.running.includes(stepId) ? n.running : [...n.running, stepId] }));
      break;
    }
    case "node.delta": {
      const stepId = str(d.stepId);
      const text = str(d.text) ?? "";
      if (!stepId) break;
      const step = state.steps[stepId];
      if (step) {
        if (step.status !== "running") break;
        // reset: the model call was retried (a fallback model), its text starts again
        next.steps = { ...state.steps, [stepId]: { ...step, text: d.reset === true ? text : step.text + text } };
      } else {
        // a delta whose start we did not see (should not happen with replay from seq 1): show it anyway
        const nodeId = str(d.nodeId) ?? "?";
        next.steps = {
          ...state.steps,
          [stepId]: {
            stepId,
            nodeId,
            agent: null,
            team: null,
            outcome: null,
            status: "running",
            attempt: 1,
            text,
            model: null,
            error: null,
            willRetry: false,
            waiting: null,
          },
        };
        next.stepOrder = [...state.stepOrder, stepId];
        next.nodes = withNode(state, nodeId, (n) => ({ ...n, running: n.running.includes(stepId) ? n.running : [...n.running, stepId] }));
      }
      break;
    }
    case "node.finished": {
      const nodeId = str(d.nodeId) ?? state.steps[str(d.stepId) ?? ""]?.nodeId ?? "?";
      const stepId = str(d.stepId) ?? `${nodeId}#${event.seq}`;
      const step = state.steps[stepId];
      next.steps = {
        ...state.steps,
        [stepId]: {
          stepId,
          nodeId,
          agent: str(d.agent) ?? step?.agent ?? null,
          team: str(d.team) ?? step?.team ?? null,
          outcome: parseOutcome(d.outcome) ?? null,
          status: "done",
          attempt: step?.attempt ?? 1,
          text: str(d.output) ?? step?.text ?? "",
          model: str(d.model),
          error: null,
          willRetry: false,
          waiting: null,
        },
      };
      if (!step) next.stepOrder = [...state.stepOrder, stepId];
      next.nodes = withNode(state, nodeId, (n) => ({ running: n.running.filter((s) => s !== stepId), last: "done" }));
      break;
    }
    case "node.failed": {
      const nodeId = str(d.nodeId) ?? state.steps[str(d.stepId) ?? ""]?.nodeId ?? "?";
      const stepId = str(d.stepId) ?? `${nodeId}#${event.seq}`;
      const step = state.steps[stepId];
      const willRetry = d.willRetry === true;
      next.steps = {
        ...state.steps,
        [stepId]: {
          stepId,
          nodeId,
          agent: str(d.agent) ?? step?.agent ?? null,
          team: str(d.team) ?? step?.team ?? null,
          outcome: parseOutcome(d.outcome) ?? step?.outcome ?? null,
          // a failed attempt that will be retried keeps the step (and its node) running
          status: willRetry ? "running" : "failed",
          attempt: num(d.attempt) ?? step?.attempt ?? 1,
          text: step?.text ?? "",
          model: step?.model ?? null,
          error: str(d.error),
          willRetry,
          waiting: null,
        },
      };
      if (!step) next.stepOrder = [...state.stepOrder, stepId];
      if (!willRetry) next.nodes = withNode(state, nodeId, (n) => ({ running: n.running.filter((s) => s !== stepId), last: "failed" }));
      break;
    }
    case "node.waiting": {
      const nodeId = str(d.nodeId) ?? state.steps[str(d.stepId) ?? ""]?.nodeId ?? "?";
      const stepId = str(d.stepId) ?? `${nodeId}#${event.seq}`;
      const step = state.steps[stepId];
      const waiting = { waitingFor: str(d.waitingFor) ?? "the model provider", retryAt: date(str(d.retryAt)), reason: str(d.reason) };
      // the step goes on (it is tried again at retryAt): it stays running, and says what it waits for
      next.steps = {
        ...state.steps,
        [stepId]: {
          stepId,
          nodeId,
          agent: str(d.agent) ?? step?.agent ?? null,
          team: step?.team ?? null,
          outcome: null,
          status: "running",
          attempt: step?.attempt ?? 1,
          text: step?.text ?? "",
          model: step?.model ?? null,
          error: null,
          willRetry: false,
          waiting,
        },
      };
      if (!step) next.stepOrder = [...state.stepOrder, stepId];
      next.nodes = withNode(state, nodeId, (n) => ({ ...n, running: n.running.includes(stepId) ? n.running : [...n.running, stepId] }));
      break;
    }
    case "node.resumed": {
      const step = state.steps[str(d.stepId) ?? ""];
      if (step) next.steps = { ...state.steps, [step.stepId]: { ...step, waiting: null } };
      break;
    }
    case "run.succeeded":
      next.status = "succeeded";
      next.output = outputText(d.output) ?? state.output;
      next.outcome = parseOutcome(d.outcome) ?? state.outcome;
      next.finishedAt = at;
      next.nodes = settle(state.nodes);
      break;
    case "run.failed":
      next.status = "failed";
      next.error = { message: str(d.error) ?? "The run failed", stepId: str(d.stepId) };
      next.outcome = parseOutcome(d.outcome) ?? state.outcome;
      next.finishedAt = at;
      next.nodes = settle(state.nodes);
      break;
    case "run.cancelled":
      next.status = "cancelled";
      next.finishedAt = at;
      next.nodes = settle(state.nodes);
      break;
    default:
      break;
  }
  return next;
}

/** A run that ended has nothing running any more. */
function settle(nodes: Record<string, LiveNode>): Record<string, LiveNode> {
  const out: Record<string, LiveNode> = {};
  for (const [id, n] of Object.entries(nodes)) out[id] = n.running.length ? { running: [], last: n.last } : n;
  return out;
}

export function applyEvents(state: RunLiveState, events: LiveEvent[]): RunLiveState {
  let next = state;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) next = applyEvent(next, e);
  return next;
}

function stateOf(n: LiveNode | undefined): NodeState {
  if (!n) return "waiting";
  if (n.running.length > 0) return "running";
  return n.last ?? "waiting";
}

/**
 * The state of a graph node: its own steps and, for a nested team drawn as one node, those of its inner nodes
 * (`<nodeId>/...`). Running wins, then failed, then done.
 */
export function graphNodeState(live: RunLiveState, graphNodeId: string, role?: string): NodeState {
  if (role === "input") return live.status && live.status !== "queued" ? "done" : live.stepOrder.length ? "done" : "waiting";
  if (role === "output") {
    if (live.status === "succeeded") return "done";
    if (live.status === "failed") return "failed";
    return "waiting";
  }
  const states: NodeState[] = [];
  for (const [id, n] of Object.entries(live.nodes)) {
    if (id === graphNodeId || id.startsWith(`${graphNodeId}/`)) states.push(stateOf(n));
  }
  if (states.includes("running")) return "running";
  if (states.includes("failed")) return "failed";
  if (states.includes("done")) return "done";
  return "waiting";
}

/** Node ids the events mention that the drawn graph does not have (single-agent runs, unexpected ids). */
export function unknownNodeIds(live: RunLiveState, graphNodeIds: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const id of Object.keys(live.nodes)) {
    const top = id.split("/")[0]!;
    if (!graphNodeIds.has(top) && !out.includes(top)) out.push(top);
  }
  return out;
}

/** The steps running right now, in start order (for the live output panel). */
export function runningSteps(live: RunLiveState): LiveStep[] {
  return live.stepOrder.map((id) => live.steps[id]!).filter((s) => s.status === "running");
}

/** "waiting for <provider> (retry at 10:42:07)": what a waiting step shows. */
export function waitingLabel(waiting: NonNullable<LiveStep["waiting"]>, timeZone?: string): string {
  const at = waiting.retryAt ? waiting.retryAt.toLocaleTimeString("en-GB", { hour12: false, ...(timeZone ? { timeZone } : {}) }) : null;
  return `waiting for ${waiting.waitingFor}${at ? ` (retry at ${at})` : ""}`;
}

/** Elapsed milliseconds: to `now` while the run goes on, to its end once it ended. */
export function elapsedMs(startedAt: Date | null, finishedAt: Date | null, now: number): number | null {
  if (!startedAt) return null;
  const end = finishedAt ? finishedAt.getTime() : now;
  return Math.max(0, end - startedAt.getTime());
}

export { formatDuration } from "@/lib/duration";

/** Cost so far; "—" before anything is known. */
export function formatCost(usd: number | null | undefined): string {
  return usd === null || usd === undefined ? "—" : formatUsd(usd);
}

export function progressPercent(done: number | null, expected: number | null, status: string | null): number {
  if (status === "succeeded") return 100;
  if (!expected || expected <= 0 || done === null) return 0;
  return Math.max(0, Math.min(100, Math.round((done / expected) * 100)));
}
