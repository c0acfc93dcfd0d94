"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";

/** The REST rate limit per API key: the workspace's own, or the server's default when left empty. */
export function ApiLimits() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { workspace, can } = useWorkspace();
  const editable = can("settings:update");
  const current = workspace.apiRateLimitPerMinute;
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
    if (next !== null && (!Number.isInteger(next) || next < 1 || next > 100_000)) {
      setInvalid("Enter a whole number from 1 to 100000, or leave it empty for the default");
      return;
    }
    setInvalid(null);
    update.mutate({ apiRateLimitPerMinute: next });
  }

  return (
    <Card
      title="API rate limit"
      description={`REST requests per minute for each API key of this workspace. Over the limit, requests get 429 with Retry-After. Server default: ${workspace.apiRateLimitDefault}.`}
    >
      <form className="form form-narrow" onSubmit={onSubmit} noValidate>
        <div className="field">
          <label htmlFor="settings-rate-limit">Requests per minute per key</label>
          <input
            id="settings-rate-limit"
            data-testid="settings-rate-limit"
            inputMode="numeric"
            placeholder={`${workspace.apiRateLimitDefault} (default)`}
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
            <button type="submit" className="btn btn-primary" data-testid="settings-rate-limit-save" disabled={!changed || update.isPending}>
              {update.isPending ? "Saving…" : "Save limit"}
            </button>
            {saved && !changed ? (
              <span className="success-text" data-testid="settings-rate-limit-saved">
                Saved
              </span>
            ) : null}
          </div>
        ) : null}
      </form>
    </Card>
  );
}
