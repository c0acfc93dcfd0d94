"use client";

import type { BaseTopologySpec } from "@/lib/schemas/topology";
import { BRIEF_MAX_CHARS } from "@/lib/schemas/node-briefs";
import { INPUT_NODE_ID, OUTPUT_NODE_ID, topologyGraph } from "@/lib/topology-graph";
import { textareaClasses } from "@/components/ui/textarea";

type Brief = { task?: string; expectedOutput?: string };

/** The nodes of a (possibly incomplete) draft's graph, or none while it cannot be drawn. */
function draftNodes(spec: unknown): { id: string; label: string }[] {
  try {
    return topologyGraph(spec as BaseTopologySpec).nodes.filter((n) => n.id !== INPUT_NODE_ID && n.id !== OUTPUT_NODE_ID);
  } catch {
    return [];
  }
}

function BriefText(p: { id: string; label: string; testId: string; nodeId: string; value?: string; disabled?: boolean; onChange: (value: string) => void }) {
  return (
    <div className="grid min-w-36 gap-1.5">
      <label className="text-sm font-medium" htmlFor={p.id}>
        {p.label}
      </label>
      <textarea
        className={textareaClasses}
        id={p.id}
        data-testid={p.testId}
        data-node={p.nodeId}
        maxLength={BRIEF_MAX_CHARS}
        rows={2}
        value={p.value ?? ""}
        disabled={p.disabled}
        onChange={(e) => p.onChange(e.target.value)}
      />
    </div>
  );
}

/**
 * Per-node briefs of a spec (its `briefs`, lib/schemas/node-briefs.ts): one collapsible pair of fields per node of the
 * topology's graph (what the node is for, what it must produce), shown in that node's prompt only.
 */
export function BriefFields({
  spec,
  disabled,
  idPrefix,
  onChange,
}: {
  /** the base topology spec (for a hybrid team: its arrangement) */
  spec: Record<string, unknown>;
  disabled?: boolean;
  idPrefix: string;
  onChange: (nodeId: string, brief: Brief) => void;
}) {
  const nodes = draftNodes(spec);
  if (nodes.length === 0) return null;
  const briefs = (spec.briefs && typeof spec.briefs === "object" ? spec.briefs : {}) as Record<string, Brief>;
  return (
    <fieldset className="m-0 grid min-w-0 gap-2" data-testid="team-briefs">
      <legend className="mb-1 text-sm font-semibold">Briefs (optional): what each node is for and must produce</legend>
      {nodes.map((n) => {
        const brief = briefs[n.id] ?? {};
        const id = `${idPrefix}-brief-${n.id}`;
        return (
          <details key={n.id} open={Boolean(brief.task || brief.expectedOutput)}>
            <summary>
              {n.label} <span className="text-muted-foreground">({n.id})</span>
            </summary>
            <BriefText
              id={`${id}-task`}
              label="Its part"
              testId="team-brief-task"
              nodeId={n.id}
              value={brief.task}
              disabled={disabled}
              onChange={(task) => onChange(n.id, { ...brief, task })}
            />
            <BriefText
              id={`${id}-expected`}
              label="Expected output"
              testId="team-brief-expected"
              nodeId={n.id}
              value={brief.expectedOutput}
              disabled={disabled}
              onChange={(expectedOutput) => onChange(n.id, { ...brief, expectedOutput })}
            />
          </details>
        );
      })}
    </fieldset>
  );
}
