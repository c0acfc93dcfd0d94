import { z } from "zod";
import { promotionRuleSchema } from "./promotion";
import { displayName, intColumn, text } from "./text";
import { modelPolicySchema } from "./model-policy";
import { paginationShape } from "./common";
import { contextBudgetSchema } from "./context-budget";
import { approvalPolicySchema, toolNameSchema, type ApprovalPolicy } from "./tools";
import { memoryPolicySchema } from "./memory-policy";
import { qualityGateSchema } from "./quality-gate";

/**
 * Agents: shared by the UI, tRPC, REST and MCP. Every save of an agent is a new immutable version; the slug
 * names the agent in team specs and never changes (an archived agent keeps its slug).
 */
export const AGENT_SLUG_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const MAX_INSTRUCTIONS = 20_000;
/** the most output tokens an agent may ask for (also the most room a cut answer gets on its retry) */
export const MAX_OUTPUT_TOKENS = 32_000;
export const DEFAULT_MODEL_POLICY = { type: "preset", preset: "balanced" } as const;
/** A step waits this long in all (seconds) for its providers to recover from an outage, unless its agent says otherwise. */
export const DEFAULT_OUTAGE_WAIT_SECONDS = 120;
/** an agent's own model-call timeout is at most the egress guard's 10 minutes */
export const MAX_CALL_TIMEOUT_SECONDS = 600;
export const MAX_OUTAGE_WAIT_SECONDS = 3600;
/** the most tools one agent version may be granted */
export const MAX_AGENT_TOOLS = 32;

export const agentSlugSchema = text()
  .trim()
  .regex(AGENT_SLUG_PATTERN, "A slug is 1-63 lowercase letters, digits and dashes, starting with a letter or digit")
  .describe("The agent's name in team specs, e.g. researcher");

/** An agent id (agt_...) or slug, as in /api/v1/agents/{agentId}. */
export const agentRefSchema = text().trim().min(1, "Name an agent (id or slug)").max(80).describe("An agent id (agt_...) or slug");

const agentFieldsShape = {
  name: displayName().trim().min(1, "Enter a name").max(120, "A name has at most 120 characters"),
  roleDescription: text().max(2_000, "A role description has at most 2000 characters").describe("What the agent is for, shown to other agents and people"),
  instructions: text().max(MAX_INSTRUCTIONS, `Instructions have at most ${MAX_INSTRUCTIONS} characters`).describe("The agent's system prompt"),
  modelPolicy: modelPolicySchema,
  maxOutputTokens: z
    .number()
    .int("Max output tokens is a whole number")
    .min(1, "Max output tokens is at least 1")
    .max(MAX_OUTPUT_TOKENS, `Max output tokens is at most ${MAX_OUTPUT_TOKENS}`),
  temperature: z.number().min(0, "Temperature is between 0 and 2").max(2, "Temperature is between 0 and 2"),
  outageWaitSeconds: z
    .number()
    .int("The outage wait is a whole number of seconds")
    .min(0, "The outage wait is at least 0 seconds")
    .max(MAX_OUTAGE_WAIT_SECONDS, `The outage wait is at most ${MAX_OUTAGE_WAIT_SECONDS} seconds`)
    .describe("How long a step of this agent waits in all for its model providers to recover from an outage before it fails (0: fail at once)"),
  callTimeoutSeconds: z
    .number()
    .int("The call timeout is a whole number of seconds")
    .min(1, "The call timeout is at least 1 second")
    .max(MAX_CALL_TIMEOUT_SECONDS, `The call timeout is at most ${MAX_CALL_TIMEOUT_SECONDS} seconds`)
    .nullable()
    .describe("How long one model call of this agent may take in all (seconds); null: scaled to its output budget (60 s + 40 ms per output token)"),
  /** how other agents' outputs are fitted into this agent's context budget; null: the team's option */
  contextBudget: contextBudgetSchema.nullable(),
  allowedTools: z
    .array(toolNameSchema)
    .max(MAX_AGENT_TOOLS, `An agent may be granted at most ${MAX_AGENT_TOOLS} tools`)
    .refine((names) => new Set(names).size === names.length, "Each tool is granted once: remove the repeated names")
    .describe("Names of the workspace's tools the agent may call (granting a tool needs tools:grant)"),
  toolApprovals: z
    .record(toolNameSchema, approvalPolicySchema)
    .refine((m) => Object.keys(m).length <= MAX_AGENT_TOOLS, `At most ${MAX_AGENT_TOOLS} grant approval policies`)
    .describe(
      "Per granted tool, an approval policy of the grant (same shape as a tool's). It can only add approval: a call needs a person's approval when the tool's policy or the grant's asks for it. Every key must be one of allowedTools",
    ),
  memoryPolicy: memoryPolicySchema.nullable().describe("What the agent recalls and remembers (docs/architecture.md, Memory); null: no memory"),
  qualityGate: qualityGateSchema.nullable().describe("Judges that score the agent's output in its runs (docs/architecture.md, Quality gate); null: none"),
};

