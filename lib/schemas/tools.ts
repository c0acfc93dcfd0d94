import { z } from "zod";
import { idSchema } from "./common";
import { text } from "./text";

/**
 * Tools: the workspace's registry, shared by the UI, tRPC, REST and the run engine (server/tools/).
 * A tool is named like a function ([a-z][a-z0-9_]*): agents are granted tools by name (AgentVersion.allowedTools).
 * Built-in tools are the platform's (their definition is fixed; a workspace may only set their limits and approval
 * policy); custom HTTP tools are defined by the workspace; MCP tools are synced from a remote MCP server.
 */
export const TOOL_KINDS = ["builtin", "http", "mcp"] as const;
export type ToolKind = (typeof TOOL_KINDS)[number];

export const BUILTIN_TOOL_NAMES = ["calculator", "current_time", "http_request", "web_fetch", "run_agent", "remember", "recall", "forget"] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

export const TOOL_APPROVAL_STATUSES = ["pending", "approved", "denied", "expired"] as const;
export type ToolApprovalStatus = (typeof TOOL_APPROVAL_STATUSES)[number];

export const TOOL_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
export const HTTP_TOOL_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;

/** Limits: a tool call's timeout and response size, its calls per minute, and what it adds to the ledger. */
export const TOOL_TIMEOUT_MS = { min: 1_000, max: 120_000, default: 30_000 } as const;
export const TOOL_RESPONSE_BYTES = { min: 1_024, max: 5 * 1024 * 1024, default: 256 * 1024 } as const;
/** Tool calls of one agent step, and of a whole run, unless the run's caps say less. */
export const TOOL_CALLS_PER_STEP = 16;
export const TOOL_CALLS_PER_RUN = 100;
/** How long an approval request waits for a decision before it counts as a denial. */
export const APPROVAL_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * run_agent: how long a tool call waits for its sub-run before it gives up (the agent hears so, and the sub-run is
 * cancelled); an upper bound, the sub-run's end wakes the parent at once.
 */
export const SUB_RUN_WAIT_MS = 24 * 60 * 60 * 1000;
/** The most characters of a tool's result the model is given (the rest is cut, and the model is told so). */
export const TOOL_RESULT_MAX_CHARS = 16_000;

export const toolIdSchema = idSchema("tool");
export const toolApprovalIdSchema = idSchema("apr");

export const toolNameSchema = text()
  .trim()
  .regex(TOOL_NAME_PATTERN, "A tool name is 1-64 lowercase letters, digits and underscores, starting with a letter")
  .describe("The tool's name, as agents call it (e.g. lookup_order)");

/** A tool id (tool_...) or name, as in /api/v1/tools/{toolId}. */
export const toolRefSchema = text().trim().min(1, "Name a tool (id or name)").max(80).describe("A tool id (tool_...) or name");

/**
 * When a call needs a person's approval: never, always, or when a rule matches. A rule matches when the call's
 * method is not one of `methodsExcept` (e.g. ["GET"]: anything but GET), or its host is not one of `hostsExcept`;
 * the conditions that are given are or-ed. Tools without a method or host (calculator) match only "always".
 */
export const approvalPolicySchema = z
  .discriminatedUnion("mode", [
    z.strictObject({ mode: z.literal("never") }),
    z.strictObject({ mode: z.literal("always") }),
    z.strictObject({
      mode: z.literal("rule"),
      methodsExcept: z.array(z.enum(HTTP_TOOL_METHODS)).max(5).optional().describe("Calls with any other method need approval"),
      hostsExcept: z.array(text().trim().toLowerCase().min(1).max(253)).max(50).optional().describe("Calls to any other host need approval"),
    }),
  ])
  .meta({ id: "ToolApprovalPolicy", description: "When a call of the tool waits for a person's approval" });
export type ApprovalPolicy = z.infer<typeof approvalPolicySchema>;

/** A JSON Schema for a tool's arguments: an object schema, at most 16 KB as JSON. */
export const toolInputSchemaSchema = z
  .record(z.string(), z.unknown())
  .refine((s) => s.type === "object", 'The arguments\' schema must be an object schema ({"type": "object", ...})')
  .refine((s) => JSON.stringify(s).length <= 16_384, "The arguments' schema is at most 16 KB as JSON")
  .describe("JSON Schema of the tool's arguments (type object)");

