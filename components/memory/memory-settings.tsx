"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlusIcon, XIcon } from "lucide-react";
import { useState } from "react";
import { type FieldError, useFieldArray, useFormContext, useWatch } from "react-hook-form";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import {
  applyServerErrors,
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  useZodForm,
} from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { useWorkspace } from "@/components/workspace/workspace-context";
import {
  MEMORY_SCOPE_ID_MAX,
  MEMORY_SCOPE_TYPES,
  MEMORY_TTL_RULES_MAX,
  type MemorySettingsInput,
  type MemorySettingsOutput,
  memorySettingsInputSchema,
} from "@/lib/schemas/memory";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { numberField } from "./memory-form";

const days = (n: number) => `${n} ${n === 1 ? "day" : "days"}`;
const count = (n: number) => n.toLocaleString("en-US");

/** "subject customer:42: 30 days", "team (every team): keep forever" */
function ruleText(r: MemorySettingsOutput["ttl"][number]): string {
  const scope = r.scopeId ? `${r.scopeType} ${r.scopeId}` : r.scopeType === "workspace" ? "workspace" : `every ${r.scopeType}`;
  return `${scope}: ${r.days === 0 ? "kept forever" : `deleted ${days(r.days)} after its last change`}`;
}

/** The settings as they are: TTL rules, decay, the cap with its default and limit, and the workspace's memories now. */
function SettingsSummary({ s }: { s: MemorySettingsOutput }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-6 gap-y-2 text-sm" data-testid="memory-settings-summary">
      <dt className="text-muted-foreground">Retention (TTL)</dt>
      <dd className="min-w-0" data-testid="memory-settings-ttl">
        {s.ttl.length === 0 ? (
          <span className="text-muted-foreground">No rules: memories are kept until deleted (or evicted by the cap).</span>
        ) : (
          <ul className="grid gap-1">
            {s.ttl.map((r) => (
              <li key={`${r.scopeType}:${r.scopeId ?? ""}`} data-testid="memory-settings-ttl-rule">
                {ruleText(r)}
              </li>
            ))}
          </ul>
        )}
      </dd>
      <dt className="text-muted-foreground">Importance decay</dt>
      <dd data-testid="memory-settings-decay">
        {s.decayHalfLifeDays === null ? "off" : `halves every ${days(s.decayHalfLifeDays)} since the last change or recall`}
      </dd>
      <dt className="text-muted-foreground">Cap</dt>
      <dd data-testid="memory-settings-cap">
        {count(s.effectiveMaxMemories)} memories not pinned
        {s.maxMemories === null ? " (the server's default)" : ` (this workspace's; default ${count(s.maxMemoriesDefault)})`}; at most{" "}
        {count(s.maxMemoriesLimit)} on this server
      </dd>
      <dt className="text-muted-foreground">Now</dt>
      <dd data-testid="memory-settings-usage">
        {count(s.usage.memories)} {s.usage.memories === 1 ? "memory" : "memories"}, {count(s.usage.pinned)} pinned
      </dd>
    </dl>
  );
}

