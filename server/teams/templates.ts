/**
 * Creating a team from a first-party template (lib/team-templates.ts) in one step: its agents and team are imported
 * as a bundle. When a slug of it is taken (the template was used before), every slug of the template gets the same
 * suffix (-2, -3, ...) and the team's references follow, so a second click makes a second, separate copy.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { agentsBySlug } from "@/server/agents/service";
import { findTemplate, TEAM_TEMPLATES, type TeamTemplate } from "@/lib/team-templates";
import { nodeRefs, type TopologySpec } from "@/lib/schemas/topology";
import type { z } from "zod";
import type { teamBundleSchema } from "@/lib/schemas/team-bundle";
import { importTeamBundle, parseBundle, type ImportedTeam } from "./bundle";

type Bundle = z.output<typeof teamBundleSchema>;
const MAX_COPIES = 50;

export function listTemplates() {
  return TEAM_TEMPLATES.map((t) => ({
    id: t.id,
    name: t.name,
    summary: t.summary,
    howItWorks: t.howItWorks,
    topology: (t.bundle.team.spec as TopologySpec).topology,
    agents: t.bundle.agents.map((a) => ({ slug: a.slug, name: a.name, roleDescription: a.roleDescription ?? "" })),
  }));
}

/** The bundle with `suffix` added to every slug, the team's agent references included. */
export function withSuffix(bundle: Bundle, suffix: string): Bundle {
  if (!suffix) return bundle;
  const agentSlugs = new Set(bundle.agents.map((a) => a.slug));
  const spec = structuredClone(bundle.team.spec) as Record<string, unknown>;
  for (const { path, ref } of nodeRefs(spec as TopologySpec)) {
    if (typeof ref !== "string" || !agentSlugs.has(ref)) continue;
    const keys = path.split(".");
    let at: Record<string, unknown> = spec;
    for (const key of keys.slice(0, -1)) at = at[key] as Record<string, unknown>;
    at[keys.at(-1)!] = `${ref}${suffix}`;
  }
  return {
    ...bundle,
    team: { ...bundle.team, slug: `${bundle.team.slug}${suffix}`, name: `${bundle.team.name} ${suffix.slice(1)}`, spec },
    agents: bundle.agents.map((a) => ({ ...a, slug: `${a.slug}${suffix}` })),
  };
}

async function anyTaken(ctx: TenantContext, bundle: Bundle): Promise<boolean> {
  const [agents, team] = await Promise.all([
    agentsBySlug(
      ctx,
      bundle.agents.map((a) => a.slug),
    ),
    db(ctx).team.findFirst({ where: { workspaceId: ctx.workspaceId, slug: bundle.team.slug }, select: { id: true } }),
  ]);
  return agents.size > 0 || team !== null;
}

export async function createFromTemplate(ctx: TenantContext, templateId: string): Promise<ImportedTeam & { template: TeamTemplate["id"] }> {
  const template = findTemplate(templateId);
  if (!template) throw new AppError("NOT_FOUND", `No team template "${templateId}"`);
  const bundle = parseBundle(template.bundle);
  for (let copy = 1; copy <= MAX_COPIES; copy++) {
    const candidate = withSuffix(bundle, copy === 1 ? "" : `-${copy}`);
    if (await anyTaken(ctx, candidate)) continue;
    return { ...(await importTeamBundle(ctx, candidate)), template: template.id };
  }
  throw new AppError("CONFLICT", `The template "${template.name}" was used ${MAX_COPIES} times in this workspace: rename or archive some of its teams`);
}