/**
 * A custom HTTP tool's request. `{{arg}}` placeholders take the call's arguments: URL-encoded in the URL, as text in
 * header values, JSON-encoded in the body (`{"q": {{query}}}`); with no body template a non-GET request sends the
 * arguments as a JSON object. `{{secret}}` (header values only) is the bound vault secret, filled in only for a request
 * to the bound host.
 */
export const httpToolConfigSchema = z
  .strictObject({
    method: z.enum(HTTP_TOOL_METHODS),
    urlTemplate: text().trim().min(1, "Enter the URL").max(2_000).describe("http(s) URL with {{arg}} placeholders"),
    headers: z.record(text().max(200), text().max(4_000)).default({}).describe("Header templates"),
    bodyTemplate: text().max(32_000).nullable().default(null).describe("Body template (JSON with {{arg}} placeholders); null: the arguments as JSON"),
  })
  .meta({ id: "HttpToolConfig" });
export type HttpToolConfig = z.infer<typeof httpToolConfigSchema>;

const limitsShape = {
  timeoutMs: z
    .number()
    .int()
    .min(TOOL_TIMEOUT_MS.min, "The timeout is at least 1 s")
    .max(TOOL_TIMEOUT_MS.max, "The timeout is at most 120 s")
    .describe("How long one call may take (ms)"),
  maxResponseBytes: z
    .number()
    .int()
    .min(TOOL_RESPONSE_BYTES.min, "The response limit is at least 1 KiB")
    .max(TOOL_RESPONSE_BYTES.max, "The response limit is at most 5 MiB")
    .describe("The most bytes of a response read"),
  rateLimitPerMinute: z.number().int().min(1).max(100_000).nullable().describe("Calls per minute in the workspace (null: no limit)"),
  agentRateLimitPerMinute: z.number().int().min(1).max(100_000).nullable().describe("Calls per minute per agent (null: no limit)"),
  costPerCallUsd: z.number().min(0).max(100).describe("Added to the ledger and budgets for each call"),
  approval: approvalPolicySchema,
};

const customShape = {
  name: toolNameSchema,
  description: text().trim().min(1, "Describe what the tool does (the model reads it)").max(2_000),
  inputSchema: toolInputSchemaSchema,
  enabled: z.boolean(),
  config: httpToolConfigSchema,
  secretId: idSchema("sec").nullable().describe("A vault secret, filled in for {{secret}} only in requests to secretHost"),
  secretHost: text().trim().toLowerCase().min(1).max(253).nullable().describe("The one host the secret is sent to"),
};

/** Create a custom HTTP tool. */
export const createToolInputSchema = z.strictObject({
  kind: z.literal("http").default("http"),
  name: customShape.name,
  description: customShape.description,
  inputSchema: customShape.inputSchema.default({ type: "object", properties: {} }),
  enabled: customShape.enabled.default(true),
  config: customShape.config,
  secretId: customShape.secretId.default(null),
  secretHost: customShape.secretHost.default(null),
  timeoutMs: limitsShape.timeoutMs.default(TOOL_TIMEOUT_MS.default),
  maxResponseBytes: limitsShape.maxResponseBytes.default(TOOL_RESPONSE_BYTES.default),
  rateLimitPerMinute: limitsShape.rateLimitPerMinute.default(null),
  agentRateLimitPerMinute: limitsShape.agentRateLimitPerMinute.default(null),
  costPerCallUsd: limitsShape.costPerCallUsd.default(0),
  approval: limitsShape.approval.default({ mode: "never" }),
});
export type CreateToolInput = z.infer<typeof createToolInputSchema>;

