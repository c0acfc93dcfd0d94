"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
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
import { createSecretInputSchema } from "@/lib/schemas/secrets";
import { useTRPC } from "@/lib/trpc/react";

/** Stores a secret. The value field is a password input; the value is never shown again. */
function SecretForm({ onSaved }: { onSaved: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const form = useZodForm(createSecretInputSchema, { defaultValues: { name: "", description: "", value: "" } });
  const create = useMutation(
    trpc.secrets.create.mutationOptions({
      onSuccess: async (secret) => {
        toast.success(`Secret ${secret.name} saved`);
        await queryClient.invalidateQueries({ queryKey: trpc.secrets.list.pathKey() });
        onSaved();
      },
      onError: (error) => {
        // whatever happened, the value does not linger in the form's state longer than needed
        form.setValue("value", "");
        applyServerErrors(form, error);
      },
    }),
  );

  return (
    <Form {...form}>
      <form
        className="grid gap-4"
        onSubmit={form.handleSubmit((v) => create.mutate({ name: v.name, description: v.description || undefined, value: v.value }))}
        noValidate
        autoComplete="off"
        data-testid="secret-form"
      >
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Name</FormLabel>
              <FormControl>
                <Input {...field} placeholder="OPENAI_API_KEY" maxLength={64} autoComplete="off" spellCheck={false} data-testid="secret-name" />
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
                <Input {...field} value={field.value ?? ""} placeholder="Production key, billed to team X" maxLength={500} data-testid="secret-description" />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="value"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Value</FormLabel>
              <FormControl>
                <Input {...field} type="password" autoComplete="new-password" spellCheck={false} placeholder="Paste the value" data-testid="secret-value" />
              </FormControl>
              <FormDescription>Write-only: after saving, the value is never shown again (the list shows its last 4 characters at most).</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <DialogFooter>
          <Button type="submit" disabled={create.isPending} data-testid="secret-submit">
            {create.isPending ? "Saving…" : "Save secret"}
          </Button>
        </DialogFooter>
      </form>
    </Form>
  );
}

/** The "Add a secret" dialog; it closes once the secret is saved (the form, value included, is discarded on close). */
export function SecretDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent data-testid="secret-dialog">
        <DialogHeader>
          <DialogTitle>Add a secret</DialogTitle>
          <DialogDescription>e.g. a provider's API key. Reference it by name from a provider connection.</DialogDescription>
        </DialogHeader>
        <SecretForm onSaved={() => onOpenChange(false)} />
      </DialogContent>
    </Dialog>
  );
}
