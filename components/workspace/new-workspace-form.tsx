"use client";

import { useRef } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createWorkspaceInputSchema } from "@/lib/schemas/workspaces";
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
import { slugify } from "./slugify";
import { Button } from "@/components/ui/button";
import { INPUT_PREFIX, Input } from "@/components/ui/input";

/** A new workspace: its name, and its URL slug (derived from the name until it is typed), on the server's schema. */
export function NewWorkspaceForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const form = useZodForm(createWorkspaceInputSchema, { defaultValues: { name: "", slug: "" } });
  const slugEdited = useRef(false);
  const create = useMutation(
    trpc.workspaces.create.mutationOptions({
      onSuccess: async (workspace) => {
        await queryClient.invalidateQueries();
        router.push(`/w/${workspace.slug}`);
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );
  const slug = form.watch("slug");

  return (
    <Form {...form}>
      <form className="grid gap-4" onSubmit={form.handleSubmit((values) => create.mutate(values))} noValidate>
        <FormField
          control={form.control}
          name="name"
          render={({ field }) => (
            <FormItem>
              <FormLabel>Workspace name</FormLabel>
              <FormControl>
                <Input
                  {...field}
                  data-testid="ws-name"
                  maxLength={80}
                  autoFocus
                  onChange={(e) => {
                    field.onChange(e);
                    if (!slugEdited.current) form.setValue("slug", slugify(e.target.value), { shouldValidate: form.formState.isSubmitted });
                  }}
                />
              </FormControl>
              <FormDescription>Your company, team or project.</FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormField
          control={form.control}
          name="slug"
          render={({ field }) => (
            <FormItem>
              <FormLabel>URL</FormLabel>
              <div className="flex items-stretch">
                <span className={INPUT_PREFIX}>/w/</span>
                <FormControl>
                  <Input
                    {...field}
                    className="rounded-l-none"
                    data-testid="ws-slug"
                    maxLength={48}
                    autoCapitalize="off"
                    spellCheck={false}
                    onChange={(e) => {
                      slugEdited.current = true;
                      field.onChange(e.target.value.toLowerCase());
                    }}
                  />
                </FormControl>
              </div>
              <FormDescription>
                Lowercase letters, digits and dashes. Your workspace will live at /w/<strong>{slug || "your-slug"}</strong>
              </FormDescription>
              <FormMessage />
            </FormItem>
          )}
        />
        <FormRootError />
        <Button className="w-full" type="submit" data-testid="ws-submit" disabled={create.isPending || create.isSuccess}>
          {create.isPending || create.isSuccess ? "Creating…" : "Create workspace"}
        </Button>
      </form>
    </Form>
  );
}
