"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { INPUT_PREFIX, inputClasses } from "@/components/ui/input";
import { cn } from "@/lib/cn";

export function GeneralSettings() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { workspace, can } = useWorkspace();
  const editable = can("settings:update");
  const [name, setName] = useState(workspace.name);
  const [slug, setSlug] = useState(workspace.slug);
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
        setName(updated.name);
        setSaved(true);
        await queryClient.invalidateQueries();
      },
    }),
  );

  const changed = name.trim() !== workspace.name || slug.trim().toLowerCase() !== workspace.slug;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const nextName = name.trim();
    const nextSlug = slug.trim().toLowerCase();
    update.mutate({
      ...(nextName !== workspace.name ? { name: nextName } : {}),
      ...(nextSlug !== workspace.slug ? { slug: nextSlug } : {}),
    });
  }

  return (
    <Card
      title="General"
      description={editable ? "Renaming the URL changes every link to this workspace; API keys keep working." : "Only owners and admins can change these."}
    >
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="settings-name">
            Name
          </label>
          <input
            className={inputClasses}
            id="settings-name"
            data-testid="settings-name"
            maxLength={80}
            readOnly={!editable}
            value={name}
            onChange={(e) => {
              setName(e.target.value);
              setSaved(false);
            }}
          />
        </div>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="settings-slug">
            URL
          </label>
          <div className="flex items-stretch">
            <span className={INPUT_PREFIX}>/w/</span>
            <input
              className={cn(inputClasses, "rounded-l-none")}
              id="settings-slug"
              data-testid="settings-slug"
              maxLength={48}
              autoCapitalize="off"
              spellCheck={false}
              readOnly={!editable}
              value={slug}
              onChange={(e) => {
                setSlug(e.target.value.toLowerCase());
                setSaved(false);
              }}
            />
          </div>
        </div>
        <FormError message={update.error ? errorMessage(update.error) : null} />
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
    </Card>
  );
}
