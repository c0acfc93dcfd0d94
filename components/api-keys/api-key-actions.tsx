"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { keyStatus } from "./scopes";

interface Key {
  id: string;
  name: string;
  createdBy: string | null;
  revokedAt: Date | null;
  expiresAt: Date | null;
}

/** Whether the caller may revoke a key: members revoke their own keys; api_keys:manage revokes anyone's. */
export function useMayRevoke(): (createdBy: string | null) => boolean {
  const { can, user } = useWorkspace();
  return (createdBy) => can("api_keys:manage") || (can("api_keys:revoke") && createdBy === user.email);
}

/** "Revoke" on an active key the caller may revoke (after a confirmation). */
export function RevokeKey({ apiKey }: { apiKey: Key }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const mayRevoke = useMayRevoke();
  const revoke = useMutation(
    trpc.apiKeys.revoke.mutationOptions({
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.apiKeys.list.queryKey() }),
    }),
  );
  if (keyStatus(apiKey) !== "active" || !mayRevoke(apiKey.createdBy)) return null;
  return (
    <Button
      size="sm"
      variant="ghost"
      className="text-destructive hover:bg-destructive/10 hover:text-destructive"
      data-testid="apikey-revoke"
      disabled={revoke.isPending}
      onClick={async () => {
        const ok = await confirm({
          title: `Revoke the key "${apiKey.name}"?`,
          description: "Scripts and services using it stop working at once. A revoked key cannot be used again.",
          confirmLabel: "Revoke key",
          destructive: true,
        });
        if (ok) revoke.mutate({ keyId: apiKey.id });
      }}
    >
      Revoke
    </Button>
  );
}
