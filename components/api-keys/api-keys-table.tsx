"use client";

import { useQuery } from "@tanstack/react-query";
import { KeyRoundIcon, PlusIcon } from "lucide-react";
import { useMemo } from "react";
import type { z } from "zod";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { apiKeySchema } from "@/lib/schemas/api-keys";
import { useTRPC } from "@/lib/trpc/react";
import { RevokeKey } from "./api-key-actions";
import { keyStatus } from "./scopes";

type ApiKey = z.infer<typeof apiKeySchema>;

const muted = (text: string) => <span className="text-muted-foreground">{text}</span>;

function Scopes({ scopes }: { scopes: string[] }) {
  return (
    <details>
      <summary className="cursor-pointer text-sm whitespace-nowrap">
        {scopes.length} {scopes.length === 1 ? "scope" : "scopes"}
      </summary>
      <ul className="mt-1 grid gap-0.5">
        {scopes.map((s) => (
          <li key={s}>
            <code className="font-mono text-xs">{s}</code>
          </li>
        ))}
      </ul>
    </details>
  );
}

const Hint = ({ k }: { k: ApiKey }) => (
  <code className="font-mono text-xs whitespace-nowrap">
    {k.prefix}…{k.last4}
  </code>
);

const col = dataTableColumns<ApiKey>();
const columns: DataTableColumn<ApiKey>[] = [
  col.accessor("name", { header: "Name" }),
  col.accessor("last4", { header: "Key", enableSorting: false, cell: ({ row }) => <Hint k={row.original} /> }),
  col.accessor((k) => k.scopes.length, { id: "scopes", header: "Scopes", cell: ({ row }) => <Scopes scopes={row.original.scopes} /> }),
  col.accessor((k) => k.createdBy ?? undefined, {
    id: "createdBy",
    header: "Created by",
    sortUndefined: "last",
    cell: ({ row }) => row.original.createdBy ?? muted("—"),
  }),
  col.accessor("createdAt", { header: "Created", sortFn: "datetime", cell: ({ row }) => formatDate(row.original.createdAt) }),
  col.accessor((k) => k.expiresAt?.getTime(), {
    id: "expires",
    header: "Expires",
    sortUndefined: "last",
    cell: ({ row }) => (row.original.expiresAt ? formatDate(row.original.expiresAt) : muted("never")),
  }),
  col.accessor((k) => k.lastUsedAt?.getTime(), {
    id: "lastUsed",
    header: "Last used",
    sortUndefined: "last",
    cell: ({ row }) => (row.original.lastUsedAt ? formatDateTime(row.original.lastUsedAt) : muted("never")),
  }),
  col.accessor((k) => keyStatus(k), { id: "status", header: "Status", cell: ({ getValue }) => <StatusBadge status={getValue()} testId="apikey-status" /> }),
];
const actionsColumn = col.display({
  id: "actions",
  header: () => <span className="sr-only">Actions</span>,
  enableHiding: false,
  cell: ({ row }) => <RevokeKey apiKey={row.original} />,
});

function KeyCard({ k, actions }: { k: ApiKey; actions: boolean }) {
  return (
    <div className="grid gap-2 text-sm">
      <div className="flex items-center justify-between gap-2">
        <span className="font-medium">{k.name}</span>
        <StatusBadge status={keyStatus(k)} testId="apikey-status" />
      </div>
      <Hint k={k} />
      <Scopes scopes={k.scopes} />
      <p className="text-xs text-muted-foreground">
        {k.createdBy ? `By ${k.createdBy}, ` : ""}
        {formatDate(k.createdAt)} · expires {k.expiresAt ? formatDate(k.expiresAt) : "never"} · last used{" "}
        {k.lastUsedAt ? formatDateTime(k.lastUsedAt) : "never"}
      </p>
      {actions ? (
        <div className="flex justify-end">
          <RevokeKey apiKey={k} />
        </div>
      ) : null}
    </div>
  );
}

/** The workspace's API keys (one list, not paged by the API). `onCreate` (roles that may create) opens the create dialog. */
export function ApiKeysTable({ onCreate }: { onCreate?: () => void }) {
  const trpc = useTRPC();
  const { can } = useWorkspace();
  const keys = useQuery(trpc.apiKeys.list.queryOptions());
  const showActions = can("api_keys:revoke") || can("api_keys:manage");
  const shown = useMemo(() => (showActions ? [...columns, actionsColumn] : columns), [showActions]);
  return (
    <DataTable
      columns={shown}
      data={keys.data}
      isPending={keys.isPending}
      isError={keys.isError}
      error={keys.error}
      caption="API keys"
      testId="apikeys"
      rowTestId="apikey-row"
      getRowId={(k) => k.id}
      rowAttributes={(k) => ({ "data-key-id": k.id, "data-status": keyStatus(k) })}
      mobileCard={(k) => <KeyCard k={k} actions={showActions} />}
      empty={
        <EmptyState
          icon={KeyRoundIcon}
          testId="apikey-empty"
          title="No API keys yet"
          text="A key lets a script or the cadre CLI call the REST API as you, with the scopes you pick."
          action={
            onCreate ? (
              <Button variant="outline" onClick={onCreate}>
                <PlusIcon aria-hidden />
                Create API key
              </Button>
            ) : null
          }
        />
      }
    />
  );
}
