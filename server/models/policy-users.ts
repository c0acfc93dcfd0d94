/**
 * Who depends on a model policy: the agents whose current version uses it and the queued or running runs that will
 * (read before deleting a routing preset, a catalog model or a provider, which are refused while anything does).
 */
import { Prisma } from "@/server/db/generated/client";

export type PolicyUsers = { agents: string[]; runs: string[] };

/**
 * Who still depends on a model policy matching `matches` (a condition on a jsonb policy): the non-archived agents
 * whose current version has it (archived agents cannot run again), and the queued or running runs that will use
 * it: through their policy override, or, without one, through the agent versions they pinned (possibly older than
 * the current ones).
 */
export async function policyUsers(tx: Prisma.TransactionClient, workspaceId: string, matches: (policy: Prisma.Sql) => Prisma.Sql): Promise<PolicyUsers> {
  const agents = await tx.$queryRaw<{ slug: string }[]>`
    SELECT a.slug FROM "Agent" a
    JOIN "AgentVersion" v ON v."agentId" = a.id AND v.version = a."currentVersion"
    WHERE a."workspaceId" = ${workspaceId} AND a."archivedAt" IS NULL AND ${matches(Prisma.sql`v."modelPolicy"`)}
    ORDER BY a.slug`;
  const runs = await tx.$queryRaw<{ id: string }[]>`
    SELECT r.id FROM "Run" r
    WHERE r."workspaceId" = ${workspaceId} AND r.status IN ('queued', 'running')
      AND CASE WHEN r."modelPolicyOverride"->>'type' IS NOT NULL
        THEN ${matches(Prisma.sql`r."modelPolicyOverride"`)}
        ELSE EXISTS (
          SELECT 1 FROM "AgentVersion" v JOIN "Agent" a ON a.id = v."agentId"
          WHERE v."workspaceId" = r."workspaceId" AND ${matches(Prisma.sql`v."modelPolicy"`)}
            AND ((v."agentId" = r."agentId" AND v.version = r."agentVersion") OR r.pins->'agents'->>a.slug = v.version::text))
        END
    ORDER BY r."queuedAt", r.id`;
  return { agents: agents.map((a) => a.slug), runs: runs.map((r) => r.id) };
}

/** What pins one of these catalog models. */
export async function modelUsers(tx: Prisma.TransactionClient, workspaceId: string, modelIds: string[]): Promise<PolicyUsers> {
  if (modelIds.length === 0) return { agents: [], runs: [] };
  return policyUsers(tx, workspaceId, (policy) => Prisma.sql`${policy}->>'type' = 'pinned' AND ${policy}->>'modelId' IN (${Prisma.join(modelIds)})`);
}

/** "agents a, b and the queued or running run r: give the agents another model policy, and … first" */
export function describeUsers(users: PolicyUsers): string {
  const list = (items: string[]) => (items.length > 5 ? `${items.slice(0, 5).join(", ")} and ${items.length - 5} more` : items.join(", "));
  const parts: string[] = [];
  if (users.agents.length) parts.push(`${users.agents.length === 1 ? "agent" : "agents"} ${list(users.agents)}`);
  if (users.runs.length) parts.push(`${users.runs.length === 1 ? "the queued or running run" : "the queued or running runs"} ${list(users.runs)}`);
  const todo = [users.agents.length ? "give the agents another model policy" : "", users.runs.length ? "let the runs finish or cancel them" : ""];
  return `${parts.join(" and ")}: ${todo.filter(Boolean).join(", and ")} first`;
}
