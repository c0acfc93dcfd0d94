/**
 * "Pick few-shot examples from the labelled set": a judge's next version gets examples made of people's labels of
 * items that are NOT held out (held-out items measure the judge; showing them to it would inflate its agreement).
 * Newest labels first, one of each verdict before a second of any, so the judge sees pass, revise and fail alike.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import type { JudgeOutput } from "@/lib/schemas/judges";
import { pickExamplesInputSchema } from "@/lib/schemas/labels";
import { JUDGE_VERDICTS, type JudgeVerdictLabel } from "@/lib/schemas/quality-gate";
import { getJudge, updateJudge } from "@/server/quality/judges/service";
import { iterationOutput, lastIteration } from "./labels";

const MAX_EXAMPLE_OUTPUT = 4_000;
const MAX_EXAMPLE_RATIONALE = 2_000;
/** How many recent labels are looked at to choose from. */
const CANDIDATES = 200;

/** Round-robin over the verdicts, each list in its given order (newest first). */
export function balancedPick<T extends { verdict: JudgeVerdictLabel }>(items: readonly T[], max: number): T[] {
  const queues = JUDGE_VERDICTS.map((v) => items.filter((i) => i.verdict === v));
  const picked: T[] = [];
  for (let round = 0; picked.length < max && queues.some((q) => q.length > round); round++) {
    for (const q of queues) if (q[round] && picked.length < max) picked.push(q[round]!);
  }
  return picked;
}

export async function pickExamplesFromLabels(ctx: TenantContext, judgeRef: string, input: z.input<typeof pickExamplesInputSchema> = {}): Promise<JudgeOutput> {
  const { max } = pickExamplesInputSchema.parse(input);
  const judge = await getJudge(ctx, judgeRef);
  const labels = await db(ctx).outputLabel.findMany({
    where: { workspaceId: ctx.workspaceId, heldOut: false },
    orderBy: [{ updatedAt: "desc" }, { id: "desc" }],
    take: CANDIDATES,
    select: { runId: true, iteration: true, verdict: true, note: true },
  });
  // one example per output: the newest label of it
  const seen = new Set<string>();
  const distinct = labels.filter((l) => !seen.has(`${l.runId}:${l.iteration}`) && seen.add(`${l.runId}:${l.iteration}`));
  const chosen = balancedPick(
    distinct.map((l) => ({ ...l, verdict: l.verdict as JudgeVerdictLabel })),
    max,
  );
  if (chosen.length === 0) throw new AppError("CONFLICT", "No labelled outputs to pick from yet (held-out ones are never examples): label some first");
  const examples = [];
  for (const l of chosen) {
    const run = await db(ctx).run.findFirst({ where: { id: l.runId, workspaceId: ctx.workspaceId }, select: { id: true, output: true } });
    const output = run ? await iterationOutput(ctx, run, l.iteration, await lastIteration(ctx, l.runId)) : null;
    if (output) examples.push({ output: output.slice(0, MAX_EXAMPLE_OUTPUT), verdict: l.verdict, rationale: l.note.slice(0, MAX_EXAMPLE_RATIONALE) });
  }
  return updateJudge(ctx, judge.id, { examples });
}
