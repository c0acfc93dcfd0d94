/**
 * The run's function body, the same for the in-process executor (Postgres steps) and Inngest (its own steps):
 * `executeRun({ runId, workspaceId }, step)`.
 *
 * 1. Loads the run; a finished run is left alone, a run cancelled while queued is marked cancelled.
 * 2. Marks it running (`run.started`, once: a resumed run continues without a second one).
 * 3. Team run: re-loads the exact versions the run pinned and runs the topology (server/topologies) against a
 *    TopologyRuntime whose `callAgent` is ONE memoised step: the pinned agent version, its system prompt (role +
 *    instructions) and a user prompt (task + other agents' outputs, marked as untrusted data), the gateway with the
 *    agent's model policy (or the run's override), the run's budget; the step's RunStep row records agent version,
 *    model and the router's reason, input seen, output, tokens, cost, latency; events node.started /
 *    node.finished (+ run.progress) / node.failed. Agent run: one such step.
 *    Caps (RunCaps): at most the run's pinned step limit of agent steps (the next one fails the run "Step limit
 *    reached") and at most CADRE_RUN_CONCURRENT_STEPS of them in flight (a semaphore; `parallel` no wider).
 * 4. Finishes: output, status, totals (the exact SUM of the run's RunStep rows, in SQL), the topology's outcome and the
 *    terminal event. A step that fails for good fails the run with the step and the reason; the steps done before
 *    stay recorded. A gate not met (maker-checker not approved, no consensus, not converged, not done) under the
 *    team's `onUnmet: "fail"` fails the run OUTCOME_NOT_MET, keeping the outcome and the last draft; a nested team's
 *    node gets a step row (kind "team", ./team-node.ts) with its own outcome and applies its own gate. A final answer
 *    that does not match the team's `outputSchema` fails the run OUTPUT_INVALID (server/topologies/output-check.ts),
 *    keeping the answer and the outcome (a nested team's: at its node). Outcomes come
 *    from the topology's result, so a replay computes them from the stored steps.
 *
 * Code outside steps runs again on every replay, so it only reads, or writes idempotently (run.started once,
 * stepsExpected as a GREATEST of a counter that climbs the same way on every replay).
 */
import { AppError, isAppError } from "@/lib/errors";
import type { ModelPolicy } from "@/lib/schemas/model-policy";
import { modelPolicySchema } from "@/lib/schemas/model-policy";
import { DEFAULT_OUTAGE_WAIT_SECONDS, MAX_OUTPUT_TOKENS } from "@/lib/schemas/agents";
import { runPinsSchema, type RunPins, type RunTargetType, type StepKind } from "@/lib/schemas/runs";
import type { ActorType } from "@/lib/schemas/common";
import { permissionsOf, type Role } from "@/lib/permissions";
import type { TenantContext, Actor } from "@/server/context";
import { db } from "@/server/db/client";
import { logger } from "@/server/logger";
import { generate as gatewayGenerate } from "@/server/models/gateway";
import { embed as gatewayEmbed } from "@/server/models/embed";
import { getAgentVersion, type AgentVersionOut } from "@/server/agents/service";
import { pinnedTeamFromVersions } from "@/server/teams/pinning";
import {
  runTopology,
  TopologyError,
  type AgentCall,
  type AgentResult,
  type EmbedCall,
  type Embedded,
  type TopologyResult,
  type TopologyRuntime,
} from "@/server/topologies";
import type { ContextItem } from "@/server/topologies/types";
import { nodeRefs, type TopologySpec } from "@/lib/schemas/topology";
import { OUTPUT_INVALID, OutputInvalidError } from "@/server/topologies/output-check";
import { compiledPiiPolicy, loadPiiPolicy } from "@/server/quality/pii-policy/service";
import { type CompiledPolicy, redactString } from "@/server/quality/pii/redact";
import { redactingGenerate } from "./pii-redaction";
import { runEmbedStep } from "./embed-step";
import { appendRunEventsSql } from "./events";
import { failsRun, OUTCOME_NOT_MET, OutcomeNotMetError } from "@/server/topologies/outcome";
import type { RunOutcome } from "@/lib/schemas/run-outcome";
import { recordTeamNodeSql, teamNodeEventSql } from "./team-node";
import { StepTextStream } from "./step-text-stream";
import { summarizerSystemOf, summaryTask, systemPromptOf, userPromptOf } from "./prompts";
import { episodicStep, factsStep, recallStep, type MemoryStepContext } from "./memory-step";
import { memoryToolExecutors } from "./memory-tools";
import { sessionHistory } from "./session-history";
import { contextBudgetFor } from "@/server/models/context-budget";
import { fitContext, planSummary, summaryItem, tokensOf, type ContextNote } from "@/server/topologies/context-budget";
import { DEFAULT_CONTEXT_STRATEGY, type ContextBudget } from "@/lib/schemas/context-budget";
import { contextBudgetOfSpec, mergeNotes, MIN_SUMMARY_TOKENS, SUMMARY_STEP_SUFFIX } from "./context-fit";
import { notifyRunEvents } from "./notify";
import { runAbortSignal, forgetRunAbort } from "./cancel-signal";
import { AnswerTruncatedError } from "@/server/models/answer";
import { asJson, RunCancelledError, RunSuspendedError, StepFailedError, isControlError, isRetryable, outageOf, reasonOf, type StepApi } from "./step";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";
import { cancelForEndedAccess, RunAccessEndedError } from "./run-access";
import { creatorContextSql, finishRunSql, recordAgentStepSql, type CreatorColumns, type Finish, type StepResult } from "./run-sql";
import { Semaphore } from "@/lib/semaphore";
import { forgetRunSpend } from "@/server/ledger/budget-cache";
import { releaseRunLease } from "@/server/ledger/reservations";
import { expiredLostCallsOfRun } from "@/server/ledger/calls-in-flight";
import { env } from "@/server/env";
import { TOOL_CALLS_PER_STEP } from "@/lib/schemas/tools";
import { runToolLoop } from "./tool-loop";
import { gateAgentNode, gateTeamOutput } from "./agent-gate";
import { pinnedJudges, QUALITY_GATE_FAILED, QualityGateFailedError, runQualityGate, type GateRuntime } from "./quality-gate";
import type { PinnedGate } from "@/lib/schemas/quality-gate";

export interface RunEventPayload {
  runId: string;
  workspaceId: string;
}

export interface ExecuteDeps {
  /** the model gateway (tests wrap it to count or fail calls) */
  generate: typeof gatewayGenerate;
  /** the gateway's embeddings (default server/models/embed.ts) */
  embed?: typeof gatewayEmbed;
}

export interface ExecuteOptions {
  deps?: Partial<ExecuteDeps>;
  /** the run's row as the executor's claim returned it (else it is read) */
  run?: RunRow;
  /** with `run`: its creator's context, read with the claim (else it is read) */
  ctx?: TenantContext;
}

/** "superseded": the run's finish was refused (another execution took the run over, or the run ended meanwhile). */
export type ExecuteOutcome = "succeeded" | "failed" | "cancelled" | "suspended" | "superseded" | "missing" | "already_finished";

