import Link from "next/link";
import { OutputText } from "@/components/markdown/lazy-output-text";
import { Badge } from "@/components/ui/badge";
import { cn } from "@/lib/cn";
import type { PlaygroundTurn } from "@/lib/playground";
import { formatUsd } from "@/lib/usd";

/** One message of the conversation; an answer says what it cost, which model wrote it and why, and links its run. */
export function ChatTurn({ turn, slug, index }: { turn: PlaygroundTurn; slug: string; index: number }) {
  if (turn.role === "user") {
    return (
      <li
        className="ml-auto max-w-[85%] rounded-lg bg-primary px-3 py-2 text-sm whitespace-pre-wrap text-primary-foreground"
        data-testid="playground-user-turn"
      >
        {turn.text}
      </li>
    );
  }
  const failed = turn.status !== "succeeded";
  return (
    <li
      className={cn("grid max-w-[95%] gap-2 rounded-lg border px-3 py-2", failed && "border-destructive/50")}
      data-testid="playground-answer"
      data-status={turn.status}
    >
      {failed ? <p className="text-sm text-destructive">{turn.text}</p> : <OutputText text={turn.text} testId={`playground-answer-text-${index}`} />}
      <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground">
        {turn.status ? <Badge tone={failed ? "danger" : "success"}>{turn.status}</Badge> : null}
        {turn.model ? <span data-testid="playground-answer-model">{turn.model}</span> : null}
        {turn.tokens !== undefined ? <span>{turn.tokens.toLocaleString("en-US")} tokens</span> : null}
        {turn.costUsd !== undefined ? <span data-testid="playground-answer-cost">{formatUsd(turn.costUsd)}</span> : null}
        {turn.runId ? (
          <Link className="underline underline-offset-4" href={`/w/${slug}/runs/${turn.runId}`} data-testid="playground-answer-run">
            the run and its trace
          </Link>
        ) : null}
      </div>
      {turn.routeReason ? <p className="text-xs text-muted-foreground">Why this model: {turn.routeReason}</p> : null}
    </li>
  );
}
