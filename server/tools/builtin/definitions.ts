/**
 * The built-in tools' definitions as models are offered them (name, description, JSON Schema of the arguments) and
 * their default limits. Their executors are in this folder (./index.ts maps names to them). A workspace may change a
 * built-in's limits and approval policy (a Tool row of kind "builtin"), never its definition.
 */
import { MAX_RUN_INPUT } from "@/lib/schemas/runs";
import { TOOL_RESPONSE_BYTES, TOOL_TIMEOUT_MS, type ApprovalPolicy, type BuiltinToolName } from "@/lib/schemas/tools";

export interface BuiltinDefinition {
  name: BuiltinToolName;
  description: string;
  inputSchema: Record<string, unknown>;
  timeoutMs: number;
  maxResponseBytes: number;
  approval: ApprovalPolicy;
}

const object = (properties: Record<string, unknown>, required: string[]) => ({ type: "object", properties, required, additionalProperties: false });

export const BUILTIN_DEFINITIONS: Record<BuiltinToolName, BuiltinDefinition> = {
  calculator: {
    name: "calculator",
    description: "Evaluates a math expression (arithmetic, functions such as sqrt and log, units such as '5 cm to inch') and returns the result.",
    inputSchema: object({ expression: { type: "string", description: "The expression, e.g. (3 + 4) * 2 / 7", maxLength: 1000 } }, ["expression"]),
    timeoutMs: 2_000,
    maxResponseBytes: TOOL_RESPONSE_BYTES.min * 16,
    approval: { mode: "never" },
  },
  current_time: {
    name: "current_time",
    description: "Returns the current date and time (ISO 8601), in UTC or in the given IANA time zone.",
    inputSchema: object({ timeZone: { type: "string", description: "An IANA time zone, e.g. Europe/Paris (default UTC)", maxLength: 64 } }, []),
    timeoutMs: TOOL_TIMEOUT_MS.min,
    maxResponseBytes: TOOL_RESPONSE_BYTES.min,
    approval: { mode: "never" },
  },
  http_request: {
    name: "http_request",
    description: "Makes an HTTP request to a public URL and returns the status, headers and body (text, cut to a limit).",
    inputSchema: object(
      {
        method: { type: "string", enum: ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"], description: "Default GET" },
        url: { type: "string", description: "An http(s) URL", maxLength: 2000 },
        headers: { type: "object", additionalProperties: { type: "string" }, description: "Request headers" },
        body: { type: "string", description: "Request body", maxLength: 100_000 },
      },
      ["url"],
    ),
    timeoutMs: TOOL_TIMEOUT_MS.default,
    maxResponseBytes: TOOL_RESPONSE_BYTES.default,
    approval: { mode: "rule", methodsExcept: ["GET"] },
  },
  web_fetch: {
    name: "web_fetch",
    description: "Fetches a public web page and returns its readable text as Markdown (title, then the article).",
    inputSchema: object({ url: { type: "string", description: "An http(s) URL", maxLength: 2000 } }, ["url"]),
    timeoutMs: TOOL_TIMEOUT_MS.default,
    maxResponseBytes: 2 * 1024 * 1024,
    approval: { mode: "never" },
  },
  run_agent: {
    name: "run_agent",
    description:
      "Runs another agent or team of this workspace on a task, as a sub-run within this run's budget, and returns its answer. Name exactly one of agent or team (its slug).",
    inputSchema: object(
      {
        agent: { type: "string", description: "The slug of the agent to run", maxLength: 80 },
        team: { type: "string", description: "The slug of the team to run", maxLength: 80 },
        input: { type: "string", description: "The task for the sub-run", minLength: 1, maxLength: MAX_RUN_INPUT },
      },
      ["input"],
    ),
    // the call only starts the sub-run (the wait for it is durable, not under this timeout)
    timeoutMs: TOOL_TIMEOUT_MS.default,
    maxResponseBytes: TOOL_RESPONSE_BYTES.default,
    approval: { mode: "never" },
  },
  remember: {
    name: "remember",
    description: "Remembers a fact for later runs (in this agent's memory scope, as its memory policy says). Say it so that it stands alone: who, what, when.",
    inputSchema: object(
      {
        content: { type: "string", description: "What to remember", minLength: 1, maxLength: 8000 },
        importance: { type: "number", minimum: 0, maximum: 1, description: "How much it matters, 0 to 1 (default 0.5)" },
      },
      ["content"],
    ),
    timeoutMs: TOOL_TIMEOUT_MS.default,
    maxResponseBytes: TOOL_RESPONSE_BYTES.min,
    approval: { mode: "never" },
  },
  recall: {
    name: "recall",
    description: "Searches this agent's memories (the scopes its memory policy reads) and returns the best matches with their ids.",
    inputSchema: object(
      {
        query: { type: "string", description: "What to look for", minLength: 1, maxLength: 2000 },
        k: { type: "integer", minimum: 1, maximum: 10, description: "How many memories (default 5)" },
      },
      ["query"],
    ),
    timeoutMs: TOOL_TIMEOUT_MS.default,
    maxResponseBytes: TOOL_RESPONSE_BYTES.default,
    approval: { mode: "never" },
  },
  forget: {
    name: "forget",
    description: "Deletes one of this agent's memories by its id (a memory outside its scopes cannot be forgotten).",
    inputSchema: object({ memoryId: { type: "string", description: "The memory's id (memo_...)", maxLength: 64 } }, ["memoryId"]),
    timeoutMs: TOOL_TIMEOUT_MS.default,
    maxResponseBytes: TOOL_RESPONSE_BYTES.min,
    approval: { mode: "never" },
  },
};

export function isBuiltinName(name: string): name is BuiltinToolName {
  return Object.hasOwn(BUILTIN_DEFINITIONS, name);
}
