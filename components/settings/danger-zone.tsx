"use client";

import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";

export function DangerZone() {
  const trpc = useTRPC();
  const { workspace } = useWorkspace();
  const [confirmSlug, setConfirmSlug] = useState("");
  const remove = useMutation(
    trpc.workspaces.delete.mutationOptions({
      // a full load: the workspace disappears from every cached list
      onSuccess: () => window.location.assign("/"),
    }),
  );
  const confirmed = confirmSlug.trim().toLowerCase() === workspace.slug;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (confirmed) remove.mutate({ confirmSlug: confirmSlug.trim() });
  }

  return (
    <Card
      tone="danger"
      title="Danger zone"
      description="Deleting the workspace hides it from every member at once, stops its API keys and cancels its runs. Its owners can restore it from their account page during the recovery window; after that it is purged with everything in it. The deletion is audited, and the audit log is kept for the retention period."
    >
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor="delete-confirm">
            Type <code>{workspace.slug}</code> to confirm
          </label>
          <input
            className={inputClasses}
            id="delete-confirm"
            data-testid="delete-confirm"
            autoComplete="off"
            autoCapitalize="off"
            spellCheck={false}
            value={confirmSlug}
            onChange={(e) => setConfirmSlug(e.target.value)}
          />
        </div>
        <FormError message={remove.error ? errorMessage(remove.error) : null} />
        <div>
          <Button variant="destructive" type="submit" data-testid="delete-workspace" disabled={!confirmed || remove.isPending || remove.isSuccess}>
            {remove.isPending || remove.isSuccess ? "Deleting…" : "Delete workspace"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
