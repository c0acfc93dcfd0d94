import type { Metadata } from "next";
import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SignOutButton } from "@/components/auth/sign-out-button";
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
        <div className="auth-user">
          <span className="muted">{user.email}</span>
          <Link href="/account" className="btn btn-ghost btn-sm">
            Account
          </Link>
          <SignOutButton />
        </div>
      }
      footer={workspaces.length > 0 ? <Link href="/">← Back to your workspaces</Link> : null}
    >
      <NewWorkspaceForm />
    </AuthCard>
  );
}
