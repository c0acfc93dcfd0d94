"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { useMutation } from "@tanstack/react-query";
import { passwordProblem } from "@/lib/schemas/auth";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { FormError } from "@/components/ui/form-error";
import { SubmitButton } from "@/components/ui/submit-button";
import { authHref } from "./callback-url";

/** "Forgot your password?": asks for a reset link. The answer is the same whether or not the address has an account. */
export function ForgotPasswordForm({ initialEmail }: { initialEmail: string }) {
  const trpc = useTRPC();
  const request = useMutation(trpc.auth.requestPasswordReset.mutationOptions());
  const [email, setEmail] = useState(initialEmail);
  const [error, setError] = useState<string | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!email.trim()) return setError("Enter your email address");
    request.mutate({ email: email.trim() });
  }

  if (request.data) {
    return (
      <div className="grid gap-2 rounded-lg border bg-muted/40 px-4 py-3 text-sm" role="status" data-testid="forgot-sent">
        {request.data.mailEnabled ? (
          <p>
            <strong>Check your email.</strong> If {email.trim()} has a Cadre account, we sent it a link to choose a new password. It works once, within an hour.
          </p>
        ) : (
          <p>
            This Cadre sends no mail. Ask its operator for a reset link (<code>npm run cadre -- users password-reset-link {email.trim()}</code>).
          </p>
        )}
        <p>
          <Link href={authHref("/sign-in", { email: email.trim() })}>Back to sign-in</Link>
        </p>
      </div>
    );
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <div className="grid gap-2">
        <Label htmlFor="forgot-email">Email</Label>
        <Input
          id="forgot-email"
          data-testid="forgot-email"
          type="email"
          autoComplete="email"
          required
          autoFocus
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <FormError message={error ?? (request.error ? errorMessage(request.error) : null)} />
      <SubmitButton testId="forgot-submit" pending={request.isPending} pendingLabel="Sending…" block>
        Send a reset link
      </SubmitButton>
    </form>
  );
}

/** The reset link's page: a new password (twice). Every session of the account ends. */
export function ResetPasswordForm({ token }: { token: string }) {
  const trpc = useTRPC();
  const reset = useMutation(trpc.auth.resetPassword.mutationOptions());
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const weak = passwordProblem(password);
    if (weak) return setError(`Choose a stronger password: ${weak}`);
    if (password !== again) return setError("The two passwords differ");
    reset.mutate({ token, newPassword: password });
  }

  if (!token) return <FormError message="This page opens from the link of a password reset mail." />;
  if (reset.data) {
    return (
      <div className="grid gap-2 rounded-lg border bg-muted/40 px-4 py-3 text-sm" role="status" data-testid="reset-done">
        <p>
          <strong>Your password is changed.</strong> Every session of {reset.data.email} has ended.
        </p>
        <p>
          <Link href={authHref("/sign-in", { email: reset.data.email })}>Sign in with the new password</Link>
        </p>
      </div>
    );
  }
  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <div className="grid gap-2">
        <Label htmlFor="reset-password">New password</Label>
        <Input
          id="reset-password"
          data-testid="reset-password"
          type="password"
          autoComplete="new-password"
          required
          autoFocus
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </div>
      <div className="grid gap-2">
        <Label htmlFor="reset-password-again">New password again</Label>
        <Input
          id="reset-password-again"
          data-testid="reset-password-again"
          type="password"
          autoComplete="new-password"
          required
          value={again}
          onChange={(e) => setAgain(e.target.value)}
        />
      </div>
      <FormError message={error ?? (reset.error ? errorMessage(reset.error) : null)} />
      <SubmitButton testId="reset-submit" pending={reset.isPending} pendingLabel="Saving…" block>
        Set the new password
      </SubmitButton>
    </form>
  );
}
