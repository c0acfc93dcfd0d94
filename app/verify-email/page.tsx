import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { firstParam } from "@/components/auth/callback-url";
import { isAppError } from "@/lib/errors";
import { verifyEmailToken } from "@/server/auth/email-verification";
import { requireUser } from "../_lib/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Confirm your email" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

/**
 * Opens a verification link. It needs the account's own session (requireUser sends a signed-out visitor to sign-in
 * and back here): the link proves the mailbox, the session proves the account.
 */
export default async function VerifyEmailPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser("/verify-email");
  const token = firstParam((await searchParams).token) ?? "";
  let result: { ok: true; email: string } | { ok: false; message: string };
  try {
    result = { ok: true, ...(await verifyEmailToken(token, user.id)) };
  } catch (error) {
    if (!isAppError(error)) throw error;
    result = { ok: false, message: error.message };
  }
  return (
    <AuthCard title="Confirm your email" footer={<Link href="/account">Account settings</Link>}>
      {result.ok ? (
        <p className="rounded-lg border bg-muted/40 px-4 py-3 text-sm" role="status" data-testid="email-verified">
          {result.email} is verified.
        </p>
      ) : (
        <div
          className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive"
          role="alert"
          data-testid="email-verify-error"
        >
          {result.message}
        </div>
      )}
      <p>
        <Link href="/">Continue to Cadre</Link>
      </p>
    </AuthCard>
  );
}
