/**
 * Releasing a candidate version when its evaluation passes (./promotion.ts): SQL appended to the statement that
 * finishes the evaluation, so the two commit together.
 */
import { sql, type Sql } from "@/server/db/sql";
import type { TenantContext } from "@/server/context";
import { auditLogData } from "@/server/audit/service";

const DB_NOW = sql`(clock_timestamp() AT TIME ZONE 'UTC')`;

/**
 * CTEs to append to the statement that finishes an evaluation (`f`: the finished Evaluation row, RETURNING id,
 * passed, "targetType", "targetId", "targetVersion"): when it passed, the candidate becomes current (the agent's or
 * team's `currentVersion` and name, the version's `releasedAt`), with an `agent.promote` / `team.promote` audit row
 * in the evaluation creator's name.
 */
export function releaseSql(ctx: TenantContext, evaluationId: string): Sql {
  const audit = (kind: "agent" | "team") => auditLogData(ctx, { action: `${kind}.promote`, targetType: kind, targetId: null, metadata: { evaluationId } });
  const auditInsert = (kind: "agent" | "team", from: string) => {
    const a = audit(kind);
    return sql`INSERT INTO "AuditLog" ("id", "workspaceId", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "metadata", "requestId", "workspaceSlug", "createdAt")
       SELECT ${a.id!}, ${ctx.workspaceId}, ${a.actorType}, ${a.actorId ?? null}, ${a.actorLabel ?? null}, ${a.action}, ${a.targetType}, r.id,
         jsonb_build_object('slug', r.slug, 'version', r."currentVersion", 'evaluationId', ${evaluationId}::text), ${a.requestId ?? null}, ${a.workspaceSlug ?? null}, ${DB_NOW}
       FROM ${sql.ident(from)} r`;
  };
  return sql`,
     ra AS (
       UPDATE "Agent" a SET "currentVersion" = f."targetVersion", "name" = v.name, "updatedAt" = ${DB_NOW}
       FROM f, "AgentVersion" v
       WHERE f.passed AND f.promote AND f."targetType" = 'agent' AND a.id = f."targetId" AND a."workspaceId" = ${ctx.workspaceId}
         AND a."archivedAt" IS NULL AND a."currentVersion" < f."targetVersion"
         AND v."agentId" = a.id AND v.version = f."targetVersion" AND v."releasedAt" IS NULL
       RETURNING a.id, a.slug, a."currentVersion"),
     rav AS (UPDATE "AgentVersion" v SET "releasedAt" = ${DB_NOW} FROM ra WHERE v."agentId" = ra.id AND v.version = ra."currentVersion"),
     raa AS (${auditInsert("agent", "ra")}),
     rt AS (
       UPDATE "Team" t SET "currentVersion" = f."targetVersion", "name" = v.name, "updatedAt" = ${DB_NOW}
       FROM f, "TeamVersion" v
       WHERE f.passed AND f.promote AND f."targetType" = 'team' AND t.id = f."targetId" AND t."workspaceId" = ${ctx.workspaceId}
         AND t."archivedAt" IS NULL AND t."currentVersion" < f."targetVersion"
         AND v."teamId" = t.id AND v.version = f."targetVersion" AND v."releasedAt" IS NULL
       RETURNING t.id, t.slug, t."currentVersion"),
     rtv AS (UPDATE "TeamVersion" v SET "releasedAt" = ${DB_NOW} FROM rt WHERE v."teamId" = rt.id AND v.version = rt."currentVersion"),
     rta AS (${auditInsert("team", "rt")})`;
}
