"use client";

import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createOrganizationInputSchema } from "@/lib/schemas/organizations";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";

/** Creates an organisation; its creator becomes its owner and lands on its settings. */
export function CreateOrgForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const form = useZodForm(createOrganizationInputSchema, { defaultValues: { name: "", slug: "" } });
  const create = useMutation(
    trpc.orgs.create.mutationOptions({
      onSuccess: (org) => router.push(`/orgs/${org.slug}/settings`),
      onError: (e) => applyServerErrors(form, e),
    }),
  );
  return (
    <Form {...form}>
      <form className="grid max-w-md gap-3" noValidate onSubmit={form.handleSubmit((v) => create.mutate(v))}>
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem className="gap-1.5">
              <FormLabel>Organisation name</FormLabel>
              <FormControl>
                <Input {...field} data-testid="org-create-name" maxLength={80} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="slug"
          render={({ field }) => (
            <FormItem className="gap-1.5">
              <FormLabel>URL</FormLabel>
              <FormControl>
                <Input {...field} data-testid="org-create-slug" maxLength={48} onChange={(e) => field.onChange(e.target.value.toLowerCase())} />
              </FormControl>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <Button type="submit" data-testid="org-create-submit" disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create organisation"}
        </Button>
      </form>
    </Form>
  );
}
