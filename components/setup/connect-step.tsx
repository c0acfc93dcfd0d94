"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useWatch } from "react-hook-form";
import { useTRPC } from "@/lib/trpc/react";
import { Button } from "@/components/ui/button";
import {
  Form,
  FormControl,
  FormDescription,
  FormField,
  FormItem,
  FormLabel,
  FormMessage,
  FormRootError,
  applyServerErrors,
  useZodForm,
} from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { connectProviderInputSchema, QUICK_PROVIDER_KINDS } from "@/lib/schemas/connect-provider";

const KIND_LABELS: Record<(typeof QUICK_PROVIDER_KINDS)[number], string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  google: "Google Gemini",
  mistral: "Mistral",
  openai_compatible: "OpenAI-compatible server (Ollama, vLLM, LM Studio…)",
};

export interface Connected {
  provider: string;
  models: string[];
}

/** Step 1: a provider's key into the vault, the provider and its current models into the catalog, in one call. */
export function ConnectStep({ onConnected }: { onConnected: (c: Connected) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(connectProviderInputSchema, { defaultValues: { kind: "openai", apiKey: "", baseUrl: "" } });
  const kind = useWatch({ control: form.control, name: "kind" });
  const connect = useMutation(
    trpc.providers.connect.mutationOptions({
      onSuccess: async (out) => {
        await queryClient.invalidateQueries({ queryKey: trpc.overview.get.queryKey() });
        onConnected({ provider: out.provider.name, models: out.models });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  return (
    <Form {...form}>
      <form
        className="grid gap-4"
        onSubmit={form.handleSubmit((values) =>
          connect.mutate({ kind: values.kind, ...(values.apiKey ? { apiKey: values.apiKey } : {}), ...(values.baseUrl ? { baseUrl: values.baseUrl } : {}) }),
        )}
        data-testid="setup-connect"
      >
        <FormField
          control={form.control}
          name="kind"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Provider</FormLabel>
              <FormControl>
                <select
                  {...field}
                  className="h-9 w-full rounded-md border border-input bg-transparent px-3 text-sm shadow-xs focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 focus-visible:outline-none"
                  data-testid="setup-kind"
                >
                  {QUICK_PROVIDER_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {KIND_LABELS[k]}
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
          name="apiKey"
          render={({ field }) => (
            <FormItem>
              <FormLabel>API key{kind === "openai_compatible" ? " (if the server needs one)" : ""}</FormLabel>
              <FormControl>
                <Input {...field} value={field.value ?? ""} type="password" autoComplete="off" spellCheck={false} data-testid="setup-api-key" />
              </FormControl>
              <FormDescription>Stored encrypted in the workspace's vault; never shown again, never sent to a model.</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="baseUrl"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Base URL{kind === "openai_compatible" ? "" : " (optional: a proxy)"}</FormLabel>
              <FormControl>
                <Input
                  {...field}
                  value={field.value ?? ""}
                  placeholder={kind === "openai_compatible" ? "http://127.0.0.1:11434/v1" : "Leave empty for the provider's own API"}
                  data-testid="setup-base-url"
                />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <Button type="submit" className="justify-self-start" disabled={connect.isPending} data-testid="setup-connect-submit">
          {connect.isPending ? "Connecting…" : "Connect and add its models"}
        </Button>
      </form>
    </Form>
  );
}
