/**
 * The tools of the hosted MCP endpoint: one per offered agent or team, plus the run and memory tools. Arguments are
 * checked with zod; a failure the caller can act on (bad arguments, a permission, a budget, a run that failed) is a
 * tool result with `isError`, as MCP asks, never an internal detail.
 */
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import { McpError, ErrorCode } from "@modelcontextprotocol/sdk/types.js";
import { z, ZodError } from "zod";
import { AppError, GENERIC_INTERNAL_MESSAGE } from "@/lib/errors";
import type { Permission } from "@/lib/permissions";
import { memoryScopeSchema } from "@/lib/schemas/memory";
import { runIdSchema, TERMINAL_RUN_STATUSES, type RunDetailOut, type RunOut } from "@/lib/schemas/runs";
import { logger } from "@/server/logger";
import { recall } from "@/server/memory/recall";
import { cancelRun, getRun, startRun } from "@/server/runs/service";
import { exposedTargets, type ExposedTarget } from "./exposure";
import { followRun, type RunProgress } from "./follow-run";
import { auditCall as audit, type McpCallContext } from "./call-context";

/** the longest an agent or team tool call (or get_run's wait) follows its run before answering with its id */
export const MCP_FOLLOW_MAX_MS = 10 * 60_000;

export const targetToolName = (t: Pick<ExposedTarget, "type" | "slug">) => `${t.type}_${t.slug}`;

const subject = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:@-]{1,200}$/, "letters, digits and _ . : @ - (at most 200)");
const targetArgs = z.object({ input: z.string().trim().min(1).max(100_000), subject: subject.optional() });
const startArgs = targetArgs.extend({ target: z.string().trim().min(1).max(100).describe("agent:<slug>, team:<slug>, or a tool name agent_<slug>") });
const runArgs = z.object({ runId: runIdSchema });
const getRunArgs = runArgs.extend({ wait: z.number().int().min(0).max(600).optional() });
const recallArgs = z.object({
  query: z.string().trim().min(1).max(2000),
  scopes: z.array(memoryScopeSchema).min(1).max(20).optional(),
  k: z.number().int().min(1).max(50).optional(),
});

interface ToolDefinition {
  tool: Tool;
  requires: Permission[];
}

const object = (properties: Record<string, object>, required: string[] = []) => ({ type: "object" as const, properties, required });

export const TOOL_DEFINITIONS: ToolDefinition[] = [
  {
    requires: ["agents:read", "teams:read"],
    tool: {
      name: "list_agents",
      title: "List agents and teams",
      description: "The agents and teams of this Cadre workspace offered over MCP, with the tool that runs each.",
      inputSchema: object({}),
      annotations: { readOnlyHint: true },
    },
  },
  {
    requires: ["runs:create"],
    tool: {
      name: "start_run",
      title: "Start a run",
      description: "Starts a run of an offered agent or team and answers at once with its id (follow it with get_run).",
      inputSchema: object(
        {
          target: { type: "string", description: "agent:<slug> or team:<slug> (or the tool name agent_<slug>)" },
          input: { type: "string", description: "The task" },
          subject: { type: "string", description: "Optional: the end user or customer the run serves" },
        },
        ["target", "input"],
      ),
      annotations: { readOnlyHint: false, destructiveHint: false },
    },
  },
  {
    requires: ["runs:read"],
    tool: {
      name: "get_run",
      title: "Get a run",
      description: "A run's status, output and cost. With `wait` (seconds), follows it (with progress) until it ends or the wait is over.",
      inputSchema: object({ runId: { type: "string" }, wait: { type: "integer", minimum: 0, maximum: 600 } }, ["runId"]),
      annotations: { readOnlyHint: true },
    },
  },
  {
    requires: ["runs:cancel"],
    tool: {
      name: "cancel_run",
      title: "Cancel a run",
      description: "Asks a queued or running run to stop.",
      inputSchema: object({ runId: { type: "string" } }, ["runId"]),
      annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true },
    },
  },
  {
    requires: ["memory:read"],
    tool: {
      name: "recall_memory",
      title: "Recall memory",
      description: "Searches the workspace's memory (hybrid vector and full-text recall); each result says why it ranked.",
      inputSchema: object(
        {
          query: { type: "string" },
          scopes: {
            type: "array",
            items: object({ type: { type: "string", enum: ["workspace", "team", "agent", "subject", "session"] }, id: { type: "string" } }, ["type"]),
          },
          k: { type: "integer", minimum: 1, maximum: 50 },
        },
        ["query"],
      ),
      annotations: { readOnlyHint: true },
    },
  },
];

const text = (value: unknown, isError = false): CallToolResult => ({
  content: [{ type: "text", text: typeof value === "string" ? value : JSON.stringify(value, null, 2) }],
  ...(isError ? { isError: true } : {}),
});

function runSummary(run: RunOut | RunDetailOut) {
  return {
    runId: run.id,
    target: run.agent ? `agent:${run.agent.slug}` : `team:${run.team?.slug}`,
    status: run.status,
    output: run.output,
    error: run.error,
    costUsd: run.costUsd,
    durationMs: run.durationMs,
    stepsDone: run.stepsDone,
    stepsExpected: run.stepsExpected,
  };
}

/** What the caller can act on, as the tool's error text; anything else is logged and answered generically. */
function failure(error: unknown, requestId: string | undefined): CallToolResult {
  if (error instanceof ZodError)
    return text(`Invalid arguments: ${error.issues.map((i) => `${i.path.join(".") || "arguments"}: ${i.message}`).join("; ")}`, true);
  if (error instanceof AppError && error.exposeMessage) return text(`${error.code}: ${error.message}`, true);
  logger.error({ err: error, requestId }, "MCP tool call failed");
  return text(`${GENERIC_INTERNAL_MESSAGE}${requestId ? ` (request ${requestId})` : ""}`, true);
}

