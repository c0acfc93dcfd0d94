"use client";

import { useEffect, useMemo, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { CAPABILITIES, type Capability } from "@/lib/schemas/model-policy";
import { PROVIDER_KIND_LABELS, type ModelSuggestion, type ProviderKind } from "@/lib/schemas/models";
import { Card } from "@/components/ui/card";
import { InputField, SelectField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";

interface Fields {
  displayName: string;
  inputPrice: string;
  outputPrice: string;
  /** empty: the provider's usual prompt-cache price */
  cacheReadPrice: string;
  cacheWritePrice: string;
  contextWindow: string;
  quality: string;
  /** the model's own timeouts in seconds; empty: the defaults */
  firstByteTimeoutSeconds: string;
  callTimeoutBaseSeconds: string;
  capabilities: ReadonlySet<Capability>;
}

const EMPTY: Fields = {
  displayName: "",
  inputPrice: "",
  outputPrice: "",
  cacheReadPrice: "",
  cacheWritePrice: "",
  contextWindow: "",
  quality: "",
  firstByteTimeoutSeconds: "",
  callTimeoutBaseSeconds: "",
  capabilities: new Set(),
};

function fromSuggestion(s: ModelSuggestion): Fields {
  return {
    displayName: s.displayName,
    inputPrice: String(s.inputPrice),
    outputPrice: String(s.outputPrice),
    cacheReadPrice: "",
    cacheWritePrice: "",
    contextWindow: String(s.contextWindow),
    quality: String(s.quality),
    firstByteTimeoutSeconds: s.firstByteTimeoutSeconds === null ? "" : String(s.firstByteTimeoutSeconds),
    callTimeoutBaseSeconds: s.callTimeoutBaseSeconds === null ? "" : String(s.callTimeoutBaseSeconds),
    capabilities: new Set(s.capabilities),
  };
}

/** The model's own timeouts (server/models/timeouts.ts); empty: the defaults. */
const TIMEOUT_FIELDS = [
  {
    key: "firstByteTimeoutSeconds",
    id: "model-first-byte-timeout",
    label: "First byte timeout (s)",
    title: "How long a stream of this model may take to begin (reasoning models think first); empty: the default",
  },
  {
    key: "callTimeoutBaseSeconds",
    id: "model-call-timeout-base",
    label: "Call timeout base (s)",
    title: "The whole call's allowance before its time per output token; an agent's own call timeout still wins. Empty: the default",
  },
] as const;

/** A number from a text field: undefined when empty, NaN when not a number. */
function num(value: string): number | undefined {
  return value.trim() === "" ? undefined : Number(value);
}

/** The price fields (USD per million tokens); the cache prices may stay empty: the provider's usual ones. */
const PRICE_FIELDS: { key: "inputPrice" | "outputPrice" | "cacheReadPrice" | "cacheWritePrice"; label: string; id: string; title?: string }[] = [
  { key: "inputPrice", label: "Input $/M tokens", id: "model-input-price" },
  { key: "outputPrice", label: "Output $/M tokens", id: "model-output-price" },
  {
    key: "cacheReadPrice",
    label: "Cached input $/M",
    id: "model-cache-read-price",
    title: "Price of input tokens read from the provider's prompt cache; empty: the provider's usual discount",
  },
  {
    key: "cacheWritePrice",
    label: "Cache write $/M",
    id: "model-cache-write-price",
    title: "Price of input tokens written to the provider's prompt cache; empty: the provider's usual price",
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

export function ModelForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const providers = useQuery(trpc.providers.list.queryOptions());
  const [providerId, setProviderId] = useState("");
  const [modelId, setModelId] = useState("");
  const [fields, setFields] = useState<Fields>(EMPTY);
  // fields the person typed into are never overwritten by a suggestion
  const [touched, setTouched] = useState<ReadonlySet<keyof Fields>>(new Set());
  const [debouncedId, setDebouncedId] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);

  const provider = providers.data?.find((p) => p.id === providerId) ?? providers.data?.find((p) => !p.isSimulator) ?? providers.data?.[0];
  const kind = provider?.kind;

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
    const next = fromSuggestion(suggestion);
    setFields((prev) => {
      const merged = { ...prev };
      for (const key of Object.keys(next) as (keyof Fields)[]) {
        if (!touched.has(key)) (merged as Record<keyof Fields, unknown>)[key] = next[key];
      }
      return merged;
    });
  }, [suggestion, touched]);

  const set = <K extends keyof Fields>(key: K, value: Fields[K]) => {
    setTouched((prev) => new Set(prev).add(key));
    setFields((prev) => ({ ...prev, [key]: value }));
  };

  const create = useMutation(
    trpc.models.create.mutationOptions({
      onSuccess: async () => {
        setModelId("");
        setFields(EMPTY);
        setTouched(new Set());
        await queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.providers.list.queryKey() });
      },
    }),
  );

  const known = useMemo(() => suggest.data?.known ?? [], [suggest.data]);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    if (!provider) return setLocalError("Add a provider first");
    if (!modelId.trim()) return setLocalError("Enter the provider's model id");
    const inputPrice = num(fields.inputPrice);
    const outputPrice = num(fields.outputPrice);
    const cacheReadPrice = num(fields.cacheReadPrice);
    const cacheWritePrice = num(fields.cacheWritePrice);
    const contextWindow = num(fields.contextWindow);
    const quality = num(fields.quality);
    if ([inputPrice, outputPrice, cacheReadPrice, cacheWritePrice].some((p) => p !== undefined && (Number.isNaN(p) || p < 0)))
      return setLocalError("Prices are numbers of at least 0 (USD per million tokens)");
    if (contextWindow !== undefined && (!Number.isInteger(contextWindow) || contextWindow < 1))
      return setLocalError("The context window is a whole number of tokens");
    if (quality !== undefined && (Number.isNaN(quality) || quality < 0 || quality > 1)) return setLocalError("Quality is between 0 and 1");
    // a timeout field emptied by hand: the defaults, whatever the known model has
    const timeout = (key: "firstByteTimeoutSeconds" | "callTimeoutBaseSeconds") => num(fields[key]) ?? (touched.has(key) ? null : undefined);
    const firstByteTimeoutSeconds = timeout("firstByteTimeoutSeconds");
    const callTimeoutBaseSeconds = timeout("callTimeoutBaseSeconds");
    if ([firstByteTimeoutSeconds, callTimeoutBaseSeconds].some((t) => typeof t === "number" && (!Number.isInteger(t) || t < 1 || t > 600)))
      return setLocalError("Timeouts are whole seconds from 1 to 600");
    create.mutate({
      providerId: provider.id,
      modelId: modelId.trim(),
      displayName: fields.displayName.trim() || undefined,
      inputPrice,
      outputPrice,
      cacheReadPrice,
      cacheWritePrice,
      contextWindow,
      quality,
      firstByteTimeoutSeconds,
      callTimeoutBaseSeconds,
      capabilities: touched.has("capabilities") || suggestion ? [...fields.capabilities] : undefined,
    });
  }

  return (
    <Card
      title="Add a model"
      description="Well-known models are prefilled with list prices, context window, capabilities and a quality estimate; edit anything."
      testId="model-form"
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="form-row">
          <SelectField label="Provider" id="model-provider" value={provider?.id ?? ""} onValueChange={setProviderId}>
            {providers.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} ({p.isSimulator ? "simulator" : PROVIDER_KIND_LABELS[p.kind]})
              </option>
            ))}
          </SelectField>
          <InputField
            label="Model id"
            id="model-id"
            grow
            list="model-id-known"
            placeholder={kind ? MODEL_ID_PLACEHOLDERS[kind] : "e.g. gpt-4o-mini"}
            maxLength={200}
            value={modelId}
            onValueChange={setModelId}
            after={
              <datalist id="model-id-known">
                {known.map((k) => (
                  <option key={k.modelId} value={k.modelId}>
                    {k.displayName}
                  </option>
                ))}
              </datalist>
            }
          />
          <InputField
            label="Display name"
            id="model-display-name"
            grow
            maxLength={120}
            value={fields.displayName}
            onValueChange={(v) => set("displayName", v)}
          />
        </div>
        <div className="form-row">
          {PRICE_FIELDS.map((f) => (
            <InputField
              key={f.id}
              label={f.label}
              id={f.id}
              type="number"
              min={0}
              step="any"
              placeholder={f.title ? "provider default" : undefined}
              title={f.title}
              value={fields[f.key]}
              onValueChange={(v) => set(f.key, v)}
            />
          ))}
          <InputField
            label="Context window"
            id="model-context"
            type="number"
            min={1}
            step={1}
            value={fields.contextWindow}
            onValueChange={(v) => set("contextWindow", v)}
          />
          <InputField
            label="Quality (0–1)"
            id="model-quality"
            type="number"
            min={0}
            max={1}
            step={0.01}
            value={fields.quality}
            onValueChange={(v) => set("quality", v)}
          />
          {TIMEOUT_FIELDS.map((t) => (
            <InputField
              key={t.key}
              label={t.label}
              id={t.id}
              type="number"
              min={1}
              max={600}
              step={1}
              placeholder="default 60"
              title={t.title}
              value={fields[t.key]}
              onValueChange={(v) => set(t.key, v)}
            />
          ))}
        </div>
        <fieldset className="capabilities">
          <legend>Capabilities</legend>
          {CAPABILITIES.map((c) => (
            <label key={c} className="checkbox">
              <input
                type="checkbox"
                data-testid={`model-capability-${c}`}
                checked={fields.capabilities.has(c)}
                onChange={(e) => {
                  const next = new Set(fields.capabilities);
                  if (e.target.checked) next.add(c);
                  else next.delete(c);
                  set("capabilities", next);
                }}
              />
              <span>{c}</span>
            </label>
          ))}
        </fieldset>
        {suggestion ? (
          <p className="field-hint hint-ok" data-testid="model-suggestion">
            Prefilled from the known model {suggestion.displayName}.
          </p>
        ) : debouncedId && !suggest.isFetching ? (
          <p className="field-hint">Not a model Cadre knows: enter its prices (0 for a local model).</p>
        ) : null}
        <FormError message={localError ?? (create.error ? errorMessage(create.error) : null)} />
        <div>
          <button type="submit" className="btn btn-primary" data-testid="model-submit" disabled={create.isPending || !provider}>
            {create.isPending ? "Adding…" : "Add model"}
          </button>
        </div>
      </form>
    </Card>
  );
}
