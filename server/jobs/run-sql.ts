/**
 * The run function's statements (server/jobs/run-function.ts): the creator's context, a succeeded agent step with its
 * events and running totals, and the run's finish. Each builds one statement; the caller runs or queues it.
 */
import { newId } from "@/lib/ids";
import type { StepKind } from "@/lib/schemas/runs";
import type { ContextNote } from "@/server/topologies/context-budget";
import type { RunOutcome } from "@/lib/schemas/run-outcome";
import type { TopologyResult } from "@/server/topologies";
import type { AgentVersionOut } from "@/server/agents/service";
import { sql, type Sql } from "@/server/db/sql";
import { accessEndedSql } from "./run-access";
import { EVENT_OUTPUT_MAX } from "./events";

/** The columns of `creatorContextSql`. */
export type CreatorColumns = {
  ctxWorkspaceSlug: string | null;
  ctxKeyId: string | null;
  ctxKeyName: string | null;
  ctxKeyUserId: string | null;
  ctxUserId: string | null;
  ctxEmail: string | null;
  ctxRole: string | null;
  /** why the creator can no longer act (server/jobs/run-access.ts), or null */
  ctxAccessEnded: string | null;
};

/**
 * Columns and joins that resolve, for the run rows of `alias` (its "workspaceId", "createdByType", "createdById"),
 * what the creator's context needs: the workspace's slug, the creator (its API key, or the user), the creator's
 * membership and whether their access ended. Used by runTenantContext and by the executor's claim (the context comes
 * with the claimed row).
 */
export function creatorContextSql(alias: string): { columns: Sql; joins: Sql } {
  const a = sql.ident(alias);
  return {
    columns: sql`cw.slug AS "ctxWorkspaceSlug", ck.id AS "ctxKeyId", ck.name AS "ctxKeyName", ck."createdById" AS "ctxKeyUserId",
      cu.id AS "ctxUserId", cu.email AS "ctxEmail", cm.role::text AS "ctxRole", ${accessEndedSql(alias)} AS "ctxAccessEnded"`,
    joins: sql`LEFT JOIN "Workspace" cw ON cw.id = ${a}."workspaceId"
      LEFT JOIN "ApiKey" ck ON ${a}."createdByType" = 'api_key' AND ck.id = ${a}."createdById" AND ck."workspaceId" = ${a}."workspaceId"
      LEFT JOIN "User" cu ON ${a}."createdByType" <> 'api_key' AND cu.id = ${a}."createdById"
      LEFT JOIN "Membership" cm ON cm."workspaceId" = ${a}."workspaceId" AND cm."userId" = COALESCE(ck."createdById", cu.id)`,
  };
}

/**
 * An agent step's stored result (RunStep.result, replayed instead of calling the model again): the answer, and what
 * the model calls said about it: `finishReason` of the call whose answer was kept, `finishReasons` of every call when
 * there were two (a cut answer retried with more room), `answerProblem` when the answer is not the JSON asked for
 * (the topology validates and repairs it), `context` when the other agents' outputs were cut, left out or summarised
 * to fit the step's context budget.
 */
export interface StepResult {
  text: string;
  object?: unknown;
  finishReason?: string;
  finishReasons?: string[];
  answerProblem?: { code: string; problems?: string[] };
  /** what fitting the other agents' outputs into the step's context budget left out (absent: nothing) */
  context?: ContextNote;
  /**
   * the step's diversity group (AgentCall.spreadGroup, after its runtime's step prefix): a resumed run reads the
   * models of the group's stored steps (RunStep.modelRef) by it, so its remaining participants still spread
   */
  spread?: string;
  /** an agent step with tools (./tool-loop.ts): its model turns and tool calls */
  tools?: { turns: number; calls: number };
  /** the memories injected into its prompt (ids; its `~memory` step records them in full) */
  memories?: string[];
  /** the catalog model whose answer was kept (RunStep.modelRef) */
  model?: string;
}

export interface AgentStepRecord {
  kind: StepKind;
  nodeId: string;
  agent: AgentVersionOut;
  inputSeen: string;
  output: string;
  modelRef: string;
  modelName: string;
  modelLabel: string;
  routeReason: string;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  latencyMs: number;
}

const int = (n: number) => (Number.isFinite(n) && n > 0 ? Math.round(n) : 0);

