/**
 * What the run engine knows of a tool: its definition as the model is offered it, its limits, and how to execute one
 * call. The registry (./registry.ts) resolves an agent's granted tool names to these; the loop (./loop.ts) runs them.
 */
import type { ApprovalPolicy, HttpToolConfig, ToolKind } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import type { WorkspaceEgressLists } from "@/server/egress";

export interface ToolLimits {
  timeoutMs: number;
  maxResponseBytes: number;
  rateLimitPerMinute: number | null;
  agentRateLimitPerMinute: number | null;
  costPerCallUsd: number;
  approval: ApprovalPolicy;
}

/** A resolved tool: enough to offer it to a model and to execute a call. */
export interface ResolvedTool extends ToolLimits {
  /** Tool row id (null: a built-in with the platform's defaults) */
  id: string | null;
  name: string;
  kind: ToolKind;
  description: string;
  /** JSON Schema (type object) of the arguments */
  inputSchema: Record<string, unknown>;
  enabled: boolean;
  /** kind http */
  http?: { config: HttpToolConfig; secretId: string | null; secretHost: string | null };
  /** kind mcp: the server it was synced from and its name there */
  mcp?: { serverId: string; remoteName: string };
}

/** Everything one call gets besides its arguments. */
export interface ToolCallContext {
  ctx: TenantContext;
  runId: string;
  /** the call's own step id (stable across replays) */
  stepId: string;
  /** `${runId}:${stepId}`: HTTP tools send it as Idempotency-Key */
  idempotencyKey: string;
  agentId: string;
  /** aborted when the run is cancelled or the call's timeout passes */
  abortSignal: AbortSignal;
  /** the workspace's egress lists (they only narrow what the operator allows) */
  egressLists: WorkspaceEgressLists | null;
  tool: ResolvedTool;
  /**
   * A person approved this call (or is making it: a test call). Otherwise a redirect to a host the tool's approval
   * policy would have asked a person about is not followed (./http-outcome.ts toolFetch): approval is judged on the
   * first URL only, and a redirect must not carry an unapproved call elsewhere.
   */
  approved?: boolean;
  /** the agent version's grant policy for this tool (AgentVersion.toolApprovals): redirects are judged by it too */
  grantApproval?: ApprovalPolicy;
}

/**
 * A call's outcome as the model is given it: `output` is JSON-able data (a string or an object). `isError`: the call
 * failed in a way the agent should hear about (a 4xx/5xx answer, a refused URL, a bad expression) rather than the step
 * failing. `meta` is kept in the step's record only (status code, bytes, final URL), never given to the model.
 */
export interface ToolOutcome {
  output: unknown;
  isError?: boolean;
  meta?: Record<string, unknown>;
}

export type ToolExecutor = ((input: unknown, call: ToolCallContext) => Promise<ToolOutcome>) & {
  /**
   * The executor counts the call against the tool's rate limits itself (server/tools/rate-window.ts admitToolCall) at
   * the one point where the call is admitted: its step waits and runs again, which must not count it again.
   */
  admitsItself?: boolean;
};

/** What the approval policy needs to know of a call before it runs (method and host of an HTTP call). */
export interface CallTarget {
  method?: string;
  host?: string;
}
