"use client";

import { useState } from "react";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { STEP_TEXT_LIMIT, type RunStepOut } from "@/lib/schemas/runs";
import { OutputText } from "@/components/markdown/lazy-output-text";
import { FormError } from "@/components/ui/form-error";
import { StepCalls } from "./step-calls";

/** What the model's answer went through: cut at the output limit and asked again, or not the JSON asked for. */
function StepAnswerNote({ step }: { step: RunStepOut }) {
  const retried = step.finishReasons !== null && step.finishReasons.length > 1;
  if (!retried && !step.answerProblem && step.finishReason !== "length") return null;
  return (
    <>
      <h3>Answer</h3>
      <div className="small" data-testid="run-step-answer" data-finish-reason={step.finishReason ?? ""}>
        {retried ? (
          <p className="hint-warning" data-testid="run-step-answer-retried">
            Cut at the output limit, then asked again with more room (finish reasons: {step.finishReasons!.join(" → ")}).
          </p>
        ) : step.finishReason === "length" ? (
          <p className="hint-warning">Cut at the output limit (finish reason: length).</p>
        ) : null}
        {step.answerProblem ? (
          <p className="hint-warning" data-testid="run-step-answer-problem">
            Not the JSON asked for ({step.answerProblem.code}){step.answerProblem.problems?.length ? `: ${step.answerProblem.problems.join("; ")}` : ""}.
          </p>
        ) : null}
      </div>
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
    <div className="step-detail-grid">
      <div>
        <h3>Model</h3>
        <p>
          {step.model?.name ?? <span className="muted">none</span>}
          {step.model?.ref ? (
            <>
              {" "}
              <code className="model-id">{step.model.ref}</code>
            </>
          ) : null}
        </p>
        <h3>Why this model</h3>
        <p className="small" data-testid="run-step-route-reason">
          {step.routeReason ?? <span className="muted">—</span>}
        </p>
        <h3>Finish reason</h3>
        <p className="small" data-testid="run-step-finish-reason">
          {step.finishReason ?? <span className="muted">—</span>}
        </p>
        <StepAnswerNote step={step} />
        {step.error ? (
          <>
            <h3>Error</h3>
            <p className="test-error">{step.error}</p>
          </>
        ) : null}
      </div>
      <div>
        <h3>Input seen</h3>
        <pre className="run-text" data-testid="run-step-input">
          {step.inputSeen ?? "—"}
        </pre>
      </div>
      <div>
        <h3>Output</h3>
        {step.output ? (
          <OutputText text={step.output} testId="run-step-output" />
        ) : (
          <pre className="run-text" data-testid="run-step-output">
            —
          </pre>
        )}
      </div>
      {truncated ? (
        <div data-testid="run-step-truncated">
          <p className="muted small">This step&apos;s text is long: the first {STEP_TEXT_LIMIT.toLocaleString()} characters are shown.</p>
          <button type="button" className="btn btn-secondary btn-sm" data-testid="run-step-whole" disabled={full.isFetching} onClick={() => setWhole(true)}>
            {full.isFetching ? "Loading…" : "Show the whole text"}
          </button>
          <FormError message={full.isError ? errorMessage(full.error) : null} />
        </div>
      ) : null}
      <StepCalls runId={runId} stepId={step.stepId} />
    </div>
  );
}