/** Node id of the one node of a single-agent run. */
export const AGENT_RUN_NODE_ID = "agent";
const MAX_NESTING = 8;

// ---------------------------------------------------------------------------------------------------
// Steps

function kindOf(call: AgentCall): StepKind {
  const leaf = call.nodeId.split("/").pop() ?? call.nodeId;
  if (leaf === "agg" || leaf.endsWith(".agg")) return "aggregate";
  if (call.output && /manager$/.test(leaf)) return "plan";
  return "agent";
}

// ---------------------------------------------------------------------------------------------------
// The tenant context a run executes in: its creator's

export interface RunRow {
  id: string;
  workspaceId: string;
  targetType: RunTargetType;
  teamId: string | null;
  teamVersion: number | null;
  agentId: string | null;
  agentVersion: number | null;
  input: string;
  status: string;
  budgetUsd: unknown;
  modelPolicyOverride: unknown;
  /** the pinned versions (RunPins); null for a run written before the column, whose pins are in its run.queued event */
  pins?: unknown;
  createdByType: ActorType;
  createdById: string | null;
  cancelRequestedAt: Date | null;
  stepsExpected: number;
  /** the end user or customer it serves (the subject scope of its agents' memory) */
  subject?: string | null;
  /** its task tags: its agents' model calls route on each model's quality observed for them */
  tags?: readonly string[];
  /** the session whose message it answers (server/sessions): its earlier turns are the agents' working memory */
  sessionId?: string | null;
  /** its ledger rows (the model calls it made so far), when read with the claim */
  ledgerCalls?: number;
  /** the run whose run_agent call started it (a sub-run), when read with the claim: the engine wakes it at the end */
  parentRunId?: string | null;
  /** the workspace's stored PII policy (Workspace.piiPolicy), when read with the claim (absent: read at the start) */
  piiPolicy?: { stored: unknown };
}

/**
 * The creator's context from `creatorContextSql`'s columns. A creator whose access ended (key revoked or expired,
 * creator no longer a member): RunAccessEndedError, and the run is cancelled (it never runs on borrowed powers).
 */
export function creatorContext(run: Pick<RunRow, "id" | "workspaceId" | "createdById">, c: CreatorColumns): TenantContext {
  if (c.ctxWorkspaceSlug === null) throw new AppError("NOT_FOUND", "The run's workspace no longer exists");
  if (c.ctxAccessEnded !== null || c.ctxRole === null)
    throw new RunAccessEndedError(c.ctxAccessEnded ?? "Cancelled: the run's creator can no longer act in the workspace");
  let actor: Actor = { type: "user", userId: run.createdById ?? "unknown", email: "unknown" };
  if (c.ctxKeyId) actor = { type: "api_key", keyId: c.ctxKeyId, userId: c.ctxKeyUserId!, name: c.ctxKeyName! };
  else if (c.ctxUserId) actor = { type: "user", userId: c.ctxUserId, email: c.ctxEmail! };
  const role = c.ctxRole as Role;
  return {
    workspaceId: run.workspaceId,
    workspaceSlug: c.ctxWorkspaceSlug,
    actor,
    role,
    permissions: new Set(permissionsOf(role)),
    requestId: `run:${run.id}`,
  };
}

/** The tenant context a run executes in, its creator's (one statement). */
export async function runTenantContext(run: Pick<RunRow, "id" | "workspaceId" | "createdByType" | "createdById">): Promise<TenantContext> {
  const { columns, joins } = creatorContextSql("r");
  const { rows } = await execute<CreatorColumns>(
    run,
    sql`SELECT ${columns}
     FROM (SELECT ${run.workspaceId}::text AS "workspaceId", ${run.createdByType}::text AS "createdByType", ${run.createdById || null}::text AS "createdById") r
     ${joins}`,
  );
  return creatorContext(run, rows[0]!);
}

