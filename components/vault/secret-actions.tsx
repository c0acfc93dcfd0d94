"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { Input } from "@/components/ui/input";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { friendlyError } from "@/lib/schemas/messages";
import { secretValueSchema } from "@/lib/schemas/secrets";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

/** The inline "Replace value" form of one row: a password input, never pre-filled. */
function ReplaceValue({ secretId, name, onDone }: { secretId: string; name: string; onDone: (replaced: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [value, setValue] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const replace = useMutation(
    trpc.secrets.update.mutationOptions({
      onSuccess: () => onDone(true),
      onError: (e) => {
        setValue("");
        setProblem(errorMessage(e));
      },
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.secrets.list.pathKey() }),
    }),
  );
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = secretValueSchema.safeParse(value, { error: friendlyError });
    if (!parsed.success) return setProblem(parsed.error.issues[0]?.message ?? "Enter the secret value");
    setProblem(null);
    replace.mutate({ secretId, value });
  }
  return (
    <form className="flex flex-wrap items-center gap-2" onSubmit={onSubmit} noValidate autoComplete="off" data-testid="secret-replace-form">
      <label className="sr-only" htmlFor={`replace-${secretId}`}>
        New value of {name}
      </label>
      <Input
        id={`replace-${secretId}`}
        className="h-8 w-40"
        data-testid="secret-replace-value"
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        placeholder="New value"
        autoFocus
        aria-invalid={problem ? true : undefined}
        value={value}
        onChange={(e) => setValue(e.target.value)}
      />
      <Button type="submit" size="sm" data-testid="secret-replace-save" disabled={replace.isPending}>
        {replace.isPending ? "Saving…" : "Save"}
      </Button>
      <Button type="button" size="sm" variant="ghost" data-testid="secret-replace-cancel" onClick={() => onDone(false)}>
        Cancel
      </Button>
      {problem ? (
        <span className="w-full text-sm text-destructive" data-testid="form-error" role="alert">
          {problem}
        </span>
      ) : null}
    </form>
  );
}

/** A secret's row actions, as the role allows: replace its value, delete it. */
export function SecretActions({ secret }: { secret: { id: string; name: string } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { can } = useWorkspace();
  const [replacing, setReplacing] = useState(false);
  const remove = useMutation(
    trpc.secrets.delete.mutationOptions({
      onSuccess: () => toast.success(`Secret ${secret.name} deleted`),
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.secrets.list.pathKey() }),
    }),
  );
  if (replacing) {
    return (
      <ReplaceValue
        secretId={secret.id}
        name={secret.name}
        onDone={(replaced) => {
          setReplacing(false);
          if (replaced) toast.success(`The value of ${secret.name} was replaced.`);
        }}
      />
    );
  }
  return (
    <div className="flex flex-wrap justify-end gap-2">
      {can("secrets:update") ? (
        <Button size="sm" variant="outline" data-testid="secret-replace" onClick={() => setReplacing(true)}>
          Replace value
        </Button>
      ) : null}
      {can("secrets:delete") ? (
        <Button
          size="sm"
          variant="ghost"
          className="text-destructive hover:bg-destructive/10 hover:text-destructive"
          data-testid="secret-delete"
          disabled={remove.isPending}
          onClick={async () => {
            const ok = await confirm({
              title: `Delete the secret ${secret.name}?`,
              description: "Its value is destroyed and cannot be recovered.",
              confirmLabel: "Delete secret",
              destructive: true,
            });
            if (ok) remove.mutate({ secretId: secret.id });
          }}
        >
          {remove.isPending ? "Deleting…" : "Delete"}
        </Button>
      ) : null}
    </div>
  );
}
