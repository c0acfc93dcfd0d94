"use client";

import Link from "next/link";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import type { JudgeAgreementOut } from "@/lib/schemas/labels";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { FormError } from "@/components/ui/form-error";
import { useActionError } from "@/components/ui/use-action-error";
import { useWorkspace } from "@/components/workspace/workspace-context";

type Estimate = JudgeAgreementOut["overall"]["kappa"];

/** A figure as text: the value with its 95% interval and n, or why there is none. */
export function estimateText(e: Estimate): string {
  if (e.status === "ok") return `${e.value.toFixed(2)} [${e.ci[0].toFixed(2)}, ${e.ci[1].toFixed(2)}] n=${e.n}`;
  if (e.status === "insufficient") return `not enough data (n=${e.n} of ${e.minN})`;
  return `undefined (n=${e.n})`;
}

/** A bar from -1 to 1 with the interval shaded and the point marked: the week-by-week chart's cell. */
function EstimateBar({ e }: { e: Estimate }) {
  if (e.status !== "ok") return <span className="text-muted-foreground text-xs">{estimateText(e)}</span>;
  const at = (v: number) => `${((v + 1) / 2) * 100}%`;
  return (
    <span className="flex items-center gap-2">
      <span className="relative inline-block h-2 w-32 rounded bg-muted" aria-hidden>
        <span className="absolute inset-y-0 rounded bg-primary/30" style={{ left: at(e.ci[0]), width: `${((e.ci[1] - e.ci[0]) / 2) * 100}%` }} />
        <span className="absolute inset-y-[-2px] w-0.5 bg-primary" style={{ left: at(e.value) }} />
      </span>
      <span className="tabular-nums text-xs">{estimateText(e)}</span>
    </span>
  );
}

/**
 * A judge's agreement with people's labels (held-out outputs only): kappa on verdicts and Spearman on scores with 95%
 * intervals and n, week by week, the below-threshold flag, and the action that fills the judge's few-shot examples
 * from labelled outputs that are not held out.
 */
export function AgreementPanel({ judge }: { judge: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can, slug } = useWorkspace();
  const agreement = useQuery(trpc.labels.agreement.queryOptions({ judge })).data;
  const { error, handlers } = useActionError();
  const pick = useMutation(
    trpc.labels.pickExamples.mutationOptions({
      ...handlers,
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.judges.pathKey() }),
    }),
  );
  if (!agreement) return null;
  return (
    <Card
      title="Agreement with people"
      description={`On held-out labelled outputs (${agreement.heldOutPairs} of ${agreement.labelledPairs} pairs). Flagged when kappa is below ${agreement.threshold} with at least ${agreement.minPairs} pairs.`}
      testId="judge-agreement"
      actions={
        <>
          {can("labels:write") ? (
            <Button variant="outline" size="sm" asChild>
              <Link href={`/w/${slug}/labels`}>Label outputs</Link>
            </Button>
          ) : null}
          {can("judges:update") ? (
            <Button size="sm" onClick={() => pick.mutate({ judge, max: 3 })} disabled={pick.isPending} data-testid="judge-pick-examples">
              Pick few-shot examples from labels
            </Button>
          ) : null}
        </>
      }
    >
      <div className="grid gap-3 text-sm">
        <div className="flex flex-wrap items-center gap-3">
          {agreement.flagged ? (
            <Badge variant="destructive" data-testid="judge-agreement-flag">
              below threshold
            </Badge>
          ) : null}
          <span data-testid="agreement-pairs" data-held-out={agreement.heldOutPairs} data-labelled={agreement.labelledPairs}>
            {agreement.heldOutPairs} held-out pairs · {agreement.labelledPairs} labelled
          </span>
        </div>
        <dl className="m-0 grid gap-1">
          <div className="flex flex-wrap gap-2">
            <dt className="w-44 font-medium">Cohen's kappa (verdicts)</dt>
            <dd className="m-0" data-testid="agreement-kappa">
              <EstimateBar e={agreement.overall.kappa} />
            </dd>
          </div>
          <div className="flex flex-wrap gap-2">
            <dt className="w-44 font-medium">Spearman's rho (scores)</dt>
            <dd className="m-0" data-testid="agreement-spearman">
              <EstimateBar e={agreement.overall.spearman} />
            </dd>
          </div>
        </dl>
        {agreement.weeks.length ? (
          <table className="w-full text-left" data-testid="agreement-weeks">
            <caption className="sr-only">Agreement by week</caption>
            <thead>
              <tr>
                <th className="font-medium">Week of</th>
                <th className="font-medium">kappa</th>
                <th className="font-medium">rho</th>
              </tr>
            </thead>
            <tbody>
              {agreement.weeks.map((w) => (
                <tr key={w.week}>
                  <td className="tabular-nums">{w.week}</td>
                  <td>
                    <EstimateBar e={w.kappa} />
                  </td>
                  <td>
                    <EstimateBar e={w.spearman} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {pick.isSuccess ? (
          <p className="m-0">
            Saved version {pick.data.currentVersion} with {pick.data.examples.length} example(s).
          </p>
        ) : null}
        <FormError message={error} />
      </div>
    </Card>
  );
}
