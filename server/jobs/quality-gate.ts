/**
 * A run's quality gate (lib/schemas/judges.ts; the judges in server/quality/judges/): after the producer's output,
 * each pinned judge scores it in a durable step of its own, the consensus of their scores decides.
 *
 * - Judge steps: step id `gate.i{iteration}.{judge slug}`, kind "judge". The call goes through the gateway with the
 *   run's id (its usage rows are the run's ledger, its cost the run's) and structured output; the producer's model is
 *   avoided (ranked last) and the verdict flagged `sameModel` when the judge ran on it anyway. The step's record
 *   writes the JudgeVerdict row in the same statement; a replay reuses the stored verdict without calling the judge.
 * - Consensus per iteration (./consensus): a JudgeConsensus row and a `gate.decided` event, written once.
 * - pass: the output stands. revise: the producer tries again (step `agent.r{n}`) with its previous version and the
 *   judges' issues, up to the gate's maxRevisions. fail (or revise with no revisions left): onFail "fail" fails the
 *   run QUALITY_GATE_FAILED keeping the output; "review" waits durably for a person's approval (the tools' approval
 *   wait: a ToolApproval row named "quality_gate", step `gate.i{n}.review`): approve accepts the output, deny fails.
 */
import { AppError } from "@/lib/errors";
import { APPROVAL_TTL_MS } from "@/lib/schemas/tools";
import { judgeAnswerSchemaFor } from "@/lib/schemas/judges";
import type { PinnedGate } from "@/lib/schemas/quality-gate";
import type { TenantContext } from "@/server/context";
import { sql } from "@/server/db/sql";
import { newId } from "@/lib/ids";
import type { generate as gatewayGenerate } from "@/server/models/gateway";
import { getJudgeVersion, type JudgeVersionOut } from "@/server/quality/judges/service";
import { consensusOf, criterionScores, overallScore, type Consensus } from "@/server/quality/judges/consensus";
import { judgeSystemOf, judgeUserPromptOf } from "@/server/quality/judges/prompt";
import { awaitApproval } from "@/server/tools/approval-wait";
import type { AgentResult, ContextItem } from "@/server/topologies/types";
import { appendRunEventsSql, EVENT_OUTPUT_MAX } from "./events";
import { recordEmbedStepSql } from "./embed-step";
import { runAbortSignal } from "./cancel-signal";
import { asJson, isControlError, RunCancelledError, type StepApi } from "./step";

export const QUALITY_GATE_FAILED = "QUALITY_GATE_FAILED";
/** The ToolApproval.toolName of a gate's review (shown in the approvals inbox). */
export const GATE_REVIEW_TOOL = "quality_gate";

/** What a judge step stores (RunStep.result) and the JudgeVerdict row holds. */
export interface StoredVerdict {
  judgeId: string;
  judgeSlug: string;
  judgeVersion: number;
  modelRef: string;
  modelName: string;
  scores: Record<string, number>;
  overall: number;
  verdict: "pass" | "revise" | "fail";
  rationale: string;
  issues: string[];
  sameModel: boolean;
  costUsd: number;
}

export class QualityGateFailedError extends AppError {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super("QUALITY_GATE_FAILED", message);
    this.name = "QualityGateFailedError";
  }
}

export interface GateRuntime {
  ctx: TenantContext;
  run: { id: string; workspaceId: string; input: string };
  step: StepApi;
  generate: typeof gatewayGenerate;
  runBudgetUsd: number | undefined;
  /** the run's model call cap: before each judge call, and each call counted */
  assertCall: (at: { stepId: string; nodeId: string }) => void;
  countCall: () => void;
  /**
   * Where the gate stands: absent for the run's own output (steps `gate.i{n}.{judge}`); inside a team run, an
   * agent's gate on its node: `scope` is the node's step id (the consensus row's scope; its judge steps are
   * `{scope}.gate.i{n}.{judge}`), `nodeId` the node's id (the judges' node ids are `{nodeId}/judge:{slug}`).
   */
  at?: { scope: string; nodeId: string };
  /** the task the judged output answers (default: the run's input; a node's own task for an agent's gate in a team) */
  task?: string;
}

export interface Producer {
  /** who the review names (a team's gate: its first agent) */
  agentId: string;
  agentSlug: string;
  /** the producer's next version: asked with its previous output and the judges' issues */
  revise(iteration: number, task: string, context: ContextItem[]): Promise<AgentResult>;
}

/** The judges of a pinned gate at their pinned versions. */
export function pinnedJudges(ctx: TenantContext, gate: PinnedGate): Promise<JudgeVersionOut[]> {
  return Promise.all(gate.judges.map((j) => getJudgeVersion(ctx, j.id, j.version)));
}

