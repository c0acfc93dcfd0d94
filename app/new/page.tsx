import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { Button } from "@/components/ui/button";
import { NewWorkspaceForm } from "@/components/workspace/new-workspace-form";
import { requireUser, serverCaller } from "../_lib/session";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "New workspace" };

export default async function NewWorkspacePage() {
  const user = await requireUser("/new");
  const workspaces = await (await serverCaller(user)).workspaces.listMine();
  return (
    <AuthCard
      title="Create a workspace"
      subtitle="A workspace holds your agents, teams, API keys and members."
      topRight={
        <div className="flex items-center gap-3 text-sm">
          <span className="text-muted-foreground">{user.email}</span>
          <Button asChild variant="ghost" size="sm">
            <Link href="/account">Account</Link>
          </Button>
          <SignOutButton />
        </div>
      }
      footer={workspaces.length > 0 ? <Link href="/">← Back to your workspaces</Link> : null}
    >
      <NewWorkspaceForm />
    </AuthCard>
  );
}
