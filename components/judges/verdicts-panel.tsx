"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { useTRPC } from "@/lib/trpc/react";
import type { RunVerdictsOut } from "@/lib/schemas/judges";

type Verdict = RunVerdictsOut["verdicts"][number];
const VERDICT_VARIANT = { pass: "default", revise: "secondary", fail: "destructive" } as const;

/**
 * A run's quality gates (its own, and in a team run each node's agent gate), iteration by iteration: the consensus (score, verdict, spread, agreement) and each judge's
 * verdict with its scores, rationale and issues. Nothing when the run had no gate. `live` polls while the run runs.
 */
export function VerdictsPanel({ runId, live }: { runId: string; live: boolean }) {
  const trpc = useTRPC();
  const data = useQuery({ ...trpc.judges.runVerdicts.queryOptions({ runId }), refetchInterval: live ? 2_000 : false }).data;
  if (!data || (data.verdicts.length === 0 && data.consensus.length === 0)) return null;
  // the run's own gate first, then each team node's agent gate (agentGates on), by the node's step id
  const scopes = [...new Set(["", ...data.consensus.map((c) => c.scope), ...data.verdicts.map((v) => v.scope)])].filter(
    (scope) => scope === "" || data.verdicts.some((v) => v.scope === scope) || data.consensus.some((c) => c.scope === scope),
  );
  return (
    <Card title="Quality gate" description="Each iteration's judges, their scores and the consensus of their scores." testId="run-verdicts">
      <div className="grid gap-6">
        {scopes.map((scope) => (
          <GateIterations key={scope || "run"} data={data} scope={scope} />
        ))}
      </div>
    </Card>
  );
}

/** One gate's iterations: the run's own output (scope ""), or an agent's gate on a team node (its step id). */
function GateIterations({ data, scope }: { data: RunVerdictsOut; scope: string }) {
  const verdicts = data.verdicts.filter((v) => v.scope === scope);
  const consensuses = data.consensus.filter((c) => c.scope === scope);
  const iterations = [...new Set([...consensuses.map((c) => c.iteration), ...verdicts.map((v) => v.iteration)])].sort((a, b) => a - b);
  if (iterations.length === 0) return null;
  return (
    <section className="grid gap-2" data-testid="gate-scope" data-scope={scope}>
      {scope ? <h3 className="m-0 text-sm font-medium">Node {scope}: its agent's gate</h3> : null}
      <ol className="m-0 grid list-none gap-4 p-0">
        {iterations.map((n) => {
          const consensus = consensuses.find((c) => c.iteration === n);
          return (
            <li key={n} className="grid gap-2" data-testid="gate-iteration" data-iteration={n} data-verdict={consensus?.verdict ?? ""}>
              <div className="flex flex-wrap items-center gap-2 text-sm">
                <span className="font-medium">Iteration {n}</span>
                {consensus ? (
                  <>
                    <Badge variant={VERDICT_VARIANT[consensus.verdict]} data-testid="gate-consensus">
                      {consensus.verdict}
                    </Badge>
                    <span className="text-muted-foreground tabular-nums">
                      score {consensus.score.toFixed(2)} · spread {consensus.spread.toFixed(2)} · agreement {consensus.agreement.toFixed(2)}
                    </span>
                  </>
                ) : null}
              </div>
              <ul className="m-0 grid list-none gap-2 p-0">
                {verdicts
                  .filter((v) => v.iteration === n)
                  .map((v) => (
                    <VerdictRow key={v.id} verdict={v} />
                  ))}
              </ul>
            </li>
          );
        })}
      </ol>
    </section>
  );
}

function VerdictRow({ verdict: v }: { verdict: Verdict }) {
  return (
    <li className="grid gap-1 rounded-md border p-2 text-sm" data-testid="judge-verdict" data-judge={v.judgeSlug} data-verdict={v.verdict}>
      <div className="flex flex-wrap items-center gap-2">
        <span className="font-medium">
          {v.judgeSlug} <span className="text-muted-foreground">v{v.judgeVersion}</span>
        </span>
        <Badge variant={VERDICT_VARIANT[v.verdict]}>{v.verdict}</Badge>
        <span className="tabular-nums">{v.overall.toFixed(2)}</span>
        <span className="text-muted-foreground">
          {Object.entries(v.scores)
            .map(([k, s]) => `${k} ${s}`)
            .join(" · ")}
        </span>
        <span className="text-muted-foreground">· {v.modelName ?? "unknown model"}</span>
        {v.sameModel ? (
          <Badge variant="outline" data-testid="judge-same-model" title="No other model was feasible: the judge ran on the model it judged">
            same model
          </Badge>
        ) : null}
      </div>
      {v.rationale ? <p className="m-0">{v.rationale}</p> : null}
      {v.issues.length ? (
        <ul className="m-0 list-disc pl-5" data-testid="judge-issues">
          {v.issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}
