"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { MailIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { RoleBadge } from "@/components/ui/badge";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/components/ui/format";
import type { Role } from "@/lib/permissions";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { InvitationActions, NewLinkDialog, ReissueContext } from "./invitation-actions";
import type { IssuedInvitation } from "./invitation-link";

interface Invitation {
  id: string;
  email: string;
  role: Role;
  status: string;
  invitedBy: string | null;
  expiresAt: Date;
}

const col = dataTableColumns<Invitation>();
const columns: DataTableColumn<Invitation>[] = [
  col.accessor("email", { header: "Email" }),
  col.accessor("role", { header: "Role", cell: ({ row }) => <RoleBadge role={row.original.role} /> }),
  col.accessor((i) => i.invitedBy ?? undefined, {
    id: "invitedBy",
    header: "Invited by",
    sortUndefined: "last",
    cell: ({ row }) => row.original.invitedBy ?? <span className="text-muted-foreground">—</span>,
  }),
  col.accessor("expiresAt", { header: "Expires", sortFn: "datetime", cell: ({ row }) => formatDateTime(row.original.expiresAt) }),
  col.display({
    id: "actions",
    header: () => <span className="sr-only">Actions</span>,
    enableHiding: false,
    cell: ({ row }) => <InvitationActions invitation={row.original} />,
  }),
];

function InvitationCard({ invitation }: { invitation: Invitation }) {
  return (
    <div className="grid gap-2 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <span className="font-medium break-all">{invitation.email}</span>
        <RoleBadge role={invitation.role} />
      </div>
      <p className="text-xs text-muted-foreground">
        {invitation.invitedBy ? `Invited by ${invitation.invitedBy}; ` : ""}expires {formatDateTime(invitation.expiresAt)}
      </p>
      <InvitationActions invitation={invitation} />
    </div>
  );
}

/** Pending invitations, each revocable or re-issued with a new link (shown to roles with members:invite). */
export function InvitationsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.invitations.list.queryOptions());
  const pending = invitations.data?.filter((i) => i.status === "pending");
  // here, not in the row: the new invitation replaces the row the button was on
  const [issued, setIssued] = useState<IssuedInvitation | null>(null);
  const reissue = useMutation(
    trpc.invitations.create.mutationOptions({
      onSuccess: setIssued,
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() }),
    }),
  );

  return (
    <section className="grid gap-3" aria-labelledby="invitations-title" data-testid="invitations">
      <h2 id="invitations-title" className="text-lg font-semibold">
        Pending invitations
      </h2>
      <ReissueContext
        value={{
          reissue: (inv) => reissue.mutate({ email: inv.email, role: inv.role }),
          reissuing: (email) => reissue.isPending && reissue.variables?.email === email,
        }}
      >
        <DataTable
          columns={columns}
          data={pending}
          isPending={invitations.isPending}
          isError={invitations.isError}
          error={invitations.error}
          caption="Pending invitations"
          testId="invitations-table"
          rowTestId="invitation-row"
          getRowId={(i) => i.id}
          rowAttributes={(i) => ({ "data-email": i.email })}
          mobileCard={(i) => <InvitationCard invitation={i} />}
          empty={
            <EmptyState icon={MailIcon} title="No pending invitations" text="Invitations you send show here until they are accepted, revoked or expire." />
          }
        />
      </ReissueContext>
      <NewLinkDialog issued={issued} onClose={() => setIssued(null)} />
    </section>
  );
}
