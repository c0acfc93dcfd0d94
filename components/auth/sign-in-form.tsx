"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { Field } from "@/components/ui/field";
import { FormError } from "@/components/ui/form-error";
import { authHref } from "./callback-url";

export interface OAuthProvider {
  id: string;
  name: string;
}

const WRONG_CREDENTIALS = "Wrong email or password";
const RATE_LIMITED = "Too many sign-in attempts. Wait a few minutes, then try again.";

/** Errors next-auth reports back on /sign-in?error=... (OAuth round trips). */
function describeAuthError(error: string | undefined): string | null {
  if (!error) return null;
  switch (error) {
    case "CredentialsSignin":
      return WRONG_CREDENTIALS;
    case "AccessDenied":
      return "That account cannot sign in here. Its email address must be verified by the provider.";
    case "OAuthAccountNotLinked":
      return "This email is already linked to another sign-in method.";
    case "Configuration":
      return "Sign-in is misconfigured on the server. Contact your administrator.";
    default:
      return "Sign-in failed. Try again.";
  }
}

export function SignInForm({ callbackUrl, initialEmail, providers, initialError }: {
  callbackUrl: string;
  initialEmail: string;
  providers: OAuthProvider[];
  initialError?: string;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(describeAuthError(initialError));
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) return setError("Enter your email and password");
    setPending(true);
    try {
      const result = await signIn("credentials", { email: email.trim(), password, redirect: false });
      if (!result || result.error) {
        setError(result?.code === "rate_limited" ? RATE_LIMITED : WRONG_CREDENTIALS);
        setPending(false);
        return;
      }
      // a full load: every server component and cached query now sees the new session
      window.location.assign(callbackUrl);
    } catch {
      setError("Cannot reach the server. Check your connection and try again.");
      setPending(false);
    }
  }

  return (
    <>
      <form className="form" onSubmit={onSubmit} noValidate>
        <Field label="Email" htmlFor="signin-email">
          <input
            id="signin-email"
            data-testid="signin-email"
            type="email"
            autoComplete="email"
            required
            autoFocus={!initialEmail}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </Field>
        <Field label="Password" htmlFor="signin-password">
          <input
            id="signin-password"
            data-testid="signin-password"
            type="password"
            autoComplete="current-password"
            required
            autoFocus={Boolean(initialEmail)}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </Field>
        <FormError message={error} />
        <button type="submit" className="btn btn-primary btn-block" data-testid="signin-submit" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>

      {providers.length > 0 ? (
        <div className="oauth">
          <div className="divider"><span>or</span></div>
          {providers.map((p) => (
            <button
              key={p.id}
              type="button"
              className="btn btn-secondary btn-block"
              data-testid={`signin-oauth-${p.id}`}
              onClick={() => void signIn(p.id, { redirectTo: callbackUrl })}
            >
              Continue with {p.name}
            </button>
          ))}
        </div>
      ) : null}

      <p className="auth-switch">
        No account yet? <Link href={authHref("/sign-up", { callbackUrl, email: email.trim() })}>Create one</Link>
      </p>
    </>
  );
}
