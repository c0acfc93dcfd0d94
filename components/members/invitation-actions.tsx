"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { createContext, use } from "react";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { Role } from "@/lib/permissions";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { type IssuedInvitation, InvitationLink } from "./invitation-link";
import { grantableRoles } from "./roles";

interface PendingInvitation {
  id: string;
  email: string;
  role: Role;
}

/**
 * The server keeps only a hash of a link's token, so a link cannot be shown again. "New link" invites the same
 * address with the same role (invitations.create), which replaces the pending invitation (its old link stops
 * working) and returns the new link, shown once. The list owns that mutation: the new invitation replaces the row.
 */
export const ReissueContext = createContext<{ reissue: (inv: PendingInvitation) => void; reissuing: (email: string) => boolean } | null>(null);

/** "New link" and "Revoke" of a pending invitation. */
export function InvitationActions({ invitation }: { invitation: PendingInvitation }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { role: myRole } = useWorkspace();
  const links = use(ReissueContext);
  const revoke = useMutation(
    trpc.invitations.revoke.mutationOptions({
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.invitations.list.queryKey() }),
    }),
  );
  const mayReissue = grantableRoles(myRole).includes(invitation.role);

  return (
    <div className="flex flex-wrap justify-end gap-2">
      {links ? (
        <Button
          size="sm"
          variant="outline"
          data-testid="invitation-new-link"
          disabled={!mayReissue || links.reissuing(invitation.email)}
          title={mayReissue ? "Replace the link (the old one stops working) and show the new one" : "Your role cannot invite with this role"}
          onClick={async () => {
            const ok = await confirm({
              title: `A new link for ${invitation.email}?`,
              description: "The link sent before stops working; the new one is shown once, to copy and send.",
              confirmLabel: "Make a new link",
            });
            if (ok) links.reissue(invitation);
          }}
        >
          {links.reissuing(invitation.email) ? "Making…" : "New link"}
        </Button>
      ) : null}
      <Button
        size="sm"
        variant="ghost"
        className="text-destructive hover:bg-destructive/10 hover:text-destructive"
        data-testid="invitation-revoke"
        disabled={revoke.isPending}
        onClick={async () => {
          const ok = await confirm({
            title: `Revoke the invitation for ${invitation.email}?`,
            description: "Its link stops working. You can invite the address again later.",
            confirmLabel: "Revoke invitation",
            destructive: true,
          });
          if (ok) revoke.mutate({ invitationId: invitation.id });
        }}
      >
        Revoke
      </Button>
    </div>
  );
}

/** The link "New link" made, shown once with a copy button. */
export function NewLinkDialog({ issued, onClose }: { issued: IssuedInvitation | null; onClose: () => void }) {
  return (
    <Dialog open={issued !== null} onOpenChange={(open) => (open ? undefined : onClose())}>
      <DialogContent data-testid="invitation-link-dialog">
        <DialogHeader>
          <DialogTitle>New invitation link</DialogTitle>
          <DialogDescription>Send it to the invitee by any means; the previous link no longer works.</DialogDescription>
        </DialogHeader>
        {issued ? <InvitationLink result={issued} testIds={{ box: "invitation-link", url: "invitation-link-url", copy: "invitation-link-copy" }} /> : null}
        <DialogFooter>
          <Button onClick={onClose} data-testid="invitation-link-done">
            Done
          </Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
