"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";

/** The step limit per run: the workspace's own, or the server's default when left empty. */
export function RunLimits() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { workspace, can } = useWorkspace();
  const editable = can("settings:update");
  const current = workspace.runStepLimit;
  const [draft, setDraft] = useState(current === null ? "" : String(current));
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);

  const update = useMutation(
    trpc.workspaces.update.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries();
      },
    }),
  );

  const next = draft.trim() === "" ? null : Number(draft.trim());
  const changed = next !== current;

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (next !== null && (!Number.isInteger(next) || next < 1 || next > workspace.runStepLimitMax)) {
      setInvalid(`Enter a whole number from 1 to ${workspace.runStepLimitMax}, or leave it empty for the default`);
      return;
    }
    setInvalid(null);
    update.mutate({ runStepLimit: next });
  }

  return (
    <Card
      title="Steps per run"
      description={`The most steps one run may make. A team whose worst case (every round, iteration and fan-out to its bound, nested teams included) is above it cannot be saved or started, and a run stops when it reaches it. Server default: ${workspace.runStepLimitDefault}; at most ${workspace.runStepLimitMax}.`}
    >
      <form className="form form-narrow" onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor="settings-run-step-limit">Step limit per run</label>
          <input
            id="settings-run-step-limit"
            data-testid="settings-run-step-limit"
            inputMode="numeric"
            placeholder={`${workspace.runStepLimitDefault} (default)`}
            readOnly={!editable}
            value={draft}
            onChange={(e) => {
              setDraft(e.target.value);
              setSaved(false);
            }}
          />
        </div>
        <FormError message={invalid ?? (update.error ? errorMessage(update.error) : null)} />
        {editable ? (
          <div className="button-row">
            <button type="submit" className="btn btn-primary" data-testid="settings-run-step-limit-save" disabled={!changed || update.isPending}>
              {update.isPending ? "Saving…" : "Save limit"}
            </button>
            {saved && !changed ? (
              <span className="success-text" data-testid="settings-run-step-limit-saved">
                Saved
              </span>
            ) : null}
          </div>
        ) : null}
      </form>
    </Card>
  );
}
