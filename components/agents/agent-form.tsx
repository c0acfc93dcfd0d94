"use client";

import { savedNotice } from "@/components/versions/saved-notice";
import { slugify } from "@/components/workspace/slugify";
import { type ReactNode, useMemo, useRef, useState } from "react";
import { type FieldError, useWatch } from "react-hook-form";
import type { z } from "zod";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode } from "@/lib/trpc/errors";
import {
  type AgentOutput,
  createAgentInputSchema,
  DEFAULT_MODEL_POLICY,
  DEFAULT_OUTAGE_WAIT_SECONDS,
  MAX_CALL_TIMEOUT_SECONDS,
  MAX_INSTRUCTIONS,
  MAX_OUTAGE_WAIT_SECONDS,
  MAX_OUTPUT_TOKENS,
  updateAgentInputSchema,
} from "@/lib/schemas/agents";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { DEFAULT_CONTEXT_KEEP } from "@/lib/schemas/context-budget";
import { Card } from "@/components/ui/card";
import { ConstraintsFields, constraintsOf, draftOf, EMPTY_DRAFT, type ConstraintsDraft } from "@/components/routing/constraints-fields";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { textareaClasses } from "@/components/ui/textarea";
import { sameJson } from "@/lib/line-diff";
import { cn } from "@/lib/cn";
import { MemoryPolicyField } from "./memory-policy-field";
import { ToolPicker } from "./tool-picker";
import { QualityGateField } from "@/components/judges/quality-gate-field";

type PolicyKind = ModelPolicy["type"];
/** The form's values: the server's create input (an edit has no slug: it never changes). */
type AgentValues = z.input<typeof createAgentInputSchema>;
type ContextStrategy = NonNullable<AgentValues["contextBudget"]>["strategy"];
type NumberKey = "maxOutputTokens" | "temperature" | "outageWaitSeconds" | "callTimeoutSeconds" | "contextBudget.keep";

const DEFAULT_PRESETS = ["fast", "balanced", "capable"];

/** A field of a row that takes the row's free width (at least 240px before the row wraps). */
const GROW_FIELD = "grid min-w-0 flex-[1_1_240px] gap-2";

/** What each policy kind had last, so switching the kind back and forth keeps it. */
interface PolicyStash {
  preset: string;
  modelId: string;
}

function stashOf(agent?: AgentOutput): PolicyStash {
  const p = agent?.modelPolicy;
  return { preset: p?.type === "preset" ? p.preset : DEFAULT_MODEL_POLICY.preset, modelId: p?.type === "pinned" ? p.modelId : "" };
}

function draftOfAgent(agent?: AgentOutput): ConstraintsDraft {
  const p = agent?.modelPolicy;
  return p?.type === "constraints" ? draftOf(p.constraints) : EMPTY_DRAFT;
}

/** The context budget as the form sends it: keep only for last_k (the default k when the agent had none). */
function budgetOf(strategy: ContextStrategy | "", keep: number | undefined): AgentValues["contextBudget"] {
  if (!strategy) return null;
  return strategy === "last_k" ? { strategy, keep: keep ?? DEFAULT_CONTEXT_KEEP } : { strategy };
}

function valuesOf(agent?: AgentOutput): AgentValues {
  const values: Omit<AgentValues, "slug"> = {
    name: agent?.name ?? "",
    roleDescription: agent?.roleDescription ?? "",
    instructions: agent?.instructions ?? "",
    modelPolicy: agent?.modelPolicy ?? { ...DEFAULT_MODEL_POLICY },
    maxOutputTokens: agent?.maxOutputTokens ?? 1024,
    temperature: agent?.temperature ?? 0.7,
    outageWaitSeconds: agent?.outageWaitSeconds ?? DEFAULT_OUTAGE_WAIT_SECONDS,
    callTimeoutSeconds: agent?.callTimeoutSeconds || null,
    contextBudget: budgetOf(agent?.contextBudget?.strategy ?? "", agent?.contextBudget?.keep),
    memoryPolicy: agent?.memoryPolicy ?? null,
    qualityGate: agent?.qualityGate ?? null,
    allowedTools: [...(agent?.allowedTools ?? [])],
    toolApprovals: { ...(agent?.toolApprovals ?? {}) },
  };
  // the update schema is strict and has no slug
  return (agent ? values : { slug: "", ...values }) as AgentValues;
}

