"use client";

import { useState, type FormEvent } from "react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@/server/api/root";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { formatUsd } from "@/lib/usd";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { SimulatorBadge } from "@/components/models/labels";
import { useWorkspace } from "@/components/workspace/workspace-context";
import { ConstraintsFields, constraintsOf, EMPTY_DRAFT, type ConstraintsDraft } from "./constraints-fields";
import { Button } from "@/components/ui/button";
import { inputClasses } from "@/components/ui/input";
import { SELECT_CLASS } from "@/components/ui/native-select";
import { textareaClasses } from "@/components/ui/textarea";

type Decision = inferRouterOutputs<AppRouter>["routing"]["explain"];
type TryResult = inferRouterOutputs<AppRouter>["routing"]["try"];

const CUSTOM = "__constraints";

function parseTokens(value: string, label: string, min: number): number | string {
  const n = Number(value);
  if (!value.trim() || !Number.isInteger(n) || n < min) return `${label} is a whole number of at least ${min}`;
  return n;
}

/**
 * "Route this policy": builds a policy (a preset, or constraints), shows the router's decision for a call of the given
 * size without calling any model, and (for people who manage models) runs the call for real.
 */
export function RouteTester() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useWorkspace();
  const presets = useQuery(trpc.routing.presets.list.queryOptions());

  const [mode, setMode] = useState<string>("balanced");
  const [draft, setDraft] = useState<ConstraintsDraft>(EMPTY_DRAFT);
  const [promptTokens, setPromptTokens] = useState("1000");
  const [maxOutputTokens, setMaxOutputTokens] = useState("500");
  const [decision, setDecision] = useState<Decision | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [prompt, setPrompt] = useState("Say hello in one sentence.");
  const [runResult, setRunResult] = useState<TryResult | null>(null);

  const run = useMutation(
    trpc.routing.try.mutationOptions({
      onMutate: () => setRunResult(null),
      onSuccess: (result) => setRunResult(result),
      onSettled: () => queryClient.invalidateQueries({ queryKey: trpc.models.list.pathKey() }),
    }),
  );

  function policy(): { ok: true; policy: ModelPolicy } | { ok: false; error: string } {
    if (mode !== CUSTOM) return { ok: true, policy: { type: "preset", preset: mode } };
    const parsed = constraintsOf(draft);
    return parsed.ok ? { ok: true, policy: { type: "constraints", constraints: parsed.constraints } } : parsed;
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setError(null);
    const p = policy();
    if (!p.ok) return setError(p.error);
    const pt = parseTokens(promptTokens, "Prompt tokens", 0);
    const mo = parseTokens(maxOutputTokens, "Max output tokens", 1);
    if (typeof pt === "string") return setError(pt);
    if (typeof mo === "string") return setError(mo);
    setPending(true);
    try {
      const result = await queryClient.fetchQuery({
        ...trpc.routing.explain.queryOptions({ policy: p.policy, promptTokens: pt, maxOutputTokens: mo }),
        staleTime: 0,
      });
      setDecision(result);
    } catch (e) {
      setDecision(null);
      setError(errorMessage(e));
    } finally {
      setPending(false);
    }
  }

  function onRun() {
    const p = policy();
    if (!p.ok) return setError(p.error);
    const mo = parseTokens(maxOutputTokens, "Max output tokens", 1);
    if (typeof mo === "string") return setError(mo);
    run.mutate({ policy: p.policy, prompt, maxOutputTokens: Math.min(mo, 8192) });
  }

  return (
    <Card
      title="Route this policy"
      description="The router's decision for a call of this size: the cheapest feasible model in expectation, its fallbacks, and why every other model was rejected. Nothing is called until you press Run it."
      testId="route-tester"
    >
      <form className="grid gap-4" onSubmit={onSubmit} noValidate>
        <div className="flex flex-wrap items-end gap-4">
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor="route-preset">
              Policy
            </label>
            <select className={SELECT_CLASS} id="route-preset" data-testid="route-preset" value={mode} onChange={(e) => setMode(e.target.value)}>
              {(presets.data ?? [{ id: "balanced", name: "balanced" }]).map((p) => (
                <option key={p.id} value={p.name}>
                  Preset: {p.name}
                </option>
              ))}
              <option value={CUSTOM}>Custom constraints</option>
            </select>
          </div>
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor="route-prompt-tokens">
              Prompt tokens
            </label>
            <input
              className={inputClasses}
              id="route-prompt-tokens"
              data-testid="route-prompt-tokens"
              inputMode="numeric"
              value={promptTokens}
              onChange={(e) => setPromptTokens(e.target.value)}
            />
          </div>
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor="route-max-output">
              Max output tokens
            </label>
            <input
              className={inputClasses}
              id="route-max-output"
              data-testid="route-max-output"
              inputMode="numeric"
              value={maxOutputTokens}
              onChange={(e) => setMaxOutputTokens(e.target.value)}
            />
          </div>
        </div>
        {mode === CUSTOM ? (
          <ConstraintsFields idPrefix="route" testIdPrefix="route" draft={draft} onChange={setDraft} />
        ) : (
          <p className="text-muted-foreground text-sm" data-testid="route-preset-summary">
            {presets.data?.find((p) => p.name === mode)?.description ?? ""}
          </p>
        )}
        <div className="flex flex-wrap items-center gap-2">
          <Button type="submit" data-testid="route-submit" disabled={pending}>
            {pending ? "Routing…" : "Route"}
          </Button>
        </div>
      </form>

      {error ? (
        <div className="rounded-md border border-destructive/40 bg-destructive/10 px-3 py-2 text-sm text-destructive" role="alert" data-testid="route-error">
          {error}
        </div>
      ) : null}

      {decision ? <DecisionView decision={decision} /> : null}

      {can("models:manage") ? (
        <div className="mt-5 grid gap-2.5 border-t pt-5">
          <div className="grid min-w-36 gap-1.5">
            <label className="text-sm font-medium" htmlFor="route-prompt">
              Try it for real (the call is billed and recorded in Usage)
            </label>
            <textarea
              className={textareaClasses}
              id="route-prompt"
              data-testid="route-prompt"
              rows={2}
              maxLength={20_000}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
            />
          </div>
          <div className="flex flex-wrap items-center gap-2">
            <Button variant="outline" data-testid="route-run" disabled={run.isPending || !prompt.trim()} onClick={onRun}>
              {run.isPending ? "Running…" : "Run it"}
            </Button>
          </div>
          <FormError message={run.error ? errorMessage(run.error) : null} />
          {runResult ? <RunResultView result={runResult} /> : null}
        </div>
      ) : null}
    </Card>
  );
}

