import { z } from "zod";
import { promotionRuleSchema } from "./promotion";
import { displayName, intColumn, text } from "./text";
import { TOPOLOGIES, topologySpecSchema } from "./topology";
import { AGENT_SLUG_PATTERN, baseVersionSchema, fieldChangeSchema } from "./agents";
import { paginationShape } from "./common";
import { agentGatesSchema, qualityGateSchema } from "./quality-gate";

/**
 * Teams: agents (or, for hybrid, nested teams) arranged in a topology spec (lib/schemas/topology.ts). Versioned
 * like agents. The spec of a create/update is accepted as any JSON at the transport and validated by the teams
 * service, so that a refused save lists every problem at once: the spec's schema issues together with unknown
 * agents, cycles and the rest (AppError VALIDATION_FAILED, `details.issues`, a 422 with `issues` over REST).
 */
export const teamSlugSchema = text()
  .trim()
  .regex(AGENT_SLUG_PATTERN, "A slug is 1-63 lowercase letters, digits and dashes, starting with a letter or digit")
  .describe("The team's name in nested (hybrid) specs and runs, e.g. research");

export const teamRefSchema = text().trim().min(1, "Name a team (id or slug)").max(80).describe("A team id (team_...) or slug");

/** The spec as sent: validated by the service (see above). Documented as a TopologySpec. */
export const teamSpecInputSchema = z
  .unknown()
  .meta({ override: { $ref: "#/components/schemas/TopologySpec" }, description: "A TopologySpec (defaults apply)" });

const nameSchema = displayName().trim().min(1, "Enter a name").max(120, "A name has at most 120 characters");
const descriptionSchema = text().max(2_000, "A description has at most 2000 characters");

export const createTeamInputSchema = z.strictObject({
  slug: teamSlugSchema,
  name: nameSchema,
  description: descriptionSchema.default(""),
  spec: teamSpecInputSchema,
  qualityGate: qualityGateSchema
    .nullable()
    .default(null)
    .describe("Judges that score the team run's final output (docs/architecture.md, Quality gate); null: none"),
  agentGates: agentGatesSchema.default("off"),
});
export type CreateTeamInput = z.input<typeof createTeamInputSchema>;

const teamPatchShape = {
  name: nameSchema.optional(),
  description: descriptionSchema.optional(),
  spec: teamSpecInputSchema.optional(),
  qualityGate: qualityGateSchema.nullable().optional().describe("Judges that score the team run's final output; null: none"),
  agentGates: agentGatesSchema.optional(),
  baseVersion: baseVersionSchema,
};

/** REST body of PATCH /api/v1/teams/{teamId}: the fields to change; the rest carries over from the current version. */
export const updateTeamInputSchema = z.strictObject(teamPatchShape);
export type UpdateTeamInput = z.input<typeof updateTeamInputSchema>;
/** tRPC input of teams.update. */
export const updateTeamWithRefInputSchema = z.strictObject({ team: teamRefSchema, ...teamPatchShape });

export const listTeamsInputSchema = z.strictObject({
  includeArchived: z
    .union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")])
    .optional()
    .describe("Also list archived teams"),
  ...paginationShape,
});

export const teamByRefInputSchema = z.strictObject({ team: teamRefSchema });
export const teamVersionsInputSchema = z.strictObject({ team: teamRefSchema, ...paginationShape });
export const teamVersionInputSchema = z.strictObject({ team: teamRefSchema, version: intColumn(1) });
export const teamDiffInputSchema = z.strictObject({ team: teamRefSchema, from: intColumn(1), to: intColumn(1) });

/** teams.validate: the problems a save of this spec would report, without saving. */
export const validateTeamInputSchema = z.strictObject({
  spec: teamSpecInputSchema,
  team: teamRefSchema.optional().describe("The team being edited (its own slug counts for nested-team cycles)"),
  slug: text().trim().max(80).optional().describe("The slug of a team being created"),
});

export const teamProblemSchema = z.object({ path: z.string(), message: z.string() }).meta({ id: "TeamProblem" });
export type TeamProblem = z.infer<typeof teamProblemSchema>;

export const teamValidationSchema = z.object({ valid: z.boolean(), issues: z.array(teamProblemSchema) }).meta({ id: "TeamValidation" });

export const topologyKindSchema = z.enum(TOPOLOGIES);

