/**
 * The registry as the run engine reads it: an agent's granted tool names resolved to their definitions and limits
 * (built-ins: the platform's definition with the workspace's settings row, if any; custom and MCP tools: their rows).
 * Read again when a call executes: a tool disabled or deleted since the step began is refused then.
 */
import { approvalPolicySchema, httpToolConfigSchema } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { sql, type Sql } from "@/server/db/sql";
import type { WorkspaceEgressLists } from "@/server/egress";
import { BUILTIN_DEFINITIONS, isBuiltinName } from "./builtin/definitions";
import type { ResolvedTool } from "./types";

type ToolRow = {
  id: string;
  name: string;
  kind: string;
  description: string;
  inputSchema: unknown;
  enabled: boolean;
  config: unknown;
  secretId: string | null;
  secretHost: string | null;
  timeoutMs: number;
  maxResponseBytes: number;
  rateLimitPerMinute: number | null;
  agentRateLimitPerMinute: number | null;
  costPerCallUsd: { toString(): string };
  approval: unknown;
  /** kind mcp (optional: callers that select fewer columns get no `mcp` and, for an mcp row, a disabled tool) */
  mcpServerId?: string | null;
  remoteName?: string | null;
  pendingDefinition?: unknown;
};

const asObject = (value: unknown): Record<string, unknown> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { type: "object" };

/** A registry row (or none, for a built-in with its defaults) as the engine uses it. */
export function resolvedOf(name: string, row: ToolRow | null): ResolvedTool | null {
  const approval = row ? approvalPolicySchema.safeParse(row.approval) : null;
  if (isBuiltinName(name)) {
    const d = BUILTIN_DEFINITIONS[name];
    return {
      id: row?.id ?? null,
      name,
      kind: "builtin",
      description: d.description,
      inputSchema: d.inputSchema,
      enabled: row?.enabled ?? true,
      timeoutMs: row?.timeoutMs ?? d.timeoutMs,
      maxResponseBytes: row?.maxResponseBytes ?? d.maxResponseBytes,
      rateLimitPerMinute: row?.rateLimitPerMinute ?? null,
      agentRateLimitPerMinute: row?.agentRateLimitPerMinute ?? null,
      costPerCallUsd: row ? Number(row.costPerCallUsd.toString()) : 0,
      approval: approval?.success ? approval.data : d.approval,
    };
  }
  if (!row || (row.kind !== "http" && row.kind !== "mcp")) return null;
  const config = row.kind === "http" ? httpToolConfigSchema.safeParse(row.config) : null;
  // an MCP tool is usable only with its server and without a changed definition waiting for review (tool poisoning)
  const mcp = row.kind === "mcp" && row.mcpServerId && row.remoteName ? { serverId: row.mcpServerId, remoteName: row.remoteName } : null;
  const mcpUsable = row.kind !== "mcp" || (mcp !== null && (row.pendingDefinition === null || row.pendingDefinition === undefined));
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    description: row.description,
    inputSchema: asObject(row.inputSchema),
    // a custom tool whose stored request no longer parses is never executed
    enabled: row.enabled && (config === null || config.success) && mcpUsable,
    timeoutMs: row.timeoutMs,
    maxResponseBytes: row.maxResponseBytes,
    rateLimitPerMinute: row.rateLimitPerMinute,
    agentRateLimitPerMinute: row.agentRateLimitPerMinute,
    costPerCallUsd: Number(row.costPerCallUsd.toString()),
    approval: approval?.success ? approval.data : { mode: "always" },
    ...(config?.success ? { http: { config: config.data, secretId: row.secretId, secretHost: row.secretHost } } : {}),
    ...(mcp ? { mcp } : {}),
  };
}

/** The named tools that exist in the workspace (a name that does not is left out of the map). */
export async function resolveTools(ctx: Pick<TenantContext, "workspaceId">, names: readonly string[]): Promise<Map<string, ResolvedTool>> {
  const out = new Map<string, ResolvedTool>();
  if (names.length === 0) return out;
  const rows = await db(ctx).tool.findMany({ where: { workspaceId: ctx.workspaceId, name: { in: [...new Set(names)] } } });
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const name of names) {
    const tool = resolvedOf(name, byName.get(name) ?? null);
    if (tool) out.set(name, tool);
  }
  return out;
}

/**
 * What a call needs from the database when it executes, in ONE statement: the tool's row as it is now (none: a
 * built-in with its defaults, or a tool deleted since) and the workspace's egress lists. The run engine queues it
 * behind the call step's start on the run's writer (one round trip that also commits the run's pending writes). The
 * statement is the function cadre_tool_for_call (prisma/migrations/20261212_700_tool_call_speed): its plan is kept
 * per connection.
 */
export function toolForCallSql(workspaceId: string, name: string): Sql {
  return sql`SELECT * FROM cadre_tool_for_call(${workspaceId}, ${name})`;
}

/** The tool (null: it does not exist) and the egress lists (null: no workspace row) from `toolForCallSql`'s rows. */
export function toolForCallOf(name: string, rows: readonly Record<string, unknown>[]): { tool: ResolvedTool | null; egressLists: WorkspaceEgressLists | null } {
  const row = rows[0];
  if (!row) return { tool: resolvedOf(name, null), egressLists: null };
  const egressLists = { allowHosts: (row.egressAllowHosts as string[] | null) ?? [], denyHosts: (row.egressDenyHosts as string[] | null) ?? [] };
  return { tool: resolvedOf(name, row.id === null || row.id === undefined ? null : (row as unknown as ToolRow)), egressLists };
}
