/** A tool call's context for executor tests: a built-in's resolved definition (or a given tool) and a fake tenant. */
import type { TenantContext } from "@/server/context";
import { BUILTIN_DEFINITIONS } from "@/server/tools/builtin/definitions";
import type { ResolvedTool, ToolCallContext } from "@/server/tools/types";
import type { BuiltinToolName } from "@/lib/schemas/tools";

export function builtinTool(name: BuiltinToolName, overrides: Partial<ResolvedTool> = {}): ResolvedTool {
  const d = BUILTIN_DEFINITIONS[name];
  return {
    id: null,
    name,
    kind: "builtin",
    description: d.description,
    inputSchema: d.inputSchema,
    enabled: true,
    timeoutMs: d.timeoutMs,
    maxResponseBytes: d.maxResponseBytes,
    rateLimitPerMinute: null,
    agentRateLimitPerMinute: null,
    costPerCallUsd: 0,
    approval: d.approval,
    ...overrides,
  };
}

export function toolCall(tool: ResolvedTool, overrides: Partial<ToolCallContext> = {}): ToolCallContext {
  const ctx = { workspaceId: "wsp_test", workspaceSlug: "test", role: "owner", permissions: new Set() } as unknown as TenantContext;
  return {
    ctx,
    runId: "run_test",
    stepId: "stp_test",
    idempotencyKey: "run_test:stp_test",
    agentId: "agt_test",
    abortSignal: new AbortController().signal,
    egressLists: null,
    tool,
    ...overrides,
  };
}
