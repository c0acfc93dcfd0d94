"use client";

import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { SendIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { DataTable, type DataTableColumn, dataTableColumns } from "@/components/ui/data-table";
import { EmptyState } from "@/components/ui/empty-state";
import { formatDateTime } from "@/components/ui/format";
import { nextPageParam, usePagedList } from "@/components/ui/paged-list";
import { Sheet, SheetContent, SheetDescription, SheetHeader, SheetTitle } from "@/components/ui/sheet";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { WebhookDeliveryOutput } from "@/lib/schemas/webhooks";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

const TONES: Record<WebhookDeliveryOutput["status"], BadgeTone> = { queued: "info", processing: "accent", delivered: "success", failed: "danger" };

export function DeliveryStatus({ status }: { status: WebhookDeliveryOutput["status"] }) {
  return (
    <Badge tone={TONES[status]} testId="delivery-status">
      {status}
    </Badge>
  );
}

function DeliveryDetail({ deliveryId, onClose }: { deliveryId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const detail = useQuery(
    trpc.webhooks.delivery.queryOptions(
      { deliveryId },
      { refetchInterval: (q) => (q.state.data?.status === "queued" || q.state.data?.status === "processing" ? 2_000 : false) },
    ),
  );
  const redeliver = useMutation(
    trpc.webhooks.redeliver.mutationOptions({
      onSuccess: () => toast.success("Redelivery queued"),
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() }),
    }),
  );
  const d = detail.data;
  return (
    <Sheet open onOpenChange={(open) => (open ? null : onClose())}>
      <SheetContent className="w-full overflow-y-auto sm:max-w-2xl" data-testid="delivery-detail">
        <SheetHeader>
          <SheetTitle>Delivery {deliveryId}</SheetTitle>
          <SheetDescription>The webhook-id of every attempt. Request headers carry the signatures, never the secret.</SheetDescription>
        </SheetHeader>
        {d ? (
          <div className="grid gap-4 px-4 pb-4 text-sm">
            <div className="flex flex-wrap items-center gap-2">
              <code className="font-mono text-xs">{d.eventType}</code>
              <DeliveryStatus status={d.status} />
              <span className="text-muted-foreground">
                {d.attempts} {d.attempts === 1 ? "attempt" : "attempts"}
                {d.nextAttemptAt ? ` · next ${formatDateTime(d.nextAttemptAt)}` : ""}
              </span>
              {can("webhooks:manage") ? (
                <Button
                  size="sm"
                  className="ml-auto"
                  data-testid="delivery-redeliver"
                  disabled={redeliver.isPending}
                  onClick={() => redeliver.mutate({ deliveryId })}
                >
                  <SendIcon aria-hidden />
                  Redeliver
                </Button>
              ) : null}
            </div>
            {d.lastError ? (
              <p className="text-destructive" data-testid="delivery-error">
                {d.lastError}
              </p>
            ) : null}
            <section className="grid gap-1">
              <h3 className="font-medium">Body</h3>
              <pre className="max-h-64 overflow-auto rounded-md border bg-muted p-2 font-mono text-xs" data-testid="delivery-body">
                {d.body}
              </pre>
            </section>
            <section className="grid gap-2">
              <h3 className="font-medium">Attempts</h3>
              {d.attemptLog.length === 0 ? <p className="text-muted-foreground">No attempt yet.</p> : null}
              <ol className="grid gap-3">
                {d.attemptLog.map((a) => (
                  <li key={a.id} className="grid gap-1 rounded-md border p-2" data-testid="delivery-attempt">
                    <div className="flex flex-wrap gap-2">
                      <strong>#{a.number}</strong>
                      <span>{formatDateTime(a.createdAt)}</span>
                      <span className="text-muted-foreground">{a.durationMs} ms</span>
                      {a.manual ? <Badge tone="neutral">manual</Badge> : null}
                      <span data-testid="attempt-outcome">{a.responseStatus !== null ? `HTTP ${a.responseStatus}` : (a.error ?? "no answer")}</span>
                    </div>
                    <details>
                      <summary className="cursor-pointer">Request headers</summary>
                      <pre className="overflow-auto font-mono text-xs">
                        {Object.entries(a.requestHeaders)
                          .map(([k, v]) => `${k}: ${v}`)
                          .join("\n")}
                      </pre>
                    </details>
                    {a.responseBody ? (
                      <details>
                        <summary className="cursor-pointer">Response body (first KB)</summary>
                        <pre className="overflow-auto font-mono text-xs whitespace-pre-wrap">{a.responseBody}</pre>
                      </details>
                    ) : null}
                  </li>
                ))}
              </ol>
            </section>
          </div>
        ) : (
          <p className="px-4 text-sm text-muted-foreground">{detail.isError ? errorMessage(detail.error) : "Loading…"}</p>
        )}
      </SheetContent>
    </Sheet>
  );
}

const col = dataTableColumns<WebhookDeliveryOutput>();
const columns: DataTableColumn<WebhookDeliveryOutput>[] = [
  col.accessor("eventType", { header: "Event", cell: ({ getValue }) => <code className="font-mono text-xs">{getValue()}</code> }),
  col.accessor("status", { header: "Status", cell: ({ getValue }) => <DeliveryStatus status={getValue()} /> }),
  col.accessor("attempts", { header: "Attempts" }),
  col.accessor((d) => d.lastStatus ?? undefined, {
    id: "lastStatus",
    header: "Last answer",
    sortUndefined: "last",
    cell: ({ row }) => (row.original.lastStatus !== null ? `HTTP ${row.original.lastStatus}` : row.original.lastError ? "error" : "—"),
  }),
  col.accessor("createdAt", { header: "Created", sortFn: "datetime", cell: ({ getValue }) => formatDateTime(getValue()) }),
];

/** A webhook's delivery log, newest first, paged; a row opens its detail (body, attempts, redeliver). */
export function Deliveries({ webhookId }: { webhookId: string }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState<string | null>(null);
  const list = usePagedList(useInfiniteQuery(trpc.webhooks.deliveries.infiniteQueryOptions({ webhookId }, { getNextPageParam: nextPageParam })));
  const withOpen: DataTableColumn<WebhookDeliveryOutput>[] = [
    ...columns,
    col.display({
      id: "open",
      header: () => <span className="sr-only">Details</span>,
      enableHiding: false,
      cell: ({ row }) => (
        <Button size="sm" variant="outline" data-testid="delivery-open" onClick={() => setOpen(row.original.id)}>
          Details
        </Button>
      ),
    }),
  ];
  return (
    <>
      <DataTable
        columns={withOpen}
        {...list}
        caption="Deliveries"
        testId="deliveries"
        rowTestId="delivery-row"
        getRowId={(d) => d.id}
        rowAttributes={(d) => ({ "data-delivery-id": d.id, "data-status": d.status })}
        empty={
          <EmptyState icon={SendIcon} testId="deliveries-empty" title="No deliveries yet" text="Events this webhook receives, and test events, show here." />
        }
      />
      {open ? <DeliveryDetail deliveryId={open} onClose={() => setOpen(null)} /> : null}
    </>
  );
}
