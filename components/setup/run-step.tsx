"use client";

import { useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { newIdempotencyKey } from "@/lib/idempotency";
import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { Textarea } from "@/components/ui/textarea";
import { MAX_RUN_INPUT } from "@/lib/schemas/runs";
import type { MadeTeam } from "./team-step";

const EXAMPLE_TASKS: Record<string, string> = {
  "research-brief": "Write a brief on the trade-offs of running LLM agents on a team's own infrastructure versus a cloud API.",
  "support-triage": "Hi, I was charged twice for my subscription this month and the app also logs me out every few minutes. Can you help?",
  "code-review": "Write a TypeScript function that parses a duration like '1h30m' or '45s' into milliseconds, with tests.",
  "debate-then-decide": "Should a five-person startup build its own agent platform or buy one?",
};

/** Step 3: the team's first run; the run's page opens to follow it live. */
export function RunStep({ slug, team }: { slug: string; team: MadeTeam }) {
  const trpc = useTRPC();
  const router = useRouter();
  const [input, setInput] = useState(EXAMPLE_TASKS[team.template] ?? "");
  const key = useRef(newIdempotencyKey());
  const start = useMutation(trpc.runs.start.mutationOptions({ onSuccess: (run) => router.push(`/w/${slug}/runs/${run.id}`) }));
  return (
    <form
      className="grid gap-3"
      onSubmit={(e) => {
        e.preventDefault();
        start.mutate({ team: team.slug, input, idempotencyKey: key.current });
      }}
    >
      <div className="grid gap-2">
        <Label htmlFor="setup-run-input">The task for "{team.name}"</Label>
        <Textarea
          id="setup-run-input"
          rows={4}
          value={input}
          maxLength={MAX_RUN_INPUT}
          onChange={(e) => setInput(e.target.value)}
          data-testid="setup-run-input"
        />
      </div>
      {start.isError ? (
        <p role="alert" className="text-sm text-destructive">
          {errorMessage(start.error)}
        </p>
      ) : null}
      <Button type="submit" className="justify-self-start" disabled={start.isPending || input.trim() === ""} data-testid="setup-run-submit">
        {start.isPending ? "Starting…" : "Run it"}
      </Button>
    </form>
  );
}
