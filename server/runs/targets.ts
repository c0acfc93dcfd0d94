/**
 * What a run can target: the workspace's agents and teams that are not archived, by slug. For the channels that name
 * a target by slug alone (the OpenAI-compatible endpoint's `model`): listed for discovery, and a bare slug resolved
 * to the agent or the team it names. Needs `runs:create` (what can be run), not `agents:read` / `teams:read`.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";

export interface RunTarget {
  kind: "agent" | "team";
  slug: string;
  createdAt: Date;
}

/** the most agents and the most teams listed */
export const RUN_TARGETS_MAX = 1000;

function need(ctx: TenantContext): void {
  if (!ctx.permissions.has("runs:create")) throw new AppError("FORBIDDEN", "Your role does not allow runs:create");
}

/** The workspace's agents, then its teams, each by slug (unarchived only). */
export async function listRunTargets(ctx: TenantContext): Promise<RunTarget[]> {
  need(ctx);
  const where = { workspaceId: ctx.workspaceId, archivedAt: null };
  const select = { slug: true, createdAt: true } as const;
  const [agents, teams] = await Promise.all([
    db(ctx).agent.findMany({ where, select, orderBy: { slug: "asc" }, take: RUN_TARGETS_MAX }),
    db(ctx).team.findMany({ where, select, orderBy: { slug: "asc" }, take: RUN_TARGETS_MAX }),
  ]);
  return [...agents.map((a) => ({ kind: "agent" as const, ...a })), ...teams.map((t) => ({ kind: "team" as const, ...t }))];
}

/**
 * The kind of target `slug` names: an agent or a team (unarchived) of the workspace. NOT_FOUND when neither,
 * BAD_REQUEST when both (the caller then names the kind).
 */
export async function runTargetKindOf(ctx: TenantContext, slug: string, what: string): Promise<"agent" | "team"> {
  need(ctx);
  const where = { workspaceId: ctx.workspaceId, slug, archivedAt: null };
  const [agent, team] = await Promise.all([db(ctx).agent.count({ where }), db(ctx).team.count({ where })]);
  if (agent > 0 && team > 0) throw new AppError("BAD_REQUEST", `${what} names both an agent and a team: say which, agent:${slug} or team:${slug}`);
  if (agent === 0 && team === 0) throw new AppError("NOT_FOUND", `${what} is not an agent or a team of this workspace`);
  return agent > 0 ? "agent" : "team";
}
