/**
 * A run's verdicts and consensus (the rows its quality gate wrote, server/jobs/quality-gate.ts), for the run page's
 * verdicts panel and the API. Another workspace's run is NOT_FOUND.
 */
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import type { RunVerdictsOut } from "@/lib/schemas/judges";
import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";

export async function runVerdicts(ctx: TenantContext, runId: string): Promise<RunVerdictsOut> {
  const where = { runId, workspaceId: ctx.workspaceId };
  const [run, verdicts, consensus] = await Promise.all([
    db(ctx).run.findFirst({ where: { id: runId, workspaceId: ctx.workspaceId }, select: { id: true } }),
    db(ctx).judgeVerdict.findMany({ where, orderBy: [{ iteration: "asc" }, { createdAt: "asc" }, { id: "asc" }] }),
    db(ctx).judgeConsensus.findMany({ where, orderBy: [{ scope: "asc" }, { iteration: "asc" }] }),
  ]);
  if (!run) throw new AppError("NOT_FOUND", "Run not found");
  return {
    verdicts: verdicts.map((v) => ({
      id: v.id,
      runId: v.runId,
      stepId: v.stepId,
      scope: scopeOfStep(v.stepId),
      iteration: v.iteration,
      judgeId: v.judgeId,
      judgeSlug: v.judgeSlug,
      judgeVersion: v.judgeVersion,
      modelRef: v.modelRef,
      modelName: v.modelName,
      scores: (v.scores ?? {}) as Record<string, number>,
      overall: v.overall,
      verdict: v.verdict as JudgeVerdictLabel,
      rationale: v.rationale,
      issues: [...v.issues],
      sameModel: v.sameModel,
      costUsd: Number(v.costUsd),
      createdAt: v.createdAt,
    })),
    consensus: consensus.map((c) => ({
      runId: c.runId,
      scope: c.scope,
      iteration: c.iteration,
      score: c.score,
      verdict: c.verdict as JudgeVerdictLabel,
      spread: c.spread,
      agreement: c.agreement,
      judges: c.judges,
      createdAt: c.createdAt,
    })),
  };
}

/**
 * The gate a judge step belongs to, from its step id: `gate.i{n}.{judge}` is the run's own gate (""); inside a team
 * run, an agent's gate on a node is `{node's step id}.gate.i{n}.{judge}`, whose scope (as its consensus row's) is
 * the node's step id.
 */
export function scopeOfStep(stepId: string): string {
  const at = stepId.lastIndexOf(".gate.i");
  return at < 0 ? "" : stepId.slice(0, at);
}
