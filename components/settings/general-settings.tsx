"use client";

import { useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { createWorkspaceInputSchema } from "@/lib/schemas/workspaces";
import { Card } from "@/components/ui/card";
import { applyServerErrors, Form, FormControl, FormField, FormItem, FormLabel, FormMessage, FormRootError, useZodForm } from "@/components/ui/form";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { INPUT_PREFIX, Input } from "@/components/ui/input";

export function GeneralSettings() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { workspace, can } = useWorkspace();
  const editable = can("settings:update");
  // the same rules as a new workspace's name and URL (the server's schema)
  const form = useZodForm(createWorkspaceInputSchema, { defaultValues: { name: workspace.name, slug: workspace.slug } });
  const [saved, setSaved] = useState(false);

  const update = useMutation(
    trpc.workspaces.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async (updated) => {
        if (updated.slug !== workspace.slug) {
          // the old URL no longer resolves: move first (new URL, fresh cache namespace), refetch nothing here
          router.replace(`/w/${updated.slug}/settings`);
          return;
        }
        form.reset({ name: updated.name, slug: updated.slug });
        setSaved(true);
        await queryClient.invalidateQueries();
      },
      onError: (error) => applyServerErrors(form, error),
    }),
  );

  const [name, slug] = form.watch(["name", "slug"]);
  const changed = name.trim() !== workspace.name || slug.trim().toLowerCase() !== workspace.slug;

  return (
    <Card
      title="General"
      description={editable ? "Renaming the URL changes every link to this workspace; API keys keep working." : "Only owners and admins can change these."}
    >
      <Form {...form}>
        <form
          className="grid gap-4 max-w-xl"
          onSubmit={form.handleSubmit((next) =>
            // only what changed is sent
            update.mutate({ ...(next.name !== workspace.name ? { name: next.name } : {}), ...(next.slug !== workspace.slug ? { slug: next.slug } : {}) }),
          )}
          onChange={() => setSaved(false)}
          noValidate
        >
          <FormField
            control={form.control}
            name="name"
            render={({ field }) => (
              <FormItem className="min-w-36 gap-1.5">
                <FormLabel>Name</FormLabel>
                <FormControl>
                  <Input {...field} data-testid="settings-name" maxLength={80} readOnly={!editable} />
                </FormControl>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormField
            control={form.control}
            name="slug"
            render={({ field }) => (
              <FormItem className="min-w-36 gap-1.5">
                <FormLabel>URL</FormLabel>
                <div className="flex items-stretch">
                  <span className={INPUT_PREFIX}>/w/</span>
                  <FormControl>
                    <Input
                      {...field}
                      className="rounded-l-none"
                      data-testid="settings-slug"
                      maxLength={48}
                      autoCapitalize="off"
                      spellCheck={false}
                      readOnly={!editable}
                      onChange={(e) => field.onChange(e.target.value.toLowerCase())}
                    />
                  </FormControl>
                </div>
                <FormMessage />
              </FormItem>
            )}
          />
          <FormRootError />
          {editable ? (
            <div className="flex flex-wrap items-center gap-2">
              <Button type="submit" data-testid="settings-save" disabled={!changed || update.isPending}>
                {update.isPending ? "Saving…" : "Save changes"}
              </Button>
              {saved && !changed ? (
                <span className="font-medium text-success" data-testid="settings-saved">
                  Saved
                </span>
              ) : null}
            </div>
          ) : null}
        </form>
      </Form>
    </Card>
  );
}
