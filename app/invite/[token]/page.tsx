import type { Metadata } from "next";
import { currentUser } from "@/server/auth/config";
import { AuthCard } from "@/components/auth/auth-card";
import { InviteView } from "@/components/invite/invite-view";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Invitation" };

export default async function InvitePage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const user = await currentUser();
  return (
    <AuthCard title="You are invited">
      <InviteView token={token} signedInAs={user?.email ?? null} />
    </AuthCard>
  );
}
