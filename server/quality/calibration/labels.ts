/**
 * People's labels of judged outputs: one label per (run, iteration, labeller), saved again to edit. The labelling
 * queue lists recent outputs the caller has not labelled, with the run's input and output and the judges' criterion
 * keys, never their verdicts (a person decides before seeing a judge's opinion: no anchoring).
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { actorUserId, type TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { keysetOrderBy, keysetWhere, pageByCreatedAt } from "@/server/db/cursor";
import type { Page } from "@/lib/schemas/common";
import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";
import { labelQueueInputSchema, listLabelsInputSchema, saveLabelInputSchema, type LabelOut, type labelQueueItemSchema } from "@/lib/schemas/labels";
import { isHeldOut, scoreFromCriteria } from "./held-out";
import { inWorkspace } from "@/server/db/in-workspace";

type LabelRow = Prisma.OutputLabelGetPayload<object>;

function toLabel(row: LabelRow): LabelOut {
  return {
    id: row.id,
    runId: row.runId,
    iteration: row.iteration,
    labellerId: row.labellerId,
    verdict: row.verdict as JudgeVerdictLabel,
    scores: (row.scores ?? {}) as Record<string, number>,
    score: row.score,
    note: row.note,
    heldOut: row.heldOut,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function outputText(output: unknown): string | null {
  if (output && typeof output === "object" && typeof (output as { text?: unknown }).text === "string") return (output as { text: string }).text;
  return null;
}

/** The run's judged iterations (its quality gate's), 1 when it had no gate. */
export async function lastIteration(ctx: TenantContext, runId: string): Promise<number> {
  const last = await db(ctx).judgeVerdict.aggregate({ where: { runId, workspaceId: ctx.workspaceId }, _max: { iteration: true } });
  return last._max.iteration ?? 1;
}

/** The text of one iteration's output: the producer's step of that iteration (`agent`, then `agent.r{n}`), else the run's output. */
export async function iterationOutput(ctx: TenantContext, run: { id: string; output: unknown }, iteration: number, last: number): Promise<string | null> {
  if (iteration === last && outputText(run.output) !== null) return outputText(run.output);
  const step = await db(ctx).runStep.findFirst({
    where: { runId: run.id, workspaceId: ctx.workspaceId, stepId: iteration === 1 ? "agent" : `agent.r${iteration}` },
    select: { output: true },
  });
  return step?.output ?? null;
}

/** Saves the caller's label of a run's output (creates it, or edits their earlier label of the same output). */
export async function saveLabel(ctx: TenantContext, runId: string, input: z.input<typeof saveLabelInputSchema>): Promise<LabelOut> {
  const data = saveLabelInputSchema.parse(input);
  const run = await db(ctx).run.findFirst({ where: { id: runId, workspaceId: ctx.workspaceId }, select: { id: true, output: true } });
  if (!run) throw new AppError("NOT_FOUND", "Run not found");
  const last = await lastIteration(ctx, runId);
  const iteration = data.iteration ?? last;
  if (iteration > last) throw new AppError("VALIDATION_FAILED", `This run's output has ${last} iteration(s); there is no iteration ${iteration}`);
  if ((await iterationOutput(ctx, run, iteration, last)) === null) throw new AppError("CONFLICT", "This run has no output to label yet");
  const labellerId = actorUserId(ctx);
  const fields = { verdict: data.verdict, scores: data.scores, score: data.score ?? scoreFromCriteria(data.scores), note: data.note };
  const row = await db(ctx).$transaction(async (tx) => {
    const existing = await tx.outputLabel.findFirst({ where: { runId, iteration, labellerId, workspaceId: ctx.workspaceId } });
    const saved = existing
      ? await tx.outputLabel.update({ where: inWorkspace(ctx, existing.id), data: fields })
      : await tx.outputLabel.create({
          data: { id: newId("lbl"), workspaceId: ctx.workspaceId, runId, iteration, labellerId, heldOut: isHeldOut(runId, iteration), ...fields },
        });
    await recordAudit(
      ctx,
      {
        action: existing ? "label.update" : "label.create",
        targetType: "label",
        targetId: saved.id,
        metadata: { runId, iteration, verdict: fields.verdict, heldOut: saved.heldOut },
      },
      tx,
    );
    return saved;
  });
  return toLabel(row);
}

/** One page of the workspace's labels (or one run's, or the caller's), newest first. */
export async function listLabels(ctx: TenantContext, input: z.input<typeof listLabelsInputSchema> = {}): Promise<Page<LabelOut>> {
  const { runId, mine, limit, cursor } = listLabelsInputSchema.parse(input);
  const rows = await db(ctx).outputLabel.findMany({
    where: {
      AND: [{ workspaceId: ctx.workspaceId, ...(runId ? { runId } : {}), ...(mine ? { labellerId: actorUserId(ctx) } : {}) }, keysetWhere(cursor)],
    },
    orderBy: keysetOrderBy(),
    take: limit + 1,
  });
  const page = pageByCreatedAt(rows, limit);
  return { items: page.items.map(toLabel), nextCursor: page.nextCursor };
}

export async function getLabel(ctx: TenantContext, labelId: string): Promise<LabelOut> {
  const row = await db(ctx).outputLabel.findFirst({ where: { id: labelId, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("NOT_FOUND", "Label not found");
  return toLabel(row);
}

type QueueItem = z.output<typeof labelQueueItemSchema>;

/** Recent finished runs with an output that the caller has not labelled (their last iteration), newest first. */
export async function labelQueue(ctx: TenantContext, input: z.input<typeof labelQueueInputSchema> = {}): Promise<{ items: QueueItem[] }> {
  const { limit } = labelQueueInputSchema.parse(input);
  const runs = await db(ctx).run.findMany({
    where: {
      workspaceId: ctx.workspaceId,
      status: { in: ["succeeded", "failed"] },
      outputLabels: { none: { labellerId: actorUserId(ctx) } },
    },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: limit,
    select: { id: true, input: true, output: true, createdAt: true, agentId: true, teamId: true },
  });
  const [agents, teams] = await Promise.all([
    db(ctx).agent.findMany({
      where: { workspaceId: ctx.workspaceId, id: { in: runs.flatMap((r) => (r.agentId ? [r.agentId] : [])) } },
      select: { id: true, slug: true },
    }),
    db(ctx).team.findMany({
      where: { workspaceId: ctx.workspaceId, id: { in: runs.flatMap((r) => (r.teamId ? [r.teamId] : [])) } },
      select: { id: true, slug: true },
    }),
  ]);
  const slugs = new Map([...agents, ...teams].map((t) => [t.id, t.slug]));
  const verdicts = await db(ctx).judgeVerdict.findMany({
    where: { workspaceId: ctx.workspaceId, runId: { in: runs.map((r) => r.id) } },
    select: { runId: true, iteration: true, scores: true },
  });
  const items: QueueItem[] = [];
  for (const run of runs) {
    const mine = verdicts.filter((v) => v.runId === run.id);
    const last = Math.max(1, ...mine.map((v) => v.iteration));
    const output = await iterationOutput(ctx, run, last, last);
    if (output === null) continue;
    const criteria = [...new Set(mine.filter((v) => v.iteration === last).flatMap((v) => Object.keys((v.scores ?? {}) as object)))].sort();
    items.push({
      runId: run.id,
      iteration: last,
      target: slugs.get(run.agentId ?? run.teamId ?? "") ?? null,
      input: run.input,
      output,
      criteria,
      createdAt: run.createdAt,
    });
  }
  return { items };
}
