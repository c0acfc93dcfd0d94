"use client";

import Link from "next/link";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { CheckIcon, XIcon } from "lucide-react";
import { useState } from "react";
import { toast } from "sonner";
import { Badge, type BadgeTone } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle } from "@/components/ui/dialog";
import { FormError } from "@/components/ui/form-error";
import { formatDateTime } from "@/components/ui/format";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { useWorkspace } from "@/components/workspace/workspace-context";
import type { ToolApprovalOut, ToolApprovalStatus } from "@/lib/schemas/tools";
import { errorMessage } from "@/lib/trpc/errors";
import { useTRPC } from "@/lib/trpc/react";
import { timeLeft } from "./time-left";

const NOTE_MAX = 2_000;

const STATUS_TONES: Record<ToolApprovalStatus, BadgeTone> = { pending: "warning", approved: "success", denied: "danger", expired: "neutral" };

export function ApprovalStatusBadge({ status }: { status: ToolApprovalStatus }) {
  return (
    <Badge tone={STATUS_TONES[status]} testId="approval-status">
      {status}
    </Badge>
  );
}

/** The call's arguments as formatted JSON. */
function Arguments({ input }: { input: unknown }) {
  return (
    <pre className="max-h-64 overflow-auto rounded-md bg-muted p-3 font-mono text-xs whitespace-pre-wrap break-all" data-testid="approval-input">
      {JSON.stringify(input ?? null, null, 2)}
    </pre>
  );
}

/** Approve / Deny (deny asks for an optional note, given to the agent) for a role with tools:approve. */
function DecideButtons({ approval }: { approval: ToolApprovalOut }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [denying, setDenying] = useState(false);
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const decide = useMutation(
    trpc.approvals.decide.mutationOptions({
      onSuccess: (decided) => {
        setDenying(false);
        toast.success(decided.status === "approved" ? `Approved: ${decided.toolName} runs now` : `Denied: the agent is told ${decided.toolName} was refused`);
      },
      onError: (error) => {
        if (denying) setProblem(errorMessage(error));
        else toast.error(errorMessage(error));
      },
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.approvals.pathKey() }),
    }),
  );
  return (
    <div className="flex flex-wrap gap-2">
      <Button
        size="sm"
        data-testid="approval-approve"
        disabled={decide.isPending}
        onClick={() => decide.mutate({ approvalId: approval.id, decision: "approve" })}
      >
        <CheckIcon aria-hidden="true" /> Approve
      </Button>
      <Button
        size="sm"
        variant="outline"
        data-testid="approval-deny"
        disabled={decide.isPending}
        onClick={() => {
          setNote("");
          setProblem(null);
          setDenying(true);
        }}
      >
        <XIcon aria-hidden="true" /> Deny
      </Button>
      <Dialog open={denying} onOpenChange={setDenying}>
        <DialogContent>
          <DialogHeader>
            <DialogTitle>Deny {approval.toolName}?</DialogTitle>
            <DialogDescription>The call is not made. The agent is told it was refused, with your note if you write one.</DialogDescription>
          </DialogHeader>
          <form
            className="grid gap-4"
            noValidate
            onSubmit={(event) => {
              event.preventDefault();
              setProblem(null);
              decide.mutate({ approvalId: approval.id, decision: "deny", note: note.trim() || undefined });
            }}
          >
            <div className="grid gap-2">
              <Label htmlFor={`deny-note-${approval.id}`}>Note for the agent (optional)</Label>
              <Textarea
                id={`deny-note-${approval.id}`}
                data-testid="approval-deny-note"
                maxLength={NOTE_MAX}
                value={note}
                onChange={(e) => setNote(e.target.value)}
                placeholder="Why, or what to do instead"
              />
            </div>
            <FormError message={problem} />
            <DialogFooter>
              <Button type="button" variant="ghost" onClick={() => setDenying(false)}>
                Cancel
              </Button>
              <Button type="submit" variant="destructive" data-testid="approval-deny-submit" disabled={decide.isPending}>
                {decide.isPending ? "Denying…" : "Deny the call"}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      </Dialog>
    </div>
  );
}

/**
 * One request: the tool, the agent, its run, the agent's stated reason (untrusted: plain text, never rendered as
 * markup), the arguments, and either the time left with the decision buttons (pending) or who decided and how.
 */
export function ApprovalCard({ approval, now }: { approval: ToolApprovalOut; now: Date }) {
  const { slug, can } = useWorkspace();
  const pending = approval.status === "pending";
  return (
    <article
      className="grid gap-3 rounded-xl border bg-card px-5 py-4 text-card-foreground shadow-xs"
      data-testid="approval"
      data-status={approval.status}
      data-id={approval.id}
    >
      <header className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2">
        <div className="grid gap-1">
          <h3 className="font-mono text-sm font-semibold" data-testid="approval-tool">
            {approval.toolName}
          </h3>
          <p className="text-sm text-muted-foreground">
            Requested by <span className="font-medium text-foreground">{approval.agentSlug || "an agent"}</span> in{" "}
            <Link href={`/w/${slug}/runs/${approval.runId}`} data-testid="approval-run" className="font-mono">
              {approval.runId}
            </Link>{" "}
            · {formatDateTime(approval.createdAt)}
          </p>
        </div>
        <div className="flex items-center gap-2">
          {pending ? (
            <span className="text-xs text-muted-foreground" data-testid="approval-time-left">
              {timeLeft(approval.expiresAt, now)}
            </span>
          ) : null}
          <ApprovalStatusBadge status={approval.status} />
        </div>
      </header>
      <section className="grid gap-1">
        <h4 className="text-xs font-medium text-muted-foreground">The agent's stated reason (written by the agent: untrusted)</h4>
        <p className="rounded-md border border-dashed px-3 py-2 text-sm whitespace-pre-wrap break-words" data-testid="approval-reason">
          {approval.reason || "(no reason given)"}
        </p>
      </section>
      <section className="grid gap-1">
        <h4 className="text-xs font-medium text-muted-foreground">Arguments</h4>
        <Arguments input={approval.input} />
      </section>
      {pending ? (
        can("tools:approve") ? (
          <DecideButtons approval={approval} />
        ) : (
          <p className="text-sm text-muted-foreground">An owner or admin decides on this call.</p>
        )
      ) : (
        <p className="text-sm text-muted-foreground" data-testid="approval-decision">
          {approval.status === "expired"
            ? `Expired ${formatDateTime(approval.expiresAt)} without a decision: the call was refused.`
            : `${approval.status === "approved" ? "Approved" : "Denied"} by ${approval.decidedBy?.name || approval.decidedBy?.email || "someone"} · ${formatDateTime(approval.decidedAt)}`}
          {approval.note ? <span className="block whitespace-pre-wrap">Note: {approval.note}</span> : null}
        </p>
      )}
    </article>
  );
}
