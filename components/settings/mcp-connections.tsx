"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { PlugIcon } from "lucide-react";
import { toast } from "sonner";
import type { z } from "zod";
import { StatusBadge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate, formatDateTime } from "@/components/ui/format";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { mcpConnectionSchema } from "@/lib/schemas/mcp-oauth";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

type Connection = z.infer<typeof mcpConnectionSchema>;

const muted = (text: string) => <span className="text-muted-foreground">{text}</span>;
const statusOf = (c: Connection) => (c.revokedAt ? "revoked" : "active");

/** "Revoke" on an active connection the caller may revoke: their own (mcp_connections:revoke), anyone's (manage). */
function RevokeConnection({ connection }: { connection: Connection }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { can, user } = useWorkspace();
  const revoke = useMutation(
    trpc.mcpConnections.revoke.mutationOptions({
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.mcpConnections.list.queryKey() }),
    }),
  );
  const mayRevoke = can("mcp_connections:manage") || (can("mcp_connections:revoke") && connection.userId === user.id);
  if (connection.revokedAt || !mayRevoke) return null;
  return (
    <Button
      size="sm"
      variant="ghost"
      className="text-destructive hover:bg-destructive/10 hover:text-destructive"
      data-testid="mcp-connection-revoke"
      disabled={revoke.isPending}
      onClick={async () => {
        const ok = await confirm({
          title: `Disconnect "${connection.clientName}"?`,
          description: "Its access and refresh tokens stop working at once. To connect again, the client asks for consent again.",
          confirmLabel: "Revoke",
          destructive: true,
        });
        if (ok) revoke.mutate({ connectionId: connection.id });
      }}
    >
      Revoke
    </Button>
  );
}

const col = dataTableColumns<Connection>();
const columns: DataTableColumn<Connection>[] = [
  col.accessor("clientName", {
    header: "Client",
    cell: ({ row }) => (
      <span className="grid">
        <span>{row.original.clientName}</span>
        <span className="text-xs text-muted-foreground">{row.original.redirectHost}</span>
      </span>
    ),
  }),
  col.accessor((c) => c.authorizedBy ?? undefined, { id: "authorizedBy", header: "Authorized by", cell: ({ row }) => row.original.authorizedBy ?? muted("—") }),
  col.accessor((c) => c.scopes.join(" "), {
    id: "scopes",
    header: "Scopes",
    enableSorting: false,
    cell: ({ row }) => <code className="font-mono text-xs">{row.original.scopes.join(" ")}</code>,
  }),
  col.accessor("createdAt", { header: "Connected", sortFn: "datetime", cell: ({ row }) => formatDate(row.original.createdAt) }),
  col.accessor((c) => c.lastUsedAt?.getTime(), {
    id: "lastUsed",
    header: "Last used",
    sortUndefined: "last",
    cell: ({ row }) => (row.original.lastUsedAt ? formatDateTime(row.original.lastUsedAt) : muted("never")),
  }),
  col.accessor((c) => statusOf(c), {
    id: "status",
    header: "Status",
    cell: ({ getValue }) => <StatusBadge status={getValue()} testId="mcp-connection-status" />,
  }),
  col.display({
    id: "actions",
    header: () => <span className="sr-only">Actions</span>,
    enableHiding: false,
    cell: ({ row }) => <RevokeConnection connection={row.original} />,
  }),
];

/** Settings, "MCP connections": the MCP clients people connected to this workspace over OAuth, revocable. */
export function McpConnections() {
  const trpc = useTRPC();
  const connections = useQuery(trpc.mcpConnections.list.queryOptions());
  return (
    <Card
      title="MCP connections"
      description="MCP clients that people connected to this workspace's MCP endpoint with their own account (OAuth). Each acts as that person, within the scopes they approved."
      testId="mcp-connections"
    >
      <DataTable
        columns={columns}
        data={connections.data}
        isPending={connections.isPending}
        isError={connections.isError}
        error={connections.error}
        caption="MCP connections"
        testId="mcp-connections-table"
        rowTestId="mcp-connection-row"
        getRowId={(c) => c.id}
        rowAttributes={(c) => ({ "data-connection-id": c.id, "data-status": statusOf(c) })}
        mobileCard={(c) => (
          <div className="grid gap-1 text-sm">
            <div className="flex items-center justify-between gap-2">
              <span className="font-medium">{c.clientName}</span>
              <StatusBadge status={statusOf(c)} testId="mcp-connection-status" />
            </div>
            <p className="text-xs text-muted-foreground">
              {c.authorizedBy ?? "—"} · {formatDate(c.createdAt)} · last used {c.lastUsedAt ? formatDateTime(c.lastUsedAt) : "never"}
            </p>
            <div className="flex justify-end">
              <RevokeConnection connection={c} />
            </div>
          </div>
        )}
        empty={
          <EmptyState
            icon={PlugIcon}
            testId="mcp-connections-empty"
            title="No MCP connections"
            text="When someone connects an MCP client (Claude, an IDE, the MCP Inspector) to this workspace with their account, it shows here."
          />
        }
      />
    </Card>
  );
}
