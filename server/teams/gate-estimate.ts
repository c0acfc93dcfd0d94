/**
 * A team's quality gate in its run estimate (docs/architecture.md, Quality gate): each of the gate's attempts (the
 * first and up to maxRevisions revisions) may run the whole team again, and each attempt's output is scored by every
 * judge. The team's part is multiplied by the attempts; each judge call counts as a model call that reads the task
 * and the judged output (at most the attempt's output tokens) and writes the judge's maxOutputTokens, priced at the
 * team estimate's mean price per token (the judges' own routes are not resolved here).
 */
import { db } from "@/server/db/client";
import type { TenantContext } from "@/server/context";
import type { QualityGate } from "@/lib/schemas/quality-gate";
import type { RunEstimate } from "@/server/topologies/estimate";

/** The default a judge's version writes at most when its row cannot be read. */
const JUDGE_OUTPUT_TOKENS = 1024;

export async function withTeamGate(ctx: TenantContext, estimate: RunEstimate, gate: QualityGate | null): Promise<RunEstimate> {
  if (!gate?.judges.length) return estimate;
  const judges = await db(ctx).judge.findMany({
    where: { workspaceId: ctx.workspaceId, OR: [{ id: { in: gate.judges } }, { slug: { in: gate.judges } }] },
    select: { versions: { orderBy: { version: "desc" }, take: 1, select: { maxOutputTokens: true } } },
  });
  const judgeOutput = gate.judges.map((_, i) => judges[i]?.versions[0]?.maxOutputTokens ?? JUDGE_OUTPUT_TOKENS).reduce((a, b) => a + b, 0);
  return gatedEstimate(estimate, { judges: gate.judges.length, judgeOutputTokens: judgeOutput, maxRevisions: gate.maxRevisions });
}

/** The arithmetic of `withTeamGate` (pure, for tests). */
export function gatedEstimate(e: RunEstimate, g: { judges: number; judgeOutputTokens: number; maxRevisions: number }): RunEstimate {
  const attempts = g.maxRevisions + 1;
  const judgeInput = attempts * g.judges * (e.taskTokens + e.outputTokens);
  const judgeOutput = attempts * g.judgeOutputTokens;
  const tokens = e.inputTokens + e.outputTokens;
  const pricePerToken = tokens > 0 ? e.costUsd / tokens : 0;
  return {
    ...e,
    steps: e.steps * attempts,
    modelCalls: e.modelCalls * attempts + g.judges * attempts,
    inputTokens: e.inputTokens * attempts + judgeInput,
    outputTokens: e.outputTokens * attempts + judgeOutput,
    costUsd: e.costUsd * attempts + (judgeInput + judgeOutput) * pricePerToken,
  };
}
