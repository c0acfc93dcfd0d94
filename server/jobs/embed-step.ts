/**
 * An embedding step of a run (TopologyRuntime.embed, used by mesh convergence): ONE memoised step (RunStep kind
 * "embed") that embeds the texts through the gateway (server/models/embed.ts) with the given model policy, the run's
 * budget and cancel signal. Its record (model, route reason, input tokens, cost, latency; the vectors as its result,
 * rounded to 6 decimals) and the run's running cost (the ledger's, ./run-cost.ts) and progress are one statement, so a
 * replay returns the stored vectors without calling the model again, and the cost counts in the run's totals.
 * No node events: the step is not an agent's.
 */
import { isAppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { sql, type Sql } from "@/server/db/sql";
import { embed as gatewayEmbed } from "@/server/models/embed";
import type { TenantContext } from "@/server/context";
import type { EmbedCall, Embedded } from "@/server/topologies";
import { runAbortSignal } from "./cancel-signal";
import { asJson, isControlError, RunCancelledError, type StepApi } from "./step";
import { stepAttemptWhere } from "./step-records";
import { ledgerTotalsSql, runFiguresSql, stepFiguresSql } from "./run-cost";

/** The stored result: the vectors, or (no model the policy allows can embed) null and why. */
export interface EmbedStepResult {
  embeddings: number[][] | null;
  unavailable?: string;
}

export interface EmbedStepContext {
  ctx: TenantContext;
  run: { id: string };
  step: StepApi;
  runBudgetUsd: number | undefined;
  embed?: typeof gatewayEmbed;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

/**
 * Runs the embedding step `call` (its step and node ids already prefixed); the vectors, in the order of the texts. When
 * no model the policy allows can embed (NO_FEASIBLE_MODEL with nothing to wait for: open circuits carry `retryAt` and
 * are waited for like any outage), the step succeeds without a call and says so (`unavailable`).
 */
export async function runEmbedStep(s: EmbedStepContext, call: EmbedCall): Promise<Embedded> {
  const { ctx, run, step } = s;
  const result = await step.run<EmbedStepResult>(
    call.stepId,
    async (info) => {
      const abortSignal = runAbortSignal(run.id);
      try {
        const res = await (s.embed ?? gatewayEmbed)(ctx, {
          policy: call.policy,
          values: call.texts,
          runId: run.id,
          stepId: call.stepId,
          runBudgetUsd: s.runBudgetUsd,
          abortSignal,
          writeUsage: (statement) => step.send(statement),
        });
        const stored: EmbedStepResult = asJson({ embeddings: res.embeddings.map((v) => v.map(round6)) });
        await info.beforeStore();
        await info.store(
          recordEmbedStepSql(run.id, call.stepId, info.attempt, stored, {
            nodeId: call.nodeId,
            inputSeen: `${call.texts.length} text${call.texts.length === 1 ? "" : "s"} embedded${res.simulated ? " (simulated)" : ""}`,
            output: `${res.embeddings.length} vectors of ${res.embeddings[0]?.length ?? 0} dimensions`,
            modelRef: res.model.id,
            modelName: res.model.modelId,
            routeReason: res.decision.explanation,
            inputTokens: res.usage.inputTokens,
            costUsd: res.costUsd,
            latencyMs: res.latencyMs,
          }),
        );
        return stored;
      } catch (caught) {
        // aborted by the run's cancel: the run stops (the step is released, not failed)
        if (abortSignal.aborted && !isControlError(caught)) throw new RunCancelledError();
        if (!isAppError(caught) || caught.code !== "NO_FEASIBLE_MODEL" || caught.retryAt !== undefined) throw caught;
        const stored: EmbedStepResult = { embeddings: null, unavailable: caught.message };
        await info.beforeStore();
        await info.store(
          recordEmbedStepSql(run.id, call.stepId, info.attempt, stored, {
            nodeId: call.nodeId,
            inputSeen: `${call.texts.length} text${call.texts.length === 1 ? "" : "s"} to embed`,
            output: `Not embedded: ${caught.message}`,
            modelRef: null,
            modelName: null,
            routeReason: caught.message,
            inputTokens: 0,
            costUsd: 0,
            latencyMs: 0,
          }),
        );
        return stored;
      }
    },
    { kind: "embed", nodeId: call.nodeId },
  );
  return result.embeddings ? { vectors: result.embeddings } : { vectors: null, unavailable: result.unavailable ?? "No model can embed" };
}

export interface EmbedStepRecord {
  /** RunStep.kind (default embed; a memory step records the same way) */
  kind?: "embed" | "memory" | "summary" | "judge";
  nodeId: string;
  inputSeen: string;
  output: string;
  modelRef: string | null;
  modelName: string | null;
  routeReason: string;
  inputTokens: number;
  /** a memory step that asked a model (extracted facts) */
  outputTokens?: number;
  costUsd: number;
  latencyMs: number;
}

const int = (n: number) => (Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

/**
 * The step's record and result (succeeded), the run's running totals (tokens and cost; not `stepsDone`, which counts
 * agent steps) and a run.progress event, in one statement; a row back exactly when the step's record was written
 * (see recordAgentStepSql). `also`: more data-modifying statements of the same step, written only when the record
 * is (they may read `st`, e.g. `INSERT ... SELECT ... WHERE EXISTS (SELECT 1 FROM st)`).
 */
export function recordEmbedStepSql(runId: string, stepId: string, attempt: number, result: unknown, r: EmbedStepRecord, also?: Sql | Sql[]): Sql {
  const now = new Date();
  const figures = { inputTokens: r.inputTokens, outputTokens: r.outputTokens ?? 0, costUsd: r.costUsd };
  const extra = also === undefined ? [] : Array.isArray(also) ? also : [also];
  return sql`WITH u AS (${ledgerTotalsSql(runId, stepId)}),
     st AS (
       UPDATE "RunStep" SET "kind" = ${r.kind ?? "embed"}, "nodeId" = ${r.nodeId}, "modelRef" = ${r.modelRef}, "modelName" = ${r.modelName},
         "routeReason" = ${sql.text(r.routeReason, 4000)}, "inputSeen" = ${sql.text(r.inputSeen)}, "output" = ${sql.text(r.output)},
         ${stepFiguresSql(figures)}, "latencyMs" = ${int(r.latencyMs)},
         "status" = 'succeeded', "result" = ${sql.json(result)}, "error" = NULL, "finishedAt" = ${now}
       FROM u WHERE ${stepAttemptWhere(runId, stepId, attempt)} RETURNING 1),
     r AS (
       UPDATE "Run" SET ${runFiguresSql(figures)}, "lastEventSeq" = "lastEventSeq" + 1, "updatedAt" = ${now}
       FROM u WHERE id = ${runId} AND EXISTS (SELECT 1 FROM st)
       RETURNING "workspaceId", "lastEventSeq", "stepsDone", "stepsExpected", "Run"."costUsd", "Run"."inputTokens", "Run"."outputTokens"),
     ev AS (INSERT INTO "RunEvent" ("id", "workspaceId", "runId", "seq", "type", "data", "createdAt")
     SELECT ${newId("evt")}, r."workspaceId", ${runId}, r."lastEventSeq", 'run.progress',
       jsonb_build_object('stepsDone', r."stepsDone", 'stepsExpected', GREATEST(r."stepsExpected", r."stepsDone"), 'costUsd', r."costUsd"::float8,
         'inputTokens', r."inputTokens", 'outputTokens', r."outputTokens"), ${now} FROM r
     RETURNING seq)${sql.join(
       extra.map(
         (statement, i) => sql`,
     ${sql.ident(`also${i}`)} AS (${statement})`,
       ),
       sql.empty,
     )}
     SELECT 1 AS recorded FROM st`;
}
