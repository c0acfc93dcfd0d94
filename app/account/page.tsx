import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { AccountSettings } from "@/components/account/account-settings";
import { requireUser } from "../_lib/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Account" };

/** The signed-in person's own account: password and sessions (outside any workspace). */
export default async function AccountPage() {
  const user = await requireUser("/account");
  return (
    <AuthCard
      title="Your account"
      subtitle={user.email}
      topRight={
        <div className="auth-user">
          <SignOutButton />
        </div>
      }
      footer={<Link href="/">← Back to your workspaces</Link>}
    >
      <AccountSettings />
    </AuthCard>
  );
}
