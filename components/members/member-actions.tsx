"use client";

import { createContext, use } from "react";
import { RoleBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ROLES, type Role } from "@/lib/permissions";
import { grantableRoles, ROLE_LABELS } from "./roles";

export interface MemberRow {
  id: string;
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  joinedAt: Date;
}

/** What the people table's rows do: the table owns the mutations (and their one error line). */
export interface MemberActions {
  changeRole: (memberId: string, role: Role) => void;
  remove: (memberId: string) => void;
  /** a change to this member is on its way */
  busy: (memberId: string) => boolean;
}

export const MemberActionsContext = createContext<MemberActions | null>(null);

function useMemberActions(): MemberActions {
  const actions = use(MemberActionsContext);
  if (!actions) throw new Error("member cells are for inside MembersTable");
  return actions;
}

/** Only an owner may touch an owner. */
function useManageable(member: MemberRow): boolean {
  const { role: myRole } = useWorkspace();
  return member.role !== "owner" || myRole === "owner";
}

export const selectClasses =
  "h-8 rounded-md border border-input bg-transparent px-2 text-sm shadow-xs outline-none focus-visible:border-ring focus-visible:ring-[3px] focus-visible:ring-ring/50 disabled:cursor-not-allowed disabled:opacity-50 dark:bg-input/30";

/** A member's role: a select for roles with members:update (after a confirmation), a badge otherwise. */
export function RoleCell({ member }: { member: MemberRow }) {
  const { can, role: myRole } = useWorkspace();
  const confirm = useConfirm();
  const actions = useMemberActions();
  const manageable = useManageable(member);
  if (!can("members:update")) return <RoleBadge role={member.role} />;
  const mayGrant = new Set<Role>(grantableRoles(myRole));
  return (
    <select
      className={selectClasses}
      data-testid="member-role-select"
      aria-label={`Role of ${member.email}`}
      value={member.role}
      disabled={!manageable || actions.busy(member.id)}
      onChange={async (e) => {
        const role = e.target.value as Role;
        const ok = await confirm({
          title: `Make ${member.email} ${ROLE_LABELS[role].toLowerCase()}?`,
          description: "Their powers in this workspace change at once, and their API keys' with them.",
          confirmLabel: "Change role",
        });
        if (ok) actions.changeRole(member.id, role);
      }}
    >
      {ROLES.map((r) => (
        <option key={r} value={r} disabled={r !== member.role && !mayGrant.has(r)}>
          {ROLE_LABELS[r]}
        </option>
      ))}
    </select>
  );
}

/** "Remove" for roles with members:remove, on anyone but oneself. */
export function RemoveCell({ member }: { member: MemberRow }) {
  const { can, user } = useWorkspace();
  const confirm = useConfirm();
  const actions = useMemberActions();
  const manageable = useManageable(member);
  if (!can("members:remove") || member.userId === user.id) return null;
  return (
    <Button
      size="sm"
      variant="ghost"
      className="text-destructive hover:bg-destructive/10 hover:text-destructive"
      data-testid="member-remove"
      disabled={!manageable || actions.busy(member.id)}
      onClick={async () => {
        const confirmed = await confirm({
          title: `Remove ${member.email} from this workspace?`,
          description: "Their API keys for this workspace stop working.",
          confirmLabel: "Remove member",
          destructive: true,
        });
        if (confirmed) actions.remove(member.id);
      }}
    >
      Remove
    </Button>
  );
}
