"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { formatUsd } from "@/lib/usd";
import { DEFAULT_MODEL_POLICY } from "@/lib/schemas/agents";
import { ROUTING_PRESET_NAME_PATTERN } from "@/lib/schemas/routing";
import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ConstraintsFields, constraintsOf, draftOf, EMPTY_DRAFT, type ConstraintsDraft } from "./constraints-fields";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";

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
  const o = c.objective ?? "cost";
  parts.push(
    typeof o === "string"
      ? `ranked by ${o === "cost" ? "cost" : o === "quality" ? "quality" : "latency"}`
      : `ranked by cost ${o.cost} / quality ${o.quality} / latency ${o.latency}`,
  );
  if (c.diversity) parts.push("spreads participants");
  return parts.length ? parts.join(" · ") : "no constraints";
}

function PresetRow({ preset, editable }: { preset: Preset; editable: boolean }) {
  const confirm = useConfirm();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [draft, setDraft] = useState<ConstraintsDraft>(() => draftOf(preset.constraints));
  const [description, setDescription] = useState(preset.description);
  const [localError, setLocalError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const remove = useMutation(
    trpc.routing.presets.delete.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.routing.presets.list.queryKey() }),
    }),
  );
  const save = useMutation(
    trpc.routing.presets.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries({ queryKey: trpc.routing.presets.list.queryKey() });
      },
    }),
  );

  async function onDelete() {
    setLocalError(null);
    const confirmed = await confirm({
      title: `Delete the routing preset ${preset.name}?`,
      description: "Agents and runs that name it must use another policy first.",
      confirmLabel: "Delete preset",
      destructive: true,
    });
    if (confirmed) remove.mutate({ presetId: preset.id });
  }

  function onSave() {
    setLocalError(null);
    const parsed = constraintsOf(draft);
    if (!parsed.ok) return setLocalError(parsed.error);
    save.mutate({ presetId: preset.id, description, constraints: parsed.constraints });
  }

  return (
    <div className="grid gap-2.5 rounded-md border px-4 py-3.5" data-testid="preset-row" data-preset={preset.name}>
      <div className="flex flex-wrap items-baseline gap-x-4 gap-y-1.5">
        <strong>{preset.name}</strong>
        <span className="text-muted-foreground text-sm" data-testid="preset-summary">
          {summary(preset)}
        </span>
        <span className="text-muted-foreground text-sm">updated {formatDateTime(preset.updatedAt)}</span>
      </div>
      {editable ? (
        <>
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor={`preset-${preset.id}-description`}>
              Description
            </label>
            <input
              className={inputClasses}
              id={`preset-${preset.id}-description`}
              data-testid="preset-description"
              maxLength={300}
              value={description}
              onChange={(e) => setDescription(e.target.value)}
            />
          </div>
          <ConstraintsFields
            idPrefix={`preset-${preset.id}`}
            testIdPrefix="preset"
            draft={draft}
            onChange={(d) => {
              setDraft(d);
              setSaved(false);
            }}
          />
          <FormError message={localError ?? (save.error ? errorMessage(save.error) : remove.error ? errorMessage(remove.error) : null)} />
          <div className="flex flex-wrap items-center gap-2">
            <Button size="sm" data-testid="preset-save" disabled={save.isPending} onClick={onSave}>
              {save.isPending ? "Saving…" : "Save"}
            </Button>
            {saved ? (
              <span className="font-medium text-success text-sm" data-testid="preset-saved">
                Saved
              </span>
            ) : null}
            {preset.name === DEFAULT_MODEL_POLICY.preset ? (
              <span className="text-muted-foreground text-sm" data-testid="preset-default-note">
                The policy of agents created without one: it cannot be deleted
              </span>
            ) : (
              <Button
                variant="ghost"
                size="sm"
                className="text-destructive hover:bg-destructive/10 hover:text-destructive"
                data-testid="preset-delete"
                disabled={remove.isPending}
                onClick={onDelete}
              >
                {remove.isPending ? "Deleting…" : "Delete"}
              </Button>
            )}
          </div>
        </>
      ) : (
        <p className="text-muted-foreground text-sm">{preset.description}</p>
      )}
    </div>
  );
}

/** A new preset: a name policies will reference, a description and its constraints. */
export function NewPresetForm({ onDone }: { onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [draft, setDraft] = useState<ConstraintsDraft>(EMPTY_DRAFT);
  const [localError, setLocalError] = useState<string | null>(null);
  const create = useMutation(
    trpc.routing.presets.create.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.routing.presets.list.queryKey() });
        onDone();
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    create.reset();
    const trimmed = name.trim();
    if (!ROUTING_PRESET_NAME_PATTERN.test(trimmed))
      return setLocalError("A preset name is 1-40 lowercase letters, digits and dashes, starting with a letter or digit");
    const parsed = constraintsOf(draft);
    if (!parsed.ok) return setLocalError(parsed.error);
    create.mutate({ name: trimmed, description, constraints: parsed.constraints });
  }

  return (
    <form className="grid gap-2.5 rounded-md border px-4 py-3.5" data-testid="preset-new-form" onSubmit={onSubmit} noValidate>
      <div className="flex flex-wrap items-end gap-4">
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="preset-new-name">
            Name
          </label>
          <input
            className={inputClasses}
            id="preset-new-name"
            data-testid="preset-new-name"
            placeholder="cheap-json"
            maxLength={40}
            autoComplete="off"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="grid min-w-36 gap-1.5 flex-1">
          <label className="text-sm font-medium" htmlFor="preset-new-description">
            Description
          </label>
          <input
            className={inputClasses}
            id="preset-new-description"
            data-testid="preset-new-description"
            maxLength={300}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </div>
      </div>
      <ConstraintsFields idPrefix="preset-new" testIdPrefix="preset-new" draft={draft} onChange={setDraft} />
      <FormError message={localError ?? (create.error ? errorMessage(create.error) : null)} />
      <div className="flex flex-wrap items-center gap-2">
        <Button size="sm" type="submit" data-testid="preset-create" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create preset"}
        </Button>
        <Button variant="ghost" size="sm" onClick={onDone}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

/** The workspace's routing presets (fast, balanced, capable …): what a policy of `{ type: "preset" }` means here. */
export function PresetsEditor() {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const presets = useQuery(trpc.routing.presets.list.queryOptions());
  const editable = can("models:manage");
  const [adding, setAdding] = useState(false);
  return (
    <Card
      title="Routing presets"
      description="Agents and calls can name a preset instead of spelling out constraints. Changing a preset changes the routing of every call that uses it."
      testId="presets-editor"
      actions={
        editable && !adding ? (
          <Button variant="outline" size="sm" data-testid="preset-new" onClick={() => setAdding(true)}>
            New preset
          </Button>
        ) : null
      }
    >
      <FormError message={presets.isError ? errorMessage(presets.error) : null} />
      {presets.isPending ? (
        <Loading />
      ) : (
        <div className="grid gap-3">
          {editable && adding ? <NewPresetForm onDone={() => setAdding(false)} /> : null}
          {(presets.data ?? []).map((p) => (
            <PresetRow key={p.id} preset={p} editable={editable} />
          ))}
        </div>
      )}
    </Card>
  );
}
