/**
 * Two evaluations of the same dataset, item by item (matched on the dataset item): scores and their delta (B - A),
 * the verdict change (a regression: passed in A and not in B; an improvement: the other way), cost and latency each,
 * and a summary. Evaluations of different datasets are refused with 422 VALIDATION_FAILED.
 */
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import type { ComparisonOutput } from "@/lib/schemas/evaluations";
import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";
import { findEvaluation, itemPassed, toEvaluation } from "./service";

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

export async function compareEvaluations(ctx: TenantContext, aId: string, bId: string): Promise<ComparisonOutput> {
  const [a, b] = await Promise.all([findEvaluation(ctx, aId), findEvaluation(ctx, bId)]);
  if (a.datasetId !== b.datasetId) {
    const message = "These evaluations are of different datasets: compare two evaluations of the same dataset";
    throw new AppError("VALIDATION_FAILED", message, { issues: [{ path: "b", message }] });
  }
  const [itemsA, itemsB] = await Promise.all(
    [a, b].map((e) => db(ctx).evaluationItem.findMany({ where: { evaluationId: e.id, workspaceId: ctx.workspaceId }, orderBy: { position: "asc" } })),
  );
  const byItemB = new Map(itemsB!.map((i) => [i.datasetItemId, i]));
  const inputs = await db(ctx).datasetItem.findMany({ where: { datasetId: a.datasetId, workspaceId: ctx.workspaceId }, select: { id: true, input: true } });
  const inputOf = new Map(inputs.map((i) => [i.id, i.input]));
  let regressions = 0;
  let improvements = 0;
  const rows = itemsA!.map((ia) => {
    const ib = byItemB.get(ia.datasetItemId);
    const passA = itemPassed(ia);
    const passB = ib ? itemPassed(ib) : false;
    const change = passA && !passB ? "regression" : !passA && passB ? "improvement" : "same";
    if (change === "regression") regressions++;
    if (change === "improvement") improvements++;
    const scoreA = ia.status === "scored" ? ia.score : null;
    const scoreB = ib?.status === "scored" ? ib.score : null;
    return {
      datasetItemId: ia.datasetItemId,
      input: inputOf.get(ia.datasetItemId) ?? "",
      scoreA,
      scoreB,
      delta: scoreA !== null && scoreB !== null ? round4(scoreB - scoreA) : null,
      verdictA: (ia.verdict as JudgeVerdictLabel | null) ?? null,
      verdictB: (ib?.verdict as JudgeVerdictLabel | null) ?? null,
      change: change as "regression" | "improvement" | "same",
      costA: Number(ia.costUsd),
      costB: ib ? Number(ib.costUsd) : 0,
      latencyA: ia.latencyMs,
      latencyB: ib?.latencyMs ?? null,
    };
  });
  const [outA, outB] = await Promise.all([toEvaluation(ctx, a, itemsA), toEvaluation(ctx, b, itemsB)]);
  return {
    datasetId: a.datasetId,
    a: outA,
    b: outB,
    summary: {
      meanScoreDelta: outA.meanScore !== null && outB.meanScore !== null ? round4(outB.meanScore - outA.meanScore) : null,
      passRateA: outA.actualPassRate,
      passRateB: outB.actualPassRate,
      regressions,
      improvements,
    },
    items: rows,
  };
}
