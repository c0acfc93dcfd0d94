"use client";

import { useQuery } from "@tanstack/react-query";
import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import { useTRPC } from "@/lib/trpc/react";
import type { RunVerdictsOut } from "@/lib/schemas/judges";

type Verdict = RunVerdictsOut["verdicts"][number];
const VERDICT_VARIANT = { pass: "default", revise: "secondary", fail: "destructive" } as const;

/**
 * A run's quality gate, iteration by iteration: the consensus (score, verdict, spread, agreement) and each judge's
 * verdict with its scores, rationale and issues. Nothing when the run had no gate. `live` polls while the run runs.
 */
export function VerdictsPanel({ runId, live }: { runId: string; live: boolean }) {
  const trpc = useTRPC();
  const data = useQuery({ ...trpc.judges.runVerdicts.queryOptions({ runId }), refetchInterval: live ? 2_000 : false }).data;
  if (!data || (data.verdicts.length === 0 && data.consensus.length === 0)) return null;
  const iterations = [...new Set([...data.consensus.map((c) => c.iteration), ...data.verdicts.map((v) => v.iteration)])].sort((a, b) => a - b);
  return (
    <Card title="Quality gate" description="Each iteration's judges, their scores and the consensus of their scores." testId="run-verdicts">
      <ol className="m-0 grid list-none gap-4 p-0">
        {iterations.map((n) => {
          const consensus = data.consensus.find((c) => c.iteration === n);
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
                {data.verdicts
                  .filter((v) => v.iteration === n)
                  .map((v) => (
                    <VerdictRow key={v.id} verdict={v} />
                  ))}
              </ul>
            </li>
          );
        })}
      </ol>
    </Card>
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