/** Runs the gate on `first` (see the module comment); resolves with the accepted output. */
export async function runQualityGate(g: GateRuntime, gate: PinnedGate, judges: JudgeVersionOut[], producer: Producer, first: AgentResult): Promise<string> {
  let current = first;
  for (let iteration = 1; ; iteration++) {
    const verdicts: StoredVerdict[] = [];
    // one judge after another: the order of their steps (and of a scripted stub's answers) is stable
    for (const judge of judges) verdicts.push(await judgeStep(g, judge, iteration, gate.maxRevisions + 1, current));
    const consensus = consensusOf(
      verdicts.map((v) => v.overall),
      gate,
    );
    await recordConsensus(g, iteration, consensus);
    if (consensus.verdict === "pass") return current.text;
    if (consensus.verdict === "revise" && iteration <= gate.maxRevisions) {
      current = await producer.revise(iteration + 1, revisionTask(g.task ?? g.run.input), revisionContext(current.text, verdicts));
      continue;
    }
    const why = `Quality gate: ${consensus.verdict === "fail" ? "fail" : `still "revise" after ${gate.maxRevisions} revisions`} (score ${consensus.score} against pass ${gate.passThreshold}, fail below ${gate.failThreshold}; iteration ${iteration})`;
    const issues = verdicts.flatMap((v) => v.issues.map((i) => `${v.judgeSlug}: ${i}`));
    const message = `${why}${issues.length ? `: ${issues.slice(0, 5).join("; ")}` : ""}`;
    if (gate.onFail === "review" && (await reviewStep(g, producer, iteration, consensus, message)) === "approved") return current.text;
    throw new QualityGateFailedError(gate.onFail === "review" ? `${message} (rejected on review)` : message, current.text);
  }
}

export function revisionTask(task: string): string {
  return `${task}\n\nJudges reviewed your previous version (in the context) and asked for a revision: produce a revised version that fixes every issue they list.`;
}

export function revisionContext(previous: string, verdicts: StoredVerdict[]): ContextItem[] {
  return [
    { from: "your previous version", output: previous },
    ...verdicts
      .filter((v) => v.issues.length > 0 || v.verdict !== "pass")
      .map((v) => ({ from: `judge ${v.judgeSlug} (${v.verdict})`, output: [v.rationale, ...v.issues.map((i) => `- ${i}`)].filter(Boolean).join("\n") })),
  ];
}

/** One judge's durable step (see the module comment). */
async function judgeStep(g: GateRuntime, judge: JudgeVersionOut, iteration: number, iterations: number, produced: AgentResult): Promise<StoredVerdict> {
  const { ctx, run, step } = g;
  const stepId = `${g.at ? `${g.at.scope}.` : ""}gate.i${iteration}.${judge.slug}`;
  const nodeId = g.at ? `${g.at.nodeId}/judge:${judge.slug}` : `judge:${judge.slug}`;
  return step.run<StoredVerdict>(
    stepId,
    async (info) => {
      const system = judgeSystemOf(judge);
      const prompt = judgeUserPromptOf(g.task ?? run.input, produced.text, judge.referenceAnswer, { iteration, of: iterations });
      const schema = judgeAnswerSchemaFor(judge.rubric);
      const abortSignal = runAbortSignal(run.id);
      try {
        g.assertCall({ stepId, nodeId });
        const res = await g.generate(ctx, {
          policy: judge.modelPolicy,
          system,
          prompt,
          output: { schema },
          maxOutputTokens: judge.maxOutputTokens,
          temperature: 0,
          runId: run.id,
          stepId,
          runBudgetUsd: g.runBudgetUsd,
          abortSignal,
          writeUsage: (statement) => {
            g.countCall();
            return step.send(statement);
          },
          ...(produced.model ? { avoidModels: new Set([produced.model]) } : {}),
        });
        const answer = schema.safeParse(res.object);
        if (!answer.success) throw new AppError("UPSTREAM_ERROR", `Judge ${judge.slug} answered no readable verdict`, undefined, { retryable: true });
        const scores = criterionScores(judge.rubric, answer.data.scores);
        const stored: StoredVerdict = asJson({
          judgeId: judge.judgeId,
          judgeSlug: judge.slug,
          judgeVersion: judge.version,
          modelRef: res.model.id,
          modelName: res.model.modelId,
          scores,
          overall: overallScore(judge.rubric, scores),
          verdict: answer.data.verdict,
          rationale: answer.data.rationale.slice(0, 4_000),
          issues: answer.data.issues.slice(0, 20).map((i) => i.slice(0, 1_000)),
          sameModel: produced.model !== undefined && res.model.id === produced.model,
          costUsd: res.costUsd,
        });
        await info.beforeStore();
        await info.store(
          recordEmbedStepSql(
            run.id,
            stepId,
            info.attempt,
            stored,
            {
              kind: "judge",
              nodeId,
              inputSeen: prompt,
              output: `${stored.verdict} (${stored.overall}): ${stored.rationale}`,
              modelRef: res.model.id,
              modelName: res.model.modelId,
              routeReason: stored.sameModel
                ? `${res.decision.explanation} Same model as the output it judges: no other model was feasible.`
                : res.decision.explanation,
              inputTokens: res.usage.inputTokens,
              outputTokens: res.usage.outputTokens,
              costUsd: res.costUsd,
              latencyMs: res.latencyMs,
            },
            insertVerdictSql(run, stepId, iteration, stored),
          ),
        );
        await step.write(
          appendRunEventsSql(run.id, [
            {
              type: "judge.verdict",
              data: {
                nodeId,
                stepId,
                iteration,
                judge: judge.slug,
                judgeVersion: judge.version,
                verdict: stored.verdict,
                overall: stored.overall,
                scores: stored.scores,
                rationale: stored.rationale.slice(0, EVENT_OUTPUT_MAX),
                issues: stored.issues,
                sameModel: stored.sameModel,
                model: res.model.displayName,
              },
            },
          ]),
        );
        return stored;
      } catch (caught) {
        if (abortSignal.aborted && !isControlError(caught)) throw new RunCancelledError();
        throw caught;
      }
    },
    { kind: "judge", nodeId, startEvent: { type: "node.started", data: { nodeId, stepId, judge: judge.slug } } },
  );
}

