"use client";

import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "@/lib/trpc/react";
import { errorMessage } from "@/lib/trpc/errors";
import { formatUsd } from "@/lib/usd";
import type { RunEstimateOutput, TeamEstimateOutput } from "@/lib/schemas/teams";
import { Card } from "@/components/ui/card";

const UNBOUNDED = Number.MAX_SAFE_INTEGER;
const count = (n: number) => (n >= UNBOUNDED ? "unbounded" : n.toLocaleString("en-US"));

/** The worst case of one run: calls, tokens, cost (server/topologies/estimate.ts), and the nodes that fit no model. */
export function RunEstimateSummary({
  estimate,
  problems = [],
  testId,
}: {
  estimate: RunEstimateOutput;
  problems?: TeamEstimateOutput["problems"];
  testId: string;
}) {
  return (
    <div className="grid gap-2" data-testid={testId} data-calls={estimate.modelCalls} data-cost={estimate.costUsd}>
      <p className="text-sm">
        Worst case of one run (a task of {count(estimate.taskTokens)} tokens): <strong>{count(estimate.modelCalls)} model calls</strong> (
        {count(estimate.steps)} steps, up to {count(estimate.peakParallel)} at once), at most {count(estimate.inputTokens)} input and{" "}
        {count(estimate.outputTokens)} output tokens, at most <strong>{formatUsd(estimate.costUsd)}</strong> on the models the policies route to (fallbacks and
        retries on top).
      </p>
      {estimate.unrouted.length > 0 ? (
        <p className="text-sm text-muted-foreground">No model for {estimate.unrouted.map((a) => `\`${a}\``).join(", ")}: counted at no cost.</p>
      ) : null}
      {problems.length > 0 ? (
        <ul className="text-sm" data-testid="run-estimate-problems">
          {problems.map((p) => (
            <li key={`${p.path}:${p.message}`}>
              <code>{p.path}</code> {p.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

/** The saved team's estimate (team page). */
export function TeamEstimateCard({ team }: { team: string }) {
  const trpc = useTRPC();
  const estimate = useQuery(trpc.teams.estimate.queryOptions({ team }));
  return (
    <Card title="Estimate" description="What one run of the current version may use at most, before anything is spent." testId="team-estimate">
      {estimate.data ? (
        <RunEstimateSummary estimate={estimate.data.estimate} problems={estimate.data.problems} testId="team-estimate-summary" />
      ) : estimate.error ? (
        <p className="text-sm">{errorMessage(estimate.error)}</p>
      ) : (
        <p className="text-sm text-muted-foreground">Estimating…</p>
      )}
    </Card>
  );
}
