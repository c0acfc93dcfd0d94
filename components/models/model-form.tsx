"use client";

import { useEffect, useMemo, useRef, useState } from "react";
import { type FieldPath, useWatch } from "react-hook-form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { CAPABILITIES, type Capability } from "@/lib/schemas/model-policy";
import { createModelInputSchema, PROVIDER_KIND_LABELS, type ModelSuggestion, type ProviderKind } from "@/lib/schemas/models";
import { Button } from "@/components/ui/button";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input, inputClasses } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

type ModelValues = NonNullable<Parameters<typeof createModelInputSchema.parse>[0]>;
type NumberKey =
  | "inputPrice"
  | "outputPrice"
  | "cacheReadPrice"
  | "cacheWritePrice"
  | "contextWindow"
  | "quality"
  | "firstByteTimeoutSeconds"
  | "callTimeoutBaseSeconds";

const DEFAULTS: ModelValues = { providerId: "", modelId: "", displayName: undefined, capabilities: [] };

/** The fields a known model prefills (the cache prices stay empty: the provider's usual ones). */
function fromSuggestion(s: ModelSuggestion): Partial<ModelValues> {
  return {
    displayName: s.displayName,
    inputPrice: s.inputPrice,
    outputPrice: s.outputPrice,
    contextWindow: s.contextWindow,
    quality: s.quality,
    firstByteTimeoutSeconds: s.firstByteTimeoutSeconds ?? undefined,
    callTimeoutBaseSeconds: s.callTimeoutBaseSeconds ?? undefined,
    capabilities: s.capabilities,
  };
}

interface NumberField {
  key: NumberKey;
  id: string;
  label: string;
  min: number;
  max?: number;
  step: number | "any";
  placeholder?: string;
  title?: string;
  /** what an emptied field sends: undefined (the default) or null (a timeout emptied by hand: the defaults, whatever the known model has) */
  empty?: null;
}

/** Prices (USD per million tokens; the cache prices may stay empty: the provider's usual ones), context, quality, timeouts. */
const NUMBER_FIELDS: NumberField[] = [
  { key: "inputPrice", label: "Input $/M tokens", id: "model-input-price", min: 0, step: "any" },
  { key: "outputPrice", label: "Output $/M tokens", id: "model-output-price", min: 0, step: "any" },
  {
    key: "cacheReadPrice",
    label: "Cached input $/M",
    id: "model-cache-read-price",
    min: 0,
    step: "any",
    placeholder: "provider default",
    title: "Price of input tokens read from the provider's prompt cache; empty: the provider's usual discount",
  },
  {
    key: "cacheWritePrice",
    label: "Cache write $/M",
    id: "model-cache-write-price",
    min: 0,
    step: "any",
    placeholder: "provider default",
    title: "Price of input tokens written to the provider's prompt cache; empty: the provider's usual price",
  },
  { key: "contextWindow", label: "Context window", id: "model-context", min: 1, step: 1 },
  { key: "quality", label: "Quality (0–1)", id: "model-quality", min: 0, max: 1, step: 0.01 },
  {
    key: "firstByteTimeoutSeconds",
    id: "model-first-byte-timeout",
    label: "First byte timeout (s)",
    min: 1,
    max: 600,
    step: 1,
    placeholder: "default 60",
    title: "How long a stream of this model may take to begin (reasoning models think first); empty: the default",
    empty: null,
  },
  {
    key: "callTimeoutBaseSeconds",
    id: "model-call-timeout-base",
    label: "Call timeout base (s)",
    min: 1,
    max: 600,
    step: 1,
    placeholder: "default 60",
    title: "The whole call's allowance before its time per output token; an agent's own call timeout still wins. Empty: the default",
    empty: null,
  },
];

const MODEL_ID_PLACEHOLDERS: Record<ProviderKind, string> = {
  simulator: "e.g. sim-fast",
  openai: "e.g. gpt-4.1-mini",
  anthropic: "e.g. claude-sonnet-4-5-20250929",
  openai_compatible: "e.g. llama3.1:8b",
  azure: "the deployment name, e.g. gpt-4o-prod",
  bedrock: "e.g. us.anthropic.claude-haiku-4-5-20251001-v1:0",
  google: "e.g. gemini-2.5-flash",
  vertex: "e.g. gemini-2.5-flash",
  mistral: "e.g. mistral-small-latest",
};

