"use client";

import { useInfiniteQuery } from "@tanstack/react-query";
import { LockIcon, PlusIcon, WebhookIcon } from "lucide-react";
import { useMemo, useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDate } from "@/components/ui/format";
import { PageHeader } from "@/components/ui/page-header";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { WebhookOutput } from "@/lib/schemas/webhooks";
import { useTRPC } from "@/lib/trpc/react";
import { Deliveries } from "./deliveries";
import { WebhookActions } from "./webhook-actions";
import { WebhookDialog } from "./webhook-form";

const col = dataTableColumns<WebhookOutput>();
const columns: DataTableColumn<WebhookOutput>[] = [
  col.accessor("url", {
    header: "Endpoint",
    cell: ({ row }) => (
      <div className="grid gap-0.5">
        <code className="font-mono text-xs break-all">{row.original.url}</code>
        {row.original.description ? <span className="text-xs text-muted-foreground">{row.original.description}</span> : null}
      </div>
    ),
  }),
  col.accessor((h) => h.eventTypes.join(" "), {
    id: "events",
    header: "Events",
    enableSorting: false,
    cell: ({ row }) => (
      <ul className="grid gap-0.5">
        {row.original.eventTypes.map((t) => (
          <li key={t}>
            <code className="font-mono text-xs">{t}</code>
          </li>
        ))}
      </ul>
    ),
  }),
  col.accessor((h) => (h.enabled ? "enabled" : "disabled"), {
    id: "status",
    header: "Status",
    cell: ({ row }) => (
      <div className="grid gap-1">
        <Badge tone={row.original.enabled ? "success" : "warning"} testId="webhook-status">
          {row.original.enabled ? "enabled" : "disabled"}
        </Badge>
        {row.original.disabledReason ? <span className="text-xs text-muted-foreground">{row.original.disabledReason}</span> : null}
        {row.original.previousSecretExpiresAt ? (
          <span className="text-xs text-muted-foreground">previous secret signs until {formatDate(row.original.previousSecretExpiresAt)}</span>
        ) : null}
      </div>
    ),
  }),
  col.accessor("createdAt", { header: "Created", sortFn: "datetime", cell: ({ getValue }) => formatDate(getValue()) }),
];

/** The workspace's outgoing webhooks: subscriptions, their actions, and the delivery log of the one chosen. */
export function WebhooksPage() {
  const { can } = useWorkspace();
  const canManage = can("webhooks:manage");
  const canRead = can("webhooks:read");
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<string | null>(null);
  return (
    <div className="flex flex-col gap-6">
      <PageHeader
        className="pb-0"
        title="Webhooks"
        description="Cadre POSTs this workspace's events (runs ending, approvals requested, budget alerts) to your endpoints, signed as Standard Webhooks says, and retries a failed delivery for 24 hours."
        actions={
          canManage ? (
            <Button onClick={() => setCreating(true)} data-testid="webhook-open">
              <PlusIcon aria-hidden />
              Create webhook
            </Button>
          ) : null
        }
      />
      {canManage ? <WebhookDialog open={creating} onOpenChange={setCreating} /> : null}
      {canRead ? (
        <WebhooksTable onCreate={canManage ? () => setCreating(true) : undefined} shown={shown} onShow={setShown} />
      ) : (
        <EmptyState icon={LockIcon} testId="no-access" title="No access" text="Your role cannot see the webhooks of this workspace." />
      )}
    </div>
  );
}

function WebhooksTable({ onCreate, shown, onShow }: { onCreate?: () => void; shown: string | null; onShow: (id: string) => void }) {
  const trpc = useTRPC();
  const list = usePagedList(useInfiniteQuery(trpc.webhooks.list.infiniteQueryOptions({}, { getNextPageParam: nextPageParam })));
  const withActions = useMemo(
    () => [
      ...columns,
      col.display({
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        enableHiding: false,
        cell: ({ row }) => <WebhookActions hook={row.original} onDeliveries={() => onShow(row.original.id)} />,
      }),
    ],
    [onShow],
  );
  const chosen = list.data?.find((h) => h.id === shown);
  return (
    <>
      <DataTable
        columns={withActions}
        {...list}
        caption="Webhooks"
        testId="webhooks"
        rowTestId="webhook-row"
        getRowId={(h) => h.id}
        rowAttributes={(h) => ({ "data-webhook-id": h.id, "data-enabled": String(h.enabled) })}
        empty={
          <EmptyState
            icon={WebhookIcon}
            testId="webhook-empty"
            title="No webhooks yet"
            text="A webhook sends this workspace's events to a URL of yours as they happen."
            action={
              onCreate ? (
                <Button variant="outline" onClick={onCreate}>
                  <PlusIcon aria-hidden />
                  Create webhook
                </Button>
              ) : null
            }
          />
        }
      />
      {chosen ? (
        <Card title={`Deliveries to ${chosen.url}`} testId="webhook-deliveries-card">
          <Deliveries webhookId={chosen.id} />
        </Card>
      ) : null}
    </>
  );
}
