"use client";

import Link from "next/link";
import { useState } from "react";
import { useWatch } from "react-hook-form";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { nextPageParam, useAllPages } from "@/components/ui/paged-list";
import { useTRPC } from "@/lib/trpc/react";
import { CREATABLE_PROVIDER_KINDS, createProviderInputSchema, KINDS_NEEDING_BASE_URL, PROVIDER_KIND_LABELS, type ProviderSettings } from "@/lib/schemas/models";
import { Button } from "@/components/ui/button";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input, inputClasses } from "@/components/ui/input";
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

type ProviderValues = NonNullable<Parameters<typeof createProviderInputSchema.parse>[0]>;
const DEFAULTS = { kind: "openai_compatible", name: "", baseUrl: null, secretId: null, settings: {}, isLocal: false, rpmLimit: null, tpmLimit: null };

/** A number field's value: null when empty. */
const numberOrNull = (value: string) => (value.trim() === "" ? null : Number(value));

/** The form of a new provider (createProviderInputSchema, the server's own), in the "Add a provider" dialog. */
export function ProviderForm({ onDone }: { onDone?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { slug, can } = useWorkspace();
  // every secret of the vault, by name (the list pages newest first)
  const secrets = useAllPages(
    useInfiniteQuery({ ...trpc.secrets.list.infiniteQueryOptions({ limit: 200 }, { getNextPageParam: nextPageParam }), enabled: can("secrets:read") }),
  );
  const form = useZodForm(createProviderInputSchema, { defaultValues: DEFAULTS as ProviderValues });
  const kind = useWatch({ control: form.control, name: "kind" }) as CreatableKind;
  const [localTouched, setLocalTouched] = useState(false);

  const create = useMutation(
    trpc.providers.create.mutationOptions({
      onSuccess: async () => {
        form.reset(DEFAULTS as ProviderValues);
        setLocalTouched(false);
        await queryClient.invalidateQueries({ queryKey: trpc.providers.list.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() });
        onDone?.();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  const submit = form.handleSubmit((values) => {
    const url = values.baseUrl ?? null;
    // a key is needed unless a local server (or a proxy of OpenAI, Anthropic, Google, Mistral) takes none
    if (values.kind !== "openai_compatible" && !values.secretId && (!url || ["bedrock", "vertex", "azure"].includes(values.kind))) {
      form.setError(
        "secretId",
        { type: "required", message: `${PROVIDER_KIND_LABELS[values.kind]} needs a key: pick the vault secret that holds it` },
        { shouldFocus: true },
      );
      return;
    }
    const keys = (SETTINGS_FIELDS[values.kind] ?? []).map((f) => f.key);
    const settings = Object.fromEntries(keys.map((k) => [k, values.settings?.[k]]).filter(([, v]) => v)) as ProviderSettings;
    create.mutate({ ...values, baseUrl: url, secretId: values.secretId ?? null, settings });
  });

  const secretList = [...(secrets.data ?? [])].sort((a, b) => a.name.localeCompare(b.name));
  const placeholders = PLACEHOLDERS[kind];
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={submit} noValidate data-testid="provider-form">
        <div className="grid gap-4 sm:grid-cols-2">
          <FormField
            control={form.control}
            name="kind"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Kind</FormLabel>
                <FormControl>
                  <select
                    {...field}
                    className={inputClasses}
                    data-testid="provider-kind"
                    onChange={(e) => {
                      field.onChange(e.target.value);
                      form.setValue("settings", {});
                    }}
                  >
                    {CREATABLE_PROVIDER_KINDS.map((k) => (
                      <option key={k} value={k}>
                        {PROVIDER_KIND_LABELS[k]}
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
            name="name"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Name</FormLabel>
                <FormControl>
                  <Input {...field} maxLength={80} placeholder={placeholders.name} data-testid="provider-name" />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="baseUrl"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Base URL{KINDS_NEEDING_BASE_URL.includes(kind) ? "" : " (optional)"}</FormLabel>
                <FormControl>
                  <Input
                    {...field}
                    value={field.value ?? ""}
                    inputMode="url"
                    placeholder={placeholders.baseUrl}
                    data-testid="provider-base-url"
                    onChange={(e) => {
                      const v = e.target.value;
                      field.onChange(v === "" ? null : v);
                      if (!localTouched) form.setValue("isLocal", looksLocal(v.trim()));
                    }}
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="secretId"
            render={({ field }) => (
              <FormItem>
                <FormLabel title={placeholders.key}>Key (vault secret)</FormLabel>
                <FormControl>
                  <select
                    {...field}
                    value={field.value ?? ""}
                    onChange={(e) => field.onChange(e.target.value || null)}
                    className={inputClasses}
                    data-testid="provider-secret"
                  >
                    <option value="">{kind === "openai_compatible" ? "No key (local server)" : "Pick a secret…"}</option>
                    {secretList.map((s) => (
                      <option key={s.id} value={s.id}>
                        {s.name}
                        {s.last4 ? ` (…${s.last4})` : ""}
                      </option>
                    ))}
                  </select>
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          {SETTINGS_FIELDS[kind]?.map((f) => (
            <FormField
              key={`${kind}-${f.key}`}
              control={form.control}
              name={`settings.${f.key}`}
              render={({ field }) => (
                <FormItem>
                  <FormLabel>{f.label}</FormLabel>
                  <FormControl>
                    <Input
                      {...field}
                      value={field.value ?? ""}
                      onChange={(e) => field.onChange(e.target.value || undefined)}
                      maxLength={80}
                      placeholder={f.placeholder}
                      data-testid={`provider-setting-${f.key}`}
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          ))}
        </div>
        <p className="text-sm text-muted-foreground">
          The secret holds {placeholders.key}. {secrets.isPending && can("secrets:read") ? "Loading secrets…" : null}
          {!secrets.isPending && secretList.length === 0 ? <>No secrets yet: </> : null}
          {can("secrets:create") ? (
            <Link href={`/w/${slug}/vault`} className="underline underline-offset-4 hover:text-foreground">
              add the key to the vault
            </Link>
          ) : null}
          {can("secrets:create") ? " first, then pick it here." : null}
        </p>
        <div className="grid gap-4 sm:grid-cols-2">
          {(
            [
              { name: "rpmLimit", label: "Requests per minute (optional)", testId: "provider-rpm" },
              { name: "tpmLimit", label: "Tokens per minute (optional)", testId: "provider-tpm" },
            ] as const
          ).map((limit) => (
            <FormField
              key={limit.name}
              control={form.control}
              name={limit.name}
              render={({ field }) => (
                <FormItem>
                  <FormLabel>{limit.label}</FormLabel>
                  <FormControl>
                    <Input
                      {...field}
                      type="number"
                      min={1}
                      step={1}
                      placeholder="No limit"
                      value={field.value ?? ""}
                      onChange={(e) => field.onChange(numberOrNull(e.target.value))}
                      data-testid={limit.testId}
                    />
                  </FormControl>
                  <FormMessage />
                </FormItem>
              )}
            />
          ))}
        </div>
        <p className="text-sm text-muted-foreground">The provider account's limits, shared by every run: calls beyond them wait for the next minute.</p>
        <FormField
          control={form.control}
          name="isLocal"
          render={({ field }) => (
            <FormItem className="flex items-start gap-2">
              <FormControl>
                <input
                  type="checkbox"
                  className="mt-0.5 size-4 shrink-0 accent-primary"
                  data-testid="provider-local"
                  checked={field.value ?? false}
                  onBlur={field.onBlur}
                  onChange={(e) => {
                    setLocalTouched(true);
                    field.onChange(e.target.checked);
                  }}
                />
              </FormControl>
              <FormLabel className="text-sm leading-snug font-normal">
                Local: runs on infrastructure this workspace controls (policies can keep data on local providers). A label for routing only: private and
                localhost addresses are reachable only when the server's operator allows them (CADRE_EGRESS_ALLOW)
              </FormLabel>
            </FormItem>
          )}
        />
        <FormRootError />
        <div className="flex justify-end">
          <Button type="submit" data-testid="provider-submit" disabled={create.isPending}>
            {create.isPending ? "Adding…" : "Add provider"}
          </Button>
        </div>
      </form>
    </Form>
  );
}
