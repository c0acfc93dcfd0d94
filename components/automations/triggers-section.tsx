"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useActionError } from "@/components/ui/use-action-error";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { TriggerOutput, TriggerWithSecretOutput } from "@/lib/schemas/triggers";
import { useTRPC } from "@/lib/trpc/react";
import { TriggerDialog, TriggerSecret } from "./trigger-form";
import { formatDateTime } from "@/components/ui/format";
import { LastRun } from "./last-run";
import { targetLabel } from "./target-select";

function useTriggerActions(onRotated: (created: TriggerWithSecretOutput) => void) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { error, handlers } = useActionError();
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.triggers.list.queryKey() });
  return {
    error,
    update: useMutation(trpc.triggers.update.mutationOptions({ ...handlers, onSuccess: refresh })),
    rotate: useMutation(
      trpc.triggers.rotateSecret.mutationOptions({
        ...handlers,
        onSuccess: async (created) => {
          onRotated(created);
          await refresh();
        },
      }),
    ),
    remove: useMutation(trpc.triggers.delete.mutationOptions({ ...handlers, onSuccess: refresh })),
  };
}

function Actions({ trigger, actions }: { trigger: TriggerOutput; actions: ReturnType<typeof useTriggerActions> }) {
  const confirm = useConfirm();
  return (
    <div className="flex justify-end gap-1">
      <Button
        variant="ghost"
        size="sm"
        onClick={() => actions.update.mutate({ triggerId: trigger.id, enabled: !trigger.enabled })}
        data-testid="trigger-toggle"
      >
        {trigger.enabled ? "Disable" : "Enable"}
      </Button>
      <Button
        variant="ghost"
        size="sm"
        data-testid="trigger-rotate"
        onClick={async () => {
          if (await confirm({ title: `Rotate the secret of ${trigger.name}?`, description: "The old secret stops working at once.", confirmLabel: "Rotate" }))
            actions.rotate.mutate({ triggerId: trigger.id });
        }}
      >
        Rotate secret
      </Button>
      <Button
        variant="ghost"
        size="sm"
        className="text-destructive"
        data-testid="trigger-delete"
        onClick={async () => {
          if (
            await confirm({
              title: `Delete the trigger ${trigger.name}?`,
              description: "Deliveries get 404; its runs stay.",
              confirmLabel: "Delete",
              destructive: true,
            })
          )
            actions.remove.mutate({ triggerId: trigger.id });
        }}
      >
        Delete
      </Button>
    </div>
  );
}

/** The workspace's incoming webhook triggers: URL, deliveries, last run; create, disable/enable, rotate the secret, delete. */
export function TriggersSection() {
  const trpc = useTRPC();
  const { slug, can } = useWorkspace();
  const canManage = can("triggers:manage") && can("runs:create");
  const list = useQuery(trpc.triggers.list.queryOptions({ limit: 200 }));
  const [creating, setCreating] = useState(false);
  const [rotated, setRotated] = useState<TriggerWithSecretOutput | null>(null);
  const actions = useTriggerActions(setRotated);
  const rows = list.data?.items ?? [];
  return (
    <section className="grid gap-3" aria-labelledby="triggers-heading">
      <div className="flex items-center justify-between">
        <h2 id="triggers-heading" className="text-lg font-semibold">
          Webhook triggers
        </h2>
        {canManage ? (
          <Button onClick={() => setCreating(true)} data-testid="trigger-open">
            Create trigger
          </Button>
        ) : null}
      </div>
      {actions.error ? (
        <p role="alert" className="text-sm text-destructive">
          {actions.error}
        </p>
      ) : null}
      {list.isPending ? (
        <p className="text-sm text-muted-foreground">Loading…</p>
      ) : list.isError ? (
        <p role="alert" className="text-sm text-destructive">
          The triggers could not be loaded.
        </p>
      ) : rows.length === 0 ? (
        <p className="text-sm text-muted-foreground" data-testid="triggers-empty">
          No webhook triggers yet.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-md border">
          <table className="w-full text-sm">
            <thead className="bg-muted/50 text-left">
              <tr>
                <th className="px-3 py-2 font-medium">Name</th>
                <th className="px-3 py-2 font-medium">Runs</th>
                <th className="px-3 py-2 font-medium">URL</th>
                <th className="px-3 py-2 font-medium">Deliveries</th>
                <th className="px-3 py-2 font-medium">Last run</th>
                <th className="px-3 py-2 font-medium">Status</th>
                {canManage ? <th className="px-3 py-2 text-right font-medium">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {rows.map((t) => (
                <tr key={t.id} className="border-t" data-testid="trigger-row" data-trigger-id={t.id}>
                  <td className="px-3 py-2 font-medium">{t.name}</td>
                  <td className="px-3 py-2">{targetLabel(t)}</td>
                  <td className="px-3 py-2">
                    <code className="font-mono text-xs">POST {t.path}</code>
                  </td>
                  <td className="px-3 py-2">
                    {t.deliveries}
                    {t.refusedDeliveries > 0 ? (
                      <span className="block max-w-xs text-xs text-destructive" data-testid="trigger-refused">
                        {t.refusedDeliveries} refused; the last {formatDateTime(t.lastRefusedAt)}: {t.lastRefusal}
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">
                    <LastRun slug={slug} channel="webhook" row={t} at={t.lastDeliveryAt} />
                  </td>
                  <td className="px-3 py-2">
                    <Badge tone={t.enabled ? "success" : "neutral"} testId="trigger-status">
                      {t.enabled ? "enabled" : "disabled"}
                    </Badge>
                  </td>
                  {canManage ? (
                    <td className="px-3 py-2">
                      <Actions trigger={t} actions={actions} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canManage ? <TriggerDialog open={creating} onOpenChange={setCreating} /> : null}
      <Dialog open={rotated !== null} onOpenChange={(open) => !open && setRotated(null)}>
        <DialogContent className="sm:max-w-2xl" onInteractOutside={(e) => e.preventDefault()}>
          <DialogHeader>
            <DialogTitle>New signing secret</DialogTitle>
            <DialogDescription>Update the sender with it: the old secret no longer verifies.</DialogDescription>
          </DialogHeader>
          {rotated ? <TriggerSecret created={rotated} onDone={() => setRotated(null)} /> : null}
        </DialogContent>
      </Dialog>
    </section>
  );
}
