/**
 * The run's steps as a trace: one row per step in tree order (a nested team's steps, `<team step>/<step>`, right under
 * its node, indented; an agent step's model turns and tool calls, `<step>~turnN` and `<step>~toolN.M`, under its
 * step), each placed on the run's time axis as fractions of its span, so parallel steps overlap.
 * Pure: the page passes `now` for steps still running.
 */
import type { RunStepOut } from "@/lib/schemas/runs";

export interface TraceRow {
  step: RunStepOut;
  depth: number;
  /** where the bar starts and how long it is, as fractions (0..1) of the span */
  offset: number;
  width: number;
  durationMs: number;
  running: boolean;
}

export interface Trace {
  rows: TraceRow[];
  startMs: number;
  spanMs: number;
}

/** A tool loop's turn or call (server/jobs/tool-loop.ts): its agent step is the id before the suffix. */
const LOOP_PART = /~(?:turn\d+|tool\d+\.\d+)$/;
const parentOf = (stepId: string) =>
  LOOP_PART.test(stepId) ? stepId.replace(LOOP_PART, "") : stepId.includes("/") ? stepId.slice(0, stepId.lastIndexOf("/")) : null;

export function buildTrace(
  steps: readonly RunStepOut[],
  now: number,
  run: { startedAt: Date | null; finishedAt: Date | null } = { startedAt: null, finishedAt: null },
): Trace {
  const endOf = (s: RunStepOut) =>
    s.finishedAt
      ? s.finishedAt.getTime()
      : s.status === "running" || s.status === "retrying" || s.status === "waiting"
        ? now
        : s.startedAt.getTime() + s.latencyMs;
  const starts = steps.map((s) => s.startedAt.getTime());
  const ends = steps.map(endOf);
  const startMs = Math.min(...starts, run.startedAt ? run.startedAt.getTime() : Number.POSITIVE_INFINITY);
  const endMs = Math.max(...ends, run.finishedAt ? run.finishedAt.getTime() : Number.NEGATIVE_INFINITY);
  if (steps.length === 0 || !Number.isFinite(startMs) || !Number.isFinite(endMs))
    return { rows: [], startMs: Number.isFinite(startMs) ? startMs : now, spanMs: 0 };
  const spanMs = Math.max(0, endMs - startMs);

  // tree order: children under their parent (by stepId prefix), siblings by start time then id
  const ids = new Set(steps.map((s) => s.stepId));
  const children = new Map<string | null, RunStepOut[]>();
  for (const s of steps) {
    let parent = parentOf(s.stepId);
    // a nested step whose team node is not recorded (yet) hangs under the nearest recorded ancestor, or the root
    while (parent !== null && !ids.has(parent)) parent = parentOf(parent);
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  const ordered: { step: RunStepOut; depth: number }[] = [];
  const visit = (parent: string | null, depth: number) => {
    const list = (children.get(parent) ?? []).sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || a.stepId.localeCompare(b.stepId));
    for (const s of list) {
      ordered.push({ step: s, depth: Math.max(depth, s.stepId.split("/").length - 1) });
      visit(s.stepId, depth + 1);
    }
  };
  visit(null, 0);

  const rows = ordered.map(({ step, depth }) => {
    const start = step.startedAt.getTime();
    const end = Math.max(start, endOf(step));
    return {
      step,
      depth,
      offset: spanMs === 0 ? 0 : (start - startMs) / spanMs,
      width: spanMs === 0 ? 1 : (end - start) / spanMs,
      durationMs: end - start,
      running: !step.finishedAt && (step.status === "running" || step.status === "retrying" || step.status === "waiting"),
    };
  });
  return { rows, startMs, spanMs };
}

/** Axis marks: 0, a quarter, half, three quarters and the whole span, in milliseconds from the start. */
export function axisMarks(spanMs: number): number[] {
  return spanMs <= 0 ? [0] : [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(spanMs * f));
}
