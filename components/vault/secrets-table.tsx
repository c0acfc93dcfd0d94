"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { KeyRoundIcon, PlusIcon } from "lucide-react";
import { useMemo } from "react";
import { Button } from "@/components/ui/button";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { SecretSummary } from "@/lib/schemas/secrets";
import { useTRPC } from "@/lib/trpc/react";
import { maskedValue } from "./names";
import { SecretActions } from "./secret-actions";

const none = <span className="text-muted-foreground">—</span>;

function Masked({ secret }: { secret: SecretSummary }) {
  return (
    <code className="font-mono text-xs" data-testid="secret-last4" title={secret.last4 ? "Last 4 characters" : "Too short to show any characters"}>
      {maskedValue(secret.last4)}
    </code>
  );
}

function UsedBy({ secret }: { secret: SecretSummary }) {
  return (
    <div data-testid="secret-used-by">
      {secret.usedBy.length === 0 ? (
        none
      ) : (
        <ul className="grid gap-0.5">
          {secret.usedBy.map((u) => (
            <li key={`${u.type}:${u.id}`}>
              <span className="text-muted-foreground">{u.type}</span> {u.name}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

const col = dataTableColumns<SecretSummary>();
const columns: DataTableColumn<SecretSummary>[] = [
  col.accessor("name", { header: "Name", cell: ({ row }) => <code className="font-mono text-sm font-medium">{row.original.name}</code> }),
  col.accessor("description", { header: "Description", cell: ({ row }) => row.original.description || none }),
  col.accessor("last4", { header: "Value", enableSorting: false, cell: ({ row }) => <Masked secret={row.original} /> }),
  col.accessor((s) => s.usedBy.length, { id: "usedBy", header: "Used by", cell: ({ row }) => <UsedBy secret={row.original} /> }),
  col.accessor("createdAt", {
    header: "Created",
    sortFn: "datetime",
    cell: ({ row }) => <span className="whitespace-nowrap">{formatDate(row.original.createdAt)}</span>,
  }),
  col.accessor((s) => s.lastUsedAt?.getTime(), {
    id: "lastUsed",
    header: "Last used",
    sortUndefined: "last",
    cell: ({ row }) => (
      <span className="whitespace-nowrap">
        {row.original.lastUsedAt ? formatDateTime(row.original.lastUsedAt) : <span className="text-muted-foreground">never</span>}
      </span>
    ),
  }),
];
const actionsColumn = col.display({
  id: "actions",
  header: () => <span className="sr-only">Actions</span>,
  enableHiding: false,
  cell: ({ row }) => <SecretActions secret={row.original} />,
});

function SecretCard({ secret, actions }: { secret: SecretSummary; actions: boolean }) {
  return (
    <div className="grid gap-2 text-sm">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <code className="font-mono font-medium">{secret.name}</code>
        <Masked secret={secret} />
      </div>
      {secret.description ? <p className="text-muted-foreground">{secret.description}</p> : null}
      <UsedBy secret={secret} />
      <p className="text-xs text-muted-foreground">
        Created {formatDate(secret.createdAt)} · last used {secret.lastUsedAt ? formatDateTime(secret.lastUsedAt) : "never"}
      </p>
      {actions ? <SecretActions secret={secret} /> : null}
    </div>
  );
}

/** The workspace's secrets, newest first, a cursor page at a time. `onAdd` (roles that may create) opens the add dialog. */
export function SecretsTable({ onAdd }: { onAdd?: () => void }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const secrets = usePagedList(useInfiniteQuery(trpc.secrets.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam })));
  const showActions = can("secrets:update") || can("secrets:delete");
  const shown = useMemo(() => (showActions ? [...columns, actionsColumn] : columns), [showActions]);

  return (
    <section className="grid gap-3" aria-labelledby="secrets-title">
      <div className="grid gap-1">
        <h2 id="secrets-title" className="text-lg font-semibold">
          Secrets
        </h2>
        {secrets.data ? (
          <p className="text-sm text-muted-foreground">
            {secrets.hasNextPage
              ? `The newest ${secrets.data.length} secrets; load more below`
              : `${secrets.data.length} ${secrets.data.length === 1 ? "secret" : "secrets"} in this workspace`}
          </p>
        ) : null}
      </div>
      <DataTable
        {...secrets}
        columns={shown}
        caption="Secrets"
        testId="secrets"
        rowTestId="secret-row"
        getRowId={(s) => s.id}
        rowAttributes={(s) => ({ "data-name": s.name, "data-secret-id": s.id })}
        mobileCard={(s) => <SecretCard secret={s} actions={showActions} />}
        empty={
          <EmptyState
            icon={KeyRoundIcon}
            testId="secret-empty"
            title="No secrets yet"
            text="Store a provider's API key or a tool's credential here, then reference it by name."
            action={
              onAdd ? (
                <Button variant="outline" onClick={onAdd}>
                  <PlusIcon aria-hidden />
                  Add secret
                </Button>
              ) : null
            }
          />
        }
      />
    </section>
  );
}
