"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";

/** Deletes the organisation's SSO connection (OIDC or SAML) after a confirmation. */
export function DeleteSsoButton() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const remove = useMutation(trpc.orgSso.delete.mutationOptions());
  async function onDelete() {
    if (
      !(await confirm({
        title: "Delete single sign-on?",
        description: "People of your domains can no longer sign in through it.",
        confirmLabel: "Delete",
        destructive: true,
      }))
    )
      return;
    try {
      await remove.mutateAsync();
      toast.success("Single sign-on deleted");
      await queryClient.invalidateQueries({ queryKey: trpc.orgSso.get.queryKey() });
    } catch (error) {
      toast.error(errorMessage(error));
    }
  }
  return (
    <Button type="button" variant="destructive" onClick={() => void onDelete()} disabled={remove.isPending}>
      Delete
    </Button>
  );
}
