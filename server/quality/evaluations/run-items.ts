/**
 * One step of an evaluation's work (`advanceEvaluation`), the body of both runners (the lease worker of
 * server/jobs/evaluations.ts and its Inngest function). It never waits for a run: it looks at what changed, acts, and
 * says whether the evaluation is done, or waiting for its runs (the runner then comes back later).
 *
 * Per item: pending -> running (startRun of the pinned version; the item's runId is written in the run's own
 * statement through startRun's `gate`, so a crash cannot start an item twice) -> once the run has finished, each
 * judge scores its output (the item's reference as the judge's reference answer) through the gateway with the run's
 * id and step id `eval.{evaluationId}.{judge}` (the ledger row is the run's); a JudgeVerdict row per judge, written
 * once (unique run + step: a resumed evaluation skips the judges that answered already) -> the consensus of their
 * overall scores (consensusOf with the evaluation's passThreshold / failThreshold) -> scored. A run that failed or was
 * cancelled makes the item errored.
 *
 * Budget: each run gets the evaluation's remaining budget divided by its concurrency as its own limit; the remaining
 * budget is the evaluation's budget minus the ledger of its runs. When nothing remains (or a run or judge call was
 * refused for budget), the pending items are skipped, and the evaluation ends failed with that reason once its running
 * items are done; the completed items are kept.
 *
 * Every write is made under `fence` (the lease: "leaseOwner" = owner on the Evaluation row) and only while the
 * evaluation is running, so a worker that lost its lease, or a cancelled evaluation, writes nothing more.
 */
import { AppError } from "@/lib/errors";
import { judgeAnswerSchemaFor } from "@/lib/schemas/judges";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { releaseSql } from "./release";
import { newId } from "@/lib/ids";
import { generate } from "@/server/models/gateway";
import { getJudgeVersion, type JudgeVersionOut } from "@/server/quality/judges/service";
import { consensusOf, criterionScores, overallScore } from "@/server/quality/judges/consensus";
import { judgeSystemOf, judgeUserPromptOf } from "@/server/quality/judges/prompt";
import { getRunSummary, startRun } from "@/server/runs/service";
import { aggregatesOf, costOfRuns, type EvaluationItemRow, type EvaluationRow, type PinnedJudge } from "./service";

export interface AdvanceOutcome {
  done: boolean;
  /** nothing to do until a run finishes: come back later */
  waiting: boolean;
  status: string;
}

const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;
const BUDGET_REASON = "The evaluation's budget is spent";

/** The judge step id of an evaluation's verdict in a run. */
export const evalStepId = (evaluationId: string, judgeSlug: string) => `eval.${evaluationId}.${judgeSlug}`;

/** An item update made only while the evaluation runs under `fence`. */
function updateItem(ctx: TenantContext, e: EvaluationRow, itemId: string, set: Sql, fence: Sql, status = "running") {
  return execute(
    ctx,
    sql`UPDATE "EvaluationItem" SET ${set}, "updatedAt" = ${DB_NOW}
     WHERE id = ${itemId} AND "workspaceId" = ${ctx.workspaceId} AND "status" = ${status}
       AND EXISTS (SELECT 1 FROM "Evaluation" v WHERE v.id = ${e.id} AND v."status" = 'running' AND ${fence})`,
  );
}

const isBudgetError = (error: unknown) => error instanceof AppError && error.code === "BUDGET_EXCEEDED";

