import type { Metadata } from "next";
import { AuthCard } from "@/components/auth/auth-card";
import { ResetPasswordForm } from "@/components/auth/password-reset-forms";
import { firstParam } from "@/components/auth/callback-url";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Choose a new password" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function ResetPasswordPage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  return (
    <AuthCard title="Choose a new password" subtitle="Every session of the account ends when you save it.">
      <ResetPasswordForm token={firstParam(params.token) ?? ""} />
    </AuthCard>
  );
}
