/**
 * The built-in tool run_agent: an agent of a run starts an agent or a team of the same workspace as a sub-run, and
 * gets its answer as the call's result. The call is a durable wait, like a call waiting for approval
 * (server/tools/approval-wait.ts), so no process holds the parent while the child runs:
 *
 * 1. The first attempt of the tool step starts the child (`startRun` of server/runs, passed in through
 *    `registerSubRunStarter`: runs/ sits beside jobs/ and calls into it, never the other way): the parent's creator,
 *    `parentRunId` / `parentStepId` / `depth` set, its budget the parent's remaining budget. The child is unique on
 *    (parentRunId, parentStepId): a replayed step finds its child and never starts a second one.
 * 2. It throws a wait (an AppError with `retryAt`, `waitingFor` "a sub-run", `wakeEvent` `subrun:<childId>`): the
 *    step is stored waiting and the run parks.
 * 3. The child's end wakes the parent: in the database, a trigger on the child's Run row moves the parked parent's
 *    wake-up time to now (migration 20261212_500_sub_runs; a parent still parking is woken by the executor's park
 *    statement); the engine also nudges its executor (./executor.ts), or sends the wake event under Inngest
 *    (./inngest.ts `wakeParentOf`).
 * 4. The step runs again and reads the child: its output (succeeded), or why it failed or was cancelled.
 *
 * Refusals the agent can act on (an unknown or archived target, both or neither of agent and team, the depth limit, no
 * budget left, a task the run start refuses) are the call's result with `isError`, not failures of the step.
 */
import { AppError, isAppError } from "@/lib/errors";
import { MAX_RUN_DEPTH, startRunInputSchema, type RunStatus, type StartRunInput } from "@/lib/schemas/runs";
import { SUB_RUN_WAIT_MS } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import { cachedBudget, cachedRunSpend } from "@/server/ledger/budget-cache";
import { logger } from "@/server/logger";
import { admitToolCall } from "@/server/tools/rate-window";
import type { ToolExecutor, ToolOutcome } from "@/server/tools/types";

export const SUB_RUN_WAITING_FOR = "a sub-run";
/** The wake key of a sub-run's wait: under Inngest the wait is a waitForEvent on it (server/jobs/inngest.ts WAKE_EVENT). */
export const subRunWakeKey = (childRunId: string) => `subrun:${childRunId}`;

/** The smallest run budget a run may be started with (lib/schemas/runs.ts startRunInputSchema). */
const MIN_BUDGET_USD = 0.0001;

export interface SubRunParent {
  runId: string;
  /** the parent's tool step */
  stepId: string;
  /** the child's depth (the parent's + 1) */
  depth: number;
  /** the parent's subject: the child serves the same one */
  subject?: string | null;
  /** the parent's task tags: the child routes on the same */
  tags?: string[];
}

/** What the run engine needs from server/runs to start and cancel a sub-run. */
export interface SubRunStarter {
  start(ctx: TenantContext, input: StartRunInput, parent: SubRunParent): Promise<{ id: string }>;
  cancel(ctx: TenantContext, runId: string): Promise<void>;
}

const registry = globalThis as unknown as { cadreSubRunStarter?: SubRunStarter };

/** server/runs/service.ts registers startRun and cancelRun here (every process that runs runs loads it). */
export function registerSubRunStarter(starter: SubRunStarter): void {
  registry.cadreSubRunStarter = starter;
}

function starter(): SubRunStarter {
  const s = registry.cadreSubRunStarter;
  if (!s) throw new AppError("INTERNAL", "Sub-runs are not available in this process (server/runs/service.ts was not loaded)");
  return s;
}

/** A sub-run's figures, kept with the call's record (the trace shows them on the tool step). */
export interface SubRunFigures {
  runId: string;
  status: RunStatus;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
}

type ChildRow = {
  id: string;
  status: RunStatus;
  output: unknown;
  error: string | null;
  inputTokens: number;
  outputTokens: number;
  costUsd: string;
  createdAt: Date | string;
};

async function childOf(ctx: TenantContext, runId: string, stepId: string): Promise<ChildRow | null> {
  const { rows } = await execute<ChildRow>(
    ctx,
    sql`SELECT id, status::text AS status, output, error, "inputTokens", "outputTokens", "costUsd"::text AS "costUsd", "createdAt"
      FROM "Run" WHERE "workspaceId" = ${ctx.workspaceId} AND "parentRunId" = ${runId} AND "parentStepId" = ${stepId}`,
  );
  return rows[0] ?? null;
}

/**
 * The budget a sub-run gets: what is left of the parent's (its own budget, else the workspace's per-run limit), its
 * spend including its earlier sub-runs; undefined when neither limits the parent.
 */
async function remainingBudget(ctx: TenantContext, runId: string, own: string | null): Promise<number | undefined> {
  const limit = own !== null ? Number(own) : (await cachedBudget(ctx.workspaceId))?.perRunLimitUsd?.toNumber();
  if (limit === undefined || limit === null || !Number.isFinite(limit)) return undefined;
  const spent = (await cachedRunSpend(ctx, runId)).toNumber();
  return Math.floor((limit - spent) * 10_000) / 10_000;
}

const refusal = (output: string): ToolOutcome => ({ output, isError: true });

