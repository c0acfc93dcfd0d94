/**
 * The agent or team a trigger or a schedule runs (issue 15): resolved from an id or a slug when it is created (it must
 * exist, unarchived), and named in lists (a deleted one shows as "(deleted)").
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { getAgent } from "@/server/agents/service";
import { getTeam } from "@/server/teams/service";

export interface TargetRef {
  targetType: "agent" | "team";
  agentId: string | null;
  teamId: string | null;
  slug: string;
}

export async function resolveTarget(ctx: TenantContext, input: { agent?: string | undefined; team?: string | undefined }): Promise<TargetRef> {
  const target = input.agent ? await getAgent(ctx, input.agent) : await getTeam(ctx, input.team!);
  if (target.archivedAt) throw new AppError("CONFLICT", `${input.agent ? "Agent" : "Team"} "${target.slug}" is archived`);
  return { targetType: input.agent ? "agent" : "team", agentId: input.agent ? target.id : null, teamId: input.agent ? null : target.id, slug: target.slug };
}

type Named = { id: string; slug: string; name: string };
export interface TargetNames {
  agent(id: string | null): Named | null;
  team(id: string | null): Named | null;
}

/** The names of the targets of `rows` (two queries at most). */
export async function targetNames(ctx: TenantContext, rows: { agentId: string | null; teamId: string | null }[]): Promise<TargetNames> {
  const agentIds = [...new Set(rows.flatMap((r) => (r.agentId ? [r.agentId] : [])))];
  const teamIds = [...new Set(rows.flatMap((r) => (r.teamId ? [r.teamId] : [])))];
  const select = { id: true, slug: true, name: true } as const;
  const [agents, teams] = await Promise.all([
    agentIds.length ? db(ctx).agent.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: agentIds } }, select }) : [],
    teamIds.length ? db(ctx).team.findMany({ where: { workspaceId: ctx.workspaceId, id: { in: teamIds } }, select }) : [],
  ]);
  const a = new Map(agents.map((x) => [x.id, x]));
  const t = new Map(teams.map((x) => [x.id, x]));
  const gone = (id: string) => ({ id, slug: id, name: "(deleted)" });
  return {
    agent: (id) => (id ? (a.get(id) ?? gone(id)) : null),
    team: (id) => (id ? (t.get(id) ?? gone(id)) : null),
  };
}

/** The creator columns of a new row: the acting person or key. */
export function creatorOf(ctx: TenantContext): { createdByType: "user" | "api_key"; createdById: string } {
  return { createdByType: ctx.actor.type, createdById: ctx.actor.type === "api_key" ? ctx.actor.keyId : ctx.actor.userId };
}

/** Managing triggers or schedules also needs the power to start runs (what they do). */
export function needManage(ctx: TenantContext, permission: "triggers:manage" | "schedules:manage"): void {
  for (const p of [permission, "runs:create"] as const) {
    if (!ctx.permissions.has(p)) throw new AppError("FORBIDDEN", `Your role does not allow ${p}`);
  }
}

export function needRead(ctx: TenantContext, permission: "triggers:read" | "schedules:read"): void {
  if (!ctx.permissions.has(permission)) throw new AppError("FORBIDDEN", `Your role does not allow ${permission}`);
}
