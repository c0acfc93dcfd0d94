"use client";

import { useMutation } from "@tanstack/react-query";
import { Button } from "@/components/ui/button";
import { useConfirm } from "@/components/ui/confirm";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";

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
    <section className="grid gap-3 rounded-xl border border-destructive/30 p-6" aria-labelledby="leave-workspace-title">
      <div className="grid gap-1">
        <h2 id="leave-workspace-title" className="font-semibold">
          Leave workspace
        </h2>
        <p className="text-sm text-muted-foreground">You lose access at once; your API keys for this workspace stop working.</p>
      </div>
      {leave.error ? (
        <div role="alert" data-testid="form-error" className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive">
          {errorMessage(leave.error)}
        </div>
      ) : null}
      <div>
        <Button
          variant="destructive"
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
        </Button>
      </div>
    </section>
  );
}