/** The grant policies naming a tool the version does not grant: one message each, at `toolApprovals.<name>`. */
export function ungrantedApprovalIssues(toolApprovals: Readonly<Record<string, ApprovalPolicy>>, allowedTools: readonly string[]) {
  return Object.keys(toolApprovals)
    .filter((name) => !allowedTools.includes(name))
    .map((name) => ({ path: ["toolApprovals", name], message: `"${name}" is not one of this agent's tools: grant it, or remove its approval policy` }));
}

export const createAgentInputSchema = z
  .strictObject({
    slug: agentSlugSchema,
    name: agentFieldsShape.name,
    roleDescription: agentFieldsShape.roleDescription.default(""),
    instructions: agentFieldsShape.instructions.default(""),
    modelPolicy: agentFieldsShape.modelPolicy.default(DEFAULT_MODEL_POLICY),
    maxOutputTokens: agentFieldsShape.maxOutputTokens.default(1024),
    temperature: agentFieldsShape.temperature.default(0.7),
    outageWaitSeconds: agentFieldsShape.outageWaitSeconds.default(DEFAULT_OUTAGE_WAIT_SECONDS),
    callTimeoutSeconds: agentFieldsShape.callTimeoutSeconds.default(null),
    contextBudget: agentFieldsShape.contextBudget.default(null),
    allowedTools: agentFieldsShape.allowedTools.default([]),
    toolApprovals: agentFieldsShape.toolApprovals.default({}),
    memoryPolicy: agentFieldsShape.memoryPolicy.default(null),
    qualityGate: agentFieldsShape.qualityGate.default(null),
  })
  .superRefine((v, ctx) => {
    for (const issue of ungrantedApprovalIssues(v.toolApprovals, v.allowedTools)) ctx.addIssue({ code: "custom", ...issue });
  });
export type CreateAgentInput = z.input<typeof createAgentInputSchema>;

/**
 * The version an edit was based on (optimistic concurrency): when the agent or team has moved on since (someone
 * else saved), the save is refused with 409 CONFLICT instead of overwriting their change. Over REST an
 * `If-Match` header with the ETag of a GET does the same.
 */
export const baseVersionSchema = z
  .number()
  .int("baseVersion is a whole number")
  .min(1, "baseVersion is at least 1")
  .max(2_147_483_647)
  .optional()
  .describe("The latestVersion the edit started from: a save based on an older version is refused with 409 CONFLICT");

/** Restoring an earlier version of an agent or a team as a new version (a rollback that keeps the history). */
export const restoreVersionInputSchema = z.strictObject({
  version: z.number().int().min(1).max(2_147_483_647).describe("The released version to make current again"),
  baseVersion: baseVersionSchema,
});

const agentPatchShape = {
  name: agentFieldsShape.name.optional(),
  roleDescription: agentFieldsShape.roleDescription.optional(),
  instructions: agentFieldsShape.instructions.optional(),
  modelPolicy: agentFieldsShape.modelPolicy.optional(),
  maxOutputTokens: agentFieldsShape.maxOutputTokens.optional(),
  temperature: agentFieldsShape.temperature.optional(),
  outageWaitSeconds: agentFieldsShape.outageWaitSeconds.optional(),
  callTimeoutSeconds: agentFieldsShape.callTimeoutSeconds.optional(),
  contextBudget: agentFieldsShape.contextBudget.optional(),
  allowedTools: agentFieldsShape.allowedTools.optional(),
  toolApprovals: agentFieldsShape.toolApprovals
    .optional()
    .describe(
      "Replaces the grant approval policies (keys must be tools the saved version grants). Left out: the current ones carry over, less those of tools the save takes away",
    ),
  memoryPolicy: agentFieldsShape.memoryPolicy.optional(),
  qualityGate: agentFieldsShape.qualityGate.optional(),
  baseVersion: baseVersionSchema,
};

/** A patch that names both the tools and their grant policies: checked here (otherwise by the server, on the merged version). */
function patchGrantsCheck(v: { allowedTools?: string[]; toolApprovals?: Record<string, ApprovalPolicy> }, ctx: z.RefinementCtx) {
  if (!v.allowedTools || !v.toolApprovals) return;
  for (const issue of ungrantedApprovalIssues(v.toolApprovals, v.allowedTools)) ctx.addIssue({ code: "custom", ...issue });
}

