/**
 * The MCP server of one request to a workspace's endpoint (stateless: built per request, for the caller's tenant
 * context). It offers:
 * - tools: each agent and team marked "available over MCP" (`agent_<slug>`, `team_<slug>`: starts a run, sends
 *   progress while it runs, answers its output; a cancelled call cancels the run), and `list_agents`, `start_run`,
 *   `get_run` (optionally waiting), `cancel_run`, `recall_memory`;
 * - resources: the offered agents (`cadre://agents/<slug>`) and the workspace's recent runs (`cadre://runs/<id>`);
 * - prompts: the instructions of agents marked shareable.
 * Every service call is the REST API's, with the same tenant context: permissions and budgets apply as there. Tool
 * calls, resource reads and prompt gets are audited with the client's name.
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  type CallToolResult,
  type Tool,
} from "@modelcontextprotocol/sdk/types.js";
import type { Permission } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { getAgent } from "@/server/agents/service";
import { logger } from "@/server/logger";
import { listRuns, getRun } from "@/server/runs/service";
import { exposedTargets, type ExposedTarget } from "./exposure";
import { auditCall as audit, type McpCallContext } from "./call-context";
import type { RecordedCall } from "./call-runs";
import { callTool, TOOL_DEFINITIONS, targetToolName } from "./tools";

export const SERVER_INFO = { name: "cadre", title: "Cadre", version: "1.0.0" } as const;
const RECENT_RUNS = 20;

function allowed(ctx: TenantContext, permission: Permission): boolean {
  return ctx.permissions.has(permission);
}

function targetTool(t: ExposedTarget): Tool {
  const what = t.type === "agent" ? "agent" : "team of agents";
  return {
    name: targetToolName(t),
    title: t.name,
    description: `${t.description || t.name} (Cadre ${what} "${t.slug}": runs it and answers its output.)`,
    inputSchema: {
      type: "object",
      properties: {
        input: { type: "string", description: `The task for the ${what}`, minLength: 1 },
        subject: { type: "string", description: "Optional: the end user or customer the run serves (e.g. customer:42), for its memory" },
      },
      required: ["input"],
    },
    annotations: { title: t.name, readOnlyHint: false, destructiveHint: false, openWorldHint: true },
  };
}

export function buildMcpServer(call: McpCallContext): Server {
  const { ctx } = call;
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: false }, resources: {}, prompts: {}, logging: {} },
    instructions: `Cadre workspace "${ctx.workspaceSlug}": its agents and teams as tools. A call runs the agent or team and answers its output; long runs report progress.`,
  });
  // a stateless endpoint keeps no per-client level; accepted so that clients may set it
  server.setRequestHandler(SetLevelRequestSchema, async () => ({}));

  server.setRequestHandler(ListToolsRequestSchema, async () => {
    const targets = allowed(ctx, "runs:create") ? (await exposedTargets(ctx)).filter((t) => t.exposed) : [];
    const builtins = TOOL_DEFINITIONS.filter((d) => d.requires.every((p) => allowed(ctx, p))).map((d) => d.tool);
    return { tools: [...targets.map(targetTool), ...builtins] };
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const abort = new AbortController();
    const release = call.registerCall(extra.requestId, abort);
    const onAbort = () => abort.abort();
    extra.signal.addEventListener("abort", onAbort, { once: true });
    let recorded: RecordedCall | undefined;
    try {
      const progressToken = request.params._meta?.progressToken;
      return await callTool(call, request.params.name, request.params.arguments ?? {}, {
        signal: abort.signal,
        // without the record, a cancellation reaching another process finds nothing: the call goes on all the same
        onRunStarting: async () => {
          recorded = await call.recordCall(extra.requestId).catch((error: unknown) => {
            logger.warn({ err: error, requestId: ctx.requestId }, "MCP call not recorded");
            return undefined;
          });
        },
        onRunStarted: async (runId) => {
          const cancelled = await recorded?.attach(runId).catch((error: unknown) => {
            logger.warn({ err: error, requestId: ctx.requestId, runId }, "MCP call's run not recorded");
            return false;
          });
          // another process received the call's cancellation before its run was attached: cancel it from here
          if (cancelled) abort.abort();
        },
        progress:
          progressToken === undefined
            ? undefined
            : async (p) => {
                await extra.sendNotification({ method: "notifications/progress", params: { progressToken, ...p } });
              },
      });
    } finally {
      extra.signal.removeEventListener("abort", onAbort);
      release();
      await recorded
        ?.forget()
        .catch((error: unknown) => logger.warn({ err: error, requestId: ctx.requestId }, "MCP call's run record not deleted (it expires)"));
    }
  });

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const agents = allowed(ctx, "agents:read") ? (await exposedTargets(ctx)).filter((t) => t.type === "agent" && t.exposed) : [];
    const runs = allowed(ctx, "runs:read") ? (await listRuns(ctx, { limit: RECENT_RUNS })).items : [];
    return {
      resources: [
        ...agents.map((a) => ({ uri: `cadre://agents/${a.slug}`, name: a.name, description: a.description || undefined, mimeType: "application/json" })),
        ...runs.map((r) => ({
          uri: `cadre://runs/${r.id}`,
          name: `Run ${r.id} (${r.agent?.slug ?? r.team?.slug ?? "?"}, ${r.status})`,
          mimeType: "application/json",
        })),
      ],
    };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: [
      { uriTemplate: "cadre://runs/{runId}", name: "A run", description: "A run of the workspace: status, output, cost", mimeType: "application/json" },
      { uriTemplate: "cadre://agents/{slug}", name: "An agent", description: "An agent offered over MCP", mimeType: "application/json" },
    ],
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request) => {
    const uri = request.params.uri;
    const run = /^cadre:\/\/runs\/([A-Za-z0-9_]{1,64})$/.exec(uri);
    const agent = /^cadre:\/\/agents\/([a-z0-9-]{1,64})$/.exec(uri);
    let body: unknown;
    if (run) {
      if (!allowed(ctx, "runs:read")) throw new McpError(ErrorCode.InvalidParams, "Your key or role does not allow runs:read");
      body = await getRun(ctx, run[1]!, { stepsLimit: 50 }).catch(() => {
        throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found`);
      });
      await audit(call, { action: "mcp.call", targetType: "run", targetId: run[1]!, metadata: { method: "resources/read", uri } });
    } else if (agent) {
      const offered = allowed(ctx, "agents:read") ? (await exposedTargets(ctx)).find((t) => t.type === "agent" && t.slug === agent[1] && t.exposed) : undefined;
      if (!offered) throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found`);
      const a = await getAgent(ctx, offered.id);
      body = {
        slug: a.slug,
        name: a.name,
        description: a.roleDescription,
        currentVersion: a.currentVersion,
        modelPolicy: a.modelPolicy,
        allowedTools: a.allowedTools,
        ...(a.mcpSharePrompt ? { instructions: a.instructions } : {}),
      };
      await audit(call, { action: "mcp.call", targetType: "agent", targetId: a.id, metadata: { method: "resources/read", uri } });
    } else {
      throw new McpError(ErrorCode.InvalidParams, `Resource ${uri} not found`);
    }
    return { contents: [{ uri, mimeType: "application/json", text: JSON.stringify(body, null, 2) }] };
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => {
    const shared = allowed(ctx, "agents:read") ? (await exposedTargets(ctx)).filter((t) => t.instructions !== null) : [];
    return {
      prompts: shared.map((a) => ({
        name: targetToolName(a),
        title: a.name,
        description: `The instructions of the Cadre agent "${a.slug}"${a.description ? `: ${a.description}` : ""}`,
        arguments: [{ name: "task", description: "Optional: a task to append after the instructions", required: false }],
      })),
    };
  });

  server.setRequestHandler(GetPromptRequestSchema, async (request) => {
    const shared = allowed(ctx, "agents:read")
      ? (await exposedTargets(ctx)).find((t) => t.instructions !== null && targetToolName(t) === request.params.name)
      : undefined;
    if (!shared) throw new McpError(ErrorCode.InvalidParams, `Prompt ${request.params.name} not found`);
    const task = request.params.arguments?.task?.trim();
    await audit(call, { action: "mcp.call", targetType: "agent", targetId: shared.id, metadata: { method: "prompts/get", prompt: request.params.name } });
    return {
      description: `The instructions of the Cadre agent "${shared.slug}"`,
      messages: [{ role: "user" as const, content: { type: "text" as const, text: task ? `${shared.instructions}\n\n${task}` : shared.instructions! } }],
    };
  });

  return server;
}
