"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { toast } from "sonner";
import { RowDangerButton } from "@/components/ui/table";
import { useConfirm } from "@/components/ui/confirm";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ToolOut } from "@/lib/schemas/tools";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

/**
 * Delete a custom or MCP tool (refused while agents are granted it: the server names them), or reset a built-in's
 * settings to the platform's defaults; after a confirm, with tools:delete. Nothing for a built-in with its defaults.
 */
export function DeleteToolButton({ tool, onDone }: { tool: ToolOut; onDone?: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const confirm = useConfirm();
  const { can } = useWorkspace();
  const builtin = tool.kind === "builtin";
  const remove = useMutation(
    trpc.tools.delete.mutationOptions({
      onSuccess: () => {
        toast.success(builtin ? `${tool.name} is back to its defaults` : `Tool ${tool.name} deleted`);
        onDone?.();
      },
      onError: (e) => toast.error(errorMessage(e)),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.tools.pathKey() }),
    }),
  );
  if (!can("tools:delete") || (builtin && tool.id === null)) return null;
  return (
    <RowDangerButton
      testId={builtin ? "tool-reset" : "tool-delete"}
      disabled={remove.isPending}
      onClick={async () => {
        const ok = await confirm(
          builtin
            ? {
                title: `Reset ${tool.name} to its defaults?`,
                description: "Its enabled state, limits and approval policy go back to the platform's. Agents keep it.",
                confirmLabel: "Reset",
              }
            : {
                title: `Delete the tool ${tool.name}?`,
                description:
                  tool.grantedTo.length > 0
                    ? `It is granted to ${tool.grantedTo.map((g) => g.name).join(", ")}: remove it from their tools first.`
                    : "Agents can no longer be granted it. This cannot be undone.",
                confirmLabel: "Delete tool",
                destructive: true,
              },
        );
        if (ok) remove.mutate({ tool: tool.id ?? tool.name });
      }}
    >
      {builtin ? "Reset to defaults" : "Delete"}
    </RowDangerButton>
  );
}
