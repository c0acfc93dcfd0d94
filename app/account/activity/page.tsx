import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { AuthEventList } from "@/components/account/auth-events";
import { requireUser, serverCaller } from "../../_lib/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Sign-in activity" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

export default async function AccountActivityPage({ searchParams }: { searchParams: SearchParams }) {
  const user = await requireUser("/account/activity");
  const cursor = (await searchParams).cursor;
  const page = await (await serverCaller(user)).auth.events({ limit: 50, cursor: typeof cursor === "string" ? cursor : undefined });
  return (
    <AuthCard
      title="Sign-in activity"
      subtitle="Sign-ins, failed attempts and other security events of your account. Something you do not recognise? Change your password."
      topRight={
        <div className="flex items-center gap-3 text-sm">
          <span className="text-muted-foreground">{user.email}</span>
          <SignOutButton />
        </div>
      }
      footer={<Link href="/">← Back to your workspaces</Link>}
    >
      <AuthEventList events={page.items} nextCursor={page.nextCursor} />
    </AuthCard>
  );
}