/** The same tools, in any order. */
function sameTools(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

/** The first message among a field's (possibly nested) errors. */
function firstMessage(errors: object | undefined): string | undefined {
  if (!errors) return undefined;
  const { message } = errors as FieldError;
  if (typeof message === "string" && message) return message;
  for (const [key, nested] of Object.entries(errors)) {
    if (key === "ref" || key === "type" || key === "message" || typeof nested !== "object" || nested === null) continue;
    const nestedMessage = firstMessage(nested);
    if (nestedMessage) return nestedMessage;
  }
  return undefined;
}

interface NumberSpec {
  name: NumberKey;
  id: string;
  label: string;
  min: number;
  max: number;
  step: number;
  placeholder?: string;
  title?: string;
  describedBy?: string;
}

const NUMBER_FIELDS: Record<Exclude<NumberKey, "contextBudget.keep">, NumberSpec> = {
  maxOutputTokens: { name: "maxOutputTokens", id: "agent-max-tokens", label: "Max output tokens", min: 1, max: MAX_OUTPUT_TOKENS, step: 1 },
  temperature: { name: "temperature", id: "agent-temperature", label: "Temperature", min: 0, max: 2, step: 0.1 },
  outageWaitSeconds: {
    name: "outageWaitSeconds",
    id: "agent-outage-wait",
    label: "Outage wait (s)",
    min: 0,
    max: MAX_OUTAGE_WAIT_SECONDS,
    step: 1,
    describedBy: "agent-outage-wait-hint",
  },
  callTimeoutSeconds: {
    name: "callTimeoutSeconds",
    id: "agent-call-timeout",
    label: "Call timeout (s)",
    min: 1,
    max: MAX_CALL_TIMEOUT_SECONDS,
    step: 1,
    placeholder: "scaled",
    title: "How long one model call may take; empty: 60 s + 40 ms per output token",
  },
};
const KEEP_FIELD: NumberSpec = { name: "contextBudget.keep", id: "agent-context-keep", label: "k", min: 1, max: 64, step: 1 };

/** A number input of the form: an emptied field is null (the schema says "Required", or "scaled" where null is allowed). */
function NumberField({ spec, onNumber }: { spec: NumberSpec; onNumber?: (value: number) => void }) {
  return (
    <FormField<AgentValues, NumberKey>
      name={spec.name}
      render={({ field }) => (
        <FormItem>
          <FormLabel htmlFor={spec.id}>{spec.label}</FormLabel>
          <FormControl>
            <Input
              {...field}
              id={spec.id}
              data-testid={spec.id}
              type="number"
              min={spec.min}
              max={spec.max}
              step={spec.step}
              placeholder={spec.placeholder}
              title={spec.title}
              // only when it has one: an undefined here would drop FormControl's link to the field's message
              {...(spec.describedBy ? { "aria-describedby": spec.describedBy } : {})}
              value={typeof field.value === "number" ? field.value : ""}
              onChange={(e) => {
                const value = e.target.value.trim() === "" ? null : Number(e.target.value);
                if (value !== null) onNumber?.(value);
                field.onChange(value);
              }}
            />
          </FormControl>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

const POLICY_KINDS: [PolicyKind, string][] = [
  ["preset", "Routing preset"],
  ["constraints", "Constraints"],
  ["pinned", "Pinned model"],
];
const CONTEXT_CHOICES: [ContextStrategy | "", string][] = [
  ["", "follow the team"],
  ["truncate", "truncate fairly"],
  ["last_k", "keep the last k"],
  ["summarize", "summarise (a costed step)"],
];

/** A select that picks the kind of an object field (the policy's type, the budget's strategy): `choose` makes the field's new value. */
function ChoiceField({
  name,
  id,
  label,
  options,
  chosen,
  choose,
}: {
  name: "modelPolicy" | "contextBudget";
  id: string;
  label: string;
  options: [string, string][];
  chosen: string;
  choose: (choice: string) => AgentValues["modelPolicy"] | AgentValues["contextBudget"];
}) {
  return (
    <FormField<AgentValues, typeof name>
      name={name}
      render={({ field }) => (
        <FormItem>
          <FormLabel htmlFor={id}>{label}</FormLabel>
          <FormControl>
            <select
              className={SELECT_CLASS}
              id={id}
              data-testid={id}
              name={field.name}
              ref={field.ref}
              onBlur={field.onBlur}
              value={chosen}
              onChange={(e) => field.onChange(choose(e.target.value))}
            >
              {options.map(([value, text]) => (
                <option key={value} value={value}>
                  {text}
                </option>
              ))}
            </select>
          </FormControl>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/** The preset or the pinned model of the policy; `onPick` remembers it for when its kind is chosen again. */
function PolicyChoice({
  name,
  id,
  label,
  className,
  onPick,
  children,
}: {
  name: "preset" | "modelId";
  id: string;
  label: string;
  className?: string;
  onPick: (value: string) => void;
  children: ReactNode;
}) {
  return (
    <FormField<AgentValues, `modelPolicy.${typeof name}`>
      name={`modelPolicy.${name}`}
      render={({ field }) => (
        <FormItem className={className}>
          <FormLabel htmlFor={id}>{label}</FormLabel>
          <FormControl>
            <select
              {...field}
              value={field.value ?? ""}
              className={SELECT_CLASS}
              id={id}
              data-testid={id}
              onChange={(e) => {
                onPick(e.target.value);
                field.onChange(e.target.value);
              }}
            >
              {children}
            </select>
          </FormControl>
          <FormMessage />
        </FormItem>
      )}
    />
  );
}

/**
 * Create an agent, or edit one (saving writes a new version). The model policy is a routing preset, constraints
 * (the same fields as the Routing page), or a pinned catalog model. Validated as the server does: createAgentInputSchema
 * for a new agent, updateAgentInputSchema for an edit (lib/schemas/agents.ts), and the server's issues land on their fields.
 *
 * `onCreated` (a new agent): called once it is saved, e.g. to close the dialog the form is in; `bare` leaves out the
 * card's frame and title (the dialog has its own).
 */
export function AgentForm({ agent, onCreated, bare }: { agent?: AgentOutput; onCreated?: (created: AgentOutput) => void; bare?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = agent ? can("agents:update") && !agent.archivedAt : can("agents:create");
  // an edit has the same fields but the slug; the update schema (every field optional) checks them as agents.update does
  const schema = (agent ? updateAgentInputSchema : createAgentInputSchema) as typeof createAgentInputSchema;
  const form = useZodForm(schema, { defaultValues: valuesOf(agent) });
  // a new agent's slug follows its name until the slug is typed in
  const slugTyped = useRef(false);
  const stash = useRef<PolicyStash>(stashOf(agent));
  const [draft, setDraft] = useState<ConstraintsDraft>(() => draftOfAgent(agent));
  const keepStash = useRef<number>(agent?.contextBudget?.keep ?? DEFAULT_CONTEXT_KEEP);
  const [notice, setNotice] = useState<string | null>(null);
  // the version this edit started from: a save based on an older one is refused (409) instead of overwriting
  const [baseVersion, setBaseVersion] = useState<number | undefined>(agent?.latestVersion);
  const policy = useWatch({ control: form.control, name: "modelPolicy" }) ?? DEFAULT_MODEL_POLICY;
  const instructions = useWatch({ control: form.control, name: "instructions" }) ?? "";
  const contextBudget = useWatch({ control: form.control, name: "contextBudget" });
  const presets = useQuery({ ...trpc.routing.presets.list.queryOptions(), enabled: can("models:read") });
  // every enabled model of the catalog (it pages newest first), offered by provider and id
  const modelPages = useAllPages(
    useInfiniteQuery({
      ...trpc.models.list.infiniteQueryOptions({ enabled: true, limit: 200 }, { getNextPageParam: nextPageParam }),
      enabled: can("models:read") && policy.type === "pinned",
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

  /** Back to the agent's saved fields (or an empty form), forgetting what was typed. */
  function resetTo(source?: AgentOutput) {
    form.reset(valuesOf(source));
    slugTyped.current = false;
    stash.current = stashOf(source);
    keepStash.current = source?.contextBudget?.keep ?? DEFAULT_CONTEXT_KEEP;
    setDraft(draftOfAgent(source));
  }

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.agents.pathKey() });
  const create = useMutation(
    trpc.agents.create.mutationOptions({
      onSuccess: async (created) => {
        resetTo();
        setNotice(`Created ${created.name} (${created.slug}).`);
        await refresh();
        onCreated?.(created);
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const update = useMutation(
    trpc.agents.update.mutationOptions({
      onSuccess: async (saved) => {
        setNotice(savedNotice(saved, baseVersion));
        setBaseVersion(saved.latestVersion);
        await refresh();
      },
      // someone else saved since this edit started: fetch their version (the conflict offers to load it)
      onError: async (error) => {
        applyServerErrors(form, error);
        if (errorCode(error) === "CONFLICT") await refresh();
      },
    }),
  );
  const mutation = agent ? update : create;

  /** The policy of a kind, from what that kind had last. */
  function policyOf(kind: PolicyKind): AgentValues["modelPolicy"] {
    if (kind === "preset") return { type: "preset", preset: stash.current.preset };
    if (kind === "pinned") return { type: "pinned", modelId: stash.current.modelId };
    const c = constraintsOf(draft);
    return { type: "constraints", constraints: c.ok ? c.constraints : {} };
  }

  function onDraft(next: ConstraintsDraft) {
    setDraft(next);
    const c = constraintsOf(next);
    if (c.ok) form.setValue("modelPolicy", { type: "constraints", constraints: c.constraints }, { shouldValidate: form.formState.isSubmitted });
  }

  const save = form.handleSubmit((values) => {
    // what the schema cannot tell: a pinned policy names a model, the constraints' typed numbers parse
    if (values.modelPolicy.type === "pinned" && !values.modelPolicy.modelId) {
      form.setError("modelPolicy.modelId", { type: "required", message: "Choose the model to pin" }, { shouldFocus: true });
      return;
    }
    if (values.modelPolicy.type === "constraints") {
      const c = constraintsOf(draft);
      if (!c.ok) return form.setError("modelPolicy.constraints", { type: "validate", message: c.error });
    }
    // the tools are sent when they changed (an unchanged edit leaves them to the server: granting is checked there)
    const { slug, allowedTools, toolApprovals, ...fields } = values;
    // the grant policies likewise: sent when they changed (a tool taken away takes its policy along on the server)
    const approvals = toolApprovals ?? {};
    const tools = {
      ...(sameTools(allowedTools ?? [], agent?.allowedTools ?? []) ? {} : { allowedTools }),
      ...(sameJson(approvals, agent?.toolApprovals ?? {}) ? {} : { toolApprovals: approvals }),
    };
    if (agent) update.mutate({ agent: agent.id, ...fields, ...tools, baseVersion });
    else create.mutate({ slug, ...fields, ...tools });
  });

  const presetNames = presets.data?.map((p) => p.name) ?? DEFAULT_PRESETS;
  const currentPreset = policy.type === "preset" ? policy.preset : stash.current.preset;
  const presetOptions = presetNames.includes(currentPreset) ? presetNames : [...presetNames, currentPreset];
  // the constraints' own fields have no message of their own: their first problem shows under them
  const policyError =
    policy.type === "constraints" ? firstMessage((form.formState.errors.modelPolicy as { constraints?: object } | undefined)?.constraints) : undefined;

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
      <Form {...form}>
        <form
          className="flex flex-col gap-4"
          onSubmit={(event) => {
            setNotice(null);
            return save(event);
          }}
          noValidate
        >
          <fieldset disabled={!editable} className="m-0 flex min-w-0 flex-col gap-4 border-0 p-0">
            <div className="flex flex-wrap items-end gap-3">
              {agent ? null : (
                <FormField
                  control={form.control}
                  name="slug"
                  render={({ field }) => (
                    <FormItem>
                      <FormLabel htmlFor="agent-slug">Slug</FormLabel>
                      <FormControl>
                        <Input
                          {...field}
                          id="agent-slug"
                          data-testid="agent-slug"
                          maxLength={63}
                          placeholder="researcher"
                          onChange={(e) => {
                            slugTyped.current = true;
                            field.onChange(e.target.value.toLowerCase());
                          }}
                        />
                      </FormControl>
                      <FormMessage />
                    </FormItem>
                  )}
                />
              )}
              <FormField
                control={form.control}
                name="name"
                render={({ field }) => (
                  <FormItem className={GROW_FIELD}>
                    <FormLabel htmlFor="agent-name">Name</FormLabel>
                    <FormControl>
                      <Input
                        {...field}
                        id="agent-name"
                        data-testid="agent-name"
                        maxLength={120}
                        onChange={(e) => {
                          field.onChange(e);
                          if (!agent && !slugTyped.current) form.setValue("slug", slugify(e.target.value), { shouldValidate: form.formState.isSubmitted });
                        }}
                      />
                    </FormControl>
                    <FormMessage />
                  </FormItem>
                )}
              />
            </div>
            <FormField
              control={form.control}
              name="roleDescription"
              render={({ field }) => (
                <FormItem>
                  <FormLabel htmlFor="agent-role">Role</FormLabel>
                  <FormControl>
                    <Input {...field} id="agent-role" data-testid="agent-role" maxLength={2000} placeholder="What this agent is for" />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <FormField
              control={form.control}
              name="instructions"
              render={({ field }) => (
                <FormItem>
                  <FormLabel htmlFor="agent-instructions">
                    Instructions{" "}
                    <span className="font-normal text-muted-foreground">
                      {instructions.length.toLocaleString()} / {MAX_INSTRUCTIONS.toLocaleString()}
                    </span>
                  </FormLabel>
                  <FormControl>
                    <textarea
                      {...field}
                      id="agent-instructions"
                      data-testid="agent-instructions"
                      className={cn(textareaClasses, "field-sizing-fixed font-mono leading-relaxed md:text-sm")}
                      rows={8}
                      maxLength={MAX_INSTRUCTIONS}
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
            <div className="flex flex-wrap items-end gap-3">
              <ChoiceField
                name="modelPolicy"
                id="agent-policy-kind"
                label="Model policy"
                options={POLICY_KINDS}
                chosen={policy.type}
                choose={(kind) => policyOf(kind as PolicyKind)}
              />
              {policy.type === "preset" ? (
                <PolicyChoice name="preset" id="agent-policy-preset" label="Preset" onPick={(preset) => (stash.current.preset = preset)}>
                  {presetOptions.map((p) => (
                    <option key={p} value={p}>
                      {p}
                    </option>
                  ))}
                </PolicyChoice>
              ) : null}
              {policy.type === "pinned" ? (
                <PolicyChoice
                  name="modelId"
                  id="agent-policy-model"
                  label="Model"
                  className={GROW_FIELD}
                  onPick={(modelId) => (stash.current.modelId = modelId)}
                >
                  <option value="">— choose —</option>
                  {policy.modelId && !models.data?.some((m) => m.id === policy.modelId) ? <option value={policy.modelId}>{policy.modelId}</option> : null}
                  {models.data?.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.provider.name} · {m.displayName}
                    </option>
                  ))}
                </PolicyChoice>
              ) : null}
            </div>
            {policy.type === "constraints" ? (
              <>
                <ConstraintsFields idPrefix="agent-policy" testIdPrefix="agent-policy" draft={draft} onChange={onDraft} disabled={!editable} />
                {policyError ? <p className="text-sm text-destructive">{policyError}</p> : null}
              </>
            ) : null}
            <div className="flex flex-wrap items-end gap-3">
              <NumberField spec={NUMBER_FIELDS.maxOutputTokens} />
              <NumberField spec={NUMBER_FIELDS.temperature} />
              <NumberField spec={NUMBER_FIELDS.outageWaitSeconds} />
              <NumberField spec={NUMBER_FIELDS.callTimeoutSeconds} />
              <ChoiceField
                name="contextBudget"
                id="agent-context-strategy"
                label="Context budget"
                options={CONTEXT_CHOICES}
                chosen={contextBudget?.strategy ?? ""}
                choose={(strategy) => budgetOf(strategy as ContextStrategy | "", keepStash.current)}
              />
              {contextBudget?.strategy === "last_k" ? <NumberField spec={KEEP_FIELD} onNumber={(keep) => (keepStash.current = keep)} /> : null}
            </div>
            <p className="text-sm text-muted-foreground" id="agent-outage-wait-hint">
              Outage wait: when every model the policy allows is cooling down after repeated provider failures (or its provider asked to wait), a step waits up
              to this long in all for one to recover, then fails; 0 fails at once.
            </p>
            <ToolPicker had={agent?.allowedTools ?? []} disabled={!editable} />
            <MemoryPolicyField disabled={!editable} />
            <QualityGateField disabled={!editable} />
          </fieldset>
          <FormRootError />
          {agent && errorCode(update.error) === "CONFLICT" && agent.latestVersion !== baseVersion ? (
            <div className="flex flex-wrap items-center gap-2" data-testid="agent-conflict">
              <Button
                variant="outline"
                size="sm"
                data-testid="agent-load-latest"
                onClick={() => {
                  resetTo(agent);
                  setBaseVersion(agent.latestVersion);
                  update.reset();
                }}
              >
                Load version {agent.latestVersion} (discards this edit)
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
      </Form>
    </Card>
  );
}
