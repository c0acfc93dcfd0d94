"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { createWebhookInputSchema, WEBHOOK_EVENT_LABELS, WEBHOOK_EVENT_TYPES, type WebhookEventType, type WebhookOutput } from "@/lib/schemas/webhooks";
import { useTRPC } from "@/lib/trpc/react";
import { ShownSecret } from "./shown-secret";

function WebhookForm({ editing, onSaved }: { editing: WebhookOutput | null; onSaved: (secret: string | null) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createWebhookInputSchema, {
    defaultValues: {
      url: editing?.url ?? "",
      description: editing?.description ?? "",
      eventTypes: editing?.eventTypes ?? [],
      enabled: editing?.enabled ?? true,
    },
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.list.pathKey() });
  const create = useMutation(
    trpc.webhooks.create.mutationOptions({
      onSuccess: async (hook) => {
        onSaved(hook.secret);
        await refresh();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const update = useMutation(
    trpc.webhooks.update.mutationOptions({
      onSuccess: async () => {
        onSaved(null);
        await refresh();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const pending = create.isPending || update.isPending;
  return (
    <Form {...form}>
      <form
        className="grid gap-4"
        noValidate
        data-testid="webhook-form"
        onSubmit={form.handleSubmit((v) =>
          editing ? update.mutate({ webhookId: editing.id, url: v.url, description: v.description, eventTypes: v.eventTypes }) : create.mutate(v),
        )}
      >
        <FormField
          control={form.control}
          name="url"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Endpoint URL</FormLabel>
              <FormControl>
                <Input {...field} placeholder="https://example.com/hooks/cadre" inputMode="url" data-testid="webhook-url" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="description"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Description (optional)</FormLabel>
              <FormControl>
                <Input {...field} placeholder="e.g. Notify the on-call channel" maxLength={500} data-testid="webhook-description" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="eventTypes"
          render={({ field }) => {
            const chosen = new Set<WebhookEventType>(field.value);
            const toggle = (type: WebhookEventType, on: boolean) => {
              if (on) chosen.add(type);
              else chosen.delete(type);
              field.onChange(WEBHOOK_EVENT_TYPES.filter((t) => chosen.has(t)));
            };
            return (
              <FormItem>
                <fieldset className="grid gap-2">
                  <legend className="mb-1 text-sm font-medium">Events</legend>
                  {WEBHOOK_EVENT_TYPES.map((type) => (
                    <div key={type} className="flex items-center gap-2">
                      <Checkbox
                        id={`webhook-event-${type}`}
                        data-testid={`webhook-event-${type}`}
                        checked={chosen.has(type)}
                        onCheckedChange={(on) => toggle(type, on === true)}
                      />
                      <Label htmlFor={`webhook-event-${type}`} className="font-normal">
                        <code className="font-mono text-xs">{type}</code> — {WEBHOOK_EVENT_LABELS[type]}
                      </Label>
                    </div>
                  ))}
                </fieldset>
                <FormMessage />
              </FormItem>
            );
          }}
        />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={pending} data-testid="webhook-submit">
            {pending ? "Saving…" : editing ? "Save changes" : "Create webhook"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/** Create a webhook (then its secret, shown once) or edit one: URL, description, events. */
export function WebhookDialog({
  open,
  onOpenChange,
  editing = null,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  editing?: WebhookOutput | null;
}) {
  const [secret, setSecret] = useState<string | null>(null);
  const close = (next: boolean) => {
    if (!next) setSecret(null);
    onOpenChange(next);
  };
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        className="sm:max-w-xl"
        data-testid="webhook-dialog"
        onInteractOutside={(e) => {
          if (secret) e.preventDefault();
        }}
      >
        <DialogHeader>
          <DialogTitle>{secret ? "Your webhook's signing secret" : editing ? "Edit the webhook" : "Create a webhook"}</DialogTitle>
          <DialogDescription>
            {secret
              ? "Store it with the receiver: it verifies that requests come from Cadre."
              : "Cadre POSTs the events you pick to this URL, signed as Standard Webhooks says, and retries failed deliveries for 24 hours."}
          </DialogDescription>
        </DialogHeader>
        {secret ? (
          <ShownSecret secret={secret} rotated={false} onDone={() => close(false)} />
        ) : (
          <WebhookForm editing={editing} onSaved={(s) => (s ? setSecret(s) : close(false))} />
        )}
      </DialogContent>
    </Dialog>
  );
}
