"use client";

import Link from "next/link";
import { useQuery } from "@tanstack/react-query";
import { OutputText } from "@/components/markdown/lazy-output-text";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";
import { answerStatus } from "@/lib/playground";
import type { SessionMessageOutput } from "@/lib/schemas/sessions";
import { useTRPC } from "@/lib/trpc/react";
import { formatUsd } from "@/lib/usd";

/** What an answer's run says of it: the model that wrote it and why, its tokens and cost (a finished run never changes). */
function AnswerMeta({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const run = useQuery({ ...trpc.runs.get.queryOptions({ runId }), staleTime: Number.POSITIVE_INFINITY });
  if (!run.data) return null;
  const answering = run.data.steps.filter((s) => s.model).at(-1) ?? null;
  return (
    <>
      {answering?.model ? <span data-testid="playground-answer-model">{answering.model.name}</span> : null}
      <span>{(run.data.inputTokens + run.data.outputTokens).toLocaleString("en-US")} tokens</span>
      <span data-testid="playground-answer-cost">{formatUsd(run.data.costUsd)}</span>
      {answering?.routeReason ? <span className="order-last basis-full">Why this model: {answering.routeReason}</span> : null}
    </>
  );
}

/** One message of the session's history; an answer says what it cost, which model wrote it and why, and links its run. */
export function ChatTurn({ message, slug }: { message: SessionMessageOutput; slug: string }) {
  if (message.role === "user") {
    return (
      <li
        className="ml-auto max-w-[85%] rounded-lg bg-primary px-3 py-2 text-sm whitespace-pre-wrap text-primary-foreground"
        data-testid="playground-user-turn"
      >
        {message.content}
      </li>
    );
  }
  const status = answerStatus(message.status);
  const failed = status !== "succeeded";
  return (
    <li
      className={cn("grid max-w-[95%] gap-2 rounded-lg border px-3 py-2", failed && "border-destructive/50")}
      data-testid="playground-answer"
      data-status={status}
    >
      {failed ? (
        <p className="text-sm text-destructive">{message.content}</p>
      ) : (
        <OutputText text={message.content} testId={`playground-answer-text-${message.seq}`} />
      )}
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
        <Badge tone={failed ? "danger" : "success"}>{status}</Badge>
        {message.runId ? <AnswerMeta runId={message.runId} /> : null}
        {message.runId ? (
          <Link className="underline underline-offset-4" href={`/w/${slug}/runs/${message.runId}`} data-testid="playground-answer-run">
            the run and its trace
          </Link>
        ) : null}
      </div>
    </li>
  );
}
