"use client";

import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Card } from "@/components/ui/card";
import { useConfirm } from "@/components/ui/confirm";
import { FormError } from "@/components/ui/form-error";
import { useWorkspace } from "@/components/workspace/workspace-context";

export function LeaveWorkspace() {
  const trpc = useTRPC();
  const confirm = useConfirm();
  const { workspace } = useWorkspace();
  const leave = useMutation(
    trpc.workspaces.leave.mutationOptions({
      // a full load: the workspace is gone from every cached list
      onSuccess: () => window.location.assign("/"),
    }),
  );
  return (
    <Card title="Leave workspace" description="You lose access at once; your API keys for this workspace stop working.">
      <FormError message={leave.error ? errorMessage(leave.error) : null} />
      <button
        type="button"
        className="btn btn-danger"
        data-testid="leave-workspace"
        disabled={leave.isPending || leave.isSuccess}
        onClick={async () => {
          const confirmed = await confirm({
            title: `Leave ${workspace.name}?`,
            description: "You will need a new invitation to come back.",
            confirmLabel: "Leave workspace",
            destructive: true,
          });
          if (confirmed) leave.mutate();
        }}
      >
        {leave.isPending ? "Leaving…" : "Leave workspace"}
      </button>
    </Card>
  );
}