function insertVerdictSql(run: { id: string; workspaceId: string }, stepId: string, iteration: number, v: StoredVerdict) {
  return sql`INSERT INTO "JudgeVerdict" ("id", "workspaceId", "runId", "stepId", "iteration", "judgeId", "judgeSlug", "judgeVersion", "modelRef", "modelName",
      "scores", "overall", "verdict", "rationale", "issues", "sameModel", "costUsd")
    SELECT ${newId("jvd")}, ${run.workspaceId}, ${run.id}, ${stepId}, ${iteration}, ${v.judgeId}, ${v.judgeSlug}, ${v.judgeVersion}, ${v.modelRef}, ${v.modelName},
      ${sql.json(v.scores)}, ${v.overall}, ${v.verdict}, ${sql.text(v.rationale)}, ${sql.array(v.issues, "text")}, ${v.sameModel}, ${sql.numeric(v.costUsd)}
    WHERE EXISTS (SELECT 1 FROM st)
    ON CONFLICT ("runId", "stepId") DO NOTHING`;
}

/** The iteration's consensus row and its `gate.decided` event, once (a replay finds the row and writes neither again). */
async function recordConsensus(g: GateRuntime, iteration: number, c: Consensus): Promise<void> {
  const { run, step } = g;
  const scope = g.at?.scope ?? "";
  const recorded = sql`EXISTS (SELECT 1 FROM "JudgeConsensus" WHERE "runId" = ${run.id} AND "scope" = ${scope} AND "iteration" = ${iteration})`;
  const data = { nodeId: g.at ? `${g.at.nodeId}/gate` : "gate", ...(scope ? { scope } : {}), iteration, ...c };
  await step.write(appendRunEventsSql(run.id, [{ type: "gate.decided", data }], { where: sql`NOT ${recorded}` }));
  await step.write(
    sql`INSERT INTO "JudgeConsensus" ("id", "workspaceId", "runId", "scope", "iteration", "score", "verdict", "spread", "agreement", "judges")
      VALUES (${newId("jcs")}, ${run.workspaceId}, ${run.id}, ${scope}, ${iteration}, ${c.score}, ${c.verdict}, ${c.spread}, ${c.agreement}, ${c.judges})
      ON CONFLICT ("runId", "scope", "iteration") DO NOTHING`,
  );
}

/** A person's review of a failed gate: the tools' durable approval wait (approved, or denied / expired). */
async function reviewStep(g: GateRuntime, producer: Producer, iteration: number, consensus: Consensus, reason: string): Promise<string> {
  const stepId = `${g.at ? `${g.at.scope}.` : ""}gate.i${iteration}.review`;
  return g.step.run<string>(
    stepId,
    async () => {
      const state = await awaitApproval(g.ctx, {
        runId: g.run.id,
        stepId,
        toolName: GATE_REVIEW_TOOL,
        agentId: producer.agentId,
        agentSlug: producer.agentSlug,
        input: { iteration, consensus },
        reason,
      });
      return state.status;
    },
    { kind: "system", nodeId: g.at ? `${g.at.nodeId}/gate` : "gate", outageWaitMs: APPROVAL_TTL_MS + 10 * 60_000 },
  );
}
