"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { CREATABLE_PROVIDER_KINDS, isHttpUrl, KINDS_NEEDING_BASE_URL, PROVIDER_KIND_LABELS, type ProviderSettings } from "@/lib/schemas/models";
import { Card } from "@/components/ui/card";
import { InputField, SelectField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";

type CreatableKind = (typeof CREATABLE_PROVIDER_KINDS)[number];

const PROXY = "optional: a proxy, e.g. https://gateway.example.com/v1";
const PLACEHOLDERS: Record<CreatableKind, { name: string; baseUrl: string; key: string }> = {
  openai: { name: "e.g. OpenAI", baseUrl: PROXY, key: "the API key" },
  anthropic: { name: "e.g. Anthropic", baseUrl: PROXY, key: "the API key" },
  openai_compatible: { name: "e.g. Ollama", baseUrl: "http://localhost:11434/v1", key: "the API key, if the server wants one" },
  azure: { name: "e.g. Azure OpenAI", baseUrl: "https://my-resource.openai.azure.com/openai", key: "the resource's API key" },
  bedrock: {
    name: "e.g. Bedrock",
    baseUrl: "optional: default https://bedrock-runtime.<region>.amazonaws.com",
    key: 'JSON {"accessKeyId", "secretAccessKey", "sessionToken"?} or a Bedrock API key',
  },
  google: { name: "e.g. Gemini", baseUrl: "optional: default https://generativelanguage.googleapis.com/v1beta", key: "the Gemini API key" },
  vertex: {
    name: "e.g. Vertex AI",
    baseUrl: "optional: default from project and location",
    key: "a service-account key file (JSON) or an express-mode API key",
  },
  mistral: { name: "e.g. Mistral", baseUrl: "optional: default https://api.mistral.ai/v1", key: "the API key" },
};

/** The settings each kind asks for (lib/schemas/models.ts providerSettingsSchema). */
const SETTINGS_FIELDS: Partial<Record<CreatableKind, { key: keyof ProviderSettings; label: string; placeholder: string }[]>> = {
  azure: [{ key: "apiVersion", label: "API version (optional)", placeholder: "e.g. 2024-10-21; empty: the v1 API" }],
  bedrock: [{ key: "region", label: "AWS region", placeholder: "e.g. us-east-1" }],
  vertex: [
    { key: "project", label: "Project (service-account key)", placeholder: "default: the key file's project" },
    { key: "location", label: "Location (service-account key)", placeholder: "e.g. us-central1" },
  ],
};

/** a rate-limit field: a whole number, empty for none */
const LIMIT = { inputMode: "numeric", placeholder: "No limit" } as const;

/** Mirrors the server's default for "local": localhost, private addresses, single-label hosts. */
function looksLocal(baseUrl: string): boolean {
  try {
    let host = new URL(baseUrl).hostname.toLowerCase();
    if (host.startsWith("[")) host = host.slice(1, -1);
    if (host === "localhost" || host === "::1" || host.endsWith(".localhost") || host.endsWith(".local") || host.endsWith(".internal")) return true;
    const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
    if (v4) {
      const [a, b] = [Number(v4[1]), Number(v4[2])];
      return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
    }
    if (host.includes(":")) return /^f[cd]/.test(host);
    return !host.includes(".");
  } catch {
    return false;
  }
}

/** A rate-limit field: null when empty (no limit), undefined when not a whole number of at least 1. */
function limitOf(value: string): number | null | undefined {
  const v = value.trim();
  if (!v) return null;
  return /^\d+$/.test(v) && Number(v) >= 1 ? Number(v) : undefined;
}

export function ProviderForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  // every secret of the vault, by name (the list pages newest first)
  const secrets = useAllPages(
    useInfiniteQuery({ ...trpc.secrets.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam }), enabled: can("secrets:read") }),
  );

  const [kind, setKind] = useState<CreatableKind>("openai_compatible");
  const [name, setName] = useState("");
  const [baseUrl, setBaseUrl] = useState("");
  const [secretId, setSecretId] = useState("");
  const [settings, setSettings] = useState<ProviderSettings>({});
  const [isLocal, setIsLocal] = useState(false);
  const [rpmLimit, setRpmLimit] = useState("");
  const [tpmLimit, setTpmLimit] = useState("");
  const [localTouched, setLocalTouched] = useState(false);
  const [localError, setLocalError] = useState<string | null>(null);

  const create = useMutation(
    trpc.providers.create.mutationOptions({
      onSuccess: async () => {
        setName("");
        setBaseUrl("");
        setSecretId("");
        setSettings({});
        setIsLocal(false);
        setRpmLimit("");
        setTpmLimit("");
        setLocalTouched(false);
        await queryClient.invalidateQueries({ queryKey: trpc.providers.list.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() });
      },
    }),
  );

  function onBaseUrl(value: string) {
    setBaseUrl(value);
    if (!localTouched) setIsLocal(looksLocal(value.trim()));
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    if (!name.trim()) return setLocalError("Enter a name for the provider");
    const url = baseUrl.trim();
    if (KINDS_NEEDING_BASE_URL.includes(kind) && !url) return setLocalError(`${PROVIDER_KIND_LABELS[kind]} needs a base URL`);
    if (url && !isHttpUrl(url)) return setLocalError("Enter an http(s) URL, e.g. http://localhost:11434/v1");
    if (kind !== "openai_compatible" && !secretId && (!url || kind === "bedrock" || kind === "vertex" || kind === "azure"))
      return setLocalError(`${PROVIDER_KIND_LABELS[kind]} needs a key: pick the vault secret that holds it`);
    if (kind === "bedrock" && !settings.region?.trim()) return setLocalError("Amazon Bedrock needs a region, e.g. us-east-1");
    const rpm = limitOf(rpmLimit);
    const tpm = limitOf(tpmLimit);
    if (rpm === undefined || tpm === undefined) return setLocalError("A rate limit is a whole number of at least 1, or empty for none");
    const fields = SETTINGS_FIELDS[kind] ?? [];
    const kindSettings = Object.fromEntries(fields.map((f) => [f.key, settings[f.key]?.trim()]).filter(([, v]) => v)) as ProviderSettings;
    create.mutate({ name: name.trim(), kind, baseUrl: url || null, secretId: secretId || null, isLocal, settings: kindSettings, rpmLimit: rpm, tpmLimit: tpm });
  }

  const secretList = [...(secrets.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  return (
    <Card
      title="Add a provider"
      description="Connect OpenAI, Anthropic, Azure OpenAI, Amazon Bedrock, Google (Gemini API, Vertex AI), Mistral or any OpenAI-compatible server (Ollama, vLLM, LM Studio, OpenRouter…). Keys live in the vault."
      testId="provider-form"
    >
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="form-row">
          <SelectField label="Kind" id="provider-kind" value={kind} onValueChange={(v) => setKind(v as CreatableKind)}>
            {CREATABLE_PROVIDER_KINDS.map((k) => (
              <option key={k} value={k}>
                {PROVIDER_KIND_LABELS[k]}
              </option>
            ))}
          </SelectField>
          <InputField label="Name" id="provider-name" grow maxLength={80} placeholder={PLACEHOLDERS[kind].name} value={name} onValueChange={setName} />
        </div>
        <div className="form-row">
          <InputField
            label={`Base URL${KINDS_NEEDING_BASE_URL.includes(kind) ? "" : " (optional)"}`}
            id="provider-base-url"
            grow
            inputMode="url"
            placeholder={PLACEHOLDERS[kind].baseUrl}
            value={baseUrl}
            onValueChange={onBaseUrl}
          />
          <SelectField label="Key (vault secret)" labelTitle={PLACEHOLDERS[kind].key} id="provider-secret" value={secretId} onValueChange={setSecretId}>
            <option value="">{kind === "openai_compatible" ? "No key (local server)" : "Pick a secret…"}</option>
            {secretList.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
                {s.last4 ? ` (…${s.last4})` : ""}
              </option>
            ))}
          </SelectField>
        </div>
        {SETTINGS_FIELDS[kind]?.length ? (
          <div className="form-row">
            {SETTINGS_FIELDS[kind]?.map((f) => (
              <InputField
                key={f.key}
                label={f.label}
                id={`provider-setting-${f.key}`}
                grow
                maxLength={80}
                placeholder={f.placeholder}
                value={settings[f.key] ?? ""}
                onValueChange={(v) => setSettings((current) => ({ ...current, [f.key]: v }))}
              />
            ))}
          </div>
        ) : null}
        <div className="field-hint">
          The secret holds {PLACEHOLDERS[kind].key}. {secrets.isPending && can("secrets:read") ? "Loading secrets…" : null}
          {!secrets.isPending && secretList.length === 0 ? <>No secrets yet: </> : null}
          {can("secrets:create") ? <Link href={`/w/${slug}/vault`}>add the key to the vault</Link> : null}
          {can("secrets:create") ? " first, then pick it here." : null}
        </div>
        <div className="form-row">
          <InputField label="Requests per minute (optional)" id="provider-rpm" {...LIMIT} value={rpmLimit} onValueChange={setRpmLimit} />
          <InputField label="Tokens per minute (optional)" id="provider-tpm" {...LIMIT} value={tpmLimit} onValueChange={setTpmLimit} />
        </div>
        <div className="field-hint">The provider account's limits, shared by every run: calls beyond them wait for the next minute.</div>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="provider-local"
            checked={isLocal}
            onChange={(e) => {
              setLocalTouched(true);
              setIsLocal(e.target.checked);
            }}
          />
          <span>
            Local: runs on infrastructure this workspace controls (policies can keep data on local providers). A label for routing only: private and localhost
            addresses are reachable only when the server's operator allows them (CADRE_EGRESS_ALLOW)
          </span>
        </label>
        <FormError message={localError ?? (create.error ? errorMessage(create.error) : null)} />
        <div>
          <button type="submit" className="btn btn-primary" data-testid="provider-submit" disabled={create.isPending}>
            {create.isPending ? "Adding…" : "Add provider"}
          </button>
        </div>
      </form>
    </Card>
  );
}