export async function advanceEvaluation(ctx: TenantContext, evaluationId: string, fence: Sql): Promise<AdvanceOutcome> {
  // queued -> running (the lease claim did it already under the worker; Inngest's first step does it here)
  await execute(
    ctx,
    sql`UPDATE "Evaluation" SET "status" = 'running', "startedAt" = COALESCE("startedAt", ${DB_NOW}), "updatedAt" = ${DB_NOW}
     WHERE id = ${evaluationId} AND "workspaceId" = ${ctx.workspaceId} AND "status" = 'queued'`,
  );
  const e = await db(ctx).evaluation.findFirst({ where: { id: evaluationId, workspaceId: ctx.workspaceId } });
  if (!e) throw new AppError("NOT_FOUND", `Evaluation "${evaluationId}" not found`);
  if (e.status !== "running") return { done: true, waiting: false, status: e.status };

  let items = await loadItems(ctx, e);
  let budgetOut = false;
  let acted = false;

  // 1. runs that finished: score them (or mark the item errored)
  for (const item of items.filter((i) => i.status === "running" && i.runId)) {
    const run = await getRunSummary(ctx, item.runId!);
    if (run.status === "queued" || run.status === "running") continue;
    acted = true;
    if (run.status !== "succeeded" || run.output === null) {
      if (run.error && /budget/i.test(run.error)) budgetOut = true;
      const error = run.status === "cancelled" ? "The run was cancelled" : `The run failed: ${(run.error ?? "no output").slice(0, 500)}`;
      const cost = (await costOfRuns(ctx, [run.id])).get(run.id) ?? 0;
      await updateItem(
        ctx,
        e,
        item.id,
        sql`"status" = 'errored', "error" = ${error}, "latencyMs" = ${run.durationMs}, "costUsd" = ${sql.numeric(cost)}`,
        fence,
      );
      continue;
    }
    try {
      await scoreItem(ctx, e, item, { id: run.id, input: run.input, output: run.output, durationMs: run.durationMs }, fence);
    } catch (error) {
      if (!isBudgetError(error)) throw error;
      budgetOut = true;
      await updateItem(ctx, e, item.id, sql`"status" = 'errored', "error" = ${`Not scored: ${(error as AppError).message}`.slice(0, 500)}`, fence);
    }
  }

  // 2. the budget
  items = await loadItems(ctx, e);
  const runIds = items.flatMap((i) => (i.runId ? [i.runId] : []));
  const spent = [...(await costOfRuns(ctx, runIds)).values()].reduce((a, b) => a + b, 0);
  const remaining = e.budgetUsd === null ? null : Number(e.budgetUsd) - spent;
  if (remaining !== null && remaining < 0.0001) budgetOut = true;
  if (budgetOut) {
    const skipped = await execute(
      ctx,
      sql`UPDATE "EvaluationItem" SET "status" = 'skipped', "error" = ${BUDGET_REASON}, "updatedAt" = ${DB_NOW}
       WHERE "evaluationId" = ${e.id} AND "workspaceId" = ${ctx.workspaceId} AND "status" = 'pending'
         AND EXISTS (SELECT 1 FROM "Evaluation" v WHERE v.id = ${e.id} AND v."status" = 'running' AND ${fence})`,
    );
    if ((skipped.rowCount ?? 0) > 0) acted = true;
    items = await loadItems(ctx, e);
  }

  // 3. start pending items up to the concurrency
  const running = items.filter((i) => i.status === "running").length;
  const pending = items.filter((i) => i.status === "pending");
  const free = Math.max(0, e.concurrency - running);
  if (!budgetOut && free > 0 && pending.length > 0) {
    const inputs = await db(ctx).datasetItem.findMany({
      where: { workspaceId: ctx.workspaceId, id: { in: pending.slice(0, free).map((p) => p.datasetItemId) } },
      select: { id: true, input: true },
    });
    const inputOf = new Map(inputs.map((i) => [i.id, i.input]));
    for (const item of pending.slice(0, free)) {
      acted = true;
      const input = inputOf.get(item.datasetItemId);
      if (input === undefined) {
        await updateItem(ctx, e, item.id, sql`"status" = 'errored', "error" = 'The dataset item was deleted'`, fence, "pending");
        continue;
      }
      const perRun = remaining === null ? undefined : Math.max(0.0001, remaining / e.concurrency);
      try {
        await startRun(
          ctx,
          { [e.targetType]: e.targetId, version: e.targetVersion, input, ...(perRun === undefined ? {} : { budgetUsd: perRun }) },
          {
            channel: "evaluation",
            channelRef: e.id,
            gate: {
              cte: (runId) => sql`
                g AS (
                  UPDATE "EvaluationItem" SET "status" = 'running', "runId" = ${runId}, "updatedAt" = ${DB_NOW}
                  WHERE id = ${item.id} AND "workspaceId" = ${ctx.workspaceId} AND "status" = 'pending' AND "runId" IS NULL
                    AND EXISTS (SELECT 1 FROM "Evaluation" v WHERE v.id = ${e.id} AND v."status" = 'running' AND ${fence})
                  RETURNING id)`,
              refused: "The evaluation item was started already, or the evaluation is no longer running",
              audit: { evaluation: e.id },
            },
          },
        );
      } catch (error) {
        if (error instanceof AppError && error.code === "CONFLICT") continue; // started elsewhere, or cancelled meanwhile
        if (isBudgetError(error)) {
          budgetOut = true;
          await updateItem(ctx, e, item.id, sql`"status" = 'skipped', "error" = ${BUDGET_REASON}`, fence, "pending");
          break;
        }
        if (!(error instanceof AppError) || error.httpStatus >= 500) throw error;
        // the target cannot run this input (archived meanwhile, too long, infeasible): this item only
        await updateItem(ctx, e, item.id, sql`"status" = 'errored', "error" = ${error.message.slice(0, 500)}`, fence, "pending");
      }
    }
    items = await loadItems(ctx, e);
  }

  // 4. finished?
  if (items.every((i) => i.status !== "pending" && i.status !== "running")) {
    const a = aggregatesOf(items);
    const failed = budgetOut || a.skipped > 0;
    const passed = !failed && (a.actualPassRate ?? 0) >= e.passRate;
    const error = failed ? `${BUDGET_REASON}: ${a.skipped} of ${items.length} items skipped` : null;
    // a candidate's evaluation that passed releases it in the same statement (./release.ts)
    await execute(
      ctx,
      sql`WITH f AS (
         UPDATE "Evaluation" SET "status" = ${failed ? "failed" : "succeeded"}, "error" = ${error}, "passed" = ${passed},
           "finishedAt" = ${DB_NOW}, "updatedAt" = ${DB_NOW}, "leaseOwner" = NULL, "leaseExpiresAt" = NULL
         WHERE id = ${e.id} AND "status" = 'running' AND ${fence}
         RETURNING id, passed, promote, "targetType", "targetId", "targetVersion")${e.promote ? releaseSql(ctx, e.id) : sql.empty}
       SELECT 1 AS finished FROM f`,
    );
    return { done: true, waiting: false, status: failed ? "failed" : "succeeded" };
  }
  return { done: false, waiting: !acted, status: "running" };
}

