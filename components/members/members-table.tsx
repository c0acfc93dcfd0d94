"use client";

import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import { UsersIcon } from "lucide-react";
import { useMemo } from "react";
import { Badge } from "@/components/ui/badge";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate } from "@/components/ui/format";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useActionError } from "@/components/ui/use-action-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { useTRPC } from "@/lib/trpc/react";
import { type MemberActions, MemberActionsContext, type MemberRow, RemoveCell, RoleCell } from "./member-actions";

function Name({ member }: { member: MemberRow }) {
  const { user } = useWorkspace();
  return (
    <span className="inline-flex items-center gap-2">
      {member.name ?? <span className="text-muted-foreground">—</span>}
      {member.userId === user.id ? <Badge variant="outline">you</Badge> : null}
    </span>
  );
}

const col = dataTableColumns<MemberRow>();
const columns: DataTableColumn<MemberRow>[] = [
  col.accessor((m) => m.name ?? undefined, { id: "name", header: "Name", sortUndefined: "last", cell: ({ row }) => <Name member={row.original} /> }),
  col.accessor("email", { header: "Email" }),
  col.accessor("role", { header: "Role", cell: ({ row }) => <RoleCell member={row.original} /> }),
  col.accessor("joinedAt", { header: "Joined", sortFn: "datetime", cell: ({ row }) => formatDate(row.original.joinedAt) }),
];
const actionsColumn = col.display({
  id: "actions",
  header: () => <span className="sr-only">Actions</span>,
  enableHiding: false,
  cell: ({ row }) => <RemoveCell member={row.original} />,
});

function MemberCard({ member }: { member: MemberRow }) {
  return (
    <div className="grid gap-2 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <Name member={member} />
        <RoleCell member={member} />
      </div>
      <p className="break-all">{member.email}</p>
      <div className="flex items-center justify-between gap-2">
        <span className="text-xs text-muted-foreground">Joined {formatDate(member.joinedAt)}</span>
        <RemoveCell member={member} />
      </div>
    </div>
  );
}

/** The workspace's people, first joined first, a cursor page at a time; role changes and removal as the role allows. */
export function MembersTable() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const members = usePagedList(useInfiniteQuery(trpc.members.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam })));
  const { error, handlers } = useActionError();
  const onSettled = () => queryClient.invalidateQueries();
  const changeRole = useMutation(trpc.members.changeRole.mutationOptions({ ...handlers, onSettled }));
  const remove = useMutation(trpc.members.remove.mutationOptions({ ...handlers, onSettled }));
  const actions: MemberActions = {
    changeRole: (memberId, role) => changeRole.mutate({ memberId, role }),
    remove: (memberId) => remove.mutate({ memberId }),
    busy: (memberId) => (changeRole.isPending && changeRole.variables?.memberId === memberId) || (remove.isPending && remove.variables?.memberId === memberId),
  };
  const canRemove = can("members:remove");
  const shown = useMemo(() => (canRemove ? [...columns, actionsColumn] : columns), [canRemove]);

  return (
    <section className="grid gap-3" aria-labelledby="members-people-title">
      <div className="grid gap-1">
        <h2 id="members-people-title" className="text-lg font-semibold">
          People
        </h2>
        {members.data ? (
          <p className="text-sm text-muted-foreground">
            {members.hasNextPage
              ? `The first ${members.data.length} people who joined; load more below`
              : `${members.data.length} ${members.data.length === 1 ? "person" : "people"} in this workspace`}
          </p>
        ) : null}
      </div>
      {error ? (
        <div role="alert" data-testid="form-error" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
          {error}
        </div>
      ) : null}
      <MemberActionsContext value={actions}>
        <DataTable
          {...members}
          columns={shown}
          caption="People"
          testId="members"
          rowTestId="member-row"
          getRowId={(m) => m.id}
          rowAttributes={(m) => ({ "data-email": m.email })}
          mobileCard={(m) => <MemberCard member={m} />}
          empty={<EmptyState icon={UsersIcon} title="No members" text="Nobody is in this workspace yet." />}
        />
      </MemberActionsContext>
    </section>
  );
}
