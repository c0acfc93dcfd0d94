"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { signIn } from "next-auth/react";
import { FormError } from "@/components/ui/form-error";
import { SubmitButton } from "@/components/ui/submit-button";
import { authHref } from "./callback-url";
import { signInWithPassword } from "./password-sign-in";
import { usePasskeySignIn } from "./passkey-sign-in";
import { describeAuthError } from "@/lib/auth-messages";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { SSO_ERRORS } from "@/lib/schemas/sso";
import { SsoChoice, useSsoRoute } from "./sso-routing";

export interface OAuthProvider {
  id: string;
  name: string;
}

const WRONG_CREDENTIALS = "Wrong email or password";
const RATE_LIMITED = "Too many failed sign-ins. Wait a little (the wait grows with each failure), then try again.";
const UNREACHABLE = "Cannot reach the server. Check your connection and try again.";
const MFA_INVALID = "This code is not right. Enter the current code of your authenticator app, or an unused recovery code.";
const PASSKEY_INVALID = "This passkey was not accepted. Try again, or enter a code.";

export function SignInForm({
  callbackUrl,
  initialEmail,
  providers,
  initialError,
}: {
  callbackUrl: string;
  initialEmail: string;
  providers: OAuthProvider[];
  initialError?: string;
}) {
  const [email, setEmail] = useState(initialEmail);
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(describeAuthError(initialError));
  const [pending, setPending] = useState(false);
  // the account has a second factor: the same form asks for its code and sends everything again
  const [needsCode, setNeedsCode] = useState(false);
  const [code, setCode] = useState("");
  const passkey = usePasskeySignIn();

  async function onPasskey() {
    setError(null);
    setPending(true);
    const outcome = await passkey(email.trim(), password, callbackUrl);
    if (outcome.kind === "signed-in") return;
    setError(
      outcome.kind === "refused"
        ? outcome.message
        : outcome.kind === "rate-limited"
          ? RATE_LIMITED
          : outcome.kind === "unreachable"
            ? UNREACHABLE
            : PASSKEY_INVALID,
    );
    setPending(false);
  }
  // routing by email domain: asked once the email field is left (an organisation's SSO, forced or not)
  const [checkedEmail, setCheckedEmail] = useState(initialEmail.trim());
  const sso = useSsoRoute(checkedEmail);
  const passwordHidden = sso?.forced === true;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    if (!email.trim() || !password) return setError("Enter your email and password");
    if (needsCode && !code.trim()) return setError("Enter the code of your authenticator app, or a recovery code");
    setPending(true);
    const outcome = await signInWithPassword(email.trim(), password, callbackUrl, needsCode ? code.trim() : undefined);
    if (outcome === "signed-in") return;
    if (outcome === "mfa-required" || outcome === "mfa-invalid") setNeedsCode(true);
    if (outcome === "sso-required") setCheckedEmail(email.trim());
    setError(
      outcome === "unreachable"
        ? UNREACHABLE
        : outcome === "rate-limited"
          ? RATE_LIMITED
          : outcome === "mfa-required"
            ? null
            : outcome === "mfa-invalid"
              ? MFA_INVALID
              : outcome === "sso-required"
                ? SSO_ERRORS.sso_required
                : WRONG_CREDENTIALS,
    );
    setPending(false);
  }

  return (
    <>
      <form className="grid gap-4" onSubmit={onSubmit} noValidate>
        <div className="grid gap-2">
          <Label htmlFor="signin-email">Email</Label>
          <Input
            id="signin-email"
            data-testid="signin-email"
            type="email"
            autoComplete="email"
            required
            autoFocus={!initialEmail}
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            onBlur={() => setCheckedEmail(email.trim())}
          />
        </div>
        {sso ? <SsoChoice route={sso} callbackUrl={callbackUrl} /> : null}
        <div className="grid gap-2" hidden={passwordHidden}>
          <div className="flex items-baseline justify-between gap-2">
            <Label htmlFor="signin-password">Password</Label>
            <Link href={authHref("/forgot-password", { email: email.trim() })} className="text-sm" data-testid="signin-forgot">
              Forgot your password?
            </Link>
          </div>
          <Input
            id="signin-password"
            data-testid="signin-password"
            type="password"
            autoComplete="current-password"
            required
            autoFocus={Boolean(initialEmail)}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {needsCode ? (
          <div className="grid gap-2">
            <Label htmlFor="signin-code">Authentication code</Label>
            <Input
              id="signin-code"
              data-testid="signin-code"
              inputMode="text"
              autoComplete="one-time-code"
              autoFocus
              maxLength={64}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <p className="text-sm text-muted-foreground">The 6-digit code of your authenticator app, or use one of your recovery codes.</p>
            <Button type="button" variant="outline" data-testid="signin-passkey" disabled={pending} onClick={() => void onPasskey()}>
              Use a passkey
            </Button>
          </div>
        ) : null}
        <FormError message={error} />
        {passwordHidden ? null : (
          <SubmitButton testId="signin-submit" pending={pending} pendingLabel="Signing in…" block>
            Sign in
          </SubmitButton>
        )}
      </form>

      {providers.length > 0 ? (
        <div className="mt-1 flex flex-col gap-2.5">
          <div className="flex items-center gap-3 text-xs tracking-wider text-muted-foreground uppercase before:flex-1 before:border-t after:flex-1 after:border-t">
            <span>or</span>
          </div>
          {providers.map((p) => (
            <Button
              variant="outline"
              className="w-full"
              key={p.id}
              data-testid={`signin-oauth-${p.id}`}
              onClick={() => void signIn(p.id, { redirectTo: callbackUrl })}
            >
              Continue with {p.name}
            </Button>
          ))}
        </div>
      ) : null}

      <p className="mt-1 text-center text-sm text-muted-foreground">
        No account yet? <Link href={authHref("/sign-up", { callbackUrl, email: email.trim() })}>Create one</Link>
      </p>
    </>
  );
}