/** The router's decision: the chosen model, the explanation, and every candidate with its cost and reasons. */
export function DecisionView({ decision }: { decision: Decision }) {
  const order = [decision.chosen.id, ...decision.fallbacks.map((m) => m.id)];
  return (
    <div className="mt-5 grid gap-3">
      <p data-testid="route-chosen">
        Chosen: <strong>{decision.chosen.displayName}</strong>{" "}
        <span className="text-muted-foreground">
          ({decision.chosen.providerName}, {decision.chosen.modelId})
        </span>
        {decision.chosen.providerKind === "simulator" ? (
          <>
            {" "}
            <SimulatorBadge />
          </>
        ) : null}
      </p>
      <p className="text-muted-foreground text-sm" data-testid="route-explanation">
        {decision.explanation}
      </p>
      <div className="overflow-x-auto rounded-md border">
        <table className="w-full text-sm [&_td]:px-3 [&_td]:py-2 [&_td]:align-top [&_th]:h-9 [&_th]:px-3 [&_th]:text-left [&_th]:font-medium [&_th]:text-muted-foreground [&_thead_tr]:border-b [&_tbody_tr]:border-b [&_tbody_tr:last-child]:border-0">
          <thead>
            <tr>
              <th>#</th>
              <th>Model</th>
              <th>Est. cost / call</th>
              <th>Status</th>
              <th>Rejected because</th>
            </tr>
          </thead>
          <tbody>
            {decision.candidates.map((c) => {
              const rank = order.indexOf(c.id);
              const chosen = rank === 0;
              return (
                <tr
                  key={c.id}
                  data-testid="route-candidate-row"
                  data-chosen={chosen ? "true" : undefined}
                  data-feasible={c.feasible ? "true" : "false"}
                  className={chosen ? "bg-success/10 font-semibold" : c.feasible ? undefined : "text-muted-foreground"}
                >
                  <td>{rank >= 0 ? rank + 1 : ""}</td>
                  <td>{c.displayName}</td>
                  <td className="whitespace-nowrap">{formatUsd(c.estimatedCostUsd)}</td>
                  <td>
                    {chosen ? (
                      <Badge tone="success">chosen</Badge>
                    ) : c.feasible ? (
                      <Badge tone="info">fallback {rank}</Badge>
                    ) : (
                      <Badge tone="neutral">rejected</Badge>
                    )}
                  </td>
                  <td className="text-sm">{c.rejectedBecause.join("; ")}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** What routing.try answered: the model, the text, cost, latency and every attempt. */
export function RunResultView({ result }: { result: TryResult }) {
  return (
    <div data-testid="route-run-result">
      <dl className="grid grid-cols-[max-content_1fr] gap-x-6 gap-y-2 text-sm [&_dt]:text-muted-foreground">
        <dt>Model</dt>
        <dd>
          {result.model.displayName} <span className="text-muted-foreground">({result.model.providerKind})</span>
          {result.model.providerKind === "simulator" ? (
            <>
              {" "}
              <SimulatorBadge />
            </>
          ) : null}
        </dd>
        <dt>Answer</dt>
        <dd className="whitespace-pre-wrap">{result.text || <span className="text-muted-foreground">(no text: the model called a tool)</span>}</dd>
        <dt>Cost</dt>
        <dd>
          {formatUsd(result.costUsd)}{" "}
          <span className="text-muted-foreground">
            ({result.usage.inputTokens} in / {result.usage.outputTokens} out tokens)
          </span>
        </dd>
        <dt>Latency</dt>
        <dd>{result.latencyMs} ms</dd>
        <dt>Attempts</dt>
        <dd>
          {result.attempts.map((a, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list, replaced whole on each test
            <div key={i} className="text-sm">
              {i + 1}. {a.displayName}: {a.outcome}
              {a.error ? <span className="text-muted-foreground"> — {a.error}</span> : null}
            </div>
          ))}
        </dd>
      </dl>
    </div>
  );
}
