import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card";
import { SignUpForm } from "@/components/auth/sign-up-form";
import { firstParam } from "@/components/auth/callback-url";
import { safeCallbackUrl } from "@/lib/callback-url";
import { signupPolicyNotice } from "@/server/auth/signup-policy";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Create your account" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function SignUpPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <AuthCard title="Create your Cadre account" subtitle="Run your team of AI agents in a shared workspace.">
      <SignUpForm callbackUrl={safeCallbackUrl(params.callbackUrl)} initialEmail={firstParam(params.email) ?? ""} notice={signupPolicyNotice()} />
    </AuthCard>
  );
}