function loadItems(ctx: TenantContext, e: EvaluationRow): Promise<EvaluationItemRow[]> {
  return db(ctx).evaluationItem.findMany({ where: { evaluationId: e.id, workspaceId: ctx.workspaceId }, orderBy: { position: "asc" } });
}

interface FinishedRun {
  id: string;
  input: string;
  output: string;
  durationMs: number | null;
}

/** Each judge's verdict on the run's output (the ones stored already are reused), then the item's consensus. */
async function scoreItem(ctx: TenantContext, e: EvaluationRow, item: EvaluationItemRow, run: FinishedRun, fence: Sql): Promise<void> {
  const reference = (await db(ctx).datasetItem.findFirst({ where: { id: item.datasetItemId, workspaceId: ctx.workspaceId }, select: { reference: true } }))
    ?.reference;
  const overall: number[] = [];
  for (const pinned of e.judges as unknown as PinnedJudge[]) {
    const stepId = evalStepId(e.id, pinned.slug);
    const stored = await db(ctx).judgeVerdict.findFirst({ where: { runId: run.id, stepId, workspaceId: ctx.workspaceId }, select: { overall: true } });
    if (stored) {
      overall.push(stored.overall);
      continue;
    }
    const judge = await getJudgeVersion(ctx, pinned.id, pinned.version);
    overall.push(await judgeOnce(ctx, e, judge, run, reference ?? null, stepId, fence));
  }
  const c = consensusOf(overall, e);
  const cost = (await costOfRuns(ctx, [run.id])).get(run.id) ?? 0;
  await updateItem(
    ctx,
    e,
    item.id,
    sql`"status" = 'scored', "score" = ${c.score}, "verdict" = ${c.verdict}, "latencyMs" = ${run.durationMs}, "costUsd" = ${sql.numeric(cost)}`,
    fence,
  );
}

async function judgeOnce(
  ctx: TenantContext,
  e: EvaluationRow,
  judge: JudgeVersionOut,
  run: FinishedRun,
  reference: string | null,
  stepId: string,
  fence: Sql,
): Promise<number> {
  const schema = judgeAnswerSchemaFor(judge.rubric);
  const res = await generate(ctx, {
    policy: judge.modelPolicy,
    system: judgeSystemOf(judge),
    prompt: judgeUserPromptOf(run.input, run.output, reference ?? judge.referenceAnswer, { iteration: 1, of: 1 }),
    output: { schema },
    maxOutputTokens: judge.maxOutputTokens,
    temperature: 0,
    runId: run.id,
    stepId,
  });
  const answer = schema.safeParse(res.object);
  if (!answer.success) throw new AppError("UPSTREAM_ERROR", `Judge ${judge.slug} answered no readable verdict`, undefined, { retryable: true });
  const scores = criterionScores(judge.rubric, answer.data.scores);
  const overall = overallScore(judge.rubric, scores);
  await execute(
    ctx,
    sql`INSERT INTO "JudgeVerdict" ("id", "workspaceId", "runId", "stepId", "iteration", "judgeId", "judgeSlug", "judgeVersion", "modelRef", "modelName",
        "scores", "overall", "verdict", "rationale", "issues", "sameModel", "costUsd")
      SELECT ${newId("jvd")}, ${ctx.workspaceId}, ${run.id}, ${stepId}, 1, ${judge.judgeId}, ${judge.slug}, ${judge.version}, ${res.model.id}, ${res.model.modelId},
        ${sql.json(scores)}, ${overall}, ${answer.data.verdict}, ${sql.text(answer.data.rationale.slice(0, 4_000))},
        ${sql.array(
          answer.data.issues.slice(0, 20).map((i) => i.slice(0, 1_000)),
          "text",
        )}, false, ${sql.numeric(res.costUsd)}
      WHERE EXISTS (SELECT 1 FROM "Evaluation" v WHERE v.id = ${e.id} AND v."status" = 'running' AND ${fence})
      ON CONFLICT ("runId", "stepId") DO NOTHING`,
  );
  return overall;
}
