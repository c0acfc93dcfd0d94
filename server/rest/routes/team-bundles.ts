import { z } from "zod";
import { defineRoute } from "../define";
import { teamRefSchema } from "@/lib/schemas/teams";
import { importedTeamSchema, MAX_BUNDLE_TEXT, teamBundleSchema, teamExportSchema, teamTemplateSchema, templateRefSchema } from "@/lib/schemas/team-bundle";
import { exportTeamBundle, importTeamBundle } from "@/server/teams/bundle";
import { createFromTemplate, listTemplates } from "@/server/teams/templates";

export const exportTeamRoute = defineRoute({
  method: "GET",
  path: "/api/v1/teams/{teamId}/export",
  summary:
    "The team's current version with the current versions of the agents it names, as a team file (`bundle`, JSON) and as YAML (`yaml`): slugs, never ids; nested teams by slug",
  tag: "Teams",
  requires: "teams:read",
  params: z.strictObject({ teamId: teamRefSchema }),
  response: teamExportSchema,
  handler: ({ ctx, params }) => exportTeamBundle(ctx, params.teamId),
});

export const importTeamRoute = defineRoute({
  method: "POST",
  path: "/api/v1/team-bundles",
  summary:
    "Import a team file (the `bundle` of an export): its agents and its team are created together, or nothing is (409 naming every slug already in the workspace; 422 listing every problem, e.g. a model policy naming a model not in this workspace or a nested team that does not exist here). Needs agents:create too when the file has agents",
  tag: "Teams",
  requires: "teams:create",
  body: teamBundleSchema,
  maxBodyBytes: MAX_BUNDLE_TEXT,
  status: 201,
  response: importedTeamSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => importTeamBundle(ctx, body),
});

export const listTeamTemplatesRoute = defineRoute({
  method: "GET",
  path: "/api/v1/team-templates",
  summary: "Cadre's team templates (research brief, support triage, code review, debate then decide), each with its topology and agents",
  tag: "Teams",
  requires: "teams:read",
  response: z.object({ data: z.array(teamTemplateSchema) }),
  handler: async () => ({ data: listTemplates() }),
});

export const createFromTemplateRoute = defineRoute({
  method: "POST",
  path: "/api/v1/team-templates/{templateId}",
  summary:
    "Create a team and its agents from a template in one step (a used slug gets a suffix: research-brief-2 with researcher-2...). Needs agents:create too",
  tag: "Teams",
  requires: "teams:create",
  params: z.strictObject({ templateId: templateRefSchema }),
  status: 201,
  response: importedTeamSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => createFromTemplate(ctx, params.templateId),
});
