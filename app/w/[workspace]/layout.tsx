import type { ReactNode } from "react";
import { WorkspaceShell } from "@/components/workspace/workspace-shell";
import { requireUser } from "../../_lib/session";

export const dynamic = "force-dynamic";

export default async function WorkspaceLayout({ children, params }: { children: ReactNode; params: Promise<{ workspace: string }> }) {
  const { workspace } = await params;
  const user = await requireUser(`/w/${workspace}`);
  return (
    <WorkspaceShell key={workspace} slug={workspace} user={{ id: user.id, email: user.email, name: user.name }}>
      {children}
    </WorkspaceShell>
  );
}
