import {
  createTeamInputSchema,
  draftEstimateInputSchema,
  listTeamsInputSchema,
  savedTeamSchema,
  teamEstimateInputSchema,
  teamEstimateSchema,
  teamByRefInputSchema,
  teamDiffInputSchema,
  updateTeamWithRefInputSchema,
  validateTeamInputSchema,
  teamDiffSchema,
  teamSchema,
  teamRefSchema,
  teamValidationSchema,
  teamVersionSchema,
  teamVersionInputSchema,
  teamVersionsInputSchema,
} from "@/lib/schemas/teams";
import { pageOf } from "@/lib/schemas/common";
import { router, workspaceProcedure } from "../trpc";
import {
  archiveTeam,
  createTeam,
  diffTeamVersions,
  getTeam,
  getTeamVersion,
  listTeams,
  listTeamVersions,
  restoreTeamVersion,
  updateTeam,
} from "@/server/teams/service";
import { restoreVersionInputSchema } from "@/lib/schemas/agents";
import { setPromotionRuleInputSchema } from "@/lib/schemas/promotion";
import { setTeamPromotionRule } from "@/server/quality/evaluations/promotion";
import { validateTeam } from "@/server/teams/validate-spec";
import { teamMcpInputSchema } from "@/lib/schemas/mcp-endpoint";
import { setTeamMcp } from "@/server/mcp-endpoint/exposure";
import { exportTeamBundle, importTeamBundle, parseBundleText } from "@/server/teams/bundle";
import { createFromTemplate, listTemplates } from "@/server/teams/templates";
import { importedTeamSchema, importTeamTextInputSchema, teamExportSchema, teamTemplateSchema, templateRefSchema } from "@/lib/schemas/team-bundle";
import { z } from "zod";
import { estimateDraft, estimateTeam } from "@/server/teams/team-estimate";

export const teamsRouter = router({
  /** the team and the agents it names as a file (YAML and JSON) */
  export: workspaceProcedure("teams:read")
    .input(teamByRefInputSchema)
    .output(teamExportSchema)
    .query(({ ctx, input }) => exportTeamBundle(ctx.tenant, input.team)),
  /** a team file's text (YAML or JSON): its agents and team created together, or nothing */
  import: workspaceProcedure("teams:create")
    .input(importTeamTextInputSchema)
    .output(importedTeamSchema)
    .mutation(({ ctx, input }) => importTeamBundle(ctx.tenant, parseBundleText(input.text))),
  templates: workspaceProcedure("teams:read")
    .output(z.array(teamTemplateSchema))
    .query(() => listTemplates()),
  createFromTemplate: workspaceProcedure("teams:create")
    .input(z.strictObject({ templateId: templateRefSchema }))
    .output(importedTeamSchema)
    .mutation(({ ctx, input }) => createFromTemplate(ctx.tenant, input.templateId)),
  /** one page, newest first (keyset cursor) */
  list: workspaceProcedure("teams:read")
    .input(listTeamsInputSchema.optional())
    .output(pageOf(teamSchema))
    .query(({ ctx, input }) => listTeams(ctx.tenant, input ?? {})),
  get: workspaceProcedure("teams:read")
    .input(teamByRefInputSchema)
    .output(teamSchema)
    .query(({ ctx, input }) => getTeam(ctx.tenant, input.team)),
  /** one page of the versions, newest first */
  versions: workspaceProcedure("teams:read")
    .input(teamVersionsInputSchema)
    .output(pageOf(teamVersionSchema))
    .query(({ ctx, input: { team, ...page } }) => listTeamVersions(ctx.tenant, team, page)),
  /** one version (a run's pinned version) */
  version: workspaceProcedure("teams:read")
    .input(teamVersionInputSchema)
    .output(teamVersionSchema)
    .query(({ ctx, input }) => getTeamVersion(ctx.tenant, input.team, input.version)),
  diff: workspaceProcedure("teams:read")
    .input(teamDiffInputSchema)
    .output(teamDiffSchema)
    .query(({ ctx, input }) => diffTeamVersions(ctx.tenant, input.team, input.from, input.to)),
  /** every problem a save of this spec would report, without saving (the editor validates live) */
  validate: workspaceProcedure("teams:read")
    .input(validateTeamInputSchema)
    .output(teamValidationSchema)
    .query(({ ctx, input }) => validateTeam(ctx.tenant, input)),
  /** the worst case of one run of the current version: steps, calls, tokens, cost (and the nodes that fit no model) */
  estimate: workspaceProcedure("teams:read")
    .input(teamEstimateInputSchema)
    .output(teamEstimateSchema)
    .query(({ ctx, input }) => estimateTeam(ctx.tenant, input)),
  /** the same for an unsaved spec (the editor shows it live) */
  estimateDraft: workspaceProcedure("teams:read")
    .input(draftEstimateInputSchema)
    .output(teamEstimateSchema)
    .query(({ ctx, input }) => estimateDraft(ctx.tenant, input)),
  create: workspaceProcedure("teams:create")
    .input(createTeamInputSchema)
    .output(savedTeamSchema)
    .mutation(({ ctx, input }) => createTeam(ctx.tenant, input)),
  /** a new version, validated (an update identical to the current version writes nothing) */
  update: workspaceProcedure("teams:update")
    .input(updateTeamWithRefInputSchema)
    .output(savedTeamSchema)
    .mutation(({ ctx, input: { team, ...patch } }) => updateTeam(ctx.tenant, team, patch)),
  /** eval-gated promotion: new versions are candidates until their evaluation passes (null: current at once) */
  setPromotion: workspaceProcedure("teams:update")
    .input(setPromotionRuleInputSchema.extend({ team: teamRefSchema }))
    .output(teamSchema)
    .mutation(({ ctx, input }) => setTeamPromotionRule(ctx.tenant, input.team, input.rule)),
  /** an earlier released version made current again, as a new version */
  restore: workspaceProcedure("teams:update")
    .input(restoreVersionInputSchema.extend({ team: teamRefSchema }))
    .output(savedTeamSchema)
    .mutation(({ ctx, input: { team, ...input } }) => restoreTeamVersion(ctx.tenant, team, input)),
  /** offer it at the workspace's hosted MCP endpoint */
  setMcp: workspaceProcedure("teams:update")
    .input(teamMcpInputSchema.extend({ team: teamRefSchema }))
    .output(teamSchema)
    .mutation(({ ctx, input: { team, ...patch } }) => setTeamMcp(ctx.tenant, team, patch)),
  archive: workspaceProcedure("teams:delete")
    .input(teamByRefInputSchema)
    .output(teamSchema)
    .mutation(({ ctx, input }) => archiveTeam(ctx.tenant, input.team)),
});