/** Pins as stored (the Run column or the run.queued event's data), or null when they do not parse. */
export function parsePins(value: unknown): RunPins | null {
  const parsed = runPinsSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The versions a run pinned: its `pins` column, else (a run written before the column) its run.queued event. */
export async function runPins(run: { runId: string; workspaceId: string }): Promise<RunPins | null> {
  const { rows } = await execute<{ pins: unknown }>(
    run,
    sql`SELECT COALESCE(r."pins", (SELECT e.data->'pins' FROM "RunEvent" e WHERE e."runId" = r.id AND e.type = 'run.queued' ORDER BY e.seq LIMIT 1)) AS pins
     FROM "Run" r WHERE r.id = ${run.runId}`,
  );
  return parsePins(rows[0]?.pins);
}

// ---------------------------------------------------------------------------------------------------
// The TopologyRuntime

interface RuntimeShared {
  ctx: TenantContext;
  run: RunRow;
  step: StepApi;
  deps: ExecuteDeps;
  /** the workspace's PII policy, pinned for the execution (./pii-redaction.ts) */
  pii: CompiledPolicy | null;
  agents: Record<string, AgentVersionOut>;
  teams: Record<string, { teamId: string; version: number; spec: TopologySpec }>;
  policyOverride: ModelPolicy | null;
  runBudgetUsd: number | undefined;
  /** steps expected so far in this execution (climbs the same way on every replay) */
  expected: { value: number };
  /** the run's caps (defence in depth behind the worst-case check at save and start) */
  caps: RunCaps;
  /** each agent's last answer in this execution (replayed steps included): its episodic memory when the run ends */
  answers?: Map<string, string>;
  /** a session's earlier turns (./session-history.ts), before every agent step's other context */
  history?: ContextItem[];
  /** member agents' own gates inside a team run (RunPins.agentGates): the teams whose setting is on, and the gates */
  agentGates?: RunPins["agentGates"];
}

/** Per-execution caps of a run: total steps, model calls, and steps in flight at once. */
export interface RunCaps {
  /** the most steps the run may make (its pinned limit) */
  stepLimit: number;
  /** steps called so far in this execution (replayed ones included: the count climbs the same way every time) */
  steps: number;
  /**
   * the run's model calls so far: its ledger rows when this execution started, plus the calls it made (every
   * provider call of every kind of step: agent, summary, retry of a cut answer, embedding, the gateway's fallbacks)
   */
  calls: number;
  /** a permit per step in flight */
  slots: Semaphore;
  /** set by the first step that failed for good: steps still waiting for a permit do not start */
  halted: { error: unknown } | null;
  /** the run's tool calls so far in this execution (./tool-loop.ts; replayed ones included) */
  toolCalls: { value: number };
  /** model calls per step of the step limit: MODEL_CALLS_PER_STEP, plus a tool loop's turns when agents have tools */
  callsPerStep: number;
}

export function runCaps(stepLimit: number, concurrentSteps = env().CADRE_RUN_CONCURRENT_STEPS): RunCaps {
  return { stepLimit, steps: 0, calls: 0, slots: new Semaphore(concurrentSteps), halted: null, toolCalls: { value: 0 }, callsPerStep: MODEL_CALLS_PER_STEP };
}

/**
 * Model calls a run may make per step of its step limit: an agent step's call, the retry of a cut answer, its summary
 * and a fallback (the worst case counts agent steps; this bounds what they may cost in calls).
 */
export const MODEL_CALLS_PER_STEP = 4;

/** The most model calls a run may make. */
export function modelCallLimit(caps: Pick<RunCaps, "stepLimit"> & Partial<Pick<RunCaps, "callsPerStep">>): number {
  return caps.stepLimit * (caps.callsPerStep ?? MODEL_CALLS_PER_STEP);
}

/** Model calls an agent step with tools may make beyond a plain step's: a turn per tool call, and the last answer. */
export const TOOL_LOOP_CALLS_PER_STEP = TOOL_CALLS_PER_STEP + 1;

/** The run's caps when some of its agents have tools: their steps may make a turn per tool call. */
export function allowToolLoops(caps: RunCaps, agents: readonly Pick<AgentVersionOut, "allowedTools">[]): void {
  if (agents.some((a) => a.allowedTools.length > 0)) caps.callsPerStep = MODEL_CALLS_PER_STEP + TOOL_LOOP_CALLS_PER_STEP;
}

/** The code a run's failure carries (run.failed event) when it reached one of its caps. */
export const RUN_LIMIT_REACHED = "RUN_LIMIT_REACHED";

/** A run made as many model calls as it may: the step that was to make another fails, and the run with it. */
export class ModelCallLimitReachedError extends TopologyError {
  constructor(limit: number, at: { stepId: string; nodeId: string }, perStep = MODEL_CALLS_PER_STEP) {
    super(`Model call limit reached: this run may make at most ${limit} model calls (${perStep} per step of its limit of ${limit / perStep} steps)`, at);
    this.name = "ModelCallLimitReachedError";
  }
}

/** Before a model call of the run: within its model call limit, else the run halts (ModelCallLimitReachedError). */
function assertCallAllowed(caps: RunCaps, at: { stepId: string; nodeId: string }): void {
  const limit = modelCallLimit(caps);
  if (caps.calls < limit) return;
  const error = new ModelCallLimitReachedError(limit, at, caps.callsPerStep);
  caps.halted ??= { error };
  throw error;
}

/** A run made as many steps as it may: it fails with this reason. */
export class StepLimitReachedError extends TopologyError {
  constructor(limit: number, at: { stepId: string; nodeId: string }) {
    super(`Step limit reached: this run may make at most ${limit} steps (the workspace's step limit per run when it started)`, at);
    this.name = "StepLimitReachedError";
  }
}

/** The room a cut answer gets on its one retry: twice the agent's limit (at least 256 more), within the agents' maximum. */
export function roomAfterCut(maxOutputTokens: number): number {
  return Math.min(MAX_OUTPUT_TOKENS, Math.max(maxOutputTokens * 2, maxOutputTokens + 256));
}

export class RunRuntime implements TopologyRuntime {
  /**
   * Diversity: per spread group of this runtime, the models its participants were routed to: first those of the
   * group's steps stored by an earlier execution (a resume: their calls are not made again), then each call's as it
   * routes.
   */
  private readonly spreads = new Map<string, Promise<Set<string>>>();

  constructor(
    private readonly shared: RuntimeShared,
    private readonly nodePrefix = "",
    private readonly stepPrefix = "",
    private readonly depth = 0,
    /** the team's context budget option (its agents' own settings win) */
    private readonly contextBudget: ContextBudget | undefined = undefined,
    /** the slug of the team this runtime runs (its agentGates setting applies to its agents' nodes) */
    private readonly teamSlug: string | undefined = undefined,
  ) {}

  /** One agent's step, then its own quality gate when this team applies its agents' gates (./agent-gate.ts). */
  async callAgent(call: AgentCall): Promise<AgentResult> {
    const first = await this.callAgentOnce(call);
    const gates = this.shared.agentGates;
    const gate = this.teamSlug !== undefined && gates?.teams.includes(this.teamSlug) ? gates.gates[call.agent] : undefined;
    // a structured answer (a manager's plan) is the team's machinery, not an output a judge scores
    if (!gate || call.output) return first;
    const { ctx, run, step, deps, caps, runBudgetUsd } = this.shared;
    const agent = this.shared.agents[call.agent]!;
    try {
      return await gateAgentNode(
        {
          ctx,
          run,
          step,
          generate: deps.generate,
          runBudgetUsd,
          assertCall: (at) => assertCallAllowed(caps, at),
          countCall: () => {
            caps.calls++;
          },
          at: { scope: `${this.stepPrefix}${call.stepId}`, nodeId: `${this.nodePrefix}${call.nodeId}` },
          task: call.task,
        },
        gate,
        { agent, call, expectSteps: (n) => this.expectSteps(n), callAgent: (revised) => this.callAgentOnce(revised) },
        first,
      );
    } catch (error) {
      if (!isControlError(error)) caps.halted ??= { error };
      throw error;
    }
  }

  private async callAgentOnce(call: AgentCall): Promise<AgentResult> {
    const stepId = `${this.stepPrefix}${call.stepId}`;
    const nodeId = `${this.nodePrefix}${call.nodeId}`;
    const agent = this.shared.agents[call.agent];
    if (!agent) throw new TopologyError(`Agent "${call.agent}" is not part of this run's pinned team`, { stepId, nodeId });
    const kind = kindOf(call);
    const caps = this.shared.caps;
    if (caps.halted) throw caps.halted.error;
    caps.steps++;
    if (caps.steps > caps.stepLimit) {
      const error = new StepLimitReachedError(caps.stepLimit, { stepId, nodeId });
      caps.halted ??= { error };
      throw error;
    }
    // at most CADRE_RUN_CONCURRENT_STEPS steps of the run in flight: a wide fan-out runs in batches
    const release = await caps.slots.acquire();
    try {
      const halted = (caps as RunCaps).halted; // a step failed for good while this one waited
      if (halted) throw halted.error;
      const result = await this.agentStep(call, stepId, nodeId, agent, kind);
      this.shared.answers?.set(call.agent, result.text);
      return result;
    } catch (error) {
      if (!isControlError(error)) caps.halted ??= { error };
      throw error;
    } finally {
      release();
    }
  }

  private spreadOf(group: string): Promise<Set<string>> {
    let set = this.spreads.get(group);
    if (!set) this.spreads.set(group, (set = this.storedSpread(`${this.stepPrefix}${group}`)));
    return set;
  }

  /** The models the stored, succeeded steps of a group used (their StepResult.spread names it; RunStep.modelRef). */
  private async storedSpread(key: string): Promise<Set<string>> {
    const models = new Set<string>();
    const stored = await this.shared.step.stored?.();
    for (const known of stored?.values() ?? []) {
      if (known.status === "succeeded" && known.modelRef && (known.result as StepResult | null)?.spread === key) models.add(known.modelRef);
    }
    return models;
  }

  private async agentStep(asked: AgentCall, stepId: string, nodeId: string, agent: AgentVersionOut, kind: StepKind, as?: StepAs): Promise<AgentResult> {
    const { ctx, run, step, deps } = this.shared;
    // a session's earlier turns come first in the agent's context (a summary step is not asked with them again)
    const history = as ? undefined : this.shared.history;
    const call = history?.length ? { ...asked, context: [...history, ...(asked.context ?? [])] } : asked;
    const system = as?.system ?? systemPromptOf(agent);
    const maxOutputTokens = as?.maxOutputTokens ?? agent.maxOutputTokens;
    const budget = as?.budget ?? agent.contextBudget ?? this.contextBudget ?? { strategy: DEFAULT_CONTEXT_STRATEGY };
    // summarize: the older outputs become one summary first, a step of its own (outside this step: on a replay it is
    // reused, and this step then sees the same summary)
    const summarised =
      budget.strategy === "summarize" && call.context?.length ? await this.summarised(call, stepId, nodeId, agent, system, maxOutputTokens) : null;
    const offered = summarised?.items ?? call.context;
    // the agent's memories that match the task: a step of their own before this one (a replay injects the same)
    const policy = as ? null : agent.memoryPolicy;
    const memories = policy?.read.length
      ? (
          await recallStep(
            { ctx, run: { ...run, subject: run.subject ?? null }, step, runBudgetUsd: this.shared.runBudgetUsd },
            { stepId, nodeId },
            agent,
            policy,
            call.task,
          )
        ).memories
      : undefined;
    // an agent with tools answers through a loop of model turns and tool calls (a structured answer asks no tools)
    if (agent.allowedTools.length > 0 && !call.output && !as) {
      return runToolLoop(
        {
          ctx,
          run,
          step,
          generate: deps.generate,
          pii: this.shared.pii,
          policy: this.shared.policyOverride ?? agent.modelPolicy,
          runBudgetUsd: this.shared.runBudgetUsd,
          assertCall: (at) => assertCallAllowed(this.shared.caps, at),
          countCall: () => {
            this.shared.caps.calls++;
          },
          toolCalls: this.shared.caps.toolCalls,
          executors: (a) => memoryToolExecutors({ teamId: run.teamId, subject: run.subject ?? null, sessionId: run.sessionId ?? null }, a),
        },
        {
          stepId,
          nodeId,
          kind,
          agent,
          system,
          maxOutputTokens,
          prompt: async () => {
            const room = offered?.length ? await this.roomFor(call, agent, system, maxOutputTokens) : undefined;
            const fitted: { items?: ContextItem[]; note?: ContextNote } =
              room === undefined ? { items: offered } : fitContext(offered!, room, budget.strategy === "summarize" ? { strategy: "truncate" } : budget);
            const note = mergeNotes(summarised?.note, fitted.note);
            return { prompt: userPromptOf(call.task, fitted.items, memories), ...(note ? { note } : {}) };
          },
          abortSignal: runAbortSignal(run.id),
          outageWaitMs: (agent.outageWaitSeconds ?? DEFAULT_OUTAGE_WAIT_SECONDS) * 1000,
        },
      );
    }
    const result = await step.run<StepResult>(
      stepId,
      async (info) => {
        const room = offered?.length ? await this.roomFor(call, agent, system, maxOutputTokens) : undefined;
        const fitted: { items?: ContextItem[]; note?: ContextNote } =
          room === undefined ? { items: offered } : fitContext(offered!, room, budget.strategy === "summarize" ? { strategy: "truncate" } : budget);
        const contextNote = mergeNotes(summarised?.note, fitted.note);
        const prompt = userPromptOf(call.task, fitted.items, memories);
        // the answer is streamed (and shown as it comes) only while someone follows the run
        const text = step.watched()
          ? new StepTextStream((statement) => step.write(statement), run.id, { nodeId, stepId, attempt: info.attempt }, this.shared.pii)
          : null;
        // the run's cancel aborts the call in flight (server/jobs/cancel-signal.ts): a cancelled run stops paying at once
        const abortSignal = runAbortSignal(run.id);
        const caps = this.shared.caps;
        const spread = call.spreadGroup ? await this.spreadOf(call.spreadGroup) : undefined;
        const ask = (maxOutputTokens: number) => {
          assertCallAllowed(caps, { stepId, nodeId });
          return deps.generate(ctx, {
            policy: this.shared.policyOverride ?? agent.modelPolicy,
            system,
            prompt,
            ...(call.output ? { output: { schema: call.output.schema } } : {}),
            maxOutputTokens,
            temperature: agent.temperature,
            runId: run.id,
            stepId,
            agentId: agent.agentId,
            runBudgetUsd: this.shared.runBudgetUsd,
            ...(run.tags?.length ? { taskTags: run.tags } : {}),
            // the agent's own call timeout (its streams' first byte and idle pauses are capped by it); else scaled
            ...(agent.callTimeoutSeconds ? { timeoutMs: agent.callTimeoutSeconds * 1000 } : {}),
            abortSignal,
            // each provider call's usage row, committed in order with the run's writes before anything else (one call counted)
            writeUsage: (statement) => {
              caps.calls++;
              return step.send(statement);
            },
            ...(spread ? { spread } : {}),
            ...(text ? { onTextDelta: (delta: string) => text.push(delta), onStreamRestart: () => text.restart() } : {}),
          });
        };
        try {
          const first = await ask(maxOutputTokens);
          // an answer cut at the output limit is never kept as if complete: one retry with more room, else the step fails
          const res = first.finishReason === "length" ? await retryCut(ask, maxOutputTokens, () => text?.restart()) : first;
          text?.close();
          const spent = res === first ? [first] : [first, res];
          const problem = res.answerProblem;
          const result: StepResult = asJson({
            text: res.text,
            ...(res.object !== undefined ? { object: res.object } : {}),
            finishReason: res.finishReason,
            ...(spent.length > 1 ? { finishReasons: spent.map((r) => r.finishReason) } : {}),
            ...(problem ? { answerProblem: { code: problem.code, ...(problem.problems ? { problems: problem.problems } : {}) } } : {}),
            ...(contextNote ? { context: contextNote } : {}),
            ...(memories?.length ? { memories: memories.map((m) => m.id) } : {}),
            ...(call.spreadGroup ? { spread: `${this.stepPrefix}${call.spreadGroup}` } : {}),
            model: res.model.id,
          });
          await info.beforeStore();
          await info.store(
            recordAgentStepSql(run.id, stepId, info.attempt, result, {
              kind,
              nodeId,
              agent,
              inputSeen: prompt,
              output: res.text,
              modelRef: res.model.id,
              modelName: res.model.modelId,
              modelLabel: res.model.displayName,
              routeReason: res.decision.explanation,
              inputTokens: sum(spent, (r) => r.usage.inputTokens),
              outputTokens: sum(spent, (r) => r.usage.outputTokens),
              costUsd: sum(spent, (r) => r.costUsd),
              latencyMs: sum(spent, (r) => r.latencyMs),
            }),
          );
          return result;
        } catch (caught) {
          text?.close();
          // aborted by the run's cancel: the run stops (the step is released, not failed)
          const error = abortSignal.aborted && !isControlError(caught) ? new RunCancelledError() : caught;
          if (!isControlError(error)) {
            // a failure that asks to wait (every model cooling down): the step engine records the wait (node.waiting)
            const waits = outageOf(error) !== null;
            const willRetry = isRetryable(error) && info.attempt < info.maxAttempts;
            await recordFailedAttempt(step, run.id, stepId, { kind, nodeId, agent, inputSeen: prompt, error, attempt: info.attempt, willRetry, event: !waits });
          }
          throw error;
        }
      },
      {
        kind,
        nodeId,
        outageWaitMs: (agent.outageWaitSeconds ?? DEFAULT_OUTAGE_WAIT_SECONDS) * 1000,
        startEvent: { type: "node.started", data: { nodeId, stepId, agent: agent.slug } },
      },
    );
    return {
      text: result.text,
      ...(result.object !== undefined && result.object !== null ? { object: result.object } : {}),
      ...(result.model ? { model: result.model } : {}),
    };
  }

  /** The call's context budget in tokens (undefined: the call routes nowhere, and says so itself). */
  private async roomFor(call: AgentCall, agent: AgentVersionOut, system: string, maxOutputTokens: number): Promise<number | undefined> {
    const budget = await contextBudgetFor(this.shared.ctx, {
      policy: this.shared.policyOverride ?? agent.modelPolicy,
      system,
      prompt: call.task,
      maxOutputTokens,
      json: call.output !== undefined,
    });
    return budget?.tokens;
  }

  /**
   * `summarize`: when the outputs do not fit, the older ones are summarised by a step of kind "summary" (the agent's
   * own model policy, its cost on the run; not counted in the run's step limit: at most one per agent step), and the
   * summary stands in front of the latest outputs, which are kept as they are.
   */
  private async summarised(
    call: AgentCall,
    stepId: string,
    nodeId: string,
    agent: AgentVersionOut,
    system: string,
    maxOutputTokens: number,
  ): Promise<{ items: ContextItem[]; note: ContextNote } | null> {
    const items = call.context!;
    const room = await this.roomFor(call, agent, system, maxOutputTokens);
    const plan = room === undefined ? null : planSummary(items, room);
    // too little room for a useful summary: the outputs are cut instead
    if (!plan || plan.older.length === 0 || plan.summaryTokens < MIN_SUMMARY_TOKENS) return null;
    await this.expectSteps(1);
    const summaryTokens = Math.min(agent.maxOutputTokens, plan.summaryTokens);
    const summary = await this.agentStep(
      { nodeId: call.nodeId, stepId: `${call.stepId}${SUMMARY_STEP_SUFFIX}`, agent: call.agent, task: summaryTask(summaryTokens), context: plan.older },
      `${stepId}${SUMMARY_STEP_SUFFIX}`,
      nodeId,
      agent,
      "summary",
      { system: summarizerSystemOf(agent), maxOutputTokens: summaryTokens, budget: { strategy: "truncate" } },
    );
    const kept = [summaryItem(plan.older, summary.text), ...plan.keep];
    const tokensCut = plan.older.reduce((n, i) => n + tokensOf(i.output), 0) - tokensOf(summary.text);
    return {
      items: kept,
      note: {
        budgetTokens: room!,
        strategy: "summarize",
        itemsIn: items.length,
        itemsKept: kept.length,
        itemsCut: 0,
        tokensCut: Math.max(0, tokensCut),
        summarised: plan.older.length,
      },
    };
  }

  /** One memoised embedding step (./embed-step.ts), holding a permit of the run's steps in flight; not an agent step. */
  async embed(call: EmbedCall): Promise<Embedded> {
    const caps = this.shared.caps;
    if (caps.halted) throw caps.halted.error;
    const release = await caps.slots.acquire();
    try {
      const { ctx, run, step, deps, runBudgetUsd } = this.shared;
      const at = { stepId: `${this.stepPrefix}${call.stepId}`, nodeId: `${this.nodePrefix}${call.nodeId}` };
      const embed = deps.embed ?? gatewayEmbed;
      // every embedding call counts in the run's model calls, like an agent's
      const counted: typeof gatewayEmbed = (c, req) => {
        assertCallAllowed(caps, at);
        const writeUsage = req.writeUsage;
        return embed(c, {
          ...req,
          ...(writeUsage
            ? {
                writeUsage: (statement: Sql) => {
                  caps.calls++;
                  return writeUsage(statement);
                },
              }
            : {}),
        });
      };
      return await runEmbedStep(
        { ctx, run, step, runBudgetUsd, embed: counted },
        { ...call, stepId: `${this.stepPrefix}${call.stepId}`, nodeId: `${this.nodePrefix}${call.nodeId}` },
      );
    } catch (error) {
      if (!isControlError(error)) caps.halted ??= { error };
      throw error;
    } finally {
      release();
    }
  }

  async runTeam(nodeId: string, stepIdPrefix: string, teamSlug: string, task: string): Promise<string> {
    const team = this.shared.teams[teamSlug];
    const fullNode = `${this.nodePrefix}${nodeId}`;
    if (!team) throw new TopologyError(`Team "${teamSlug}" is not part of this run's pinned team`, { nodeId: fullNode });
    if (this.depth + 1 > MAX_NESTING) throw new TopologyError(`Teams are nested more than ${MAX_NESTING} levels deep`, { nodeId: fullNode });
    const child = new RunRuntime(this.shared, `${fullNode}/`, `${this.stepPrefix}${stepIdPrefix}`, this.depth + 1, contextBudgetOfSpec(team.spec), teamSlug);
    const stepId = `${this.stepPrefix}${stepIdPrefix.replace(/\/$/, "")}`;
    const { run, step } = this.shared;
    const node = { nodeId: fullNode, stepId, team: teamSlug };
    await step.write(teamNodeEventSql(run.id, "node.started", node));
    const refused: { error: OutputInvalidError | null } = { error: null };
    const result = await runTopology(child, team.spec, task).catch(async (error: unknown) => {
      // the nested team's answer does not match its output schema: its node records it, the run fails there
      if (error instanceof OutputInvalidError && !error.at) {
        refused.error = error.locatedAt(node);
        return error.result;
      }
      if (!isControlError(error)) await step.write(teamNodeEventSql(run.id, "node.failed", { ...node, error: reasonOf(error) }));
      throw error;
    });
    // the team's node carries its own outcome, and its own gate: an unmet "fail" fails the run at this node
    const unmet = refused.error ?? (failsRun(result.outcome) ? new OutcomeNotMetError(result.outcome, result, node) : null);
    await step.write(
      recordTeamNodeSql({
        runId: run.id,
        workspaceId: run.workspaceId,
        stepId,
        nodeId: fullNode,
        task,
        output: result.output,
        outcome: result.outcome,
        error: unmet?.message ?? null,
      }),
    );
    const ended = unmet ? { error: unmet.message } : { output: result.output };
    await step.write(teamNodeEventSql(run.id, unmet ? "node.failed" : "node.finished", { ...node, outcome: result.outcome, ...ended }));
    if (unmet) {
      this.shared.caps.halted ??= { error: unmet };
      throw unmet;
    }
    return result.output;
  }

  parallel<T>(tasks: (() => Promise<T>)[], limit?: number): Promise<T[]> {
    // no wider than the run's steps in flight (the steps themselves wait for a permit too)
    return boundedParallel(tasks, Math.min(limit ?? Infinity, this.shared.caps.slots.limit));
  }

  describeAgent(slug: string): { name: string; description: string } | undefined {
    const agent = this.shared.agents[slug];
    return agent ? { name: agent.name, description: agent.roleDescription } : undefined;
  }

  /** A nested team as its pinned version says: its topology and the agents it names (a team has no description). */
  describeTeam(slug: string): { name: string; description: string } | undefined {
    const team = this.shared.teams[slug];
    if (!team) return undefined;
    const inner = team.spec.topology === "hybrid" ? team.spec.arrangement : team.spec;
    const agents = [...new Set(nodeRefs(inner).flatMap((n) => (typeof n.ref === "string" ? [this.shared.agents[n.ref]?.name ?? n.ref] : [])))];
    return { name: slug, description: `${inner.topology.replace(/_/g, "-")} team${agents.length ? ` of ${agents.join(", ")}` : ""}` };
  }

  async expectSteps(additional: number): Promise<void> {
    if (!(additional > 0)) return;
    const expected = this.shared.expected;
    expected.value += Math.floor(additional);
    await this.shared.step.write(sql`UPDATE "Run" SET "stepsExpected" = GREATEST("stepsExpected", ${expected.value}) WHERE id = ${this.shared.run.id}`);
  }
}

const sum = <T>(items: T[], of: (item: T) => number) => items.reduce((n, item) => n + of(item), 0);

/** How a step is asked when it is not an agent's own call (a summary): its system prompt, output budget and context budget. */
interface StepAs {
  system?: string;
  maxOutputTokens?: number;
  budget?: ContextBudget;
}

/**
 * A step's answer was cut at `maxOutputTokens`: asked once more with more room (`roomAfterCut`), when the agent's
 * limit, the router (context windows, cost caps) and the budget allow it. Cut again, or no room to give: the step
 * fails with AnswerTruncatedError (typed, not retried).
 */
async function retryCut(
  ask: (maxOutputTokens: number) => ReturnType<typeof gatewayGenerate>,
  maxOutputTokens: number,
  restartStream: () => void,
): ReturnType<typeof gatewayGenerate> {
  const room = roomAfterCut(maxOutputTokens);
  if (room <= maxOutputTokens) throw new AnswerTruncatedError(maxOutputTokens, "and the agent's limit leaves no more room");
  restartStream();
  let again: Awaited<ReturnType<typeof gatewayGenerate>>;
  try {
    again = await ask(room);
  } catch (error) {
    if (isAppError(error) && (error.code === "BUDGET_EXCEEDED" || error.code === "NO_FEASIBLE_MODEL")) {
      throw new AnswerTruncatedError(maxOutputTokens, `and a retry with ${room} tokens was refused (${error.message})`);
    }
    throw error;
  }
  if (again.finishReason === "length") throw new AnswerTruncatedError(room, "again, after a retry with more room");
  return again;
}

/**
 * Runs tasks with at most `limit` at once (default: all), results in task order. After a failure no new task
 * starts; the running ones settle (so that no step outlives the run), then the first error is thrown.
 */
export async function boundedParallel<T>(tasks: (() => Promise<T>)[], limit?: number): Promise<T[]> {
  const max = limit && limit > 0 ? Math.floor(limit) : tasks.length;
  const results = new Array<T>(tasks.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < tasks.length) {
      const index = next++;
      try {
        results[index] = await tasks[index]!();
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(max, tasks.length) }, worker));
  if (failure) throw (failure as { error: unknown }).error;
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Recording steps (one statement each)

async function recordFailedAttempt(
  step: StepApi,
  runId: string,
  stepId: string,
  f: { kind: StepKind; nodeId: string; agent: AgentVersionOut; inputSeen: string; error: unknown; attempt: number; willRetry: boolean; event: boolean },
): Promise<void> {
  const reason = reasonOf(f.error);
  await step.write(
    sql`UPDATE "RunStep" SET "kind" = ${f.kind}, "nodeId" = ${f.nodeId}, "agentId" = ${f.agent.agentId}, "agentVersion" = ${f.agent.version},
       "inputSeen" = ${sql.text(f.inputSeen)}
     WHERE "runId" = ${runId} AND "stepId" = ${stepId}`,
  );
  if (f.event)
    await step.write(
      appendRunEventsSql(runId, [
        { type: "node.failed", data: { nodeId: f.nodeId, stepId, agent: f.agent.slug, error: reason, attempt: f.attempt, willRetry: f.willRetry } },
      ]),
    );
}

// ---------------------------------------------------------------------------------------------------
// Start and finish

/** run.started, once (a resumed run is running already); written in order before the run's first step. */
async function markStarted(step: StepApi, run: RunRow, stepsExpected: number): Promise<void> {
  const now = new Date();
  await step.write(
    appendRunEventsSql(run.id, [{ type: "run.started", data: { stepsExpected } }], {
      set: sql`"status" = 'running', "startedAt" = COALESCE("startedAt", ${now}), "stepsExpected" = GREATEST("stepsExpected", ${stepsExpected})`,
      where: sql`"status" = 'queued'`,
    }),
  );
}

/**
 * Finishes a run once (only a queued or running run changes): status, output, error, finishedAt, the totals as
 * exact sums of its steps, the lease released, and the terminal event, in one statement. False when the run had
 * already finished.
 */
export async function finishRun(run: { runId: string; workspaceId: string }, f: Finish): Promise<boolean> {
  const { rows } = await execute(run, finishRunSql(run.runId, f));
  if (rows.length > 0) notifyRunEvents(run.runId);
  return rows.length > 0;
}

/**
 * A run that waits parked (no executor holds it, its wake-up time is ahead) and whose cancel was requested: cancelled
 * now, like finishRun (totals from its steps, the terminal event). False when it is not parked (an executor holds it
 * and stops it before its next step, or it is queued, or it ended).
 */
export async function cancelParkedRun(run: { runId: string; workspaceId: string }): Promise<boolean> {
  const { rows } = await execute(run, finishRunSql(run.runId, { status: "cancelled" }, new Date()));
  if (rows.length > 0) notifyRunEvents(run.runId);
  return rows.length > 0;
}

/** Finishes the run after everything it wrote: queued behind its last writes, then all committed. */
/** Finishes the run after its queued writes; false when the finish changed nothing (finishRunSql: superseded, or ended). */
async function finishAfterWrites(step: StepApi, runId: string, f: Finish): Promise<boolean> {
  const finished = step.written(finishRunSql(runId, f));
  finished.catch(() => undefined); // flush reports the failure
  await step.flush();
  return (await finished).length > 0;
}

// ---------------------------------------------------------------------------------------------------
// executeRun

export async function executeRun(event: RunEventPayload, step: StepApi, options: ExecuteOptions = {}): Promise<ExecuteOutcome> {
  try {
    return await executeRunBody(event, step, options);
  } finally {
    // what this process kept for the run alone goes with its execution (a resumed run loads it again)
    forgetRunSpend(event.workspaceId, event.runId);
    void releaseRunLease(event, event.runId);
    forgetRunAbort(event.runId);
  }
}

async function executeRunBody(event: RunEventPayload, step: StepApi, options: ExecuteOptions): Promise<ExecuteOutcome> {
  const given: ExecuteDeps = { generate: gatewayGenerate, ...options.deps };
  const preloaded = options.run && options.run.id === event.runId && options.run.workspaceId === event.workspaceId ? options.run : null;
  const run = preloaded ?? ((await db(event).run.findFirst({ where: { id: event.runId, workspaceId: event.workspaceId } })) as RunRow | null);
  if (!run) return "missing";
  if (!["queued", "running"].includes(run.status)) return "already_finished";
  if (run.cancelRequestedAt && run.status === "queued") {
    await finishRun({ runId: run.id, workspaceId: run.workspaceId }, { status: "cancelled" });
    return "cancelled";
  }
  // the creator's powers are checked before anything runs (and again by the executor's heartbeat)
  let ctx: TenantContext;
  try {
    ctx = preloaded && options.ctx ? options.ctx : await runTenantContext(run);
  } catch (error) {
    if (!(error instanceof RunAccessEndedError)) throw error;
    await cancelForEndedAccess(run, error.reason);
    await step.settled();
    return (await finishAfterWrites(step, run.id, { status: "cancelled" })) ? "cancelled" : "superseded";
  }

  // the workspace's PII policy, read once (with the claim, when it could be) and pinned for this execution: answers are
  // redacted before they are stored
  const pii = run.piiPolicy ? compiledPiiPolicy(run.workspaceId, run.piiPolicy.stored) : await loadPiiPolicy(event);
  const deps: ExecuteDeps = { ...given, generate: redactingGenerate(given.generate, pii) };

  try {
    // the pins come with the row (a run written before the column reads them from its event, meanwhile)
    const rowPins = parsePins(run.pins);
    const pinsRead = run.targetType !== "team" ? Promise.resolve(null) : rowPins ? Promise.resolve(rowPins) : runPins(event);
    pinsRead.catch(() => undefined); // awaited below
    const policyOverride = run.modelPolicyOverride ? modelPolicySchema.parse(run.modelPolicyOverride) : null;
    const runBudgetUsd = run.budgetUsd === null || run.budgetUsd === undefined ? undefined : Number(run.budgetUsd);
    const expected = { value: 0 };
    // the step limit the run pinned when it started (an older run: the server's default)
    const caps = runCaps(rowPins?.limits?.steps ?? env().CADRE_RUN_STEP_LIMIT);
    // the model calls made so far count (a resumed run goes on from its ledger)
    caps.calls = preloaded?.ledgerCalls ?? (await ledgerCallCount(event));
    let output: TopologyResult;
    let outcome: RunOutcome | null = null;
    const answers = new Map<string, string>();
    // a session's earlier turns (and the summary of older ones), read once the agents are known
    const historyOf = (summariser: AgentVersionOut) =>
      run.sessionId
        ? sessionHistory({
            ctx,
            run: { id: run.id, sessionId: run.sessionId },
            step,
            generate: deps.generate,
            summariser,
            policy: policyOverride ?? summariser.modelPolicy,
            runBudgetUsd,
          })
        : Promise.resolve(undefined);

    if (run.targetType === "team") {
      if (!run.teamId || run.teamVersion === null) throw new AppError("INTERNAL", "The run names no team version");
      const pins = await pinsRead;
      const pinned = await pinnedTeamFromVersions(ctx, run.teamId, run.teamVersion, { agents: pins?.agents ?? {}, teams: pins?.teams ?? {} });
      await markStarted(step, run, 0);
      if (!rowPins && pins?.limits) caps.stepLimit = pins.limits.steps;
      allowToolLoops(caps, Object.values(pinned.agents));
      const history = await historyOf(pinned.agents[Object.keys(pinned.agents).sort()[0]!]!);
      const teamSlug = pins?.team?.slug ?? "";
      const shared: RuntimeShared = {
        ...{ ctx, run, step, deps, pii, agents: pinned.agents, teams: pinned.teams, policyOverride, runBudgetUsd, expected, caps, answers, history },
        ...(pins?.agentGates ? { agentGates: pins.agentGates } : {}),
      };
      const attempt = (prefix: string) => new RunRuntime(shared, prefix, prefix, 0, contextBudgetOfSpec(pinned.spec), teamSlug);
      const rt = attempt("");
      let result = await runTopology(rt, pinned.spec, run.input);
      output = result;
      outcome = result.outcome;
      // the gate: unmet under onUnmet "fail" fails the run, keeping the last draft and the outcome
      if (failsRun(result.outcome)) throw new OutcomeNotMetError(result.outcome, result);
      // the team's quality gate on its output: a revision is the whole team again, its steps under `team.r{n}/`
      const gate = pins?.gate;
      if (gate) {
        const firstAgent = pinned.agents[Object.keys(pinned.agents).sort()[0]!]!;
        result = await gateTeamOutput(
          { ctx, run, step, generate: deps.generate, runBudgetUsd, assertCall: (at) => assertCallAllowed(caps, at), countCall: () => void caps.calls++ },
          gate,
          {
            reviewer: firstAgent,
            expectSteps: (n) => rt.expectSteps(n),
            rerun: async (n, task) => {
              const again = await runTopology(attempt(`team.r${n}/`), pinned.spec, task);
              if (failsRun(again.outcome)) throw new OutcomeNotMetError(again.outcome, again);
              return again;
            },
          },
          result,
        );
        output = result;
        outcome = result.outcome;
      }
      await rememberEpisodes({ ctx, run, step, runBudgetUsd, generate: deps.generate, policyOverride, pii }, pinned.agents, answers);
    } else {
      if (!run.agentId || run.agentVersion === null) throw new AppError("INTERNAL", "The run names no agent version");
      const agent = await getAgentVersion(ctx, run.agentId, run.agentVersion);
      await markStarted(step, run, 1);
      expected.value = 1;
      allowToolLoops(caps, [agent]);
      const history = await historyOf(agent);
      const rt = new RunRuntime({
        ctx,
        run,
        step,
        deps,
        pii,
        agents: { [agent.slug]: agent },
        teams: {},
        policyOverride,
        runBudgetUsd,
        expected,
        caps,
        answers,
        history,
      });
      const result = await rt.callAgent({ nodeId: AGENT_RUN_NODE_ID, stepId: AGENT_RUN_NODE_ID, agent: agent.slug, task: run.input });
      const gate = rowPins?.gate;
      output = { output: gate ? await gatedOutput({ ctx, run, step, deps, caps, runBudgetUsd }, rt, agent, gate, result) : result.text };
      await rememberEpisodes({ ctx, run, step, runBudgetUsd, generate: deps.generate, policyOverride, pii }, { [agent.slug]: agent }, answers);
    }
    await step.settled();
    const finish: Finish = { status: "succeeded", output, outcome, ...sessionReplyOf(run, output.output, pii) };
    return (await finishAfterWrites(step, run.id, finish)) ? "succeeded" : "superseded";
  } catch (error) {
    await step.settled();
    if (error instanceof RunSuspendedError) {
      // what was queued lands before the lease goes to whoever resumes the run
      await step.flush().catch(() => undefined);
      return "suspended";
    }
    const finish: Finish =
      error instanceof RunCancelledError
        ? { status: "cancelled" }
        : {
            status: "failed",
            ...failureOf(error),
            ...outcomeFailure(error),
            ...outputFailure(error),
            ...(error instanceof QualityGateFailedError ? { code: QUALITY_GATE_FAILED, output: { output: error.output } } : {}),
            ...(reachedLimit(error) ? { code: RUN_LIMIT_REACHED } : {}),
          };
    if (finish.status === "failed" && !(error instanceof StepFailedError) && !(error instanceof OutcomeNotMetError) && !isAppError(error)) {
      logger.error({ runId: run.id, workspaceId: run.workspaceId, err: error }, "run failed outside a step");
    }
    try {
      return (await finishAfterWrites(step, run.id, finish)) ? finish.status : "superseded";
    } catch (writeError) {
      if (writeError instanceof RunSuspendedError) return "suspended";
      throw writeError;
    }
  }
}

/** A single-agent run's output through its quality gate (./quality-gate.ts): a revision is a step `agent.r{n}`. */
async function gatedOutput(
  s: { ctx: TenantContext; run: RunRow; step: StepApi; deps: ExecuteDeps; caps: RunCaps; runBudgetUsd: number | undefined },
  rt: RunRuntime,
  agent: AgentVersionOut,
  gate: PinnedGate,
  first: AgentResult,
): Promise<string> {
  const judges = await pinnedJudges(s.ctx, gate);
  await rt.expectSteps(judges.length);
  const g: GateRuntime = {
    ctx: s.ctx,
    run: s.run,
    step: s.step,
    generate: s.deps.generate,
    runBudgetUsd: s.runBudgetUsd,
    assertCall: (at) => assertCallAllowed(s.caps, at),
    countCall: () => {
      s.caps.calls++;
    },
  };
  return runQualityGate(
    g,
    gate,
    judges,
    {
      agentId: agent.agentId,
      agentSlug: agent.slug,
      revise: async (n, task, context) => {
        await rt.expectSteps(1 + judges.length);
        return rt.callAgent({ nodeId: AGENT_RUN_NODE_ID, stepId: `${AGENT_RUN_NODE_ID}.r${n}`, agent: agent.slug, task, context });
      },
    },
    first,
  );
}

/**
 * A session's reply follows the "sessions" path: redacted there even when the run's output is stored as it is (the
 * "storage" path off). Nothing when it is the output itself.
 */
function sessionReplyOf(run: RunRow, output: string, pii: CompiledPolicy | null): Pick<Finish, "sessionReply"> {
  if (!run.sessionId) return {};
  const reply = redactString(output, pii, "sessions");
  return reply === output ? {} : { sessionReply: reply };
}

/**
 * A run that succeeded: each agent whose memory policy writes episodes and that answered in it remembers what it
 * was asked (the run's task) and its last answer, and each whose policy extracts facts has its model list them; one
 * memory step each, in the order of the agents' slugs.
 */
async function rememberEpisodes(
  s: Omit<MemoryStepContext, "run"> & { run: RunRow; generate: ExecuteDeps["generate"]; policyOverride: ModelPolicy | null },
  agents: Record<string, AgentVersionOut>,
  answers: ReadonlyMap<string, string>,
): Promise<void> {
  const run = { ...s.run, subject: s.run.subject ?? null };
  for (const slug of Object.keys(agents).sort()) {
    const agent = agents[slug]!;
    const answer = answers.get(slug);
    const policy = agent.memoryPolicy;
    if (!policy || answer === undefined) continue;
    if (policy.write === "episodic") await episodicStep({ ...s, run }, agent, policy, s.run.input, answer);
    if (policy.extractFacts) {
      await factsStep({ ...s, run, policy: s.policyOverride ?? agent.modelPolicy }, agent, policy, s.run.input, answer);
    }
  }
}

/**
 * What a gate that failed the run keeps: the code, and, for the run's own topology, its outcome and last draft (a
 * nested team's outcome is on its node's step row).
 */
function outcomeFailure(error: unknown): Partial<Finish> {
  if (!(error instanceof OutcomeNotMetError)) return {};
  return error.at ? { code: OUTCOME_NOT_MET } : { code: OUTCOME_NOT_MET, outcome: error.outcome, output: error.result };
}

/**
 * What an answer refused by the team's output schema keeps: the code, and, for the run's own answer, its output and
 * outcome (a nested team's are on its node's step row).
 */
function outputFailure(error: unknown): Partial<Finish> {
  if (!(error instanceof OutputInvalidError)) return {};
  return error.at ? { code: OUTPUT_INVALID } : { code: OUTPUT_INVALID, outcome: error.result.outcome, output: error.result };
}

/** The run stopped at one of its caps (steps, model calls). */
function reachedLimit(error: unknown): boolean {
  const cause = error instanceof StepFailedError ? error.cause : error;
  return cause instanceof StepLimitReachedError || cause instanceof ModelCallLimitReachedError;
}

/**
 * The run's model calls so far, for an execution the executor's claim did not preload (which does the same): its
 * usage rows, after its calls left in flight past their expiry (a dead execution's) became their estimated rows.
 */
async function ledgerCallCount(run: RunEventPayload): Promise<number> {
  const { rows } = await execute<{ n: number }>(
    run,
    sql`WITH ${expiredLostCallsOfRun(run)}
      SELECT (SELECT COUNT(*)::int FROM "UsageRecord" WHERE "workspaceId" = ${run.workspaceId} AND "runId" = ${run.runId} AND "providerKind" <> 'tool')
        + (SELECT COUNT(*)::int FROM lost_usage) AS n`,
  );
  return rows[0]?.n ?? 0;
}

/** The message and step of a run's failure. */
export function failureOf(error: unknown): { error: string; stepId?: string } {
  // a cap reached inside a step: the cap is the reason
  if (error instanceof StepFailedError && error.cause instanceof ModelCallLimitReachedError) return { error: error.cause.message, stepId: error.stepId };
  if (error instanceof StepFailedError) return { error: error.message, stepId: error.stepId };
  if (error instanceof OutcomeNotMetError || error instanceof OutputInvalidError)
    return { error: error.message, ...(error.at ? { stepId: error.at.stepId } : {}) };
  if (error instanceof TopologyError) return { error: error.message, ...(error.stepId ? { stepId: error.stepId } : {}) };
  return { error: reasonOf(error) };
}
