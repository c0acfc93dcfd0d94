import type { Metadata } from "next";
import type { ReactNode } from "react";
import { workspaceTitleMetadata } from "@/components/shell/page-title";
import { WorkspaceShell } from "@/components/workspace/workspace-shell";
import { requireUser } from "../../_lib/session";

export const dynamic = "force-dynamic";

/** Every page's tab title names the workspace: "Agents · acme · Cadre". */
export async function generateMetadata({ params }: { params: Promise<{ workspace: string }> }): Promise<Metadata> {
  return workspaceTitleMetadata((await params).workspace);
}

export default async function WorkspaceLayout({ children, params }: { children: ReactNode; params: Promise<{ workspace: string }> }) {
  const { workspace } = await params;
  const user = await requireUser(`/w/${workspace}`);
  return (
    <WorkspaceShell key={workspace} slug={workspace} user={{ id: user.id, email: user.email, name: user.name }}>
      {children}
    </WorkspaceShell>
  );
}
