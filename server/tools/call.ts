/**
 * One tool call as its step executes it, checked again at this moment whatever the model was offered:
 * 1. the run's pinned agent version grants the tool, and the registry has it enabled now;
 * 2. the arguments match the tool's schema;
 * 3. the approval policy: a call that needs a person waits for one (./approval-wait.ts: the run parks durably), and
 *    a denial or an expiry is the call's result; an unapproved call's redirects are judged by the policy too (a
 *    redirect to a host it would ask about is not followed: ./http-outcome.ts);
 * 4. the rate limits (a call over one waits for the next window, parked like any wait);
 * 5. the run's pending writes are flushed, then the executor runs under the tool's timeout and the run's cancel.
 * The database is asked once before the request: the tool's row and the workspace's egress lists in one statement,
 * queued on the run's writer behind the step's start (`step.written`), so that the same round trip commits the run's
 * pending writes; a tool with rate limits adds one upsert, an approval its own wait.
 * Refusals the agent can act on (not granted, bad arguments, denied, the tool's own errors) are results with
 * `isError`, fed back to the model; the step fails only on what retrying may fix.
 */
import { TOOL_RESULT_MAX_CHARS, type ApprovalPolicy } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import type { Sql } from "@/server/db/sql";
import { recordUsage } from "@/server/ledger/record";
import { awaitApproval, type ApprovalState } from "./approval-wait";
import { callNeedsApproval } from "./approval-policy";
import { targetOf } from "./builtin";
import { executorFor, type BuiltinOverrides } from "./executors";
import { admitToolCall } from "./rate-window";
import { toolForCallOf, toolForCallSql } from "./registry";
import type { ToolOutcome } from "./types";
import { validateInput } from "./validate-input";

/** The ledger's provider kind of a tool's cost per call (not a model call: the run's model call count leaves it out). */
export const TOOL_PROVIDER_KIND = "tool";

/** A call's record (its step's result): what the model is given back, and what the trace shows. */
export interface ToolCallRecord {
  tool: string;
  /** the result as the model reads it (text, cut to TOOL_RESULT_MAX_CHARS) */
  output: string;
  isError: boolean;
  durationMs: number;
  approval?: { id: string; status: string };
  /** the executor's details for the trace (status code, bytes, final URL); never given to the model */
  meta?: Record<string, unknown>;
  /** the call was refused before it executed (not granted, disabled, bad arguments, denied) */
  refused?: boolean;
}

export interface CallEnv {
  ctx: TenantContext;
  runId: string;
  /**
   * the run's writes (server/jobs/step.ts StepApi): flushed before a call with effects outside Cadre; `written` runs
   * the call's read in order with them (one round trip for both)
   */
  step: { flush(): Promise<void>; written?(statement: Sql): Promise<Record<string, unknown>[]> };
  abortSignal: AbortSignal;
  /** built-ins executed by a higher layer (run_agent: the run engine starts the sub-run) */
  executors?: BuiltinOverrides;
}

export interface ToolCallRequest {
  /** the call's step id */
  callId: string;
  /** the agent step the call belongs to: a tool's cost per call is on its share of the ledger */
  agentStepId: string;
  name: string;
  input: unknown;
  /** the run's pinned agent version: its grants and their approval policies */
  agent: { agentId: string; slug: string; allowedTools: readonly string[]; toolApprovals?: Readonly<Record<string, ApprovalPolicy>> };
  /** the agent's stated reason (its turn's text), shown with an approval request */
  reason: string;
}

/** A result as text for the model: strings as they are, anything else as JSON; cut, saying so. */
export function resultText(output: unknown): string {
  const text = typeof output === "string" ? output : (JSON.stringify(output ?? null) ?? "null");
  if (text.length <= TOOL_RESULT_MAX_CHARS) return text;
  return `${text.slice(0, TOOL_RESULT_MAX_CHARS)}\n[cut: the result had ${text.length} characters, the first ${TOOL_RESULT_MAX_CHARS} are shown]`;
}

