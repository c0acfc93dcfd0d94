/**
 * The estimate of a saved team (teams.estimate, GET /api/v1/teams/{teamId}/estimate, its quality gate included:
 * ./gate-estimate.ts) and of an unsaved draft in the
 * editor (teams.estimateDraft), through `specPreflight` (server/teams/preflight.ts).
 */
import type { z } from "zod";
import type { TenantContext } from "@/server/context";
import { topologySpecSchema } from "@/lib/schemas/topology";
import type { draftEstimateInputSchema, TeamEstimateOutput, teamEstimateInputSchema } from "@/lib/schemas/teams";
import { findTeam, storedQualityGate, storedSpec } from "@/server/teams/rows";
import { withTeamGate } from "./gate-estimate";
import { validationError, zodProblems } from "@/server/teams/validate-spec";
import { type Preflight, specPreflight } from "./preflight";

const strip = (p: Preflight) => p.problems.map(({ path, message }) => ({ path, message }));

/** The estimate of one run of a team's current version. */
export async function estimateTeam(ctx: TenantContext, input: z.output<typeof teamEstimateInputSchema>): Promise<TeamEstimateOutput> {
  const row = await findTeam(ctx, input.team);
  const v = row.versions[0]!;
  const result = await specPreflight(ctx, storedSpec(v), { taskTokens: input.taskTokens, prefix: "spec." });
  // the team's quality gate: its attempts and its judges' calls
  const estimate = await withTeamGate(ctx, result.estimate, storedQualityGate(v));
  return { teamId: row.id, version: v.version, estimate, problems: strip(result) };
}

/** The estimate of an unsaved spec (the editor); an invalid spec is VALIDATION_FAILED with its schema issues. */
export async function estimateDraft(ctx: TenantContext, input: z.output<typeof draftEstimateInputSchema>): Promise<TeamEstimateOutput> {
  const parsed = topologySpecSchema.safeParse(input.spec);
  if (!parsed.success) throw validationError(zodProblems(parsed.error, "spec."));
  const result = await specPreflight(ctx, parsed.data, { taskTokens: input.taskTokens, prefix: "spec." });
  return { teamId: null, version: null, estimate: result.estimate, problems: strip(result) };
}