/**
 * The step's details and result (succeeded), node.finished and run.progress, and the run's running totals, in one
 * statement, fenced to the attempt that produced them (stepAttemptWhere). Tokens and cost come from the ledger
 * (./run-cost.ts): the step's are its share (every call it made, earlier attempts included), the run's its totals so
 * far; `r`'s own figures are the kept calls', used only when the ledger has no row (a caller that records no usage).
 * It returns a row exactly when the step's record was written: the step engine reads no row as "another execution
 * moved the step on" (step.ts, `fenced`), and the events alone must not say so (they are skipped after a terminal
 * event, e.g. when a run is taken up again after it was finished).
 */
export function recordAgentStepSql(runId: string, stepId: string, attempt: number, result: StepResult, r: AgentStepRecord): Sql {
  const finished = {
    nodeId: r.nodeId,
    stepId,
    agent: r.agent.slug,
    output: r.output.slice(0, EVENT_OUTPUT_MAX),
    model: r.modelLabel,
    latencyMs: r.latencyMs,
  };
  const args: AgentStepArgs = {
    step: stepId,
    attempt: int(attempt),
    kind: r.kind,
    node: r.nodeId,
    agentId: r.agent.agentId,
    agentVersion: r.agent.version,
    modelRef: r.modelRef,
    modelName: r.modelName,
    routeReason: clip(r.routeReason, 4000),
    inputSeen: clip(r.inputSeen),
    output: clip(r.output),
    in: int(r.inputTokens),
    out: int(r.outputTokens),
    cost: (Number.isFinite(r.costUsd) ? r.costUsd : 0).toFixed(10), // as sql.numeric writes it
    latency: int(r.latencyMs),
    result,
    finished,
    finishedId: newEventId(),
    progressId: newEventId(),
    now: new Date(),
  };
  // the statement is the function cadre_record_agent_step (prisma/migrations/20261211_100_step_statement_functions): its plan is kept per connection
  const statement = sql`SELECT recorded FROM cadre_record_agent_step(${runId}, ${stepId}, ${args.attempt}, ${args.kind}, ${args.node}, ${args.agentId}, ${args.agentVersion},
    ${args.modelRef}, ${args.modelName}, ${sql.text(args.routeReason)}, ${sql.text(args.inputSeen)}, ${sql.text(args.output)},
    ${args.in}, ${args.out}, ${sql.numeric(r.costUsd)}, ${args.latency}, ${sql.json(result)}, ${sql.json(finished)},
    ${args.finishedId}, ${args.progressId}, ${args.now})`;
  agentStepRecords.set(statement, { runId, args });
  return statement;
}

/** What `recordAgentStepSql` passed to its function: kept per statement, so that the run writer can merge records. */
interface AgentStepArgs {
  step: string;
  attempt: number;
  kind: string;
  node: string;
  agentId: string;
  agentVersion: number;
  modelRef: string;
  modelName: string;
  routeReason: string;
  inputSeen: string;
  output: string;
  in: number;
  out: number;
  /** decimal text */
  cost: string;
  latency: number;
  result: StepResult;
  finished: Record<string, unknown>;
  finishedId: string;
  progressId: string;
  now: Date;
}

const agentStepRecords = new WeakMap<Sql, { runId: string; args: AgentStepArgs }>();

/** A text parameter as `sql.text` stores it (NUL is dropped by the JSON encoding of `sql.json` as by `sql.text`). */
function clip(value: string, max = 1_000_000): string {
  return value.length > max ? value.slice(0, max) : value;
}

/**
 * Merges each run of two or more adjacent step records (of one run, distinct steps) among `statements` into one call
 * of cadre_record_agent_steps (prisma/migrations/20261222_100_record_agent_steps), which writes what the records one
 * by one would, in one UPDATE of the steps, one of the run and one INSERT of the events. `spread` turns the merged
 * statements' results back into one result per statement given: a record's rows are `[{ recorded: 1 }]` when it was
 * written, none when not, as `cadre_record_agent_step` returns them.
 */
