import { env } from "@/server/env";
import { purgeAuditEntries, purgeAuthEvents } from "@/server/retention/purge";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit entries and auth events past their retention: a workspace's own audit period when it set one
 * (workspace settings, docs/data-retention.md), else CADRE_AUDIT_RETENTION_DAYS (0 keeps everything). The entries
 * of a deleted workspace are kept until the default period ends: that is what makes its deletion auditable. Batched
 * and idempotent; it is part of the retention purge (server/retention/purge.ts), which runs in every server.
 */
export async function purgeExpiredAudit(
  options: { now?: Date; retentionDays?: number; batchSize?: number } = {},
): Promise<{ auditEntries: number; authEvents: number; before: Date | null }> {
  const days = options.retentionDays ?? env().CADRE_AUDIT_RETENTION_DAYS;
  const now = options.now ?? new Date();
  const batch = options.batchSize ?? 5000;
  const auditEntries = await purgeAuditEntries(now, batch, days);
  const authEvents = await purgeAuthEvents(now, batch, days);
  return { auditEntries, authEvents, before: days === 0 ? null : new Date(now.getTime() - days * DAY_MS) };
}
