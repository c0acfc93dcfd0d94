"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { passwordProblem } from "@/lib/schemas/auth";
import { Card } from "@/components/ui/card";
import { InputField } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";
import { Loading } from "@/components/ui/loading";

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
      <form className="form form-narrow" onSubmit={onSubmit} noValidate>
        <InputField label="Current password" id="current-password" type="password" autoComplete="current-password" required value={currentPassword} onValueChange={setCurrent} />
        <InputField label="New password" id="new-password" type="password" autoComplete="new-password" required hint="At least 10 characters, mixing letters with digits or symbols." value={newPassword} onValueChange={setNew} />
        <InputField label="Repeat the new password" id="confirm-password" type="password" autoComplete="new-password" required value={confirm} onValueChange={setConfirm} />
        <FormError message={localError ?? (change.error ? errorMessage(change.error) : null)} />
        <div>
          <button type="submit" className="btn btn-primary" data-testid="change-password" disabled={change.isPending || change.isSuccess}>
            {change.isPending || change.isSuccess ? "Changing…" : "Change password"}
          </button>
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
      <button type="button" className="btn btn-danger" data-testid="sign-out-everywhere" disabled={end.isPending || end.isSuccess} onClick={() => end.mutate()}>
        {end.isPending || end.isSuccess ? "Signing out…" : "Sign out everywhere"}
      </button>
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
    <div className="stack" data-testid="account-settings">
      {hasPassword ? (
        <ChangePassword email={email} />
      ) : (
        <Card title="Password" description="You sign in with GitHub or Google: your account has no password." />
      )}
      <SignOutEverywhere email={email} />
    </div>
  );
}