async function findTarget(call: McpCallContext, ref: string): Promise<ExposedTarget | undefined> {
  const [type, slug] = ref.includes(":") ? ref.split(":", 2) : [ref.split("_", 1)[0], ref.slice(ref.indexOf("_") + 1)];
  return (await exposedTargets(call.ctx)).find((t) => t.exposed && t.type === type && t.slug === slug);
}

interface CallOptions {
  signal: AbortSignal;
  progress?: (p: RunProgress) => Promise<void>;
  /** a followed call is about to start its run (recorded, so that a cancellation from another process finds it) */
  onRunStarting?: () => Promise<void>;
  /** the run a followed call started, as soon as it is started (attached to the record) */
  onRunStarted?: (runId: string) => Promise<void>;
}

async function runTarget(
  call: McpCallContext,
  target: ExposedTarget,
  args: z.output<typeof targetArgs>,
  options: CallOptions,
  follow: boolean,
): Promise<CallToolResult> {
  if (follow) await options.onRunStarting?.();
  const run = await startRun(
    call.ctx,
    { [target.type]: target.id, input: args.input, ...(args.subject ? { subject: args.subject } : {}) },
    { watched: follow },
  );
  await audit(call, {
    action: "mcp.call",
    targetType: "run",
    targetId: run.id,
    metadata: { method: "tools/call", tool: follow ? targetToolName(target) : "start_run", target: `${target.type}:${target.slug}` },
  });
  if (!follow) return text(runSummary(run));
  await options.onRunStarted?.(run.id);
  const ended = await followRun(call.ctx, run.id, { signal: options.signal, timeoutMs: MCP_FOLLOW_MAX_MS, onProgress: options.progress });
  if (options.signal.aborted && !TERMINAL_RUN_STATUSES.includes(ended.status)) {
    return text(runSummary(await cancelRun(call.ctx, run.id)), true);
  }
  if (ended.status === "succeeded") {
    return {
      content: [
        { type: "text", text: ended.output ?? "" },
        { type: "resource_link", uri: `cadre://runs/${run.id}`, name: `Run ${run.id}`, mimeType: "application/json" },
      ],
    };
  }
  if (!TERMINAL_RUN_STATUSES.includes(ended.status)) return text({ ...runSummary(ended), note: "Still running: follow it with get_run" });
  return text(runSummary(ended), true);
}

function need(call: McpCallContext, permission: Permission): void {
  if (!call.ctx.permissions.has(permission)) throw new AppError("FORBIDDEN", `This key or role does not allow ${permission}`);
}

export async function callTool(call: McpCallContext, name: string, args: Record<string, unknown>, options: CallOptions): Promise<CallToolResult> {
  const { ctx } = call;
  try {
    switch (name) {
      case "list_agents": {
        need(call, "agents:read");
        const targets = (await exposedTargets(ctx)).filter((t) => t.exposed);
        await audit(call, { action: "mcp.call", targetType: "workspace", targetId: ctx.workspaceId, metadata: { method: "tools/call", tool: name } });
        return text(targets.map((t) => ({ type: t.type, slug: t.slug, name: t.name, description: t.description, tool: targetToolName(t) })));
      }
      case "start_run": {
        const parsed = startArgs.parse(args);
        const target = await findTarget(call, parsed.target);
        if (!target) throw new AppError("NOT_FOUND", `No agent or team "${parsed.target}" is offered over MCP in this workspace`);
        return await runTarget(call, target, parsed, options, false);
      }
      case "get_run": {
        need(call, "runs:read");
        const parsed = getRunArgs.parse(args);
        const run = parsed.wait
          ? await followRun(ctx, parsed.runId, { signal: options.signal, timeoutMs: parsed.wait * 1000, onProgress: options.progress })
          : await getRun(ctx, parsed.runId, { stepsLimit: 1 });
        await audit(call, { action: "mcp.call", targetType: "run", targetId: run.id, metadata: { method: "tools/call", tool: name } });
        return text(runSummary(run));
      }
      case "cancel_run": {
        need(call, "runs:cancel");
        const parsed = runArgs.parse(args);
        const run = await cancelRun(ctx, parsed.runId);
        await audit(call, { action: "mcp.call", targetType: "run", targetId: run.id, metadata: { method: "tools/call", tool: name } });
        return text(runSummary(run));
      }
      case "recall_memory": {
        need(call, "memory:read");
        const parsed = recallArgs.parse(args);
        const found = await recall(ctx, { query: parsed.query, ...(parsed.scopes ? { scopes: parsed.scopes } : {}), ...(parsed.k ? { k: parsed.k } : {}) });
        await audit(call, { action: "mcp.call", targetType: "workspace", targetId: ctx.workspaceId, metadata: { method: "tools/call", tool: name } });
        return text({
          embeddingModel: found.embeddingModel,
          results: found.results.map((r) => ({ id: r.memory.id, content: r.memory.content, scope: r.memory.scope, kind: r.memory.kind, score: r.why.score })),
        });
      }
      default: {
        const target = /^(agent|team)_/.test(name) ? await findTarget(call, name) : undefined;
        if (!target) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
        return await runTarget(call, target, targetArgs.parse(args), options, true);
      }
    }
  } catch (error) {
    if (error instanceof McpError) throw error;
    return failure(error, ctx.requestId);
  }
}
