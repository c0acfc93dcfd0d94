/**
 * The in-process evaluation worker of a server process (called from instrumentation.ts), under the executor's
 * conditions (server/runs/boot.ts): not without a database, not with CADRE_EXECUTOR=off, and not when Inngest is
 * configured (./inngest.ts runs evaluations there). A worker stopped midway leaves nothing half-done: its lease
 * expires and the next worker resumes.
 */
import { env } from "@/server/env";
import { inngestEnabled } from "@/server/jobs/inngest-enabled";
import { logger } from "@/server/logger";
import { startProcessEvaluationWorker, stopProcessEvaluationWorker } from "./worker";
// registers the start of a candidate version's evaluation (eval-gated promotion), in every server process
import "./promotion";

export function startEvaluationsForServer(): void {
  const e = env();
  if (!e.DATABASE_URL || e.CADRE_EXECUTOR === "off" || inngestEnabled()) return;
  const worker = startProcessEvaluationWorker();
  logger.info({ owner: worker.owner }, "evaluations: worker started");
}

export const stopEvaluationsForServer = stopProcessEvaluationWorker;