export const teamVersionSchema = z
  .object({
    teamId: z.string(),
    slug: z.string(),
    version: z.number().int(),
    name: z.string(),
    description: z.string(),
    spec: topologySpecSchema,
    qualityGate: qualityGateSchema.nullable(),
    agentGates: agentGatesSchema,
    createdAt: z.date(),
    releasedAt: z.date().nullable().describe("When it became the team's current version (or was saved as it); null: a candidate awaiting its evaluation"),
  })
  .meta({ id: "TeamVersion", description: "One immutable version of a team" });
export type TeamVersionOutput = z.infer<typeof teamVersionSchema>;

export const teamSchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    currentVersion: z.number().int().describe("The version new runs use: the newest released one"),
    latestVersion: z.number().int().describe("The newest version, the one an edit builds on (newer than currentVersion while it is a candidate)"),
    versionCount: z.number().int(),
    promotionRule: promotionRuleSchema
      .nullable()
      .describe("Eval-gated promotion: new versions are candidates until their evaluation passes; null: current at once"),
    archivedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
    mcpExposed: z.boolean().describe("Offered as a tool at the workspace's hosted MCP endpoint (PATCH /api/v1/teams/{teamId}/mcp)"),
    topology: topologyKindSchema,
    spec: topologySpecSchema,
    qualityGate: qualityGateSchema.nullable().describe("The current version's quality gate on the team run's output; null: none"),
    agentGates: agentGatesSchema,
    agents: z.array(z.string()).describe("The agent slugs the current spec uses"),
    teams: z.array(z.string()).describe("The nested team slugs the current spec uses (hybrid)"),
  })
  .meta({ id: "Team", description: "A team with the fields of its current version" });
export type TeamOutput = z.infer<typeof teamSchema>;

export const runEstimateSchema = z
  .object({
    steps: z.number().int().describe("The most agent steps one run can make (worst case)"),
    modelCalls: z.number().int().describe("The model calls those steps make (fallbacks and retries of failed calls on top)"),
    peakParallel: z.number().int().describe("The most steps in flight at once"),
    inputTokens: z.number().int().describe("Upper bound on the prompt tokens of all steps (each fitted to its model's context budget)"),
    outputTokens: z.number().int().describe("Upper bound on the output tokens (every step writes its agent's maxOutputTokens)"),
    costUsd: z.number().describe("Upper bound on the cost in USD on the models the policies route to"),
    taskTokens: z.number().int().describe("The task size assumed (tokens, characters / 4)"),
    unrouted: z.array(z.string()).describe("Agents whose policy routes to no model (counted without a window, at no cost)"),
  })
  .meta({ id: "RunEstimate", description: "The worst case of one run: steps, model calls, tokens and cost (see docs/architecture.md)" });
export type RunEstimateOutput = z.infer<typeof runEstimateSchema>;

/** A saved team (create, update) with the estimate of one run of its current version. */
export const savedTeamSchema = teamSchema.extend({ estimate: runEstimateSchema }).meta({ id: "SavedTeam" });
export type SavedTeamOutput = z.infer<typeof savedTeamSchema>;

const taskTokensSchema = z.coerce
  .number()
  .int("taskTokens is a whole number")
  .min(0, "taskTokens is at least 0")
  .max(10_000_000, "taskTokens is at most 10000000")
  .optional()
  .describe("The size of the task to estimate for, in tokens (default 1000)");

export const teamEstimateQuerySchema = z.strictObject({ taskTokens: taskTokensSchema });
export const teamEstimateInputSchema = z.strictObject({ team: teamRefSchema, taskTokens: taskTokensSchema });
export const draftEstimateInputSchema = z.strictObject({ spec: teamSpecInputSchema, taskTokens: taskTokensSchema });

export const teamEstimateSchema = z
  .object({
    teamId: z.string().nullable(),
    version: z.number().int().nullable(),
    estimate: runEstimateSchema,
    problems: z.array(teamProblemSchema).describe("Nodes that fit no model for this task (a run would be refused with RUN_INFEASIBLE)"),
  })
  .meta({ id: "TeamEstimate" });
export type TeamEstimateOutput = z.infer<typeof teamEstimateSchema>;

export const teamDiffSchema = z
  .object({ teamId: z.string(), from: z.number().int(), to: z.number().int(), changes: z.array(fieldChangeSchema) })
  .meta({ id: "TeamDiff" });
export type TeamDiffOutput = z.infer<typeof teamDiffSchema>;
