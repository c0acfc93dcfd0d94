import { systemDb } from "@/server/db/client";
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { purgeExpiredIdempotencyKeys } from "@/server/idempotency/store";

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes audit entries and auth events older than the retention period (CADRE_AUDIT_RETENTION_DAYS; 0 keeps
 * everything). The entries of a deleted workspace are kept until then too: that is what makes its deletion
 * auditable. Idempotent, so every server may run it.
 */
export async function purgeExpiredAudit(options: { now?: Date; retentionDays?: number } = {}): Promise<{ auditEntries: number; authEvents: number; before: Date | null }> {
  const days = options.retentionDays ?? env().CADRE_AUDIT_RETENTION_DAYS;
  if (days === 0) return { auditEntries: 0, authEvents: 0, before: null };
  const before = new Date((options.now ?? new Date()).getTime() - days * DAY_MS);
  const audit = await systemDb("operator").auditLog.deleteMany({ where: { createdAt: { lt: before } } });
  const auth = await systemDb("operator").authEvent.deleteMany({ where: { createdAt: { lt: before } } });
  return { auditEntries: audit.count, authEvents: auth.count, before };
}

const globalForRetention = globalThis as unknown as { cadreAuditRetention?: NodeJS.Timeout };

/** On start-up (a minute later, off the boot path) and then daily. */
export function startAuditRetention(): void {
  if (globalForRetention.cadreAuditRetention || !env().DATABASE_URL) return;
  const run = () =>
    purgeExpiredAudit()
      .then((r) => {
        if (r.auditEntries || r.authEvents) logger.info({ ...r }, "audit: purged entries past the retention period");
      })
      .catch((error: unknown) => logger.warn({ err: { message: (error as Error).message } }, "audit: retention purge failed"))
      // idempotency keys past their 24 hours (each workspace's are also purged as it uses keys)
      .then(() => purgeExpiredIdempotencyKeys())
      .then((n) => {
        if (n) logger.info({ idempotencyKeys: n }, "idempotency: purged expired keys");
      })
      .catch((error: unknown) => logger.warn({ err: { message: (error as Error).message } }, "idempotency: purge failed"));
  const first = setTimeout(() => {
    void run();
    globalForRetention.cadreAuditRetention = setInterval(() => void run(), DAY_MS);
    globalForRetention.cadreAuditRetention.unref();
  }, 60_000);
  first.unref();
  globalForRetention.cadreAuditRetention = first;
}
