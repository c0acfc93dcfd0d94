/**
 * Eval-gated promotion (lib/schemas/promotion.ts). An agent or team with a promotion rule saves each new version as
 * a candidate (server/agents/service.ts, server/teams/service.ts: `releasedAt` null, `currentVersion` unchanged, so
 * runs keep using the current one); this module starts the candidate's evaluation (the rule's dataset and judges,
 * `promote`), and the evaluation's last statement releases the version when it passes (./release.ts, in the same
 * statement that finishes it: a crash cannot leave a passed evaluation with an unreleased candidate). A candidate is
 * released only if it is newer than the current version (a restore or a newer candidate released meanwhile wins).
 */
import { AppError } from "@/lib/errors";
import { promotionRuleSchema, type PromotionRule } from "@/lib/schemas/promotion";
import type { Prisma } from "@/server/db/generated/client";
import { db } from "@/server/db/client";
import type { TenantContext } from "@/server/context";
import { recordAudit } from "@/server/audit/service";
import { onCandidateSaved } from "@/server/agents/candidates";
import { getAgent } from "@/server/agents/service";
import { getTeam } from "@/server/teams/service";
import { getJudgeVersion } from "@/server/quality/judges/service";
import { findDataset } from "@/server/quality/datasets/service";
import { logger } from "@/server/logger";
import type { AgentOutput } from "@/lib/schemas/agents";
import type { TeamOutput } from "@/lib/schemas/teams";
import { submitEvaluation } from "./worker";

/** Checks the rule's dataset (live) and judges (live), and stores them by id so that renames do not break the rule. */
async function checkedRule(ctx: TenantContext, input: unknown): Promise<PromotionRule> {
  const rule = promotionRuleSchema.parse(input);
  const dataset = await findDataset(ctx, rule.dataset);
  if (dataset.archivedAt)
    throw new AppError("VALIDATION_FAILED", `Dataset "${dataset.slug}" is archived`, { issues: [{ path: "rule.dataset", message: "archived" }] });
  const judges = await Promise.all(rule.judges.map((ref) => getJudgeVersion(ctx, ref)));
  return { ...rule, dataset: dataset.id, judges: judges.map((j) => j.judgeId) };
}

/** Sets (or clears, with null) an agent's promotion rule; audited as `agent.update`. */
export async function setAgentPromotionRule(ctx: TenantContext, ref: string, input: unknown): Promise<AgentOutput> {
  const agent = await getAgent(ctx, ref);
  if (agent.archivedAt) throw new AppError("CONFLICT", `Agent "${agent.slug}" is archived and cannot be changed`);
  const rule = input === null ? null : await checkedRule(ctx, input);
  await db(ctx).$transaction(async (tx) => {
    await tx.agent.update({ where: { id: agent.id, workspaceId: ctx.workspaceId }, data: { promotionRule: (rule ?? null) as Prisma.InputJsonValue } });
    await recordAudit(ctx, { action: "agent.update", targetType: "agent", targetId: agent.id, metadata: { slug: agent.slug, promotionRule: rule } }, tx);
  });
  return getAgent(ctx, agent.id);
}

/** Sets (or clears, with null) a team's promotion rule; audited as `team.update`. */
export async function setTeamPromotionRule(ctx: TenantContext, ref: string, input: unknown): Promise<TeamOutput> {
  const team = await getTeam(ctx, ref);
  if (team.archivedAt) throw new AppError("CONFLICT", `Team "${team.slug}" is archived and cannot be changed`);
  const rule = input === null ? null : await checkedRule(ctx, input);
  await db(ctx).$transaction(async (tx) => {
    await tx.team.update({ where: { id: team.id, workspaceId: ctx.workspaceId }, data: { promotionRule: (rule ?? null) as Prisma.InputJsonValue } });
    await recordAudit(ctx, { action: "team.update", targetType: "team", targetId: team.id, metadata: { slug: team.slug, promotionRule: rule } }, tx);
  });
  return getTeam(ctx, team.id);
}

// a new candidate: its evaluation starts at once (a failure to start leaves it waiting: an evaluation with
// `promote` started by hand releases it)
onCandidateSaved(async (ctx, c) => {
  try {
    await submitEvaluation(ctx, {
      dataset: c.rule.dataset,
      ...(c.kind === "agent" ? { agent: c.id } : { team: c.id }),
      version: c.version,
      judges: c.rule.judges,
      passRate: c.rule.passRate,
      ...(c.rule.budgetUsd !== undefined ? { budgetUsd: c.rule.budgetUsd } : {}),
      promote: true,
    });
  } catch (error) {
    logger.warn({ err: error, candidate: { kind: c.kind, id: c.id, version: c.version } }, "the candidate's evaluation could not start");
  }
});
