"use client";

import { useState, type FormEvent } from "react";
import { useRouter } from "next/navigation";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Field } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";
import { slugify } from "./slugify";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";

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
      <Field label="Workspace name" htmlFor="ws-name" hint="Your company, team or project.">
        <input
          className={inputClasses}
          id="ws-name"
          data-testid="ws-name"
          required
          maxLength={80}
          // biome-ignore lint/a11y/noAutofocus: the only field of a page whose sole purpose is this form
          autoFocus
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            if (!slugEdited) setSlug(slugify(e.target.value));
          }}
        />
      </Field>
      <Field
        label="URL"
        htmlFor="ws-slug"
        hint={
          <>
            Lowercase letters, digits and dashes. Your workspace will live at /w/<strong>{slug || "your-slug"}</strong>
          </>
        }
      >
        <div className="input-prefix">
          <span>/w/</span>
          <input
            className={inputClasses}
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
      </Field>
      <FormError message={create.error ? errorMessage(create.error) : null} />
      <Button className="w-full" type="submit" data-testid="ws-submit" disabled={create.isPending || create.isSuccess}>
        {create.isPending || create.isSuccess ? "Creating…" : "Create workspace"}
      </Button>
    </form>
  );
}
