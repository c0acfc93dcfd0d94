"use client";

import { LockIcon, UserPlusIcon } from "lucide-react";
import { useState } from "react";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { PageHeader } from "@/components/ui/page-header";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { InvitationsList } from "./invitations-list";
import { InviteDialog } from "./invite-form";
import { LeaveWorkspace } from "./leave-workspace";
import { MembersTable } from "./members-table";

export function MembersPage() {
  const { can } = useWorkspace();
  const canInvite = can("members:invite");
  const [inviting, setInviting] = useState(false);
  return (
    <div className="flex flex-col gap-8">
      <PageHeader
        className="pb-0"
        title="Members"
        description="The people of this workspace and their roles."
        actions={
          canInvite ? (
            <Button onClick={() => setInviting(true)} data-testid="invite-open">
              <UserPlusIcon aria-hidden />
              Invite people
            </Button>
          ) : null
        }
      />
      {canInvite ? <InviteDialog open={inviting} onOpenChange={setInviting} /> : null}
      {can("members:read") ? (
        <MembersTable />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the members of this workspace." />
      )}
      {canInvite ? <InvitationsList /> : null}
      <LeaveWorkspace />
    </div>
  );
}
