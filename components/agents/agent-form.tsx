"use client";

import { slugify } from "@/components/workspace/slugify";
import { useMemo, useState, type FormEvent } from "react";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { DEFAULT_OUTAGE_WAIT_SECONDS, MAX_CALL_TIMEOUT_SECONDS, MAX_INSTRUCTIONS, MAX_OUTAGE_WAIT_SECONDS, type AgentOutput } from "@/lib/schemas/agents";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { DEFAULT_CONTEXT_KEEP } from "@/lib/schemas/context-budget";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { ConstraintsFields, constraintsOf, draftOf, EMPTY_DRAFT, type ConstraintsDraft } from "@/components/routing/constraints-fields";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { textareaClasses } from "@/components/ui/textarea";
import { cn } from "@/lib/cn";

type PolicyKind = ModelPolicy["type"];

interface Fields {
  slug: string;
  name: string;
  roleDescription: string;
  instructions: string;
  policyKind: PolicyKind;
  preset: string;
  constraints: ConstraintsDraft;
  modelId: string;
  maxOutputTokens: string;
  temperature: string;
  outageWaitSeconds: string;
  /** "" scales with the output budget */
  callTimeoutSeconds: string;
  /** "" follows the team's option */
  contextStrategy: "" | "truncate" | "last_k" | "summarize";
  contextKeep: string;
  memoryScope: string;
}

const DEFAULT_PRESETS = ["fast", "balanced", "capable"];

/** A field of a row that takes the row's free width (at least 240px before the row wraps). */
const GROW_FIELD = "grid min-w-0 flex-[1_1_240px] gap-2";

function fieldsOf(agent?: AgentOutput): Fields {
  const p = agent?.modelPolicy ?? { type: "preset", preset: "balanced" };
  return {
    slug: agent?.slug ?? "",
    name: agent?.name ?? "",
    roleDescription: agent?.roleDescription ?? "",
    instructions: agent?.instructions ?? "",
    policyKind: p.type,
    preset: p.type === "preset" ? p.preset : "balanced",
    constraints: p.type === "constraints" ? draftOf(p.constraints) : EMPTY_DRAFT,
    modelId: p.type === "pinned" ? p.modelId : "",
    maxOutputTokens: String(agent?.maxOutputTokens ?? 1024),
    temperature: String(agent?.temperature ?? 0.7),
    outageWaitSeconds: String(agent?.outageWaitSeconds ?? DEFAULT_OUTAGE_WAIT_SECONDS),
    callTimeoutSeconds: agent?.callTimeoutSeconds ? String(agent.callTimeoutSeconds) : "",
    contextStrategy: agent?.contextBudget?.strategy ?? "",
    contextKeep: String(agent?.contextBudget?.keep ?? DEFAULT_CONTEXT_KEEP),
    memoryScope: agent?.memoryScope ?? "",
  };
}

/** The form's values as an agent input, or the first problem a person can fix here. */
function inputOf(
  f: Fields,
):
  | { ok: true; value: Omit<AgentOutput, "id" | "slug" | "currentVersion" | "versionCount" | "archivedAt" | "createdAt" | "updatedAt" | "allowedTools"> }
  | { ok: false; error: string } {
  let modelPolicy: ModelPolicy;
  if (f.policyKind === "preset") modelPolicy = { type: "preset", preset: f.preset };
  else if (f.policyKind === "pinned") {
    if (!f.modelId) return { ok: false, error: "Choose the model to pin" };
    modelPolicy = { type: "pinned", modelId: f.modelId };
  } else {
    const c = constraintsOf(f.constraints);
    if (!c.ok) return c;
    modelPolicy = { type: "constraints", constraints: c.constraints };
  }
  const maxOutputTokens = Number(f.maxOutputTokens);
  if (!Number.isInteger(maxOutputTokens) || maxOutputTokens < 1 || maxOutputTokens > 32_000)
    return { ok: false, error: "Max output tokens is a whole number from 1 to 32000" };
  const temperature = Number(f.temperature);
  if (f.temperature.trim() === "" || !Number.isFinite(temperature) || temperature < 0 || temperature > 2)
    return { ok: false, error: "Temperature is a number from 0 to 2" };
  const outageWaitSeconds = Number(f.outageWaitSeconds);
  if (f.outageWaitSeconds.trim() === "" || !Number.isInteger(outageWaitSeconds) || outageWaitSeconds < 0 || outageWaitSeconds > MAX_OUTAGE_WAIT_SECONDS) {
    return { ok: false, error: `The outage wait is a whole number of seconds from 0 to ${MAX_OUTAGE_WAIT_SECONDS}` };
  }
  const callTimeoutSeconds = f.callTimeoutSeconds.trim() === "" ? null : Number(f.callTimeoutSeconds);
  if (callTimeoutSeconds !== null && (!Number.isInteger(callTimeoutSeconds) || callTimeoutSeconds < 1 || callTimeoutSeconds > MAX_CALL_TIMEOUT_SECONDS))
    return { ok: false, error: `The call timeout is a whole number of seconds from 1 to ${MAX_CALL_TIMEOUT_SECONDS}, or empty to scale with the output` };
  const keep = Number(f.contextKeep);
  if (f.contextStrategy === "last_k" && (!Number.isInteger(keep) || keep < 1 || keep > 64))
    return { ok: false, error: "Keep the last k outputs: k is a whole number from 1 to 64" };
  return {
    ok: true,
    value: {
      name: f.name.trim(),
      roleDescription: f.roleDescription,
      instructions: f.instructions,
      modelPolicy,
      maxOutputTokens,
      temperature,
      outageWaitSeconds,
      callTimeoutSeconds,
      contextBudget: f.contextStrategy ? (f.contextStrategy === "last_k" ? { strategy: f.contextStrategy, keep } : { strategy: f.contextStrategy }) : null,
      memoryScope: f.memoryScope.trim() || null,
    },
  };
}

