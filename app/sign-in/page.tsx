import type { Metadata } from "next";
import Link from "next/link";
import { currentUser, enabledOAuthProviders } from "@/server/auth/config";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { firstParam } from "@/components/auth/callback-url";
import { safeCallbackUrl } from "@/lib/callback-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign in" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignInPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const callbackUrl = safeCallbackUrl(params.callbackUrl);
  // a revoked or signed-out session is not "signed in", whatever its cookie says
  const signedInAs = (await currentUser())?.email ?? null;
  return (
    <AuthCard title="Sign in to Cadre" subtitle="Welcome back.">
      {signedInAs ? (
        <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm text-muted-foreground">
          You are signed in as <strong>{signedInAs}</strong>. <Link href={callbackUrl}>Continue</Link>, or sign in as someone else below.
        </p>
      ) : null}
      <SignInForm
        callbackUrl={callbackUrl}
        initialEmail={firstParam(params.email) ?? ""}
        providers={enabledOAuthProviders()}
        initialError={firstParam(params.error)}
      />
    </AuthCard>
  );
}
