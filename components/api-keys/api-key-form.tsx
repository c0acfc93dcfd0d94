"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
import { Button } from "@/components/ui/button";
import { Checkbox } from "@/components/ui/checkbox";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { Permission } from "@/lib/permissions";
import { createApiKeyInputSchema } from "@/lib/schemas/api-keys";
import { useTRPC } from "@/lib/trpc/react";
import { CreatedKey } from "./created-key";
import { grantableScopeGroups, resourceLabel } from "./scopes";

function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The key works until the end of the chosen day, in the browser's time zone. */
const endOfDay = (day: string): Date | undefined => (day ? new Date(`${day}T23:59:59`) : undefined);

function ApiKeyForm({ onCreated }: { onCreated: (key: { name: string; key: string }) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const groups = useMemo(() => grantableScopeGroups(can), [can]);
  const allScopes = useMemo(() => groups.flatMap((g) => g.scopes), [groups]);
  const form = useZodForm(createApiKeyInputSchema, { defaultValues: { name: "", scopes: [], expiresAt: undefined } });
  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (key) => {
        onCreated({ name: key.name, key: key.key });
        await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((v) => create.mutate(v))} noValidate data-testid="apikey-form">
        <div className="grid gap-4 sm:grid-cols-[1fr_auto]">
          <FormField
            control={form.control}
            name="name"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Name</FormLabel>
                <FormControl>
                  <Input {...field} placeholder="e.g. CI pipeline" maxLength={80} data-testid="apikey-name" />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="expiresAt"
            render={({ field }) => (
              <FormItem>
                <FormLabel>Expires (optional)</FormLabel>
                <FormControl>
                  <Input
                    type="date"
                    name={field.name}
                    ref={field.ref}
                    onBlur={field.onBlur}
                    min={isoDay(new Date())}
                    value={field.value instanceof Date && !Number.isNaN(field.value.getTime()) ? isoDay(field.value) : ""}
                    onChange={(e) => field.onChange(endOfDay(e.target.value))}
                    data-testid="apikey-expiry"
                  />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
        </div>
        <FormField
          control={form.control}
          name="scopes"
          render={({ field }) => {
            const chosen = new Set<Permission>(field.value);
            const set = (next: Set<Permission>) => field.onChange(allScopes.filter((s) => next.has(s)));
            const toggle = (scope: Permission, on: boolean) => {
              const next = new Set(chosen);
              if (on) next.add(scope);
              else next.delete(scope);
              set(next);
            };
            const allSelected = allScopes.length > 0 && allScopes.every((s) => chosen.has(s));
            return (
              <FormItem>
                <fieldset className="grid gap-3">
                  <legend className="mb-2 text-sm font-medium">Scopes</legend>
                  <div className="flex items-center gap-2">
                    <Checkbox
                      id="apikey-select-all"
                      data-testid="apikey-select-all"
                      checked={allSelected ? true : chosen.size > 0 ? "indeterminate" : false}
                      onCheckedChange={(on) => set(on === true ? new Set(allScopes) : new Set())}
                    />
                    <Label htmlFor="apikey-select-all">Select all ({allScopes.length})</Label>
                  </div>
                  <div className="grid max-h-72 grid-cols-2 gap-3 overflow-y-auto rounded-md border p-3 sm:grid-cols-3">
                    {groups.map((g) => (
                      <div key={g.resource} className="grid content-start gap-1.5">
                        <div className="text-xs font-semibold text-muted-foreground uppercase">{resourceLabel(g.resource)}</div>
                        {g.scopes.map((scope) => (
                          <div key={scope} className="flex items-center gap-2">
                            <Checkbox
                              id={`apikey-scope-${scope}`}
                              data-testid={`apikey-scope-${scope}`}
                              checked={chosen.has(scope)}
                              onCheckedChange={(on) => toggle(scope, on === true)}
                            />
                            <Label htmlFor={`apikey-scope-${scope}`} className="font-normal">
                              {scope.split(":")[1]}
                            </Label>
                          </div>
                        ))}
                      </div>
                    ))}
                  </div>
                </fieldset>
                <FormMessage />
              </FormItem>
            );
          }}
        />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={create.isPending} data-testid="apikey-submit">
            {create.isPending ? "Creating…" : "Create key"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/** "Create an API key": the form, then the new key (shown once, with a copy button) until "I have stored it" closes it. */
export function ApiKeyDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);
  const close = (next: boolean) => {
    if (!next) setCreated(null);
    onOpenChange(next);
  };
  return (
    <Dialog open={open} onOpenChange={close}>
      <DialogContent
        className="sm:max-w-2xl"
        data-testid="apikey-dialog"
        // the key is shown once: a stray click outside does not throw it away
        onInteractOutside={(e) => {
          if (created) e.preventDefault();
        }}
      >
        <DialogHeader>
          <DialogTitle>{created ? "Your new API key" : "Create an API key"}</DialogTitle>
          <DialogDescription>
            {created
              ? "Store it somewhere safe, such as your CI's secret store."
              : "A key acts in this workspace with the scopes you pick, never beyond your own role."}
          </DialogDescription>
        </DialogHeader>
        {created ? <CreatedKey name={created.name} apiKey={created.key} onDone={() => close(false)} /> : <ApiKeyForm onCreated={setCreated} />}
      </DialogContent>
    </Dialog>
  );
}