/** Change a tool: any field of a custom tool; only the limits, `enabled` and the approval policy of a built-in or MCP tool. */
export const updateToolInputSchema = z.strictObject({
  name: customShape.name.optional(),
  description: customShape.description.optional(),
  inputSchema: customShape.inputSchema.optional(),
  enabled: customShape.enabled.optional(),
  config: customShape.config.optional(),
  secretId: customShape.secretId.optional(),
  secretHost: customShape.secretHost.optional(),
  timeoutMs: limitsShape.timeoutMs.optional(),
  maxResponseBytes: limitsShape.maxResponseBytes.optional(),
  rateLimitPerMinute: limitsShape.rateLimitPerMinute.optional(),
  agentRateLimitPerMinute: limitsShape.agentRateLimitPerMinute.optional(),
  costPerCallUsd: limitsShape.costPerCallUsd.optional(),
  approval: limitsShape.approval.optional(),
});
export type UpdateToolInput = z.infer<typeof updateToolInputSchema>;

/** tRPC input of tools.get and tools.delete. */
export const toolByRefInputSchema = z.strictObject({ tool: toolRefSchema });
/** tRPC input of tools.update: the patch plus the tool's id or name. */
export const updateToolWithRefInputSchema = z.strictObject({ tool: toolRefSchema, ...updateToolInputSchema.shape });

export const toolSchema = z
  .object({
    /** null: a built-in tool the workspace has not configured (platform defaults) */
    id: z.string().nullable(),
    name: z.string(),
    kind: z.enum(TOOL_KINDS),
    description: z.string(),
    inputSchema: z.record(z.string(), z.unknown()),
    enabled: z.boolean(),
    config: httpToolConfigSchema.nullable(),
    secretId: z.string().nullable(),
    secretName: z.string().nullable(),
    secretHost: z.string().nullable(),
    timeoutMs: z.number(),
    maxResponseBytes: z.number(),
    rateLimitPerMinute: z.number().nullable(),
    agentRateLimitPerMinute: z.number().nullable(),
    costPerCallUsd: z.number(),
    approval: approvalPolicySchema,
    /** agents whose current version is granted the tool */
    grantedTo: z.array(z.object({ agentId: z.string(), slug: z.string(), name: z.string() })),
    createdAt: z.date().nullable(),
    updatedAt: z.date().nullable(),
  })
  .meta({ id: "Tool", description: "A tool of the workspace's registry" });
export type ToolOut = z.infer<typeof toolSchema>;

export const toolApprovalSchema = z
  .object({
    id: z.string(),
    runId: z.string(),
    stepId: z.string(),
    toolName: z.string(),
    agentSlug: z.string(),
    input: z.unknown(),
    reason: z.string(),
    status: z.enum(TOOL_APPROVAL_STATUSES),
    expiresAt: z.date(),
    decidedBy: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }).nullable(),
    decidedAt: z.date().nullable(),
    note: z.string().nullable(),
    createdAt: z.date(),
  })
  .meta({ id: "ToolApproval", description: "A tool call waiting for (or decided by) a person" });
export type ToolApprovalOut = z.infer<typeof toolApprovalSchema>;

export const decideApprovalInputSchema = z.strictObject({
  decision: z.enum(["approve", "deny"]),
  note: text().trim().max(2_000).optional().describe("Why (given to the agent with a denial)"),
});

/**
 * A test call of a tool by a person (the Tools page's "Test call", POST /api/v1/tools/{toolId}/test): the arguments
 * as the model would give them. It really runs (an HTTP tool sends its request), with no approval and no rate count.
 */
export const testToolInputSchema = z.strictObject({
  input: z.record(z.string(), z.unknown()).default({}).describe("The call's arguments (checked against the tool's schema)"),
});
/** tRPC input of tools.test: the arguments plus the tool's id or name. */
export const testToolWithRefInputSchema = z.strictObject({ tool: toolRefSchema, ...testToolInputSchema.shape });

export const toolTestResultSchema = z
  .object({
    /** the result as the model would read it (text, cut to TOOL_RESULT_MAX_CHARS); untrusted */
    output: z.string(),
    isError: z.boolean(),
    durationMs: z.number(),
    /** the executor's details (status code, bytes, final URL), as a run's trace keeps them */
    meta: z.record(z.string(), z.unknown()).nullable(),
  })
  .meta({ id: "ToolTestResult", description: "What a test call of a tool returned (untrusted text)" });
export type ToolTestResult = z.infer<typeof toolTestResultSchema>;
