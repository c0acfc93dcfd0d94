"use client";

import { useState } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { formatUsd } from "@/lib/usd";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ConstraintsFields, constraintsOf, draftOf, type ConstraintsDraft } from "./constraints-fields";

type Preset = inferRouterOutputs<AppRouter>["routing"]["presets"]["list"][number];

function summary(p: Preset): string {
  const c = p.constraints;
  const parts: string[] = [];
  if (c.minQuality !== undefined) parts.push(`quality ≥ ${c.minQuality}`);
  if (c.maxP95LatencyMs !== undefined) parts.push(`p95 ≤ ${c.maxP95LatencyMs} ms`);
  if (c.maxCostPerCallUsd !== undefined) parts.push(`≤ ${formatUsd(c.maxCostPerCallUsd)} per call`);
  if (c.requiredCapabilities.length) parts.push(`requires ${c.requiredCapabilities.join(", ")}`);
  if (c.preferredProviders.length) parts.push(`prefers ${c.preferredProviders.join(" > ")}`);
  if (c.localOnly) parts.push("local only");
  else if (c.localFirst) parts.push("local first");
  return parts.length ? parts.join(" · ") : "no constraints";
}

function PresetRow({ preset, editable }: { preset: Preset; editable: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ConstraintsDraft>(() => draftOf(preset.constraints));
  const [description, setDescription] = useState(preset.description);
  const [localError, setLocalError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useMutation(
    trpc.routing.presets.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.routing.presets.list.queryKey() });
      },
    }),
  );

  function onSave() {
    setLocalError(null);
    const parsed = constraintsOf(draft);
    if (!parsed.ok) return setLocalError(parsed.error);
    save.mutate({ presetId: preset.id, description, constraints: parsed.constraints });
  }

  return (
    <div className="preset-row" data-testid="preset-row" data-preset={preset.name}>
      <div className="preset-head">
        <strong>{preset.name}</strong>
        <span className="muted small" data-testid="preset-summary">{summary(preset)}</span>
        <span className="muted small">updated {formatDateTime(preset.updatedAt)}</span>
      </div>
      {editable ? (
        <>
          <div className="field">
            <label htmlFor={`preset-${preset.id}-description`}>Description</label>
            <input id={`preset-${preset.id}-description`} data-testid="preset-description" maxLength={300} value={description} onChange={(e) => setDescription(e.target.value)} />
          </div>
          <ConstraintsFields idPrefix={`preset-${preset.id}`} testIdPrefix="preset" draft={draft} onChange={(d) => { setDraft(d); setSaved(false); }} />
          <FormError message={localError ?? (save.error ? errorMessage(save.error) : null)} />
          <div className="button-row">
            <button type="button" className="btn btn-primary btn-sm" data-testid="preset-save" disabled={save.isPending} onClick={onSave}>
              {save.isPending ? "Saving…" : "Save"}
            </button>
            {saved ? <span className="success-text small" data-testid="preset-saved">Saved</span> : null}
          </div>
        </>
      ) : (
        <p className="muted small">{preset.description}</p>
      )}
    </div>
  );
}

/** The workspace's routing presets (fast, balanced, capable …): what a policy of `{ type: "preset" }` means here. */
export function PresetsEditor() {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const presets = useQuery(trpc.routing.presets.list.queryOptions());
  const editable = can("models:manage");
  return (
    <Card
      title="Routing presets"
      description="Agents and calls can name a preset instead of spelling out constraints. Changing a preset changes the routing of every call that uses it."
      testId="presets-editor"
    >
      <FormError message={presets.isError ? errorMessage(presets.error) : null} />
      {presets.isPending ? (
        <Loading />
      ) : (
        <div className="stack">
          {(presets.data ?? []).map((p) => (
            <PresetRow key={p.id} preset={p} editable={editable} />
          ))}
        </div>
      )}
    </Card>
  );
}
