"use client";

import { useConfirm } from "@/components/ui/confirm";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { RoleBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { formatDateTime } from "@/components/ui/format";
import { ActionsHeader, RowDangerButton } from "@/components/ui/table";

/** Pending invitations, each revocable (shown to roles with members:invite). */
export function InvitationsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invitations = useQuery(trpc.invitations.list.queryOptions());
  const confirm = useConfirm();
  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() }),
    }),
  );
  const pending = invitations.data?.filter((i) => i.status === "pending") ?? [];

  return (
    <Card title="Pending invitations" testId="invitations">
      <FormError message={revoke.error ? errorMessage(revoke.error) : invitations.isError ? errorMessage(invitations.error) : null} />
      {pending.length === 0 ? (
        <p className="muted">{invitations.isPending ? "Loading…" : "No pending invitations."}</p>
      ) : (
        <div className="table-wrap">
          <table className="table">
            <thead>
              <tr>
                <th>Email</th>
                <th>Role</th>
                <th>Invited by</th>
                <th>Expires</th>
                <ActionsHeader />
              </tr>
            </thead>
            <tbody>
              {pending.map((inv) => (
                <tr key={inv.id} data-testid="invitation-row" data-email={inv.email}>
                  <td>{inv.email}</td>
                  <td>
                    <RoleBadge role={inv.role} />
                  </td>
                  <td>{inv.invitedBy ?? <span className="muted">—</span>}</td>
                  <td>{formatDateTime(inv.expiresAt)}</td>
                  <td className="actions-col">
                    <RowDangerButton
                      testId="invitation-revoke"
                      disabled={revoke.isPending && revoke.variables?.invitationId === inv.id}
                      onClick={async () => {
                        const ok = await confirm({
                          title: `Revoke the invitation for ${inv.email}?`,
                          description: "Its link stops working. You can invite the address again later.",
                          confirmLabel: "Revoke invitation",
                          destructive: true,
                        });
                        if (ok) revoke.mutate({ invitationId: inv.id });
                      }}
                    >
                      Revoke
                    </RowDangerButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Card>
  );
}
