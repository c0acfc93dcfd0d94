/**
 * A judge's agreement with people: the pairs are its verdicts and people's labels on the same run and iteration
 * (two people labelling one output make two pairs). Only held-out items count (./held-out.ts), overall and by week
 * of the label; a judge is flagged when kappa's point estimate is below the workspace's threshold on at least its
 * minimum number of pairs.
 */
import type { z } from "zod";
import { db } from "@/server/db/client";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { getJudge } from "@/server/quality/judges/service";
import {
  updateCalibrationSettingsInputSchema,
  type agreementFiguresSchema,
  type calibrationSettingsSchema,
  type JudgeAgreementOut,
} from "@/lib/schemas/labels";
import { cohensKappa, spearman, type VerdictCategory } from "./stats";

type Settings = z.output<typeof calibrationSettingsSchema>;
type Figures = z.output<typeof agreementFiguresSchema>;

export interface AgreementPair {
  judgeVerdict: VerdictCategory;
  personVerdict: VerdictCategory;
  judgeScore: number;
  personScore: number | null;
  labelledAt: Date;
}

export async function getCalibrationSettings(ctx: TenantContext): Promise<Settings> {
  const ws = await db(ctx).workspace.findUniqueOrThrow({
    where: { id: ctx.workspaceId },
    select: { calibrationKappaThreshold: true, calibrationMinPairs: true },
  });
  return { kappaThreshold: ws.calibrationKappaThreshold, minPairs: ws.calibrationMinPairs };
}

export async function updateCalibrationSettings(ctx: TenantContext, input: z.input<typeof updateCalibrationSettingsInputSchema>): Promise<Settings> {
  const patch = updateCalibrationSettingsInputSchema.parse(input);
  const before = await getCalibrationSettings(ctx);
  const next = { ...before, ...Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) } as Settings;
  if (next.kappaThreshold === before.kappaThreshold && next.minPairs === before.minPairs) return before;
  await db(ctx).$transaction(async (tx) => {
    await tx.workspace.update({
      where: { id: ctx.workspaceId },
      data: { calibrationKappaThreshold: next.kappaThreshold, calibrationMinPairs: next.minPairs },
    });
    await recordAudit(
      ctx,
      { action: "workspace.calibration.update", targetType: "workspace", targetId: ctx.workspaceId, metadata: { before, after: next } },
      tx,
    );
  });
  return next;
}

/** The Monday (UTC) of a date's week, YYYY-MM-DD. */
export function weekOf(at: Date): string {
  const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

export function figuresOf(pairs: readonly AgreementPair[], minPairs: number): Figures {
  const scored = pairs.flatMap((p) => (p.personScore === null ? [] : [[p.judgeScore, p.personScore] as const]));
  return {
    kappa: cohensKappa(
      pairs.map((p) => [p.judgeVerdict, p.personVerdict] as const),
      minPairs,
    ),
    spearman: spearman(scored, minPairs),
  };
}

/** The held-out pairs' figures overall and by week, and the flag. */
export function agreementOf(pairs: readonly (AgreementPair & { heldOut: boolean })[], settings: Settings) {
  const heldOut = pairs.filter((p) => p.heldOut);
  const overall = figuresOf(heldOut, settings.minPairs);
  const byWeek = new Map<string, AgreementPair[]>();
  for (const p of heldOut) byWeek.set(weekOf(p.labelledAt), [...(byWeek.get(weekOf(p.labelledAt)) ?? []), p]);
  const weeks = [...byWeek.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([week, ps]) => ({ week, ...figuresOf(ps, settings.minPairs) }));
  const flagged = overall.kappa.status === "ok" && overall.kappa.value < settings.kappaThreshold;
  return { labelledPairs: pairs.length, heldOutPairs: heldOut.length, overall, flagged, weeks };
}

/** The pairs of one judge (by id) in the workspace. */
export async function judgePairs(ctx: TenantContext, judgeId: string): Promise<(AgreementPair & { heldOut: boolean; runId: string; iteration: number })[]> {
  const verdicts = await db(ctx).judgeVerdict.findMany({
    where: { workspaceId: ctx.workspaceId, judgeId, run: { outputLabels: { some: {} } } },
    select: { runId: true, iteration: true, verdict: true, overall: true },
  });
  if (verdicts.length === 0) return [];
  const labels = await db(ctx).outputLabel.findMany({
    where: { workspaceId: ctx.workspaceId, runId: { in: [...new Set(verdicts.map((v) => v.runId))] } },
    select: { runId: true, iteration: true, verdict: true, score: true, heldOut: true, createdAt: true },
  });
  const byItem = new Map(verdicts.map((v) => [`${v.runId}:${v.iteration}`, v]));
  return labels.flatMap((l) => {
    const v = byItem.get(`${l.runId}:${l.iteration}`);
    if (!v) return [];
    return [
      {
        runId: l.runId,
        iteration: l.iteration,
        judgeVerdict: v.verdict as VerdictCategory,
        personVerdict: l.verdict as VerdictCategory,
        judgeScore: v.overall,
        personScore: l.score,
        labelledAt: l.createdAt,
        heldOut: l.heldOut,
      },
    ];
  });
}

export async function judgeAgreement(ctx: TenantContext, judgeRef: string): Promise<JudgeAgreementOut> {
  const judge = await getJudge(ctx, judgeRef);
  const [settings, pairs] = await Promise.all([getCalibrationSettings(ctx), judgePairs(ctx, judge.id)]);
  return {
    judgeId: judge.id,
    judgeSlug: judge.slug,
    threshold: settings.kappaThreshold,
    minPairs: settings.minPairs,
    ...agreementOf(pairs, settings),
  };
}
