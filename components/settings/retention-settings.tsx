"use client";

import { useEffect, useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";

type Field = "runEventsDays" | "stepPayloadsDays" | "usageDays" | "auditDays";

const FIELDS: { key: Field; label: string; help: string }[] = [
  { key: "runEventsDays", label: "Run events", help: "the live progress of finished runs (the run, its steps and its result stay)" },
  { key: "stepPayloadsDays", label: "Step inputs and outputs", help: "what each step of a finished run saw and answered (tokens and cost stay)" },
  { key: "usageDays", label: "Usage rows", help: "one row per model call (0 or at least 35 days: budgets read the current month)" },
  { key: "auditDays", label: "Audit entries", help: "who changed what" },
];

/** How long the workspace keeps each kind of data: its own number of days, or the server's default when empty. */
export function RetentionSettings() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const editable = can("settings:update");
  const settings = useQuery(trpc.workspaces.retention.queryOptions());
  const [draft, setDraft] = useState<Record<Field, string>>({ runEventsDays: "", stepPayloadsDays: "", usageDays: "", auditDays: "" });
  const [saved, setSaved] = useState(false);
  const [invalid, setInvalid] = useState<string | null>(null);

  useEffect(() => {
    if (!settings.data) return;
    const p = settings.data.policy;
    setDraft({
      runEventsDays: p.runEventsDays === null ? "" : String(p.runEventsDays),
      stepPayloadsDays: p.stepPayloadsDays === null ? "" : String(p.stepPayloadsDays),
      usageDays: p.usageDays === null ? "" : String(p.usageDays),
      auditDays: p.auditDays === null ? "" : String(p.auditDays),
    });
  }, [settings.data]);

  const update = useMutation(
    trpc.workspaces.updateRetention.mutationOptions({
      onMutate: () => setSaved(false),
      onSuccess: async () => {
        setSaved(true);
        await queryClient.invalidateQueries(trpc.workspaces.retention.queryFilter());
      },
    }),
  );

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const patch: Partial<Record<Field, number | null>> = {};
    for (const { key, label } of FIELDS) {
      const raw = draft[key].trim();
      const value = raw === "" ? null : Number(raw);
      if (value !== null && (!Number.isInteger(value) || value < 0 || value > 36_500)) {
        setInvalid(`${label}: enter a whole number of days (0 keeps forever), or leave it empty for the default`);
        return;
      }
      patch[key] = value;
    }
    setInvalid(null);
    update.mutate(patch);
  }

  const defaults = settings.data?.defaults;
  return (
    <Card
      title="Data retention"
      description="How long this workspace keeps each kind of data, in days. Older data is removed by a periodic purge. Empty: the server's default; 0: keep forever."
    >
      {settings.error ? <FormError message={errorMessage(settings.error)} /> : null}
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate data-testid="retention-form">
        {FIELDS.map(({ key, label, help }) => (
          <div className="grid min-w-36 gap-1.5" key={key}>
            <label className="text-sm font-medium" htmlFor={`retention-${key}`}>
              {label}
            </label>
            <input
              className={inputClasses}
              id={`retention-${key}`}
              data-testid={`retention-${key}`}
              inputMode="numeric"
              placeholder={defaults ? `${defaults[key]} (default)` : ""}
              readOnly={!editable}
              value={draft[key]}
              onChange={(e) => {
                setDraft({ ...draft, [key]: e.target.value });
                setSaved(false);
              }}
            />
            <p className="text-muted-foreground">{help}</p>
          </div>
        ))}
        <FormError message={invalid ?? (update.error ? errorMessage(update.error) : null)} />
        {editable ? (
          <div className="flex flex-wrap items-center gap-2">
            <Button type="submit" data-testid="retention-save" disabled={update.isPending || !settings.data}>
              {update.isPending ? "Saving…" : "Save retention"}
            </Button>
            {saved ? (
              <span className="font-medium text-success" data-testid="retention-saved">
                Saved
              </span>
            ) : null}
          </div>
        ) : null}
      </form>
    </Card>
  );
}
