"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { Dialog, DialogContent, DialogDescription, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { WebhookOutput } from "@/lib/schemas/webhooks";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { ShownSecret } from "./shown-secret";
import { WebhookDialog } from "./webhook-form";

/** A webhook's actions for roles with webhooks:manage: edit, enable / disable, send a test event, rotate the secret, delete. */
export function WebhookActions({ hook, onDeliveries }: { hook: WebhookOutput; onDeliveries: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { can } = useWorkspace();
  const [editing, setEditing] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.webhooks.pathKey() });
  const onError = (e: unknown) => toast.error(errorMessage(e));
  const toggle = useMutation(trpc.webhooks.update.mutationOptions({ onError, onSettled: refresh }));
  const test = useMutation(
    trpc.webhooks.test.mutationOptions({
      onSuccess: () => {
        toast.success("Test event queued: see it in the deliveries");
        onDeliveries();
      },
      onError,
      onSettled: refresh,
    }),
  );
  const rotate = useMutation(trpc.webhooks.rotateSecret.mutationOptions({ onSuccess: (h) => setSecret(h.secret), onError, onSettled: refresh }));
  const remove = useMutation(trpc.webhooks.delete.mutationOptions({ onSuccess: () => toast.success("Webhook deleted"), onError, onSettled: refresh }));
  const manage = can("webhooks:manage");
  return (
    <div className="flex flex-wrap justify-end gap-2">
      <Button size="sm" variant="outline" data-testid="webhook-deliveries" onClick={onDeliveries}>
        Deliveries
      </Button>
      {manage ? (
        <>
          <Button size="sm" variant="outline" data-testid="webhook-edit" onClick={() => setEditing(true)}>
            Edit
          </Button>
          <Button
            size="sm"
            variant="outline"
            data-testid="webhook-toggle"
            disabled={toggle.isPending}
            onClick={() => toggle.mutate({ webhookId: hook.id, enabled: !hook.enabled })}
          >
            {hook.enabled ? "Disable" : "Enable"}
          </Button>
          <Button
            size="sm"
            variant="outline"
            data-testid="webhook-test"
            disabled={test.isPending || !hook.enabled}
            onClick={() => test.mutate({ webhookId: hook.id })}
          >
            Send test event
          </Button>
          <Button
            size="sm"
            variant="outline"
            data-testid="webhook-rotate"
            disabled={rotate.isPending}
            onClick={async () => {
              const ok = await confirm({
                title: "Rotate the signing secret?",
                description: "A new secret signs from now on; the current one keeps signing too for 24 hours, so receivers can switch without a gap.",
                confirmLabel: "Rotate secret",
              });
              if (ok) rotate.mutate({ webhookId: hook.id });
            }}
          >
            Rotate secret
          </Button>
          <Button
            size="sm"
            variant="ghost"
            className="text-destructive hover:bg-destructive/10 hover:text-destructive"
            data-testid="webhook-delete"
            disabled={remove.isPending}
            onClick={async () => {
              const ok = await confirm({
                title: "Delete this webhook?",
                description: `Events stop going to ${hook.url}; its secret and delivery log are deleted.`,
                confirmLabel: "Delete webhook",
                destructive: true,
              });
              if (ok) remove.mutate({ webhookId: hook.id });
            }}
          >
            Delete
          </Button>
          <WebhookDialog open={editing} onOpenChange={setEditing} editing={hook} />
          <Dialog open={secret !== null} onOpenChange={(open) => (open ? null : setSecret(null))}>
            <DialogContent className="sm:max-w-xl" onInteractOutside={(e) => e.preventDefault()}>
              <DialogHeader>
                <DialogTitle>The new signing secret</DialogTitle>
                <DialogDescription>Update the receiver within 24 hours.</DialogDescription>
              </DialogHeader>
              {secret ? <ShownSecret secret={secret} rotated onDone={() => setSecret(null)} /> : null}
            </DialogContent>
          </Dialog>
        </>
      ) : null}
    </div>
  );
}
