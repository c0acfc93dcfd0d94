"use client";

import { useId, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Checkbox } from "@/components/ui/checkbox";
import { MAX_GATE_JUDGES } from "@/lib/schemas/quality-gate";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { Textarea } from "@/components/ui/textarea";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { newIdempotencyKey } from "@/lib/idempotency";
import { taskTagsSchema } from "@/lib/schemas/runs";

export type RunTarget = { team: string } | { agent: string };

const NONE = "";
const MAX_INPUT = 100_000;

/**
 * Start a run of a team or a single agent: the input, an optional per-run budget and an optional model policy
 * override (a routing preset; none = each agent's own policy). The run starts in the background; the form opens
 * its live page at once. Renders nothing for a role that cannot start runs.
 *
 * A double click starts one run: the button is disabled while the start is pending, a second submit before React
 * re-renders is ignored, and every submit of the same values carries the same idempotency key, so that the server
 * answers a repeat with the run it already started (server/idempotency/store.ts). Changed values get a new key.
 */
export function StartRunForm({
  target,
  title = "Run",
  compact = false,
  picker,
}: {
  target: RunTarget;
  title?: string;
  compact?: boolean;
  /** shown first in the form, e.g. a choice of what to run */
  picker?: ReactNode;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { can, slug } = useWorkspace();
  const id = useId();
  const [input, setInput] = useState("");
  const [budget, setBudget] = useState("");
  const [preset, setPreset] = useState(NONE);
  const [judges, setJudges] = useState<string[]>([]);
  const [tagsText, setTagsText] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const allowed = can("runs:create");
  // the key of the run the form is about to start: the same for repeats of the same values
  const attempt = useRef<{ values: string; key: string } | null>(null);
  const submitting = useRef(false);
  const presets = useQuery({ ...trpc.routing.presets.list.queryOptions(), enabled: allowed && can("models:read") });

  const start = useMutation(
    trpc.runs.start.mutationOptions({
      onSettled: () => {
        submitting.current = false;
      },
      onSuccess: async (run) => {
        await queryClient.invalidateQueries({ queryKey: trpc.runs.list.pathKey() });
        router.push(`/w/${slug}/runs/${run.id}`);
      },
    }),
  );

  if (!allowed) return null;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    const text = input.trim();
    if (!text) return setLocalError("Enter the task for this run");
    if (text.length > MAX_INPUT) return setLocalError(`An input has at most ${MAX_INPUT.toLocaleString("en-US")} characters`);
    let budgetUsd: number | undefined;
    if (budget.trim() !== "") {
      budgetUsd = Number(budget);
      if (!Number.isFinite(budgetUsd) || budgetUsd <= 0) return setLocalError("The budget is an amount in USD above 0, or empty for none");
    }
    const tags = taskTagsSchema.safeParse(tagsText.split(/[\s,]+/).filter(Boolean));
    if (!tags.success) return setLocalError(`Tags: ${tags.error.issues[0]?.message ?? "not valid"}`);
    if (submitting.current || start.isPending || start.isSuccess) return;
    const values = {
      ...("team" in target ? { team: target.team } : { agent: target.agent }),
      input: text,
      budgetUsd,
      modelPolicy: preset === NONE ? undefined : { type: "preset" as const, preset },
      ...(judges.length > 0 ? { judges } : {}),
      ...(tags.data.length > 0 ? { tags: tags.data } : {}),
    };
    const fingerprint = JSON.stringify(values);
    if (attempt.current?.values !== fingerprint) attempt.current = { values: fingerprint, key: newIdempotencyKey() };
    submitting.current = true;
    start.mutate({ ...values, idempotencyKey: attempt.current.key });
  }

  const label = "team" in target ? `team ${target.team}` : `agent ${target.agent}`;
  return (
    <Card
      title={title}
      description={compact ? undefined : `Start a run of the ${label} on an input. It runs in the background; you can watch it live.`}
      testId="run-form"
    >
      <form className="grid gap-4" onSubmit={onSubmit} noValidate>
        {picker}
        <div className="grid gap-1.5">
          <Label htmlFor={`${id}-input`}>Input</Label>
          <Textarea
            id={`${id}-input`}
            data-testid="run-input"
            rows={compact ? 3 : 4}
            maxLength={MAX_INPUT}
            placeholder="What should the team work on?"
            value={input}
            onChange={(e) => setInput(e.target.value)}
          />
        </div>
        <div className="grid gap-4 sm:grid-cols-[1fr_1fr_auto] sm:items-end">
          <div className="grid gap-1.5">
            <Label htmlFor={`${id}-budget`}>Budget for this run (USD)</Label>
            <Input
              id={`${id}-budget`}
              data-testid="run-budget"
              type="number"
              min={0}
              step="any"
              placeholder="No limit"
              value={budget}
              onChange={(e) => setBudget(e.target.value)}
            />
          </div>
          <div className="grid gap-1.5">
            <Label htmlFor={`${id}-policy`}>Model policy</Label>
            <select id={`${id}-policy`} className={SELECT_CLASS} data-testid="run-policy" value={preset} onChange={(e) => setPreset(e.target.value)}>
              <option value={NONE}>None: each agent's own</option>
              {presets.data?.map((p) => (
                <option key={p.id} value={p.name}>
                  Preset: {p.name}
                </option>
              ))}
            </select>
          </div>
          <Button type="submit" data-testid="run-submit" disabled={start.isPending || start.isSuccess}>
            {start.isPending || start.isSuccess ? "Starting…" : "Start run"}
          </Button>
        </div>
        <div className="grid gap-1.5">
          <Label htmlFor={`${id}-tags`}>Task tags (optional)</Label>
          <Input id={`${id}-tags`} data-testid="run-tags" placeholder="e.g. summarise, legal" value={tagsText} onChange={(e) => setTagsText(e.target.value)} />
          <p className="text-muted-foreground text-xs">Runs list by tag, and routing uses each model's quality observed by judges on runs with these tags.</p>
        </div>
        {"agent" in target ? <RunJudgesPicker chosen={judges} onChange={setJudges} /> : null}
        <FormError message={localError ?? (start.error ? errorMessage(start.error) : null)} />
      </form>
    </Card>
  );
}

/** Judges that score this run's output (they replace the agent's quality gate judges for this run). */
function RunJudgesPicker({ chosen, onChange }: { chosen: string[]; onChange: (judges: string[]) => void }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const judges = useQuery({ ...trpc.judges.list.queryOptions({ limit: MAX_GATE_JUDGES * 20 }), enabled: can("judges:read") });
  const items = judges.data?.items ?? [];
  if (items.length === 0) return null;
  return (
    <fieldset className="grid gap-1" data-testid="run-judges">
      <legend className="text-sm font-medium">Judges for this run (optional: instead of the agent's quality gate judges)</legend>
      <ul className="m-0 flex list-none flex-wrap gap-3 p-0">
        {items.map((j) => (
          <li key={j.id} className="flex items-center gap-2">
            <Checkbox
              id={`run-judge-${j.slug}`}
              data-testid={`run-judge-${j.slug}`}
              checked={chosen.includes(j.slug)}
              disabled={!chosen.includes(j.slug) && chosen.length >= MAX_GATE_JUDGES}
              onCheckedChange={(on) => onChange(on === true ? [...chosen, j.slug] : chosen.filter((s) => s !== j.slug))}
            />
            <Label htmlFor={`run-judge-${j.slug}`} className="font-normal">
              {j.name}
            </Label>
          </li>
        ))}
      </ul>
    </fieldset>
  );
}
