import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { AccountSettings } from "@/components/account/account-settings";
import { firstParam } from "@/components/auth/callback-url";
import { ResendVerificationButton } from "@/components/account/resend-verification-button";
import { Badge } from "@/components/ui/badge";
import { enabledOAuthProviders } from "@/server/auth/config";
import { describeAuthError } from "@/lib/auth-messages";
import { requireUser, serverCaller } from "../_lib/session";
import { connectProvider } from "./actions";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Account settings" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AccountPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser("/account");
  const params = await searchParams;
  const account = await (await serverCaller(user)).auth.account();
  const providers = enabledOAuthProviders();
  const connected = new Set(account.accounts.map((a) => a.provider));
  const error = describeAuthError(firstParam(params.error));
  const linked = providers.find((p) => p.id === firstParam(params.linked) && connected.has(p.id));

  return (
    <AuthCard
      title="Account settings"
      subtitle={account.name ?? undefined}
      topRight={
        <div className="auth-user">
          <span className="muted">{user.email}</span>
          <SignOutButton />
        </div>
      }
      footer={<Link href="/">← Back to your workspaces</Link>}
    >
      {error ? (
        <div className="form-error" role="alert" data-testid="account-error">
          {error}
        </div>
      ) : null}
      {!error && linked ? (
        <p className="notice" role="status" data-testid="account-linked">
          {linked.name} is now connected to your account.
        </p>
      ) : null}

      <section aria-labelledby="email-heading" className="stack">
        <h2 id="email-heading">Email</h2>
        <p>
          {account.email}{" "}
          {account.emailVerified ? (
            <Badge tone="success" testId="email-status">
              verified
            </Badge>
          ) : (
            <Badge tone="warning" testId="email-status">
              not verified
            </Badge>
          )}
        </p>
        {account.emailVerified ? null : (
          <>
            <p className="muted">
              Until your address is verified, signing in with a provider that uses the same email will not open this account; connect the provider below
              instead.
            </p>
            {account.verificationMail ? (
              <ResendVerificationButton />
            ) : (
              <p className="muted">This server sends no email, so addresses cannot be verified by link here.</p>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="methods-heading" className="stack">
        <h2 id="methods-heading">Sign-in methods</h2>
        <ul className="plain-list" data-testid="sign-in-methods">
          <li>Password: {account.hasPassword ? "set" : "none"}</li>
          {account.accounts.map((a) => (
            <li key={a.provider}>
              {providers.find((p) => p.id === a.provider)?.name ?? a.provider}: connected on {a.createdAt.toISOString().slice(0, 10)}
            </li>
          ))}
        </ul>
        {providers
          .filter((p) => !connected.has(p.id))
          .map((p) => (
            <form key={p.id} action={connectProvider}>
              <input type="hidden" name="provider" value={p.id} />
              <button type="submit" className="btn btn-secondary" data-testid={`connect-${p.id}`}>
                Connect {p.name}
              </button>
            </form>
          ))}
        {providers.length === 0 ? <p className="muted">No sign-in providers (GitHub, Google) are configured on this server.</p> : null}
      </section>

      <AccountSettings />
    </AuthCard>
  );
}
