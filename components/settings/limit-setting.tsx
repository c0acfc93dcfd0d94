"use client";

import { useState, type FormEvent, type ReactNode } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";

type LimitField = "apiRateLimitPerMinute" | "runStepLimit";

/**
 * A workspace limit stored as a whole number, or empty for the server's default: one card, one field of
 * `workspaces.update`, saved by owners and admins (`settings:update`), read-only for the others.
 */
export function LimitSetting(props: {
  field: LimitField;
  current: number | null;
  serverDefault: number;
  max: number;
  title: string;
  description: ReactNode;
  label: string;
  /** the input's id and data-testid; the save button and the saved mark add `-save` / `-saved` */
  id: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("settings:update");
  const { current, max, id } = props;
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
    if (next !== null && (!Number.isInteger(next) || next < 1 || next > max)) {
      setInvalid(`Enter a whole number from 1 to ${max}, or leave it empty for the default`);
      return;
    }
    setInvalid(null);
    update.mutate({ [props.field]: next });
  }

  return (
    <Card title={props.title} description={props.description}>
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
        <div className="grid min-w-36 gap-1.5">
          <label className="text-sm font-medium" htmlFor={id}>
            {props.label}
          </label>
          <input
            className={inputClasses}
            id={id}
            data-testid={id}
            inputMode="numeric"
            placeholder={`${props.serverDefault} (default)`}
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
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit" data-testid={`${id}-save`} disabled={!changed || update.isPending}>
              {update.isPending ? "Saving…" : "Save limit"}
            </Button>
            {saved && !changed ? (
              <span className="font-medium text-success" data-testid={`${id}-saved`}>
                Saved
              </span>
            ) : null}
          </div>
        ) : null}
      </form>
    </Card>
  );
}
