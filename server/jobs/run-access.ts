/**
 * A run executes with its creator's powers, so it stops when they end: the API key that started it revoked, expired
 * or gone, or its creator (the person, or the key's creator) no longer a member of the workspace. The services cancel
 * such runs when they revoke a key or remove a member (server/runs/service.ts, cancelRunsOfEndedAccess); the executor
 * checks again when it claims or resumes a run and with every lease heartbeat (defence in depth: a membership ended
 * some other way, a key that expired). The run is cancelled with the reason (Run.cancelReason, the run.cancelled
 * event, Run.error) and a `run.cancel` audit entry.
 */
import { newId } from "@/lib/ids";
import type { AuditAction, AuditTargetType } from "@/lib/schemas/audit";
import type { ActorType } from "@/lib/schemas/common";
import { execute } from "@/server/db/execute";
import { sql, type Sql } from "@/server/db/sql";

export const ACCESS_ENDED = {
  keyRevoked: "Cancelled: the API key that started this run was revoked",
  keyExpired: "Cancelled: the API key that started this run has expired",
  keyGone: "Cancelled: the API key that started this run no longer exists",
  keyCreatorRemoved: "Cancelled: the creator of the API key that started this run is no longer a member of the workspace",
  creatorRemoved: "Cancelled: the person who started this run is no longer a member of the workspace",
} as const;

/** Thrown when a run's creator context is resolved after the creator's access ended. */
export class RunAccessEndedError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "RunAccessEndedError";
  }
}

/**
 * SQL: why the creator of the run row `alias` (its "workspaceId", "createdByType", "createdById") can no longer act in
 * its workspace, as text, or NULL while they can. Indexed lookups only (the key by id, the membership by its unique key).
 */
export function accessEndedSql(alias: string, now = new Date()): Sql {
  const a = sql.ident(alias);
  return sql`(CASE WHEN ${a}."createdByType" = 'api_key' THEN (
      SELECT CASE WHEN ak.id IS NULL THEN ${ACCESS_ENDED.keyGone}
        WHEN ak."revokedAt" IS NOT NULL THEN ${ACCESS_ENDED.keyRevoked}
        WHEN ak."expiresAt" IS NOT NULL AND ak."expiresAt" <= ${now} THEN ${ACCESS_ENDED.keyExpired}
        WHEN am.id IS NULL THEN ${ACCESS_ENDED.keyCreatorRemoved} END
      FROM (SELECT 1) AS one
      LEFT JOIN "ApiKey" ak ON ak.id = ${a}."createdById" AND ak."workspaceId" = ${a}."workspaceId"
      LEFT JOIN "Membership" am ON am."workspaceId" = ${a}."workspaceId" AND am."userId" = ak."createdById")
    ELSE (SELECT CASE WHEN um.id IS NULL THEN ${ACCESS_ENDED.creatorRemoved} END
      FROM (SELECT 1) AS one
      LEFT JOIN "Membership" um ON um."workspaceId" = ${a}."workspaceId" AND um."userId" = ${a}."createdById")
    END)`;
}

/**
 * Requests the cancel of an unfinished run whose creator's access ended, with the reason, and records `run.cancel`
 * (actor: the system) in the same statement. A run already cancelled for a reason is left as it is (no second entry).
 * True when this call requested it.
 */
export async function cancelForEndedAccess(run: { id: string; workspaceId: string }, reason: string): Promise<boolean> {
  const now = new Date();
  const { rows } = await execute(
    { workspaceId: run.workspaceId },
    sql`WITH r AS (
       UPDATE "Run" SET "cancelRequestedAt" = COALESCE("cancelRequestedAt", ${now}), "cancelReason" = ${reason}, "updatedAt" = ${now}
       WHERE id = ${run.id} AND "workspaceId" = ${run.workspaceId} AND "status" IN ('queued', 'running') AND "cancelReason" IS NULL
       RETURNING id, "workspaceId", status::text AS status)
     INSERT INTO "AuditLog" ("id", "workspaceId", "actorType", "actorId", "actorLabel", "action", "targetType", "targetId", "metadata", "requestId", "createdAt")
     SELECT ${newId("aud")}, r."workspaceId", ${"system" satisfies ActorType}, NULL, 'Cadre (run executor)', ${"run.cancel" satisfies AuditAction}, ${"run" satisfies AuditTargetType}, r.id,
       jsonb_build_object('status', r.status, 'reason', ${reason}::text), ${`run:${run.id}`}, ${now} FROM r
     RETURNING 1`,
  );
  return rows.length > 0;
}
