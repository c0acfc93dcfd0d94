"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { useMutation } from "@tanstack/react-query";
import { passwordProblem } from "@/lib/schemas/auth";
import { useTRPC } from "@/lib/trpc/react";
import { errorCode, errorMessage } from "@/lib/trpc/errors";
import { Field } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";
import { authHref } from "./callback-url";

export function SignUpForm({ callbackUrl, initialEmail }: { callbackUrl: string; initialEmail: string }) {
  const trpc = useTRPC();
  const signUp = useMutation(trpc.auth.signUp.mutationOptions());
  const [name, setName] = useState("");
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<{ message: string; taken?: boolean } | null>(null);
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
    try {
      await signUp.mutateAsync({ name: name.trim(), email: email.trim(), password });
    } catch (e) {
      setError({ message: errorMessage(e), taken: errorCode(e) === "CONFLICT" });
      setPending(false);
      return;
    }
    try {
      const result = await signIn("credentials", { email: email.trim(), password, redirect: false });
      if (!result || result.error) {
        setError({ message: "Your account was created, but signing in failed. Sign in to continue." });
        setPending(false);
        return;
      }
      window.location.assign(callbackUrl);
    } catch {
      setError({ message: "Your account was created, but the server could not be reached. Sign in to continue." });
      setPending(false);
    }
  }

  return (
    <>
      <form className="form" onSubmit={onSubmit} noValidate>
        <Field label="Name" htmlFor="signup-name">
          <input
            id="signup-name"
            data-testid="signup-name"
            autoComplete="name"
            required
            maxLength={100}
            autoFocus
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        <Field label="Email" htmlFor="signup-email">
          <input
            id="signup-email"
            data-testid="signup-email"
            type="email"
            autoComplete="email"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field
          label="Password"
          htmlFor="signup-password"
          hint={
            problem ? (
              <span className="hint-warning" data-testid="password-hint">{problem}</span>
            ) : password ? (
              <span className="hint-ok" data-testid="password-hint">Strong enough</span>
            ) : (
              "At least 10 characters, mixing letters with digits or symbols."
            )
          }
        >
          <input
            id="signup-password"
            data-testid="signup-password"
            type="password"
            autoComplete="new-password"
            required
            aria-invalid={problem ? true : undefined}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <FormError message={error?.message}>
          {error?.taken ? (
            <>
              {" "}
              <Link href={authHref("/sign-in", { callbackUrl, email: email.trim() })}>Go to sign-in</Link>
            </>
          ) : null}
        </FormError>
        <button type="submit" className="btn btn-primary btn-block" data-testid="signup-submit" disabled={pending}>
          {pending ? "Creating your account…" : "Create account"}
        </button>
      </form>
      <p className="auth-switch">
        Already have an account? <Link href={authHref("/sign-in", { callbackUrl, email: email.trim() })}>Sign in</Link>
      </p>
    </>
  );
}