/** The form of a new catalog model (createModelInputSchema, the server's own), in the "Add a model" dialog; a known model id prefills the rest. */
export function ModelForm({ onDone }: { onDone?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.providers.list.queryOptions());
  const form = useZodForm(createModelInputSchema, { defaultValues: DEFAULTS });
  const providerId = useWatch({ control: form.control, name: "providerId" });
  const modelId = useWatch({ control: form.control, name: "modelId" });
  // fields the person typed into are never overwritten by a suggestion
  const edited = useRef(new Set<string>());
  const [debouncedId, setDebouncedId] = useState("");

  // the first real provider (else the simulator) until one is picked
  const fallback = providers.data?.find((p) => !p.isSimulator) ?? providers.data?.[0];
  useEffect(() => {
    if (!providerId && fallback) form.setValue("providerId", fallback.id);
  }, [providerId, fallback, form]);
  const kind: ProviderKind | undefined = providers.data?.find((p) => p.id === providerId)?.kind ?? fallback?.kind;

  useEffect(() => {
    const timer = setTimeout(() => setDebouncedId(modelId.trim()), 250);
    return () => clearTimeout(timer);
  }, [modelId]);

  const suggest = useQuery({
    ...trpc.models.suggest.queryOptions({ kind: kind ?? "openai", modelId: debouncedId || undefined }),
    enabled: kind !== undefined,
  });
  const suggestion = debouncedId ? (suggest.data?.suggestion ?? null) : null;

  useEffect(() => {
    if (!suggestion) return;
    for (const [key, value] of Object.entries(fromSuggestion(suggestion))) {
      if (!edited.current.has(key)) form.setValue(key as FieldPath<ModelValues>, value as never);
    }
  }, [suggestion, form]);

  const create = useMutation(
    trpc.models.create.mutationOptions({
      onSuccess: async () => {
        edited.current.clear();
        form.reset({ ...DEFAULTS, providerId: form.getValues("providerId") });
        await queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.providers.list.queryKey() });
        onDone?.();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  const known = useMemo(() => suggest.data?.known ?? [], [suggest.data]);
  const submit = form.handleSubmit((values) =>
    create.mutate({
      ...values,
      // the server's defaults for the capabilities unless chosen here or known
      capabilities: edited.current.has("capabilities") || suggestion ? values.capabilities : undefined,
    }),
  );
  const markEdited = (key: string) => edited.current.add(key);

  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={submit} noValidate data-testid="model-form">
        <div className="grid gap-4 sm:grid-cols-3">
          <FormField
            control={form.control}
            name="providerId"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Provider</FormLabel>
                <FormControl>
                  <select {...field} className={inputClasses} data-testid="model-provider">
                    {providers.data?.map((p) => (
                      <option key={p.id} value={p.id}>
                        {p.name} ({p.isSimulator ? "simulator" : PROVIDER_KIND_LABELS[p.kind]})
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="modelId"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Model id</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    list="model-id-known"
                    maxLength={200}
                    placeholder={kind ? MODEL_ID_PLACEHOLDERS[kind] : "e.g. gpt-4o-mini"}
                    data-testid="model-id"
                  />
                </FormControl>
                <datalist id="model-id-known">
                  {known.map((k) => (
                    <option key={k.modelId} value={k.modelId}>
                      {k.displayName}
                    </option>
                  ))}
                </datalist>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="displayName"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Display name</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    value={field.value ?? ""}
                    maxLength={120}
                    data-testid="model-display-name"
                    onChange={(e) => {
                      markEdited("displayName");
                      field.onChange(e.target.value.trim() === "" ? undefined : e.target.value);
                    }}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <div className="grid grid-cols-2 gap-4 sm:grid-cols-4">
          {NUMBER_FIELDS.map((f) => (
            <FormField
              key={f.key}
              control={form.control}
              name={f.key}
              render={({ field }) => (
                <FormItem>
                  <FormLabel title={f.title}>{f.label}</FormLabel>
                  <FormControl>
                    <Input
                      {...field}
                      type="number"
                      min={f.min}
                      max={f.max}
                      step={f.step}
                      placeholder={f.placeholder}
                      title={f.title}
                      data-testid={f.id}
                      value={field.value ?? ""}
                      onChange={(e) => {
                        markEdited(f.key);
                        field.onChange(e.target.value.trim() === "" ? f.empty : Number(e.target.value));
                      }}
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          ))}
        </div>
        <FormField
          control={form.control}
          name="capabilities"
          render={({ field }) => (
            <fieldset className="grid gap-2">
              <legend className="mb-2 text-sm font-medium">Capabilities</legend>
              <div className="flex flex-wrap gap-4">
                {CAPABILITIES.map((c) => {
                  const chosen: readonly Capability[] = field.value ?? [];
                  return (
                    <Label key={c} className="font-normal">
                      <input
                        type="checkbox"
                        className="size-4 accent-primary"
                        data-testid={`model-capability-${c}`}
                        checked={chosen.includes(c)}
                        onChange={(e) => {
                          markEdited("capabilities");
                          field.onChange(e.target.checked ? [...chosen, c] : chosen.filter((x) => x !== c));
                        }}
                      />
                      {c}
                    </Label>
                  );
                })}
              </div>
            </fieldset>
          )}
        />
        {suggestion ? (
          <p className="text-sm text-success" data-testid="model-suggestion">
            Prefilled from the known model {suggestion.displayName}.
          </p>
        ) : debouncedId && !suggest.isFetching ? (
          <p className="text-sm text-muted-foreground">Not a model Cadre knows: enter its prices (0 for a local model).</p>
        ) : null}
        <FormRootError />
        <div className="flex justify-end">
          <Button type="submit" data-testid="model-submit" disabled={create.isPending || !fallback}>
            {create.isPending ? "Adding…" : "Add model"}
          </Button>
        </div>
      </form>
    </Form>
  );
}