const refusal = (tool: string, message: string, started: number, approval?: ApprovalState): ToolCallRecord => ({
  tool,
  output: message,
  isError: true,
  refused: true,
  durationMs: Date.now() - started,
  ...(approval ? { approval: { id: approval.id, status: approval.status } } : {}),
});

export async function callTool(env: CallEnv, req: ToolCallRequest): Promise<ToolCallRecord> {
  const started = Date.now();
  const { name } = req;
  if (!req.agent.allowedTools.includes(name)) return refusal(name, `The tool "${name}" is not one of this agent's tools.`, started);
  const read = toolForCallSql(env.ctx.workspaceId, name);
  const rows = env.step.written ? await env.step.written(read) : (await execute(env.ctx, read)).rows;
  const { tool, egressLists } = toolForCallOf(name, rows);
  if (!tool?.enabled) return refusal(name, `The tool "${name}" is not available (it was disabled or removed).`, started);
  const executor = executorFor(tool, env.executors);
  if (!executor) return refusal(name, `The tool "${name}" cannot be called in this version of Cadre.`, started);
  const valid = validateInput(tool.inputSchema, req.input);
  if (!valid.ok) return refusal(name, `Invalid arguments for ${name}: ${valid.message}`, started);

  let approval: ApprovalState | undefined;
  // the tool's policy, made stricter (never looser) by the pinned version's grant policy
  const grantApproval = req.agent.toolApprovals?.[name];
  if (callNeedsApproval(tool.approval, grantApproval, targetOf(tool, req.input))) {
    approval = await awaitApproval(env.ctx, {
      runId: env.runId,
      stepId: req.callId,
      toolName: name,
      agentId: req.agent.agentId,
      agentSlug: req.agent.slug,
      input: req.input,
      reason: req.reason,
    });
    if (approval.status === "denied")
      return refusal(name, `A person denied this call of ${name}${approval.note ? `: ${approval.note}` : "."}`, started, approval);
    if (approval.status !== "approved")
      return refusal(name, `This call of ${name} was not approved in time (the request expired); it did not run.`, started, approval);
  }

  // an executor whose call waits and runs again (run_agent: until its sub-run ends) counts the call itself, once
  if (!executor.admitsItself) await admitToolCall(env.ctx, tool, req.agent.agentId);

  // effects outside Cadre: what the run has written so far lands first (committed with the read above already; this
  // waits only for what was queued on the run's writer since)
  await env.step.flush();
  const signal = AbortSignal.any([env.abortSignal, AbortSignal.timeout(tool.timeoutMs)]);
  let outcome: ToolOutcome;
  try {
    outcome = await executor(req.input, {
      ctx: env.ctx,
      runId: env.runId,
      stepId: req.callId,
      idempotencyKey: `${env.runId}:${req.callId}`,
      agentId: req.agent.agentId,
      abortSignal: signal,
      egressLists,
      tool,
      // an unapproved call is not carried by a redirect to a host its policy would have asked about (./http-outcome.ts)
      approved: approval?.status === "approved",
      ...(grantApproval ? { grantApproval } : {}),
    });
  } catch (error) {
    if (env.abortSignal.aborted) throw error; // the run's cancel: the step engine stops the run
    if (signal.aborted) outcome = { output: `The call of ${name} timed out after ${tool.timeoutMs} ms.`, isError: true };
    else throw error;
  }
  const durationMs = Date.now() - started;
  // a tool's own price, on the ledger and the budgets like a model call's (providerKind "tool")
  if (tool.costPerCallUsd > 0) {
    await recordUsage(env.ctx, {
      runId: env.runId,
      stepId: req.agentStepId,
      agentId: req.agent.agentId,
      modelName: `tool:${name}`,
      providerKind: TOOL_PROVIDER_KIND,
      inputTokens: 0,
      outputTokens: 0,
      costUsd: tool.costPerCallUsd,
      latencyMs: durationMs,
      outcome: outcome.isError ? "error" : "ok",
    });
  }
  return {
    tool: name,
    output: resultText(outcome.output),
    isError: outcome.isError === true,
    durationMs,
    ...(approval ? { approval: { id: approval.id, status: approval.status } } : {}),
    ...(outcome.meta ? { meta: outcome.meta } : {}),
  };
}
