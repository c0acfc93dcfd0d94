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
import { signInWithPassword } from "./password-sign-in";

export function SignUpForm({ callbackUrl, initialEmail, notice }: { callbackUrl: string; initialEmail: string; notice?: string | null }) {
  const trpc = useTRPC();
  const signUp = useMutation(trpc.auth.signUp.mutationOptions());
  const [name, setName] = useState("");
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<{ message: string } | null>(null);
  const [checkEmail, setCheckEmail] = useState(false);
  const [pending, setPending] = useState(false);

  const problem = password ? passwordProblem(password, email.trim()) : null;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!name.trim()) return setError({ message: "Enter your name" });
    if (!email.trim()) return setError({ message: "Enter your email address" });
    const weak = passwordProblem(password, email.trim());
    if (weak) return setError({ message: `Choose a stronger password: ${weak}` });

    setPending(true);
    let result: { checkEmail: boolean };
    try {
      // the same answer for a new and a registered email: the server does not say which
      result = await signUp.mutateAsync({ name: name.trim(), email: email.trim(), password });
    } catch (e) {
      setError({ message: errorMessage(e) });
      setPending(false);
      return;
    }
    if (result.checkEmail) {
      setCheckEmail(true);
      setPending(false);
      return;
    }
    const outcome = await signInWithPassword(email.trim(), password, callbackUrl);
    if (outcome === "signed-in") return;
    setError({
      message:
        outcome === "unreachable"
          ? "The server could not be reached. Sign in to continue."
          : "We could not sign you in with this password. If you already have an account, sign in with its password.",
    });
    setPending(false);
  }

  if (checkEmail) {
    return (
      <div className="grid gap-2 rounded-lg border bg-muted/40 px-4 py-3 text-sm" data-testid="signup-check-email" role="status">
        <p>
          <strong>Check your email.</strong> We sent a message to {email.trim()}. If the address is new here, it holds a link to confirm it (open it while
          signed in); if it already has an account, the message says so.
        </p>
        <p>
          <Link href={authHref("/sign-in", { callbackUrl, email: email.trim() })}>Continue to sign-in</Link>
        </p>
      </div>
    );
  }

  return (
    <>
      {notice ? (
        <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm" data-testid="signup-policy">
          {notice}
        </p>
      ) : null}
      <form className="grid gap-4" onSubmit={onSubmit} noValidate>
        <div className="grid gap-2">
          <Label htmlFor="signup-name">Name</Label>
          <Input
            id="signup-name"
            data-testid="signup-name"
            autoComplete="name"
            required
            maxLength={100}
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="signup-email">Email</Label>
          <Input
            id="signup-email"
            data-testid="signup-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </div>
        <div className="grid gap-2">
          <Label htmlFor="signup-password">Password</Label>
          <Input
            id="signup-password"
            data-testid="signup-password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={problem ? true : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p className="text-sm text-muted-foreground">
            {problem ? (
              <span className="text-warning" data-testid="password-hint">
                {problem}
              </span>
            ) : password ? (
              <span className="text-success" data-testid="password-hint">
                Strong enough
              </span>
            ) : (
              "At least 10 characters, mixing letters with digits or symbols."
            )}
          </p>
        </div>
        <FormError message={error?.message} />
        <SubmitButton testId="signup-submit" pending={pending} pendingLabel="Creating your account…" block>
          Create account
        </SubmitButton>
      </form>
      <p className="mt-1 text-center text-sm text-muted-foreground">
        Already have an account? <Link href={authHref("/sign-in", { callbackUrl, email: email.trim() })}>Sign in</Link>
      </p>
    </>
  );
}