export function mergeAgentStepRecords<R extends { rows: Record<string, unknown>[]; rowCount: number }>(
  statements: readonly Sql[],
): { statements: Sql[]; spread(results: R[]): R[] } {
  const groups: { from: number; to: number }[] = [];
  for (let i = 0; i < statements.length; ) {
    const first = agentStepRecords.get(statements[i]!);
    let j = i + 1;
    if (first) {
      const steps = new Set([first.args.step]);
      for (; j < statements.length; j++) {
        const next = agentStepRecords.get(statements[j]!);
        if (!next || next.runId !== first.runId || steps.has(next.args.step)) break;
        steps.add(next.args.step);
      }
    }
    groups.push({ from: i, to: j });
    i = j;
  }
  if (groups.length === statements.length) return { statements: [...statements], spread: (results) => results };
  const merged = groups.map(({ from, to }) => {
    if (to - from === 1) return statements[from]!;
    const records = statements.slice(from, to).map((s) => agentStepRecords.get(s)!);
    return sql`SELECT step_id FROM cadre_record_agent_steps(${records[0]!.runId}, ${sql.json(records.map((r) => r.args))})`;
  });
  return {
    statements: merged,
    spread: (results) =>
      groups.flatMap(({ from, to }, g) => {
        const result = results[g]!;
        if (to - from === 1) return [result];
        const recorded = new Set(result.rows.map((row) => String(row.step_id)));
        return statements.slice(from, to).map((s) => {
          const rows = recorded.has(agentStepRecords.get(s)!.args.step) ? [{ recorded: 1 }] : [];
          return { ...result, rows, rowCount: rows.length };
        });
      }),
  };
}

const newEventId = () => newId("evt");

export interface Finish {
  status: "succeeded" | "failed" | "cancelled";
  output?: TopologyResult;
  error?: string;
  stepId?: string;
  /** the team topology's outcome (stored on the run and sent with the terminal event) */
  outcome?: RunOutcome | null;
  /** a failure's code in the run.failed event (OUTCOME_NOT_MET) */
  code?: string;
  /**
   * A session's run: the reply the session keeps when it differs from the output (the PII policy's "sessions" path);
   * the trigger that appends the reply reads it (prisma/migrations/20261216_400_pii_paths)
   */
  sessionReply?: string;
}

/**
 * finishRun's statement (the run engine queues it behind the run's last writes: one commit for both). Only a queued
 * or running run changes; its times come from the database's clock when the statement runs. One row when it finished
 * the run (its terminal event may still be skipped: nothing follows one already written), none when it did not (the
 * run had ended, or the lease fence refused a superseded execution's finish). `parkedBefore`: only a run that waits
 * parked with its cancel requested, as of that time (cancelParkedRun). The statement is the function
 * cadre_finish_run (prisma/migrations/20261222_200_finish_run_function): its plan is kept per connection. The totals
 * are the ledger's (./run-cost.ts), each step's share written back; a run without a single usage row (a caller that
 * records none) sums its steps (tool steps aside: a run_agent step shows its sub-run's figures); plus its sub-runs'.
 */
export function finishRunSql(runId: string, f: Finish, parkedBefore?: Date): Sql {
  const event =
    f.status === "succeeded"
      ? { type: "run.succeeded", data: { output: f.output?.output ?? "", ...outcomeData(f) } }
      : f.status === "failed"
        ? { type: "run.failed", data: { error: f.error ?? "The run failed", ...(f.stepId ? { stepId: f.stepId } : {}), ...outcomeData(f) } }
        : { type: "run.cancelled", data: {} };
  const output = f.output
    ? {
        text: f.output.output,
        ...(f.output.attributed ? { attributed: f.output.attributed } : {}),
        ...(f.sessionReply !== undefined ? { sessionReply: f.sessionReply } : {}),
      }
    : null;
  // a cancel for a reason (its creator's access ended) says why, in the event and the run's error (the function reads it)
  return sql`SELECT finished FROM cadre_finish_run(${runId}, ${f.status}, ${output ? sql.json(output) : sql`NULL::jsonb`}, ${sql.text(f.error ?? null, 8000)}::text,
    ${f.outcome ? sql.json(f.outcome) : sql`NULL::jsonb`}, ${newEventId()}, ${event.type}, ${sql.json(event.data)}, ${parkedBefore ?? null}::timestamp(3))`;
}

/** The outcome (and a failure's code) as the terminal event carries them. */
function outcomeData(f: Finish): Record<string, unknown> {
  return { ...(f.code ? { code: f.code } : {}), ...(f.outcome !== undefined ? { outcome: f.outcome } : {}) };
}
