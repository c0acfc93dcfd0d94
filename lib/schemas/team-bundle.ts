import { z } from "zod";
import { agentSchema, createAgentInputSchema } from "./agents";
import { createTeamInputSchema, savedTeamSchema } from "./teams";
import { text } from "./text";

/**
 * A team with the agents it uses, as a file: what "export" writes (YAML or JSON) and "import" reads. Slugs name
 * everything, never ids, so a bundle moves between workspaces; nested teams are named by slug and must exist where
 * it is imported. Fields left out take the same defaults as a create.
 */
export const TEAM_BUNDLE_KIND = "cadre.team";
export const MAX_BUNDLE_AGENTS = 32;
/** the largest import text (YAML or JSON) */
export const MAX_BUNDLE_TEXT = 512_000;

export const teamBundleSchema = z
  .strictObject({
    kind: z.literal(TEAM_BUNDLE_KIND, { message: `A team file starts with kind: ${TEAM_BUNDLE_KIND}` }),
    version: z.literal(1, { message: "This Cadre reads team files of version 1" }),
    team: createTeamInputSchema,
    agents: z.array(createAgentInputSchema).max(MAX_BUNDLE_AGENTS, `A team file holds at most ${MAX_BUNDLE_AGENTS} agents`).default([]),
  })
  .meta({ id: "TeamBundle" });
export type TeamBundle = z.input<typeof teamBundleSchema>;

export const importTeamTextInputSchema = z.strictObject({
  text: text()
    .min(1, "Choose a team file (YAML or JSON)")
    .max(MAX_BUNDLE_TEXT, `A team file has at most ${MAX_BUNDLE_TEXT} characters`)
    .describe("The team file, YAML or JSON"),
});

export const teamExportSchema = z
  .object({
    bundle: z.record(z.string(), z.unknown()).describe("The team file as JSON (a TeamBundle)"),
    yaml: z.string().describe("The same as YAML"),
    filename: z.string().describe("A file name for it, without extension: <team slug>.cadre-team"),
  })
  .meta({ id: "TeamExport" });
export type TeamExportOut = z.infer<typeof teamExportSchema>;

export const importedTeamSchema = z
  .object({ team: savedTeamSchema, agents: z.array(agentSchema).describe("The agents created with it") })
  .meta({ id: "ImportedTeam" });

export const teamTemplateSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    summary: z.string(),
    howItWorks: z.string().describe("How its topology runs"),
    topology: z.string(),
    agents: z.array(z.object({ slug: z.string(), name: z.string(), roleDescription: z.string() })),
  })
  .meta({ id: "TeamTemplate" });

export const templateRefSchema = text().trim().min(1).max(80).describe("A team template's id, e.g. research-brief");
