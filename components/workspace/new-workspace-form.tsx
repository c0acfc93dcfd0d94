"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { FormError } from "@/components/ui/form-error";
import { slugify } from "./slugify";
import { Button } from "@/components/ui/button";
import { INPUT_PREFIX, Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";

export function NewWorkspaceForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState("");
  const [slugEdited, setSlugEdited] = useState(false);
  const create = useMutation(
    trpc.workspaces.create.mutationOptions({
      onSuccess: async (workspace) => {
        await queryClient.invalidateQueries();
        router.push(`/w/${workspace.slug}`);
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    create.mutate({ name: name.trim(), slug: slug.trim() });
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <div className="grid gap-2">
        <Label htmlFor="ws-name">Workspace name</Label>
        <Input
          id="ws-name"
          data-testid="ws-name"
          required
          maxLength={80}
          autoFocus
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (!slugEdited) setSlug(slugify(e.target.value));
          }}
        />
        <p className="text-sm text-muted-foreground">Your company, team or project.</p>
      </div>
      <div className="grid gap-2">
        <Label htmlFor="ws-slug">URL</Label>
        <div className="flex items-stretch">
          <span className={INPUT_PREFIX}>/w/</span>
          <Input
            className="rounded-l-none"
            id="ws-slug"
            data-testid="ws-slug"
            required
            minLength={3}
            maxLength={48}
            autoCapitalize="off"
            spellCheck={false}
            value={slug}
            onChange={(e) => {
              setSlugEdited(true);
              setSlug(e.target.value.toLowerCase());
            }}
          />
        </div>
        <p className="text-sm text-muted-foreground">
          Lowercase letters, digits and dashes. Your workspace will live at /w/<strong>{slug || "your-slug"}</strong>
        </p>
      </div>
      <FormError message={create.error ? errorMessage(create.error) : null} />
      <Button className="w-full" type="submit" data-testid="ws-submit" disabled={create.isPending || create.isSuccess}>
        {create.isPending || create.isSuccess ? "Creating…" : "Create workspace"}
      </Button>
    </form>
  );
}