/** The TTL rules: rows of a scope type, an optional exact scope id, and days. */
function TtlRows() {
  const { control, register, formState, setValue } = useFormContext<MemorySettingsInput>();
  const rows = useFieldArray({ control, name: "ttl" });
  const rules = (useWatch({ control, name: "ttl" }) ?? []) as { scopeType: string }[];
  const errors = (formState.errors.ttl ?? []) as ({ scopeId?: FieldError; days?: FieldError; message?: string } | undefined)[];
  return (
    <fieldset className="m-0 grid min-w-0 gap-2 border-0 p-0" data-testid="memory-ttl-rules">
      <legend className="mb-1 text-sm font-medium">Retention rules</legend>
      <p className="text-sm text-muted-foreground">
        A memory not pinned is deleted this many days after its last change. A rule for an exact scope id wins over its type's rule; 0 keeps forever.
      </p>
      {rows.fields.map((row, i) => {
        const type = rules[i]?.scopeType ?? "workspace";
        const e = errors[i];
        return (
          <div key={row.id} className="grid gap-1" data-testid="memory-ttl-row">
            <div className="flex flex-wrap items-center gap-2">
              <select
                aria-label={`Rule ${i + 1} scope type`}
                data-testid="memory-ttl-scope-type"
                className={`${SELECT_CLASS} w-36`}
                {...register(`ttl.${i}.scopeType`, {
                  onChange: (ev: { target: { value: string } }) => {
                    if (ev.target.value === "workspace") setValue(`ttl.${i}.scopeId`, null);
                  },
                })}
              >
                {MEMORY_SCOPE_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
              {type !== "workspace" ? (
                <Input
                  aria-label={`Rule ${i + 1} scope id`}
                  data-testid="memory-ttl-scope-id"
                  className="w-48"
                  maxLength={MEMORY_SCOPE_ID_MAX}
                  spellCheck={false}
                  placeholder={`every ${type} (or an id)`}
                  aria-invalid={e?.scopeId ? true : undefined}
                  {...register(`ttl.${i}.scopeId`, { setValueAs: (v: unknown) => (v === "" || v === undefined ? null : v) })}
                />
              ) : null}
              <FormField<MemorySettingsInput, `ttl.${number}.days`>
                name={`ttl.${i}.days`}
                render={({ field }) => (
                  <Input
                    {...numberField(field)}
                    aria-label={`Rule ${i + 1} days`}
                    aria-invalid={e?.days ? true : undefined}
                    data-testid="memory-ttl-days"
                    className="w-28"
                    min={0}
                    step={1}
                  />
                )}
              />
              <span className="text-sm text-muted-foreground">days</span>
              <Button
                type="button"
                size="icon"
                variant="ghost"
                aria-label={`Remove rule ${i + 1}`}
                data-testid="memory-ttl-remove"
                onClick={() => rows.remove(i)}
              >
                <XIcon aria-hidden="true" />
              </Button>
            </div>
            {[e?.message, e?.scopeId?.message, e?.days?.message]
              .filter((m): m is string => Boolean(m))
              .map((m) => (
                <p key={m} className="text-sm text-destructive" data-testid="memory-ttl-error">
                  {m}
                </p>
              ))}
          </div>
        );
      })}
      <div>
        <Button
          type="button"
          size="sm"
          variant="outline"
          data-testid="memory-ttl-add"
          disabled={rows.fields.length >= MEMORY_TTL_RULES_MAX}
          onClick={() => rows.append({ scopeType: "subject", scopeId: null, days: 30 })}
        >
          <PlusIcon aria-hidden="true" /> Add rule
        </Button>
      </div>
    </fieldset>
  );
}

const inputOf = (s: MemorySettingsOutput): MemorySettingsInput => ({
  ttl: s.ttl.map((r) => ({ ...r })),
  decayHalfLifeDays: s.decayHalfLifeDays,
  maxMemories: s.maxMemories,
});

/** The whole settings (memories.updateSettings replaces them), validated by the shared schema before anything is sent. */
function SettingsForm({ settings }: { settings: MemorySettingsOutput }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [saved, setSaved] = useState(false);
  const form = useZodForm(memorySettingsInputSchema, { defaultValues: inputOf(settings) });
  const update = useMutation(
    trpc.memories.updateSettings.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (next) => {
        form.reset(inputOf(next));
        setSaved(true);
        queryClient.setQueryData(trpc.memories.settings.queryKey(), next);
        await queryClient.invalidateQueries(trpc.memories.settings.queryFilter());
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form className="grid max-w-2xl gap-5" onSubmit={form.handleSubmit((values) => update.mutate(values))} noValidate data-testid="memory-settings-form">
        <TtlRows />
        <div className="flex flex-wrap items-start gap-4">
          <FormField
            control={form.control}
            name="decayHalfLifeDays"
            render={({ field }) => (
              <FormItem className="w-56">
                <FormLabel>Decay half-life (days)</FormLabel>
                <FormControl>
                  <Input {...numberField(field, null)} data-testid="memory-settings-decay-input" min={1} step={1} placeholder="off" />
                </FormControl>
                <FormDescription>Importance halves every this many days since the last change or recall. Blank: no decay.</FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="maxMemories"
            render={({ field }) => (
              <FormItem className="w-56">
                <FormLabel>Cap (memories not pinned)</FormLabel>
                <FormControl>
                  <Input
                    {...numberField(field, null)}
                    data-testid="memory-settings-cap-input"
                    min={1}
                    max={settings.maxMemoriesLimit}
                    step={1}
                    placeholder={`${settings.maxMemoriesDefault} (default)`}
                  />
                </FormControl>
                <FormDescription>
                  Blank: the server's default ({count(settings.maxMemoriesDefault)}); at most {count(settings.maxMemoriesLimit)}.
                </FormDescription>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <FormRootError />
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" data-testid="memory-settings-save" disabled={update.isPending || !form.formState.isDirty}>
            {update.isPending ? "Saving…" : "Save settings"}
          </Button>
          {saved ? (
            <span className="font-medium text-success" role="status" data-testid="memory-settings-saved">
              Saved
            </span>
          ) : null}
        </div>
      </form>
    </Form>
  );
}

/** The memory settings (memory:read), and the form to change them for a role with settings:update. */
export function MemorySettings() {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const settings = useQuery(trpc.memories.settings.queryOptions());
  const editable = can("settings:update");
  return (
    <div className="grid gap-4">
      <Card
        title="Memory settings"
        description="Retention, importance decay and the cap of this workspace's memories; applied by the periodic purge and at recall. Pinned memories are exempt."
        testId="memory-settings"
      >
        {settings.error ? <FormError message={errorMessage(settings.error)} /> : null}
        {settings.data ? <SettingsSummary s={settings.data} /> : null}
        {settings.data && !editable ? (
          <p className="mt-4 text-sm text-muted-foreground" data-testid="memory-settings-readonly">
            Owners and admins can change these.
          </p>
        ) : null}
      </Card>
      {settings.data && editable ? (
        <Card title="Change the settings" testId="memory-settings-edit">
          <SettingsForm settings={settings.data} />
        </Card>
      ) : null}
    </div>
  );
}
