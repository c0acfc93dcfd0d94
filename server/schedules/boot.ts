/**
 * The in-process scheduler of a server process (called from instrumentation.ts), under the executor's conditions
 * (server/runs/boot.ts): not without a database, not with CADRE_EXECUTOR=off, and not when Inngest is configured
 * (its cron function ticks instead: ./inngest.ts). Its timer does not keep the process alive; a pass stopped midway
 * leaves nothing half-done (each fire is one statement).
 */
import { env } from "@/server/env";
import { inngestEnabled } from "@/server/jobs/inngest-enabled";
import { logger } from "@/server/logger";
import { startScheduler, type Scheduler } from "./scheduler";

const globalForScheduler = globalThis as unknown as { cadreScheduler?: Scheduler };

export function startSchedulerForServer(): void {
  const e = env();
  if (globalForScheduler.cadreScheduler || !e.DATABASE_URL || e.CADRE_EXECUTOR === "off" || inngestEnabled()) return;
  globalForScheduler.cadreScheduler = startScheduler();
  logger.info({ owner: globalForScheduler.cadreScheduler.owner }, "scheduler: started");
}

export async function stopSchedulerForServer(): Promise<void> {
  const scheduler = globalForScheduler.cadreScheduler;
  globalForScheduler.cadreScheduler = undefined;
  await scheduler?.stop();
}
