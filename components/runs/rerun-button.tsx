"use client";

import { useRef } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { ChevronDownIcon, RotateCcwIcon } from "lucide-react";
import { toast } from "sonner";
import { useTRPC } from "@/lib/trpc/react";
import { newIdempotencyKey } from "@/lib/idempotency";
import { Button } from "@/components/ui/button";
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuTrigger } from "@/components/ui/dropdown-menu";
import { errorMessage } from "@/lib/trpc/errors";

type Versions = "pinned" | "current";

/** Re-runs a finished run (same input, override and budget) on its versions or the current ones, then opens the new run. */
export function RerunButton({ runId, slug }: { runId: string; slug: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  // one key per intended re-run: a double click starts one run
  const attempt = useRef<{ versions: Versions; key: string } | null>(null);
  const rerun = useMutation(
    trpc.runs.rerun.mutationOptions({
      onSuccess: (run) => {
        attempt.current = null;
        router.push(`/w/${slug}/runs/${run.id}`);
      },
      onError: (error) => toast.error(`The run could not be started again: ${errorMessage(error)}`),
    }),
  );
  const start = (versions: Versions) => {
    if (attempt.current?.versions !== versions) attempt.current = { versions, key: newIdempotencyKey() };
    rerun.mutate({ runId, versions, idempotencyKey: attempt.current.key });
  };
  return (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant="outline" disabled={rerun.isPending} data-testid="run-rerun">
          <RotateCcwIcon aria-hidden />
          {rerun.isPending ? "Starting…" : "Re-run"}
          <ChevronDownIcon aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => start("pinned")} data-testid="run-rerun-pinned">
          With the same versions
        </DropdownMenuItem>
        <DropdownMenuItem onSelect={() => start("current")} data-testid="run-rerun-current">
          With the current versions
        </DropdownMenuItem>
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