/** Errors of the run start the agent can act on (another target, a shorter task): the call's result. */
function startRefusal(error: unknown): string | null {
  if (!isAppError(error)) return null;
  const codes = ["NOT_FOUND", "CONFLICT", "VALIDATION_FAILED", "BAD_REQUEST", "RUN_INFEASIBLE", "NO_FEASIBLE_MODEL", "BUDGET_EXCEEDED", "FORBIDDEN"];
  return codes.includes(error.code) ? error.message : null;
}

function textOf(output: unknown): string {
  if (output && typeof output === "object" && typeof (output as { text?: unknown }).text === "string") return (output as { text: string }).text;
  return "";
}

const timeOf = (at: Date | string) => (at instanceof Date ? at.getTime() : Date.parse(at.endsWith("Z") ? at : `${at}Z`));

/** run_agent's executor for the calls of run `runId` (the agent step's loop passes it to callTool). */
export function runAgentExecutor(runId: string): ToolExecutor {
  const executor: ToolExecutor = async (input, call) => {
    const { ctx } = call;
    let child = await childOf(ctx, runId, call.stepId);
    if (!child) {
      // counted once, when the call starts its child: the step runs again after the wait, and that is the same call
      await admitToolCall(ctx, call.tool, call.agentId);
      const args = (input && typeof input === "object" ? input : {}) as { agent?: unknown; team?: unknown; input?: unknown };
      const ref = (v: unknown) => (typeof v === "string" && v.trim() ? v.trim() : undefined);
      const agent = ref(args.agent);
      const team = ref(args.team);
      if (!agent === !team) return refusal("Name exactly one of agent or team (the slug of an agent or team of this workspace).");
      const { rows } = await execute<{ depth: number; budgetUsd: string | null; subject: string | null; tags: string[] }>(
        ctx,
        sql`SELECT depth, "budgetUsd"::text AS "budgetUsd", subject, tags FROM "Run" WHERE id = ${runId} AND "workspaceId" = ${ctx.workspaceId}`,
      );
      const parent = rows[0];
      if (!parent) throw new AppError("NOT_FOUND", "Run not found");
      if (parent.depth >= MAX_RUN_DEPTH) {
        return refusal(`Sub-runs nest at most ${MAX_RUN_DEPTH} deep: this run is at depth ${parent.depth} and cannot start another run.`);
      }
      const budgetUsd = await remainingBudget(ctx, runId, parent.budgetUsd);
      if (budgetUsd !== undefined && budgetUsd < MIN_BUDGET_USD) return refusal("This run has no budget left for a sub-run.");
      const parsed = startRunInputSchema.safeParse({ ...(agent ? { agent } : { team }), input: args.input, ...(budgetUsd !== undefined ? { budgetUsd } : {}) });
      if (!parsed.success) return refusal(`The sub-run could not start: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
      try {
        await starter().start(ctx, parsed.data, { runId, stepId: call.stepId, depth: parent.depth + 1, subject: parent.subject, tags: parent.tags });
      } catch (error) {
        const message = startRefusal(error);
        if (message === null) throw error;
        return refusal(`The sub-run could not start: ${message}`);
      }
      child = await childOf(ctx, runId, call.stepId);
      if (!child) throw new AppError("INTERNAL", "The sub-run was started but could not be read");
    }
    const figures: SubRunFigures = {
      runId: child.id,
      status: child.status,
      inputTokens: child.inputTokens,
      outputTokens: child.outputTokens,
      costUsd: Number(child.costUsd),
    };
    if (child.status === "succeeded") return { output: textOf(child.output), meta: { subRun: figures } };
    if (child.status === "failed")
      return { output: `The sub-run ${child.id} failed: ${child.error ?? "no reason given"}`, isError: true, meta: { subRun: figures } };
    if (child.status === "cancelled") {
      return { output: `The sub-run ${child.id} was cancelled${child.error ? `: ${child.error}` : "."}`, isError: true, meta: { subRun: figures } };
    }
    const until = timeOf(child.createdAt) + SUB_RUN_WAIT_MS;
    if (until <= Date.now()) {
      await starter()
        .cancel(ctx, child.id)
        .catch((error: unknown) => logger.warn({ runId: child.id, error: (error as Error).message }, "could not cancel a sub-run that ran too long"));
      return {
        output: `The sub-run ${child.id} did not finish within ${SUB_RUN_WAIT_MS / 3_600_000} h: it was cancelled.`,
        isError: true,
        meta: { subRun: figures },
      };
    }
    throw new AppError(
      "CONFLICT",
      `The call of run_agent waits for its sub-run ${child.id}`,
      { subRunId: child.id },
      { retryAt: until, waitingFor: SUB_RUN_WAITING_FOR, wakeEvent: subRunWakeKey(child.id) },
    );
  };
  executor.admitsItself = true;
  return executor;
}

/** The parent of a run that just ended (null: not a sub-run), for the engine to wake it (./executor.ts, ./inngest.ts). */
export async function parentRunOf(run: { runId: string; workspaceId: string }): Promise<string | null> {
  const { rows } = await execute<{ parentRunId: string | null }>(run, sql`SELECT "parentRunId" FROM "Run" WHERE id = ${run.runId}`);
  return rows[0]?.parentRunId ?? null;
}