/** REST body of PATCH /api/v1/agents/{agentId}: the fields to change; the rest carries over from the current version. */
export const updateAgentInputSchema = z.strictObject(agentPatchShape).superRefine(patchGrantsCheck);
export type UpdateAgentInput = z.input<typeof updateAgentInputSchema>;
/** tRPC input of agents.update. */
export const updateAgentWithRefInputSchema = z.strictObject({ agent: agentRefSchema, ...agentPatchShape }).superRefine(patchGrantsCheck);

export const listAgentsInputSchema = z.strictObject({
  includeArchived: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
    .optional()
    .describe("Also list archived agents"),
  ...paginationShape,
});

export const agentByRefInputSchema = z.strictObject({ agent: agentRefSchema });
export const agentVersionsInputSchema = z.strictObject({ agent: agentRefSchema, ...paginationShape });
export const agentDiffInputSchema = z.strictObject({
  agent: agentRefSchema,
  from: intColumn(1),
  to: intColumn(1),
});

export const AGENT_VERSION_FIELDS = [
  "name",
  "roleDescription",
  "instructions",
  "modelPolicy",
  "maxOutputTokens",
  "temperature",
  "outageWaitSeconds",
  "callTimeoutSeconds",
  "contextBudget",
  "allowedTools",
  "toolApprovals",
  "memoryPolicy",
  "qualityGate",
] as const;
export type AgentVersionField = (typeof AGENT_VERSION_FIELDS)[number];

const versionFieldsOut = {
  name: z.string(),
  roleDescription: z.string(),
  instructions: z.string(),
  modelPolicy: modelPolicySchema,
  maxOutputTokens: z.number().int(),
  temperature: z.number(),
  outageWaitSeconds: z.number().int(),
  callTimeoutSeconds: z.number().int().nullable(),
  contextBudget: contextBudgetSchema.nullable(),
  allowedTools: z.array(z.string()),
  toolApprovals: z
    .record(z.string(), approvalPolicySchema)
    .describe("Per granted tool, the grant's approval policy: a call needs approval when the tool's or the grant's policy asks for it"),
  memoryPolicy: memoryPolicySchema.nullable(),
  qualityGate: qualityGateSchema.nullable(),
};

export const agentVersionSchema = z
  .object({
    agentId: z.string(),
    slug: z.string(),
    version: z.number().int(),
    ...versionFieldsOut,
    createdAt: z.date(),
    releasedAt: z.date().nullable().describe("When it became the agent's current version (or was saved as it); null: a candidate awaiting its evaluation"),
  })
  .meta({ id: "AgentVersion", description: "One immutable version of an agent" });
export type AgentVersionOutput = z.infer<typeof agentVersionSchema>;

export const agentSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    currentVersion: z.number().int().describe("The version new runs use: the newest released one"),
    latestVersion: z.number().int().describe("The newest version, the one an edit builds on (newer than currentVersion while it is a candidate)"),
    versionCount: z.number().int(),
    promotionRule: promotionRuleSchema
      .nullable()
      .describe("Eval-gated promotion: new versions are candidates until their evaluation passes; null: current at once"),
    archivedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    mcpExposed: z.boolean().describe("Offered as a tool at the workspace's hosted MCP endpoint (PATCH /api/v1/agents/{agentId}/mcp)"),
    mcpSharePrompt: z.boolean().describe("Its instructions offered as a prompt at the hosted MCP endpoint"),
    ...versionFieldsOut,
  })
  .meta({ id: "Agent", description: "An agent with the fields of its current version" });
export type AgentOutput = z.infer<typeof agentSchema>;

export const lineDiffSchema = z
  .array(z.object({ op: z.enum(["equal", "add", "remove"]), text: z.string() }))
  .meta({ id: "LineDiff", description: "A line diff: equal, removed (old only) and added (new only) lines in order" });

export const fieldChangeSchema = z
  .object({
    field: z.string(),
    before: z.unknown(),
    after: z.unknown(),
    lines: lineDiffSchema.optional().describe("For multi-line text fields: the line diff"),
  })
  .meta({ id: "FieldChange" });

export const agentDiffSchema = z
  .object({ agentId: z.string(), from: z.number().int(), to: z.number().int(), changes: z.array(fieldChangeSchema) })
  .meta({ id: "AgentDiff" });
export type AgentDiffOutput = z.infer<typeof agentDiffSchema>;
