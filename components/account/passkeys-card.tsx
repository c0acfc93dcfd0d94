"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { startRegistration } from "@simplewebauthn/browser";
import { useTRPC, useTRPCClient } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { passkeyNameSchema } from "@/lib/schemas/passkeys";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { formatDateTime } from "@/components/ui/format";
import { useConfirm } from "@/components/ui/confirm";
import { passkeyCeremonyError } from "@/components/auth/passkey-errors";

interface PasskeyRow {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

function AddPasskey({ onAdded }: { onAdded: () => void }) {
  const client = useTRPCClient();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = passkeyNameSchema.safeParse(name);
    if (!parsed.success) return setError(parsed.error.issues[0]?.message ?? "Name the passkey");
    setError(null);
    setPending(true);
    try {
      const optionsJSON = await client.account.passkeys.registrationOptions.mutate();
      const response = await startRegistration({ optionsJSON });
      await client.account.passkeys.register.mutate({ name: parsed.data, response });
      setName("");
      onAdded();
    } catch (e) {
      setError(passkeyCeremonyError(e) ?? errorMessage(e));
    } finally {
      setPending(false);
    }
  }
  return (
    <form className="grid gap-2 max-w-xl" onSubmit={onSubmit} noValidate>
      <Label htmlFor="passkey-name">Name of the new passkey</Label>
      <div className="flex gap-2">
        <Input
          id="passkey-name"
          data-testid="passkey-name"
          placeholder="e.g. Work laptop"
          maxLength={64}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <Button type="submit" data-testid="passkey-add" disabled={pending}>
          Add a passkey
        </Button>
      </div>
      <FormError message={error} />
    </form>
  );
}

function PasskeyItem({ passkey, onChanged }: { passkey: PasskeyRow; onChanged: () => void }) {
  const trpc = useTRPC();
  const confirm = useConfirm();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(passkey.name);
  const rename = useMutation(
    trpc.account.passkeys.rename.mutationOptions({
      onSuccess: () => {
        setEditing(false);
        onChanged();
      },
    }),
  );
  const remove = useMutation(trpc.account.passkeys.remove.mutationOptions({ onSuccess: onChanged }));
  function onRename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    rename.mutate({ id: passkey.id, name: name.trim() });
  }
  async function onRemove() {
    const ok = await confirm({
      title: `Remove the passkey "${passkey.name}"?`,
      description: "It will no longer sign you in or confirm it is you.",
      confirmLabel: "Remove",
      destructive: true,
    });
    if (ok) remove.mutate({ id: passkey.id });
  }
  const error = rename.error ?? remove.error;
  return (
    <li className="grid gap-1 border-b py-2 last:border-b-0" data-testid="passkey-item">
      {editing ? (
        <form className="flex gap-2" onSubmit={onRename} noValidate>
          <Input aria-label="Passkey name" maxLength={64} value={name} onChange={(e) => setName(e.target.value)} />
          <Button type="submit" size="sm" disabled={rename.isPending}>
            Save
          </Button>
          <Button type="button" size="sm" variant="ghost" onClick={() => setEditing(false)}>
            Cancel
          </Button>
        </form>
      ) : (
        <div className="flex items-center justify-between gap-2">
          <div>
            <p className="text-sm font-medium">{passkey.name}</p>
            <p className="text-xs text-muted-foreground">
              Added {formatDateTime(passkey.createdAt)} · {passkey.lastUsedAt ? `last used ${formatDateTime(passkey.lastUsedAt)}` : "never used"}
            </p>
          </div>
          <div className="flex gap-2">
            <Button size="sm" variant="outline" aria-label={`Rename ${passkey.name}`} onClick={() => setEditing(true)}>
              Rename
            </Button>
            <Button size="sm" variant="destructive" aria-label={`Remove ${passkey.name}`} onClick={() => void onRemove()} disabled={remove.isPending}>
              Remove
            </Button>
          </div>
        </div>
      )}
      <FormError message={error ? errorMessage(error) : null} />
    </li>
  );
}

/** Passkeys: each one is a second factor (sign-in asks for it, or a code, after the password). */
export function PasskeysCard() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.account.passkeys.list.queryOptions());
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.account.passkeys.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.account.mfa.status.queryKey() });
  };
  return (
    <Card title="Passkeys" description="A passkey (your device's screen lock or a security key) can replace the authenticator app's code after your password.">
      <div className="grid gap-3" data-testid="passkeys-card">
        {list.isError ? <FormError message={errorMessage(list.error)} /> : null}
        {list.data?.length === 0 ? <p className="text-sm text-muted-foreground">No passkeys yet.</p> : null}
        {list.data?.length ? (
          <ul aria-label="Your passkeys">
            {list.data.map((p) => (
              <PasskeyItem key={p.id} passkey={p} onChanged={refresh} />
            ))}
          </ul>
        ) : null}
        <AddPasskey onAdded={refresh} />
      </div>
    </Card>
  );
}
