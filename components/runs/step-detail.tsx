"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { STEP_TEXT_LIMIT, type RunStepOut } from "@/lib/schemas/runs";
import { OutputText } from "@/components/markdown/lazy-output-text";
import { Button } from "@/components/ui/button";
import { FormError } from "@/components/ui/form-error";
import { StepCalls } from "./step-calls";

/** What the model's answer went through: cut at the output limit and asked again, or not the JSON asked for. */
/** A block of text as it was given or written. */
const TEXT_BLOCK = "max-h-90 overflow-auto rounded-md border bg-muted/50 p-3 font-mono text-xs whitespace-pre-wrap break-words";

function StepAnswerNote({ step }: { step: RunStepOut }) {
  const retried = step.finishReasons !== null && step.finishReasons.length > 1;
  if (!retried && !step.answerProblem && step.finishReason !== "length") return null;
  return (
    <>
      <h3>Answer</h3>
      <div className="text-sm" data-testid="run-step-answer" data-finish-reason={step.finishReason ?? ""}>
        {retried ? (
          <p className="text-sm text-warning" data-testid="run-step-answer-retried">
            Cut at the output limit, then asked again with more room (finish reasons: {step.finishReasons!.join(" → ")}).
          </p>
        ) : step.finishReason === "length" ? (
          <p className="text-sm text-warning">Cut at the output limit (finish reason: length).</p>
        ) : null}
        {step.answerProblem ? (
          <p className="text-sm text-warning" data-testid="run-step-answer-problem">
            Not the JSON asked for ({step.answerProblem.code}){step.answerProblem.problems?.length ? `: ${step.answerProblem.problems.join("; ")}` : ""}.
          </p>
        ) : null}
      </div>
    </>
  );
}

/** A memory step's recalled memories: exactly what entered the agent's prompt, best first. */
function StepMemories({ memories }: { memories: NonNullable<RunStepOut["memories"]> }) {
  return (
    <>
      <h3>Memories injected</h3>
      {memories.length === 0 ? (
        <p className="text-sm text-muted-foreground">none matched</p>
      ) : (
        <ol className="m-0 grid list-decimal gap-1 pl-5 text-sm" data-testid="run-step-memories">
          {memories.map((m) => (
            <li key={m.id} data-testid="run-step-memory" data-id={m.id}>
              <code className="font-mono text-xs">{m.id}</code> {m.kind}, {m.scope.id ? `${m.scope.type} ${m.scope.id}` : m.scope.type}
              <span className="text-muted-foreground"> · score {m.score.toFixed(4)}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

/** A step's input and output: cut to STEP_TEXT_LIMIT characters in the run; the whole text on request. */
export function StepDetail({ runId, step: listed }: { runId: string; step: RunStepOut }) {
  const trpc = useTRPC();
  const [whole, setWhole] = useState(false);
  const full = useQuery({ ...trpc.runs.step.queryOptions({ runId, stepId: listed.id }), enabled: whole, staleTime: Infinity });
  const step = full.data ?? listed;
  const truncated = step.inputSeenTruncated || step.outputTruncated;
  return (
    <div className="grid gap-4 py-2 md:grid-cols-3 [&_h3]:mb-1 [&_h3]:text-xs [&_h3]:font-semibold [&_h3]:tracking-wide [&_h3]:text-muted-foreground [&_h3]:uppercase [&_h3:not(:first-child)]:mt-3">
      {step.kind === "tool" ? (
        <div data-testid="run-step-tool">
          <h3>Tool</h3>
          <p>
            <code className="font-mono text-sm">{step.toolCall?.name ?? "—"}</code>
          </p>
          <h3>Approval</h3>
          <p className="text-sm" data-testid="run-step-approval">
            {step.toolCall?.approval ? step.toolCall.approval.status : step.status === "waiting" ? "pending" : "not needed"}
          </p>
          <h3>Result</h3>
          <p className="text-sm">{step.status !== "succeeded" ? "—" : step.toolCall?.isError ? "an error (given to the agent)" : "ok"}</p>
          {step.error ? (
            <>
              <h3>{step.status === "waiting" ? "Waiting" : "Error"}</h3>
              <p className={step.status === "waiting" ? "text-sm" : "text-sm text-destructive"}>{step.error}</p>
            </>
          ) : null}
        </div>
      ) : (
        <div>
          <h3>Model</h3>
          <p>
            {step.model?.name ?? <span className="text-muted-foreground">none</span>}
            {step.model?.ref ? (
              <>
                {" "}
                <code className="font-mono text-xs text-muted-foreground">{step.model.ref}</code>
              </>
            ) : null}
          </p>
          <h3>Why this model</h3>
          <p className="text-sm" data-testid="run-step-route-reason">
            {step.routeReason ?? <span className="text-muted-foreground">—</span>}
          </p>
          <h3>Finish reason</h3>
          <p className="text-sm" data-testid="run-step-finish-reason">
            {step.finishReason ?? <span className="text-muted-foreground">—</span>}
          </p>
          <StepAnswerNote step={step} />
          {step.memories ? <StepMemories memories={step.memories} /> : null}
          {step.error ? (
            <>
              <h3>Error</h3>
              <p className="text-sm text-destructive">{step.error}</p>
            </>
          ) : null}
        </div>
      )}
      <div>
        <h3>{step.kind === "tool" ? "Arguments" : "Input seen"}</h3>
        <pre className={TEXT_BLOCK} data-testid="run-step-input">
          {step.inputSeen ?? "—"}
        </pre>
      </div>
      <div>
        <h3>{step.kind === "tool" ? "Result given to the agent" : "Output"}</h3>
        {step.output ? (
          <OutputText text={step.output} testId="run-step-output" />
        ) : (
          <pre className={TEXT_BLOCK} data-testid="run-step-output">
            —
          </pre>
        )}
      </div>
      {truncated ? (
        <div className="col-span-full grid justify-items-start gap-2" data-testid="run-step-truncated">
          <p className="text-sm text-muted-foreground">This step&apos;s text is long: the first {STEP_TEXT_LIMIT.toLocaleString()} characters are shown.</p>
          <Button variant="outline" size="sm" data-testid="run-step-whole" disabled={full.isFetching} onClick={() => setWhole(true)}>
            {full.isFetching ? "Loading…" : "Show the whole text"}
          </Button>
          <FormError message={full.isError ? errorMessage(full.error) : null} />
        </div>
      ) : null}
      {step.kind === "tool" ? null : <StepCalls runId={runId} stepId={step.stepId} />}
    </div>
  );
}
