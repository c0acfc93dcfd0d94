"use client";

import type { z } from "zod";
import { useInfiniteQuery } from "@tanstack/react-query";
import { Checkbox } from "@/components/ui/checkbox";
import { FormField, FormItem, FormMessage } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";
import type { createAgentInputSchema } from "@/lib/schemas/agents";
import { MAX_GATE_JUDGES, MAX_GATE_REVISIONS, type QualityGate } from "@/lib/schemas/quality-gate";

type AgentValues = z.input<typeof createAgentInputSchema>;
export type GateValue = AgentValues["qualityGate"];

const DEFAULTS: Omit<QualityGate, "judges"> = { maxRevisions: 2, onFail: "fail", passThreshold: 0.7, failThreshold: 0.4 };

/** The gate with `patch` applied; null when it names no judge (no gate). */
function next(current: GateValue, patch: Partial<QualityGate>): QualityGate | null {
  const merged = { ...DEFAULTS, judges: [], ...(current ?? {}), ...patch } as QualityGate;
  return merged.judges.length === 0 ? null : merged;
}

/**
 * A quality gate's fieldset (lib/schemas/quality-gate.ts), controlled: the judges that score the output, how many
 * revisions their "revise" may ask for, and what a "fail" does (fail the run, or wait for a person's review). The
 * agent form (QualityGateField, react-hook-form) and the team editor use it.
 */
export function QualityGateFieldset({
  value: current,
  onChange,
  disabled,
  idPrefix,
  scope,
  reviser,
}: {
  value: GateValue;
  onChange: (gate: QualityGate | null) => void;
  disabled?: boolean;
  /** ids and test ids: `{idPrefix}-gate-...` */
  idPrefix: string;
  /** what the judges score, e.g. "each run's output" */
  scope: string;
  /** who revises, e.g. "the agent revises" */
  reviser: string;
}) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const judges = useAllPages(
    useInfiniteQuery({ ...trpc.judges.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam }), enabled: can("judges:read") }),
  );
  const value = { ...DEFAULTS, judges: [], ...(current ?? {}) } as QualityGate;
  const set = (patch: Partial<QualityGate>) => onChange(next(current, patch));
  return (
    <fieldset className="grid gap-3 rounded-md border p-3" data-testid={`${idPrefix}-quality-gate`} disabled={disabled}>
      <legend className="px-1 text-sm font-medium">Quality gate</legend>
      <p className="text-sm text-muted-foreground">
        Judges score {scope} against their rubrics (up to {MAX_GATE_JUDGES}). Below the pass threshold {reviser} with their issues; below the fail threshold the
        gate fails.
      </p>
      {judges.data?.length ? (
        <ul className="m-0 grid list-none gap-1 p-0 sm:grid-cols-2">
          {judges.data.map((j) => (
            <li key={j.id} className="flex items-center gap-2">
              <Checkbox
                id={`${idPrefix}-gate-judge-${j.slug}`}
                data-testid={`${idPrefix}-gate-judge-${j.slug}`}
                checked={value.judges.includes(j.slug) || value.judges.includes(j.id)}
                disabled={disabled}
                onCheckedChange={(on) => set({ judges: on === true ? [...value.judges, j.slug] : value.judges.filter((s) => s !== j.slug && s !== j.id) })}
              />
              <Label htmlFor={`${idPrefix}-gate-judge-${j.slug}`} className="font-normal">
                {j.name} <span className="text-muted-foreground">({j.slug})</span>
              </Label>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-muted-foreground" data-testid={`${idPrefix}-gate-no-judges`}>
          No judges yet: create one on the Judges page.
        </p>
      )}
      {value.judges.length > 0 ? (
        <div className="grid gap-3 sm:grid-cols-2">
          <div className="grid gap-1">
            <Label htmlFor={`${idPrefix}-gate-revisions`}>Max revisions</Label>
            <Input
              id={`${idPrefix}-gate-revisions`}
              data-testid={`${idPrefix}-gate-revisions`}
              type="number"
              min={0}
              max={MAX_GATE_REVISIONS}
              value={value.maxRevisions}
              onChange={(e) => set({ maxRevisions: Number(e.target.value) })}
            />
          </div>
          <div className="grid gap-1">
            <Label htmlFor={`${idPrefix}-gate-on-fail`}>On fail</Label>
            <select
              id={`${idPrefix}-gate-on-fail`}
              data-testid={`${idPrefix}-gate-on-fail`}
              className={SELECT_CLASS}
              value={value.onFail}
              onChange={(e) => set({ onFail: e.target.value as QualityGate["onFail"] })}
            >
              <option value="fail">fail the run</option>
              <option value="review">wait for a person's review</option>
            </select>
          </div>
          <div className="grid gap-1">
            <Label htmlFor={`${idPrefix}-gate-pass`}>Pass threshold (0-1)</Label>
            <Input
              id={`${idPrefix}-gate-pass`}
              type="number"
              min={0}
              max={1}
              step={0.05}
              value={value.passThreshold}
              onChange={(e) => set({ passThreshold: Number(e.target.value) })}
            />
          </div>
          <div className="grid gap-1">
            <Label htmlFor={`${idPrefix}-gate-fail`}>Fail threshold (0-1)</Label>
            <Input
              id={`${idPrefix}-gate-fail`}
              type="number"
              min={0}
              max={1}
              step={0.05}
              value={value.failThreshold}
              onChange={(e) => set({ failThreshold: Number(e.target.value) })}
            />
          </div>
        </div>
      ) : null}
    </fieldset>
  );
}

/** The agent's quality gate in the agent form (react-hook-form): the judges that score its output in its runs. */
export function QualityGateField({ disabled }: { disabled?: boolean }) {
  return (
    <FormField<AgentValues, "qualityGate">
      name="qualityGate"
      render={({ field }) => (
        <FormItem>
          <QualityGateFieldset
            value={field.value}
            onChange={field.onChange}
            disabled={disabled}
            idPrefix="agent"
            scope="each run's output"
            reviser="the agent revises"
          />
          <FormMessage />
        </FormItem>
      )}
    />
  );
}
