/**
 * A team with its agents as a file (lib/schemas/team-bundle.ts): export writes the team's current version and the
 * current versions of the agents it names; import creates them all in one transaction, or nothing. Templates
 * (server/teams/templates.ts) are bundles too.
 */
import { parse as parseYaml, stringify as stringifyYaml, YAMLParseError } from "yaml";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { agentSlugTaken, agentsBySlug, insertAgent, toAgent, toAgentVersion } from "@/server/agents/service";
import { checkToolGrants } from "@/server/tools/grants";
import { checkPolicyReferences, routingSnapshot } from "@/server/models/routing";
import { nodeRefs } from "@/lib/schemas/topology";
import { teamBundleSchema, TEAM_BUNDLE_KIND, type TeamBundle, type TeamExportOut } from "@/lib/schemas/team-bundle";
import type { AgentOutput } from "@/lib/schemas/agents";
import type { SavedTeamOutput } from "@/lib/schemas/teams";
import { findTeam, storedSpec, toTeam } from "./rows";
import { insertTeam, teamSlugTaken } from "./service";
import { validationError, zodProblems } from "./validate-spec";

export interface ImportedTeam {
  team: SavedTeamOutput;
  agents: AgentOutput[];
}

/** The text of a team file (YAML, or JSON, which YAML reads too) as a bundle, or a VALIDATION_FAILED saying where. */
export function parseBundleText(text: string): z.output<typeof teamBundleSchema> {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 50 });
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` (line ${error.linePos[0].line}, column ${error.linePos[0].col})` : "";
    throw new AppError("VALIDATION_FAILED", `The file is not YAML or JSON${where}`, { issues: [{ path: "", message: `Not YAML or JSON${where}` }] });
  }
  return parseBundle(raw);
}

export function parseBundle(raw: unknown): z.output<typeof teamBundleSchema> {
  const parsed = teamBundleSchema.safeParse(raw);
  if (!parsed.success) throw validationError(zodProblems(parsed.error, ""));
  return parsed.data;
}

/** Creates the bundle's agents and team, all or none (audited as each agent's and the team's create). */
export async function importTeamBundle(ctx: TenantContext, bundle: z.output<typeof teamBundleSchema>): Promise<ImportedTeam> {
  if (!ctx.permissions.has("teams:create")) throw new AppError("FORBIDDEN", "Your role does not allow teams:create");
  if (bundle.agents.length > 0 && !ctx.permissions.has("agents:create")) throw new AppError("FORBIDDEN", "Your role does not allow agents:create");
  const seen = new Set<string>();
  const duplicates = bundle.agents.map((a, i) => ({ slug: a.slug, i })).filter(({ slug }) => seen.has(slug) || !seen.add(slug));
  if (duplicates.length > 0)
    throw validationError(duplicates.map(({ slug, i }) => ({ path: `agents.${i}.slug`, message: `The file has two agents "${slug}"` })));

  const [takenAgents, takenTeam] = await Promise.all([
    agentsBySlug(
      ctx,
      bundle.agents.map((a) => a.slug),
    ),
    db(ctx).team.findFirst({ where: { workspaceId: ctx.workspaceId, slug: bundle.team.slug }, select: { id: true } }),
  ]);
  const taken = [...[...takenAgents.keys()].map((s) => `agent "${s}"`), ...(takenTeam ? [`team "${bundle.team.slug}"`] : [])];
  if (taken.length > 0)
    throw new AppError("CONFLICT", `Already in this workspace: ${taken.join(", ")}. Change their slugs in the file (and where the team names them).`);
  // a model policy naming another workspace's model or an unknown preset is refused before anything is written
  for (const [i, agent] of bundle.agents.entries()) {
    try {
      await checkPolicyReferences(ctx, agent.modelPolicy);
    } catch (error) {
      if (error instanceof AppError) throw validationError([{ path: `agents.${i}.modelPolicy`, message: `Agent "${agent.slug}": ${error.message}` }]);
      throw error;
    }
  }
  // the agents' tools: the workspace's own, and granting them needs tools:grant
  for (const [i, agent] of bundle.agents.entries()) await checkToolGrants(ctx, agent.allowedTools, [], `agents.${i}.allowedTools`);
  const routing = await routingSnapshot(ctx);
  let slug = bundle.team.slug;
  try {
    return await db(ctx).$transaction(async (tx) => {
      const agents: AgentOutput[] = [];
      for (const agent of bundle.agents) {
        slug = agent.slug;
        agents.push(toAgent(await insertAgent(ctx, tx, agent)));
      }
      slug = bundle.team.slug;
      const { row, estimate } = await insertTeam(ctx, tx, bundle.team, routing, "team.spec.");
      return { team: { ...toTeam(row), estimate }, agents };
    });
  } catch (error) {
    // a slug taken meanwhile (a concurrent create): the insert that hit it names it
    throw slug === bundle.team.slug ? teamSlugTaken(error, slug) : agentSlugTaken(error, slug);
  }
}

/** The team's current version and the current versions of the agents it names, as a bundle and as YAML. */
export async function exportTeamBundle(ctx: TenantContext, ref: string): Promise<TeamExportOut> {
  if (!ctx.permissions.has("agents:read")) throw new AppError("FORBIDDEN", "Your role does not allow agents:read");
  const team = await findTeam(ctx, ref);
  const current = team.versions[0];
  if (!current) throw new AppError("INTERNAL", `Team ${team.id} has no version`);
  const spec = storedSpec(current);
  const slugs = [...new Set(nodeRefs(spec).flatMap(({ ref: r }) => (typeof r === "string" ? [r] : [])))];
  const rows = await agentsBySlug(ctx, slugs);
  const agents = slugs.flatMap((s) => {
    const row = rows.get(s);
    if (!row?.versions[0]) return [];
    const v = toAgentVersion(row, row.versions[0]);
    return [
      {
        slug: v.slug,
        name: v.name,
        roleDescription: v.roleDescription,
        instructions: v.instructions,
        modelPolicy: v.modelPolicy,
        maxOutputTokens: v.maxOutputTokens,
        temperature: v.temperature,
        outageWaitSeconds: v.outageWaitSeconds,
        ...(v.callTimeoutSeconds !== null ? { callTimeoutSeconds: v.callTimeoutSeconds } : {}),
        ...(v.contextBudget !== null ? { contextBudget: v.contextBudget } : {}),
      },
    ];
  });
  const bundle = {
    kind: TEAM_BUNDLE_KIND,
    version: 1,
    team: { slug: team.slug, name: current.name, description: current.description, spec },
    agents,
  } satisfies TeamBundle;
  return { bundle, yaml: stringifyYaml(bundle, { lineWidth: 0 }), filename: `${team.slug}.cadre-team` };
}