/**
 * Create an agent, or edit one (saving writes a new version). The model policy is a routing preset, constraints
 * (the same fields as the Routing page), or a pinned catalog model.
 */
/**
 * `onCreated` (a new agent): called once it is saved, e.g. to close the dialog the form is in; `bare` leaves out the
 * card's frame and title (the dialog has its own).
 */
export function AgentForm({ agent, onCreated, bare }: { agent?: AgentOutput; onCreated?: (created: AgentOutput) => void; bare?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = agent ? can("agents:update") && !agent.archivedAt : can("agents:create");
  const [f, setF] = useState<Fields>(() => fieldsOf(agent));
  const [localError, setLocalError] = useState<string | null>(null);
  // a new agent's slug follows its name until the slug is typed in
  const [slugTyped, setSlugTyped] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  // the version this edit started from: a save based on an older one is refused (409) instead of overwriting
  const [baseVersion, setBaseVersion] = useState<number | undefined>(agent?.currentVersion);
  const presets = useQuery({ ...trpc.routing.presets.list.queryOptions(), enabled: can("models:read") });
  // every enabled model of the catalog (it pages newest first), offered by provider and id
  const modelPages = useAllPages(
    useInfiniteQuery({
      ...trpc.models.list.infiniteQueryOptions({ enabled: true, limit: 200 }, { getNextPageParam: nextPageParam }),
      enabled: can("models:read") && f.policyKind === "pinned",
    }),
  );
  const models = useMemo(
    () => ({
      data: modelPages.data
        ? [...modelPages.data].sort((a, b) => a.provider.name.localeCompare(b.provider.name) || a.modelId.localeCompare(b.modelId))
        : undefined,
    }),
    [modelPages.data],
  );
  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => setF((prev) => ({ ...prev, [key]: value }));

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() });
  const create = useMutation(
    trpc.agents.create.mutationOptions({
      onSuccess: async (created) => {
        setF(fieldsOf());
        setNotice(`Created ${created.name} (${created.slug}).`);
        await refresh();
        onCreated?.(created);
      },
    }),
  );
  const update = useMutation(
    trpc.agents.update.mutationOptions({
      onSuccess: async (saved) => {
        setNotice(
          saved.currentVersion === baseVersion ? `No changes: identical to version ${saved.currentVersion}.` : `Saved as version ${saved.currentVersion}.`,
        );
        setBaseVersion(saved.currentVersion);
        await refresh();
      },
      // someone else saved since this edit started: fetch their version (the conflict offers to load it)
      onError: async (error) => {
        if (errorCode(error) === "CONFLICT") await refresh();
      },
    }),
  );
  const mutation = agent ? update : create;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    setNotice(null);
    if (!agent && !f.slug.trim()) return setLocalError("Enter a slug: lowercase letters, digits and dashes");
    if (!f.name.trim()) return setLocalError("Enter a name");
    const input = inputOf(f);
    if (!input.ok) return setLocalError(input.error);
    if (agent) update.mutate({ agent: agent.id, ...input.value, baseVersion });
    else create.mutate({ slug: f.slug.trim(), ...input.value });
  }

  const presetNames = presets.data?.map((p) => p.name) ?? DEFAULT_PRESETS;
  const presetOptions = presetNames.includes(f.preset) ? presetNames : [...presetNames, f.preset];

  return (
    <Card
      className={bare ? "border-0 p-0 shadow-none" : undefined}
      title={bare ? undefined : agent ? "Definition" : "New agent"}
      description={
        agent
          ? editable
            ? "Saving writes a new version; runs keep the version they started with."
            : undefined
          : bare
            ? undefined
            : "Instructions, a model policy and generation settings. Every save is a new version."
      }
      testId="agent-form"
    >
      <form className="flex flex-col gap-4" onSubmit={onSubmit} noValidate>
        <fieldset disabled={!editable} className="m-0 flex min-w-0 flex-col gap-4 border-0 p-0">
          <div className="flex flex-wrap items-end gap-3">
            {agent ? null : (
              <div className="grid gap-2">
                <Label htmlFor="agent-slug">Slug</Label>
                <Input
                  id="agent-slug"
                  data-testid="agent-slug"
                  maxLength={63}
                  placeholder="researcher"
                  value={f.slug}
                  onChange={(e) => {
                    setSlugTyped(true);
                    set("slug", e.target.value.toLowerCase());
                  }}
                />
              </div>
            )}
            <div className={GROW_FIELD}>
              <Label htmlFor="agent-name">Name</Label>
              <Input
                id="agent-name"
                data-testid="agent-name"
                maxLength={120}
                value={f.name}
                onChange={(e) => {
                  const name = e.target.value;
                  setF((prev) => ({ ...prev, name, ...(agent || slugTyped ? {} : { slug: slugify(name) }) }));
                }}
              />
            </div>
          </div>
          <div className="grid gap-2">
            <Label htmlFor="agent-role">Role</Label>
            <Input
              id="agent-role"
              data-testid="agent-role"
              maxLength={2000}
              placeholder="What this agent is for"
              value={f.roleDescription}
              onChange={(e) => set("roleDescription", e.target.value)}
            />
          </div>
          <div className="grid gap-2">
            <Label htmlFor="agent-instructions">
              Instructions{" "}
              <span className="font-normal text-muted-foreground">
                {f.instructions.length.toLocaleString()} / {MAX_INSTRUCTIONS.toLocaleString()}
              </span>
            </Label>
            <textarea
              id="agent-instructions"
              data-testid="agent-instructions"
              className={cn(textareaClasses, "field-sizing-fixed font-mono leading-relaxed md:text-sm")}
              rows={8}
              maxLength={MAX_INSTRUCTIONS}
              value={f.instructions}
              onChange={(e) => set("instructions", e.target.value)}
            />
          </div>
          <div className="flex flex-wrap items-end gap-3">
            <div className="grid gap-2">
              <Label htmlFor="agent-policy-kind">Model policy</Label>
              <select
                className={SELECT_CLASS}
                id="agent-policy-kind"
                data-testid="agent-policy-kind"
                value={f.policyKind}
                onChange={(e) => set("policyKind", e.target.value as PolicyKind)}
              >
                <option value="preset">Routing preset</option>
                <option value="constraints">Constraints</option>
                <option value="pinned">Pinned model</option>
              </select>
            </div>
            {f.policyKind === "preset" ? (
              <div className="grid gap-2">
                <Label htmlFor="agent-policy-preset">Preset</Label>
                <select
                  className={SELECT_CLASS}
                  id="agent-policy-preset"
                  data-testid="agent-policy-preset"
                  value={f.preset}
                  onChange={(e) => set("preset", e.target.value)}
                >
                  {presetOptions.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
            {f.policyKind === "pinned" ? (
              <div className={GROW_FIELD}>
                <Label htmlFor="agent-policy-model">Model</Label>
                <select
                  className={SELECT_CLASS}
                  id="agent-policy-model"
                  data-testid="agent-policy-model"
                  value={f.modelId}
                  onChange={(e) => set("modelId", e.target.value)}
                >
                  <option value="">— choose —</option>
                  {f.modelId && !models.data?.some((m) => m.id === f.modelId) ? <option value={f.modelId}>{f.modelId}</option> : null}
                  {models.data?.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.provider.name} · {m.displayName}
                    </option>
                  ))}
                </select>
              </div>
            ) : null}
          </div>
          {f.policyKind === "constraints" ? (
            <ConstraintsFields
              idPrefix="agent-policy"
              testIdPrefix="agent-policy"
              draft={f.constraints}
              onChange={(d) => set("constraints", d)}
              disabled={!editable}
            />
          ) : null}
          <div className="flex flex-wrap items-end gap-3">
            <div className="grid gap-2">
              <Label htmlFor="agent-max-tokens">Max output tokens</Label>
              <Input
                id="agent-max-tokens"
                data-testid="agent-max-tokens"
                type="number"
                min={1}
                max={32000}
                step={1}
                value={f.maxOutputTokens}
                onChange={(e) => set("maxOutputTokens", e.target.value)}
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor="agent-temperature">Temperature</Label>
              <Input
                id="agent-temperature"
                data-testid="agent-temperature"
                type="number"
                min={0}
                max={2}
                step={0.1}
                value={f.temperature}
                onChange={(e) => set("temperature", e.target.value)}
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor="agent-outage-wait">Outage wait (s)</Label>
              <Input
                id="agent-outage-wait"
                data-testid="agent-outage-wait"
                type="number"
                min={0}
                max={MAX_OUTAGE_WAIT_SECONDS}
                step={1}
                value={f.outageWaitSeconds}
                aria-describedby="agent-outage-wait-hint"
                onChange={(e) => set("outageWaitSeconds", e.target.value)}
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor="agent-call-timeout">Call timeout (s)</Label>
              <Input
                id="agent-call-timeout"
                data-testid="agent-call-timeout"
                type="number"
                min={1}
                max={MAX_CALL_TIMEOUT_SECONDS}
                step={1}
                placeholder="scaled"
                title="How long one model call may take; empty: 60 s + 40 ms per output token"
                value={f.callTimeoutSeconds}
                onChange={(e) => set("callTimeoutSeconds", e.target.value)}
              />
            </div>
            <div className="grid gap-2">
              <Label htmlFor="agent-context-strategy">Context budget</Label>
              <select
                className={SELECT_CLASS}
                id="agent-context-strategy"
                data-testid="agent-context-strategy"
                value={f.contextStrategy}
                onChange={(e) => set("contextStrategy", e.target.value as Fields["contextStrategy"])}
              >
                <option value="">follow the team</option>
                <option value="truncate">truncate fairly</option>
                <option value="last_k">keep the last k</option>
                <option value="summarize">summarise (a costed step)</option>
              </select>
            </div>
            {f.contextStrategy === "last_k" ? (
              <div className="grid gap-2">
                <Label htmlFor="agent-context-keep">k</Label>
                <Input
                  id="agent-context-keep"
                  data-testid="agent-context-keep"
                  type="number"
                  min={1}
                  max={64}
                  step={1}
                  value={f.contextKeep}
                  onChange={(e) => set("contextKeep", e.target.value)}
                />
              </div>
            ) : null}
            <div className={GROW_FIELD}>
              <Label htmlFor="agent-memory-scope">Memory scope</Label>
              <Input
                id="agent-memory-scope"
                data-testid="agent-memory-scope"
                maxLength={200}
                placeholder="none (reserved; runs do not read it)"
                value={f.memoryScope}
                onChange={(e) => set("memoryScope", e.target.value)}
              />
            </div>
          </div>
          <p className="text-sm text-muted-foreground" id="agent-outage-wait-hint">
            Outage wait: when every model the policy allows is cooling down after repeated provider failures (or its provider asked to wait), a step waits up to
            this long in all for one to recover, then fails; 0 fails at once.
          </p>
          <p className="text-sm text-muted-foreground">Tools: agents in this version of Cadre call no tools.</p>
        </fieldset>
        <FormError message={localError ?? (mutation.error ? errorMessage(mutation.error) : null)} />
        {agent && errorCode(update.error) === "CONFLICT" && agent.currentVersion !== baseVersion ? (
          <div className="flex flex-wrap items-center gap-2" data-testid="agent-conflict">
            <Button
              variant="outline"
              size="sm"
              data-testid="agent-load-latest"
              onClick={() => {
                setF(fieldsOf(agent));
                setBaseVersion(agent.currentVersion);
                update.reset();
              }}
            >
              Load version {agent.currentVersion} (discards this edit)
            </Button>
          </div>
        ) : null}
        {notice ? (
          <p className="text-sm text-success" data-testid="agent-saved">
            {notice}
          </p>
        ) : null}
        {editable ? (
          <div>
            <Button type="submit" data-testid="agent-submit" disabled={mutation.isPending}>
              {mutation.isPending ? "Saving…" : agent ? "Save new version" : "Create agent"}
            </Button>
          </div>
        ) : null}
      </form>
    </Card>
  );
}
