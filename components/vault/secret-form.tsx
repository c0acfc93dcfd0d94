"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { InputField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { nameProblem, valueProblem } from "./names";

/** Stores a secret. The value field is a password input, cleared after saving; the value is never shown again. */
export function SecretForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [value, setValue] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);

  const create = useMutation(
    trpc.secrets.create.mutationOptions({
      onSuccess: async (secret) => {
        setSaved(secret.name);
        setName("");
        setDescription("");
        setValue("");
        await queryClient.invalidateQueries({ queryKey: trpc.secrets.list.pathKey() });
      },
      // whatever happened, the value does not linger in the form's state longer than needed
      onError: () => setValue(""),
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    setSaved(null);
    const problem = nameProblem(name) ?? valueProblem(value);
    if (problem) return setLocalError(problem);
    create.mutate({ name: name.trim(), description: description.trim() || undefined, value });
  }

  return (
    <Card title="Add a secret" description="e.g. a provider's API key. Reference it by name from a provider connection.">
      <form className="form" onSubmit={onSubmit} noValidate data-testid="secret-form" autoComplete="off">
        <div className="form-row">
          <InputField
            label="Name"
            id="secret-name"
            grow
            placeholder="OPENAI_API_KEY"
            maxLength={64}
            autoComplete="off"
            spellCheck={false}
            value={name}
            onValueChange={setName}
          />
          <InputField
            label="Description (optional)"
            id="secret-description"
            grow
            placeholder="Production key, billed to team X"
            maxLength={500}
            value={description}
            onValueChange={setDescription}
          />
        </div>
        <InputField
          label="Value"
          id="secret-value"
          hint="Write-only: after saving, the value is never shown again (the list shows its last 4 characters at most)."
          type="password"
          autoComplete="new-password"
          spellCheck={false}
          placeholder="Paste the value"
          value={value}
          onValueChange={setValue}
        />
        <FormError message={localError ?? (create.error ? errorMessage(create.error) : null)} />
        {saved ? (
          <p className="success-text" data-testid="secret-saved" role="status">
            Secret <strong>{saved}</strong> saved.
          </p>
        ) : null}
        <div>
          <SubmitButton testId="secret-submit" pending={create.isPending} pendingLabel="Saving…">
            Save secret
          </SubmitButton>
        </div>
      </form>
    </Card>
  );
}
