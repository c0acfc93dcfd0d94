"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { LoadMore, nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { ROLES, type Role } from "@/lib/permissions";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { RoleBadge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
import { FormError } from "@/components/ui/form-error";
import { ActionsHeader, QueryTable, RowDangerButton } from "@/components/ui/table";
import { useActionError } from "@/components/ui/use-action-error";
import { formatDate } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { grantableRoles, ROLE_LABELS } from "./roles";

export function MembersTable() {
  const trpc = useTRPC();
  const confirm = useConfirm();
  const queryClient = useQueryClient();
  const { role: myRole, user, can } = useWorkspace();
  const members = usePagedList(useInfiniteQuery(trpc.members.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam })));
  const { error, handlers } = useActionError();
  const mayGrant = new Set<Role>(grantableRoles(myRole));

  const onSettled = () => queryClient.invalidateQueries();
  const changeRole = useMutation(trpc.members.changeRole.mutationOptions({ ...handlers, onSettled }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ ...handlers, onSettled }));

  const canUpdate = can("members:update");
  const canRemove = can("members:remove");

  return (
    <Card
      title="People"
      description={
        members.data
          ? members.hasNextPage
            ? `The first ${members.data.length} people who joined; load more below`
            : `${members.data.length} ${members.data.length === 1 ? "person" : "people"} in this workspace`
          : undefined
      }
    >
      <FormError message={error ?? (members.isError ? errorMessage(members.error) : null)} />
      <QueryTable query={members}>
        <table className="table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Email</th>
              <th>Role</th>
              <th>Joined</th>
              {canRemove ? <ActionsHeader /> : null}
            </tr>
          </thead>
          <tbody>
            {members.data?.map((m) => {
              const isMe = m.userId === user.id;
              // only an owner may touch an owner
              const manageable = m.role !== "owner" || myRole === "owner";
              const busy = (changeRole.isPending && changeRole.variables?.memberId === m.id) || (remove.isPending && remove.variables?.memberId === m.id);
              return (
                <tr key={m.id} data-testid="member-row" data-email={m.email}>
                  <td>
                    {m.name ?? <span className="muted">—</span>}
                    {isMe ? <span className="you">you</span> : null}
                  </td>
                  <td>{m.email}</td>
                  <td>
                    {canUpdate ? (
                      <select
                        className="select-sm"
                        data-testid="member-role-select"
                        aria-label={`Role of ${m.email}`}
                        value={m.role}
                        disabled={!manageable || busy}
                        onChange={async (e) => {
                          const role = e.target.value as Role;
                          const ok = await confirm({
                            title: `Make ${m.email} ${ROLE_LABELS[role].toLowerCase()}?`,
                            description: "Their powers in this workspace change at once, and their API keys' with them.",
                            confirmLabel: "Change role",
                          });
                          if (ok) changeRole.mutate({ memberId: m.id, role });
                        }}
                      >
                        {ROLES.map((r) => (
                          <option key={r} value={r} disabled={r !== m.role && !mayGrant.has(r)}>
                            {ROLE_LABELS[r]}
                          </option>
                        ))}
                      </select>
                    ) : (
                      <RoleBadge role={m.role} />
                    )}
                  </td>
                  <td>{formatDate(m.joinedAt)}</td>
                  {canRemove ? (
                    <td className="actions-col">
                      {!isMe ? (
                        <RowDangerButton
                          testId="member-remove"
                          disabled={!manageable || busy}
                          onClick={async () => {
                            const confirmed = await confirm({
                              title: `Remove ${m.email} from this workspace?`,
                              description: "Their API keys for this workspace stop working.",
                              confirmLabel: "Remove member",
                              destructive: true,
                            });
                            if (confirmed) remove.mutate({ memberId: m.id });
                          }}
                        >
                          Remove
                        </RowDangerButton>
                      ) : null}
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      </QueryTable>
      <LoadMore list={members} testId="members-load-more" />
    </Card>
  );
}
