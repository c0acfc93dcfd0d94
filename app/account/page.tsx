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
import { Button } from "@/components/ui/button";

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
        <div className="flex items-center gap-3 text-sm">
          <span className="text-muted-foreground">{user.email}</span>
          <SignOutButton />
        </div>
      }
      footer={
        <div className="flex flex-wrap gap-4">
          <Link href="/">← Back to your workspaces</Link>
          <Link href="/orgs" data-testid="account-organisations">
            Organisations
          </Link>
        </div>
      }
    >
      {error ? (
        <div className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive" role="alert" data-testid="account-error">
          {error}
        </div>
      ) : null}
      {!error && linked ? (
        <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm" role="status" data-testid="account-linked">
          {linked.name} is now connected to your account.
        </p>
      ) : null}

      <section aria-labelledby="email-heading" className="grid gap-3">
        <h2 id="email-heading" className="text-lg font-semibold">
          Email
        </h2>
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
            <p className="text-muted-foreground">
              Until your address is verified, signing in with a provider that uses the same email will not open this account; connect the provider below
              instead.
            </p>
            {account.verificationMail ? (
              <ResendVerificationButton />
            ) : (
              <p className="text-muted-foreground">This server sends no email, so addresses cannot be verified by link here.</p>
            )}
          </>
        )}
      </section>

      <section aria-labelledby="methods-heading" className="grid gap-3">
        <h2 id="methods-heading" className="text-lg font-semibold">
          Sign-in methods
        </h2>
        <ul className="m-0 list-none p-0" data-testid="sign-in-methods">
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
              <Button variant="outline" type="submit" data-testid={`connect-${p.id}`}>
                Connect {p.name}
              </Button>
            </form>
          ))}
        {providers.length === 0 ? <p className="text-muted-foreground">No sign-in providers (GitHub, Google) are configured on this server.</p> : null}
      </section>

      <AccountSettings />
    </AuthCard>
  );
}
