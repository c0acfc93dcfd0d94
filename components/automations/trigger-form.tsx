"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { CopyButton } from "@/components/ui/copy-button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
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
import { Textarea } from "@/components/ui/textarea";
import { createTriggerInputSchema, type TriggerWithSecretOutput } from "@/lib/schemas/triggers";
import { DEFAULT_TRIGGER_TEMPLATE } from "@/lib/trigger-template";
import { useTRPC } from "@/lib/trpc/react";
import { TargetSelect } from "./target-select";

/** The URL a sender posts to and the signing secret, shown once (after creation or a rotation). */
export function TriggerSecret({ created, onDone }: { created: TriggerWithSecretOutput; onDone: () => void }) {
  const origin = typeof window === "undefined" ? "" : window.location.origin;
  const url = `${origin}${created.trigger.path}`;
  return (
    <div className="grid gap-3" data-testid="trigger-created-box">
      <div role="status" className="rounded-md border border-warning/50 bg-warning/10 px-3 py-2 text-sm">
        Give the sender this URL and signing secret (Standard Webhooks). Copy the secret now: <strong>you will not see it again.</strong>
      </div>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="trigger-url">
          {url}
        </code>
        <CopyButton text={url} label="Copy URL" />
      </div>
      <div className="flex items-center gap-2">
        <code className="min-w-0 flex-1 rounded-md border bg-muted px-3 py-2 font-mono text-xs break-all" data-testid="trigger-secret">
          {created.secret}
        </code>
        <CopyButton text={created.secret} testId="trigger-secret-copy" />
      </div>
      <div className="flex justify-end">
        <Button onClick={onDone} data-testid="trigger-done">
          I have stored it
        </Button>
      </div>
    </div>
  );
}

function TriggerForm({ onCreated }: { onCreated: (created: TriggerWithSecretOutput) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createTriggerInputSchema, { defaultValues: { name: "", template: DEFAULT_TRIGGER_TEMPLATE, enabled: true } });
  const create = useMutation(
    trpc.triggers.create.mutationOptions({
      onSuccess: async (created) => {
        onCreated(created);
        await queryClient.invalidateQueries({ queryKey: trpc.triggers.list.queryKey() });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const agent = form.watch("agent");
  const team = form.watch("team");
  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((v) => create.mutate(v))} noValidate data-testid="trigger-form">
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Name</FormLabel>
              <FormControl>
                <Input {...field} placeholder="e.g. GitHub issues" maxLength={100} data-testid="trigger-name" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="agent"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Runs</FormLabel>
              <TargetSelect
                id="trigger-target"
                testId="trigger-target"
                value={{ agent, team }}
                onBlur={field.onBlur}
                onChange={(next) => {
                  form.setValue("agent", next.agent, { shouldValidate: form.formState.isSubmitted });
                  form.setValue("team", next.team, { shouldValidate: form.formState.isSubmitted });
                }}
              />
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="template"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Input template</FormLabel>
              <FormControl>
                <Textarea {...field} rows={4} className="font-mono" data-testid="trigger-template" />
              </FormControl>
              <FormDescription>
                {"{{ payload.issue.title }}"} takes a field of the JSON body, {"{{ payload }}"} the whole body, {"{{ body }}"} the raw text. Paths only: no code
                runs.
              </FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={create.isPending} data-testid="trigger-submit">
            {create.isPending ? "Creating…" : "Create trigger"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/** "Create a webhook trigger": the form, then its URL and secret (shown once) until "I have stored it". */
export function TriggerDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [created, setCreated] = useState<TriggerWithSecretOutput | null>(null);
  const close = (next: boolean) => {
    if (!next) setCreated(null);
    onOpenChange(next);
  };
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        className="sm:max-w-2xl"
        data-testid="trigger-dialog"
        onInteractOutside={(e) => {
          if (created) e.preventDefault();
        }}
      >
        <DialogHeader>
          <DialogTitle>{created ? "Your webhook trigger" : "Create a webhook trigger"}</DialogTitle>
          <DialogDescription>
            Each signed delivery to its URL starts a run of the agent or team, with the input the template makes of the payload.
          </DialogDescription>
        </DialogHeader>
        {created ? <TriggerSecret created={created} onDone={() => close(false)} /> : <TriggerForm onCreated={setCreated} />}
      </DialogContent>
    </Dialog>
  );
}
