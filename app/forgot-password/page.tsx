import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card";
import { ForgotPasswordForm } from "@/components/auth/password-reset-forms";
import { firstParam } from "@/components/auth/callback-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Reset your password" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ForgotPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <AuthCard title="Reset your password" subtitle="We mail you a link to choose a new one.">
      <ForgotPasswordForm initialEmail={firstParam(params.email) ?? ""} />
    </AuthCard>
  );
}
