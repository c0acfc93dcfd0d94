import { z } from "zod";
import { onUnmetSchema, type BaseTopology } from "./topology";

/**
 * What a team's topology reached, stored with the run (`Run.outcome`) and with the step row of a nested team
 * (`RunStep.outcome`, kind "team"): for the gated topologies whether the gate was met (maker-checker approved, debate
 * consensus, mesh converged, circular done) and after how many iterations/rounds/laps; a minimal one for the others.
 * `met` is on every outcome: false means the run's text is what the topology had when it gave up (the last draft),
 * and `onUnmet` (from the team spec) says whether that failed the run or let it succeed flagged.
 */

/** Characters of a checker's reason kept in an outcome (an unreadable verdict keeps the checker's whole answer). */
export const OUTCOME_REASON_MAX = 2000;

const count = z.number().int().min(0);

export const checkerVerdictSchema = z.object({
  nodeId: z.string(),
  agent: z.string().describe("the checker: agent slug, or nested team slug"),
  verdict: z.enum(["approve", "revise"]),
  reasons: z.array(z.string()),
});

const gated = { met: z.boolean(), onUnmet: onUnmetSchema };

export const makerCheckerOutcomeSchema = z.object({
  topology: z.literal("maker_checker"),
  ...gated,
  approved: z.boolean().describe("every checker approved the last iteration"),
  iterations: count,
  maxIterations: count,
  verdicts: z.array(checkerVerdictSchema).describe("the verdicts of the last iteration"),
});

export const debateOutcomeSchema = z.object({
  topology: z.literal("debate"),
  ...gated,
  consensus: z.boolean().describe("the judge found consensus in the last round held"),
  rounds: count,
  maxRounds: count,
});

export const meshConvergenceOutcomeSchema = z
  .discriminatedUnion("by", [
    z.object({
      by: z.literal("similarity"),
      threshold: z.number(),
      similarities: z
        .array(z.object({ nodeId: z.string(), agent: z.string(), similarity: z.number() }))
        .describe(
          "the last round compared: each agent's answer against its own previous one (cosine of their embeddings, 4 decimals); empty when only one round ran",
        ),
      unavailable: z.string().optional().describe("why there were no embeddings (no model may embed): only unchanged answers counted as similar"),
    }),
    z.object({ by: z.literal("judge"), reason: z.string().describe("the judge's reason in the last round held") }),
  ])
  .meta({ id: "MeshConvergenceOutcome" });
export type MeshConvergenceOutcome = z.infer<typeof meshConvergenceOutcomeSchema>;

export const meshOutcomeSchema = z.object({
  topology: z.literal("mesh"),
  ...gated,
  converged: z.boolean().describe("the answers stopped changing (similarity) or the judge found the agents agree"),
  rounds: count,
  maxRounds: count,
  convergence: meshConvergenceOutcomeSchema.optional().describe("how convergence was decided (absent on runs before the option)"),
});

export const circularOutcomeSchema = z.object({
  topology: z.literal("circular"),
  ...gated,
  done: z.boolean().describe("an agent said the work was done"),
  laps: count,
  maxLaps: count,
});

export const starOutcomeSchema = z.object({
  topology: z.literal("star"),
  met: z.literal(true),
  rounds: count.describe("spoke rounds held before the hub answered"),
});

export const supervisorOutcomeSchema = z.object({
  topology: z.literal("supervisor"),
  met: z.boolean().describe("the supervisor finished within its turns"),
  finished: z.boolean(),
  turns: count.describe("supervisor turns held"),
  maxTurns: count,
});

export const GATED_TOPOLOGIES = ["maker_checker", "debate", "mesh", "circular"] as const satisfies readonly BaseTopology[];
/** The topologies without a gate (or rounds to report); server/topologies/outcome.ts's switch checks that none is missing. */
const PLAIN_TOPOLOGIES = ["sequential", "parallel", "hierarchical", "dag", "grid", "forest", "mixture_of_agents"] as const satisfies readonly BaseTopology[];

export const plainOutcomeSchema = z.object({ topology: z.enum(PLAIN_TOPOLOGIES), met: z.literal(true) });

export const runOutcomeSchema = z
  .union([
    makerCheckerOutcomeSchema,
    debateOutcomeSchema,
    meshOutcomeSchema,
    circularOutcomeSchema,
    starOutcomeSchema,
    supervisorOutcomeSchema,
    plainOutcomeSchema,
  ])
  .describe(
    "What the team's topology reached (the arrangement's, for a hybrid team): `met` false = maker-checker not approved, debate without consensus, mesh not converged, circular not done or a supervisor out of turns, and `onUnmet` (when the topology has one) says whether that failed the run or let it succeed flagged",
  )
  .meta({ id: "RunOutcome" });

export type RunOutcome = z.infer<typeof runOutcomeSchema>;
export type MakerCheckerOutcome = z.infer<typeof makerCheckerOutcomeSchema>;

/** A stored outcome, or null when there is none or it does not parse (never an error for a reader). */
export function parseOutcome(value: unknown): RunOutcome | null {
  if (value === null || value === undefined) return null;
  const parsed = runOutcomeSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}
