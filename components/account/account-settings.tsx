"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { passwordProblem } from "@/lib/schemas/auth";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";
import { Button } from "@/components/ui/button";
import { downloadFile } from "@/components/ui/download";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { ChangeEmail, TwoFactorCard } from "./security-settings";
import { PasskeysCard } from "./passkeys-card";

/** Every session of the user ended on the server: clear this browser's cookie too, then sign in again. */
async function backToSignIn(email: string) {
  try {
    await signOut({ redirect: false });
  } finally {
    window.location.assign(`/sign-in?email=${encodeURIComponent(email)}`);
  }
}

function ChangePassword({ email }: { email: string }) {
  const trpc = useTRPC();
  const [currentPassword, setCurrent] = useState("");
  const [newPassword, setNew] = useState("");
  const [confirm, setConfirm] = useState("");
  const [localError, setLocalError] = useState<string | null>(null);
  const change = useMutation(trpc.account.changePassword.mutationOptions({ onSuccess: () => void backToSignIn(email) }));

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = passwordProblem(newPassword, email) ?? (newPassword !== confirm ? "The two new passwords differ" : null);
    setLocalError(problem);
    if (!problem) change.mutate({ currentPassword, newPassword });
  }

  return (
    <Card title="Change password" description="Changing your password signs you out everywhere, this browser included: sign in again with the new one.">
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
        <div className="grid gap-2">
          <Label htmlFor="current-password">Current password</Label>
          <Input
            id="current-password"
            data-testid="current-password"
            type="password"
            autoComplete="current-password"
            required
            value={currentPassword}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="new-password">New password</Label>
          <Input
            id="new-password"
            data-testid="new-password"
            type="password"
            autoComplete="new-password"
            required
            value={newPassword}
            onChange={(e) => setNew(e.target.value)}
          />
          <p className="text-sm text-muted-foreground">At least 10 characters, mixing letters with digits or symbols.</p>
        </div>
        <div className="grid gap-2">
          <Label htmlFor="confirm-password">Repeat the new password</Label>
          <Input
            id="confirm-password"
            data-testid="confirm-password"
            type="password"
            autoComplete="new-password"
            required
            value={confirm}
            onChange={(e) => setConfirm(e.target.value)}
          />
        </div>
        <FormError message={localError ?? (change.error ? errorMessage(change.error) : null)} />
        <div>
          <Button type="submit" data-testid="change-password" disabled={change.isPending || change.isSuccess}>
            {change.isPending || change.isSuccess ? "Changing…" : "Change password"}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function SignOutEverywhere({ email }: { email: string }) {
  const trpc = useTRPC();
  const end = useMutation(trpc.account.signOutEverywhere.mutationOptions({ onSuccess: () => void backToSignIn(email) }));
  return (
    <Card
      title="Sign out everywhere"
      description="Ends every session of your account at once, in every browser and device (this one too). Use it if you signed in on a shared computer or think someone else has your session. API keys are not affected: revoke them in each workspace."
    >
      <FormError message={end.error ? errorMessage(end.error) : null} />
      <Button variant="destructive" data-testid="sign-out-everywhere" disabled={end.isPending || end.isSuccess} onClick={() => end.mutate()}>
        {end.isPending || end.isSuccess ? "Signing out…" : "Sign out everywhere"}
      </Button>
    </Card>
  );
}

/** Deleted workspaces the person owns, restorable until their recovery window ends. */
function DeletedWorkspaces() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const deleted = useQuery(trpc.workspaces.listDeleted.queryOptions());
  const restore = useMutation(
    trpc.workspaces.restore.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries();
      },
    }),
  );
  if (!deleted.data || deleted.data.length === 0) return null;
  return (
    <Card title="Deleted workspaces" description="Workspaces you own that were deleted. Restore one before its recovery window ends; after that it is purged.">
      <ul className="m-0 list-none p-0" data-testid="deleted-workspaces">
        {deleted.data.map((w) => (
          <li key={w.id}>
            <strong>{w.name}</strong> ({w.slug}), restorable until {w.recoverableUntil.toISOString().slice(0, 10)}{" "}
            <Button data-testid={`restore-${w.slug}`} disabled={restore.isPending} onClick={() => restore.mutate({ workspaceId: w.id })}>
              Restore
            </Button>
          </li>
        ))}
      </ul>
      <FormError message={restore.error ? errorMessage(restore.error) : null} />
    </Card>
  );
}

/** Downloads a JSON document of the person's data. */
function ExportAccount() {
  const trpc = useTRPC();
  const exportData = useMutation(
    trpc.account.export.mutationOptions({
      onSuccess: (doc) => downloadFile("cadre-account-export.json", "application/json", JSON.stringify(doc, null, 2)),
    }),
  );
  return (
    <Card
      title="Export your data"
      description="A JSON file of your profile, sign-in methods and history, memberships, and what you created in your workspaces (runs, agent versions, secret names, API keys, audit entries)."
    >
      <FormError message={exportData.error ? errorMessage(exportData.error) : null} />
      <Button data-testid="export-account" disabled={exportData.isPending} onClick={() => exportData.mutate()}>
        {exportData.isPending ? "Preparing…" : "Download my data"}
      </Button>
    </Card>
  );
}

function DeleteAccount({ email }: { email: string }) {
  const trpc = useTRPC();
  const [confirmEmail, setConfirmEmail] = useState("");
  const remove = useMutation(trpc.account.delete.mutationOptions({ onSuccess: () => void backToSignIn("") }));
  const confirmed = confirmEmail.trim().toLowerCase() === email.toLowerCase();
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (confirmed) remove.mutate({ confirmEmail: confirmEmail.trim() });
  }
  return (
    <Card
      tone="danger"
      title="Delete your account"
      description="Deletes your account, your sign-in methods, sessions and API keys. What you created in a workspace stays there without your name. Workspaces where you are the only member are deleted too. If you are the last owner of a workspace with other members, make someone else an owner first. This cannot be undone."
    >
      <form className="grid gap-4 max-w-xl" onSubmit={onSubmit} noValidate>
        <div className="grid gap-2">
          <Label htmlFor="delete-account-confirm" className="block leading-normal">
            Type <code>{email}</code> to confirm
          </Label>
          <Input
            id="delete-account-confirm"
            data-testid="delete-account-confirm"
            autoComplete="off"
            spellCheck={false}
            value={confirmEmail}
            onChange={(e) => setConfirmEmail(e.target.value)}
          />
        </div>
        <FormError message={remove.error ? errorMessage(remove.error) : null} />
        <div>
          <Button variant="destructive" type="submit" data-testid="delete-account" disabled={!confirmed || remove.isPending || remove.isSuccess}>
            {remove.isPending || remove.isSuccess ? "Deleting…" : "Delete my account"}
          </Button>
        </div>
      </form>
    </Card>
  );
}

export function AccountSettings() {
  const trpc = useTRPC();
  const account = useQuery(trpc.account.get.queryOptions());
  if (account.isError) return <FormError message={errorMessage(account.error)} />;
  if (!account.data) return <Loading />;
  const { email, hasPassword } = account.data;
  return (
    <div className="grid gap-3" data-testid="account-settings">
      {hasPassword ? (
        <ChangePassword email={email} />
      ) : (
        <Card title="Password" description="You sign in with GitHub or Google: your account has no password." />
      )}
      <ChangeEmail email={email} hasPassword={hasPassword} />
      <TwoFactorCard hasPassword={hasPassword} />
      <PasskeysCard />
      <SignOutEverywhere email={email} />
      <DeletedWorkspaces />
      <ExportAccount />
      <DeleteAccount email={email} />
    </div>
  );
}
