/**
 * `npm run cadre -- audit …`: operator commands on the audit trail, with the database already available.
 *
 *   audit purge                                      delete entries past CADRE_AUDIT_RETENTION_DAYS now
 *   audit auth-events (--email <e> | --user <id>)    an account's authentication events, newest first
 *   audit export --workspace <id|slug> [--format jsonl|csv]
 *                                                    a workspace's audit log to stdout (also a deleted one's, by id)
 */
import { systemDb } from "@/server/db/client";
import type { CliIo } from "@/server/cli-io";
import { listAuthEvents } from "./auth-events";
import { exportLines, type ExportFormat } from "./export";
import { purgeExpiredAudit } from "./retention";
import { auditEntries } from "./service";

export async function auditPurge(io: CliIo): Promise<number> {
  const result = await purgeExpiredAudit();
  if (!result.before) {
    io.out("CADRE_AUDIT_RETENTION_DAYS=0: entries are kept forever, nothing purged.");
    return 0;
  }
  io.out(`Purged ${result.auditEntries} audit entries and ${result.authEvents} auth events older than ${result.before.toISOString()}.`);
  return 0;
}

export async function auditAuthEvents(io: CliIo, filter: { email?: string; userId?: string; limit?: number }): Promise<number> {
  let cursor: string | undefined;
  let left = filter.limit ?? 100;
  do {
    const page = await listAuthEvents(filter, Math.min(left, 100), cursor);
    for (const e of page.items) io.out(JSON.stringify({ ...e, createdAt: e.createdAt.toISOString() }));
    left -= page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && left > 0);
  return 0;
}

export async function auditExport(io: CliIo, workspace: string, format: ExportFormat): Promise<number> {
  // a live workspace by slug or id; a deleted one by the id (or the slug it had) in its entries
  const live = await systemDb("operator").workspace.findFirst({ where: { OR: [{ id: workspace }, { slug: workspace }] }, select: { id: true } });
  const kept =
    live ??
    (await systemDb("operator").auditLog.findFirst({
      where: { OR: [{ workspaceId: workspace }, { workspaceSlug: workspace }] },
      orderBy: { createdAt: "desc" },
      select: { workspaceId: true },
    }));
  const workspaceId = live?.id ?? (kept as { workspaceId?: string } | null)?.workspaceId;
  if (!workspaceId) {
    io.err(`No workspace or audit entries for "${workspace}"`);
    return 1;
  }
  for await (const line of exportLines(auditEntries(workspaceId, {}, systemDb("operator")), format)) io.out(line.replace(/\r?\n$/, ""));
  return 0;
}
