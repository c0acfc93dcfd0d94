"use client";

import { NoAccess } from "@/components/ui/loading";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { InvitationsList } from "./invitations-list";
import { InviteForm } from "./invite-form";
import { LeaveWorkspace } from "./leave-workspace";
import { MembersTable } from "./members-table";

export function MembersPage() {
  const { can } = useWorkspace();
  return (
    <div className="page">
      <div className="page-header">
        <h1>Members</h1>
      </div>
      {can("members:invite") ? <InviteForm /> : null}
      {can("members:read") ? <MembersTable /> : <NoAccess>Your role cannot see the members of this workspace.</NoAccess>}
      {can("members:invite") ? <InvitationsList /> : null}
      <LeaveWorkspace />
    </div>
  );
}
