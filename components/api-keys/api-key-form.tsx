"use client";

import { useMemo, useState, type FormEvent } from "react";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { Permission } from "@/lib/permissions";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { InputField } from "@/components/ui/field";
import { SubmitButton } from "@/components/ui/submit-button";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { CreatedKey } from "./created-key";
import { grantableScopeGroups, resourceLabel } from "./scopes";

function isoDay(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function ApiKeyForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const groups = useMemo(() => grantableScopeGroups(can), [can]);
  const allScopes = useMemo(() => groups.flatMap((g) => g.scopes), [groups]);

  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<ReadonlySet<Permission>>(new Set());
  const [expiry, setExpiry] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const [created, setCreated] = useState<{ name: string; key: string } | null>(null);

  const create = useMutation(
    trpc.apiKeys.create.mutationOptions({
      onSuccess: async (key) => {
        setCreated({ name: key.name, key: key.key });
        setName("");
        setScopes(new Set());
        setExpiry("");
        await queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() });
      },
    }),
  );

  const allSelected = allScopes.length > 0 && allScopes.every((s) => scopes.has(s));
  const toggle = (scope: Permission, on: boolean) =>
    setScopes((prev) => {
      const next = new Set(prev);
      if (on) next.add(scope);
      else next.delete(scope);
      return next;
    });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLocalError(null);
    if (!name.trim()) return setLocalError("Enter a name for the key");
    if (scopes.size === 0) return setLocalError("Pick at least one scope");
    let expiresAt: Date | undefined;
    if (expiry) {
      // the key works until the end of the chosen day, in the browser's time zone
      expiresAt = new Date(`${expiry}T23:59:59`);
      if (Number.isNaN(expiresAt.getTime())) return setLocalError("Enter a valid expiry date");
      if (expiresAt.getTime() <= Date.now()) return setLocalError("The expiry must be in the future");
    }
    create.mutate({ name: name.trim(), scopes: [...scopes], expiresAt });
  }

  return (
    <Card title="Create an API key" description="A key acts in this workspace with the scopes you pick, never beyond your own role." testId="apikey-form">
      {created ? <CreatedKey name={created.name} apiKey={created.key} onDone={() => setCreated(null)} /> : null}
      <form className="form" onSubmit={onSubmit} noValidate>
        <div className="form-row">
          <InputField label="Name" id="apikey-name" grow placeholder="e.g. CI pipeline" maxLength={80} value={name} onValueChange={setName} />
          <InputField label="Expires (optional)" id="apikey-expiry" type="date" min={isoDay(new Date())} value={expiry} onValueChange={setExpiry} />
        </div>

        <fieldset className="scopes">
          <legend>Scopes</legend>
          <label className="checkbox select-all">
            <input
              type="checkbox"
              data-testid="apikey-select-all"
              checked={allSelected}
              onChange={(e) => setScopes(e.target.checked ? new Set(allScopes) : new Set())}
            />
            Select all ({allScopes.length})
          </label>
          <div className="scope-groups">
            {groups.map((g) => (
              <div key={g.resource} className="scope-group">
                <div className="scope-group-title">{resourceLabel(g.resource)}</div>
                {g.scopes.map((scope) => (
                  <label key={scope} className="checkbox">
                    <input
                      type="checkbox"
                      data-testid={`apikey-scope-${scope}`}
                      checked={scopes.has(scope)}
                      onChange={(e) => toggle(scope, e.target.checked)}
                    />
                    <span>{scope.split(":")[1]}</span>
                  </label>
                ))}
              </div>
            ))}
          </div>
        </fieldset>

        <FormError message={localError ?? (create.error ? errorMessage(create.error) : null)} />
        <div>
          <SubmitButton testId="apikey-submit" pending={create.isPending} pendingLabel="Creating…">
            Create key
          </SubmitButton>
        </div>
      </form>
    </Card>
  );
}
