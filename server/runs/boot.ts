/**
 * The executor of a Cadre server process (called from instrumentation.ts): started unless there is no database
 * (a build), CADRE_EXECUTOR=off, or Inngest executes the runs. Runs left unfinished by a previous process are
 * resumed (its leases are released at once when that process is gone, else when they expire). The document ingestion
 * worker (server/jobs/memory-documents.ts), the re-embedding worker (server/jobs/memory-reembeds.ts) and the webhook
 * delivery worker (server/jobs/webhook-deliveries.ts) start and stop with it. Under Inngest, the function
 * deliver-webhooks drains the deliveries instead.
 *
 * Shutdown (SIGTERM / SIGINT): the open event streams end (so that the HTTP server can close), the executor
 * stops claiming, each running run finishes its current step and releases its lease; the process exits when that
 * is done (at most CADRE_SHUTDOWN_GRACE_SECONDS later). Under the launcher (scripts/start.ts, Next in its process)
 * the launcher owns the signals: this only registers the drain, which the launcher awaits before it closes the
 * database. Under a bare `next start` it handles the signals itself.
 */
import { env } from "@/server/env";
import { logger } from "@/server/logger";
import { closeAllRunStreams } from "@/server/runs/sse";
import { settleObservations } from "@/server/models/gateway";
import { settleRecallHints } from "@/server/memory/recall";
import { startProcessExecutor, stopProcessExecutor } from "@/server/jobs/executor";
import { startProcessDocumentWorker, stopProcessDocumentWorker } from "@/server/jobs/memory-documents";
import { startProcessReembedWorker, stopProcessReembedWorker } from "@/server/jobs/memory-reembeds";
import { startProcessWebhookWorker, stopProcessWebhookWorker } from "@/server/jobs/webhook-deliveries";
import { inngestEnabled } from "@/server/jobs/inngest-enabled";
import { lifecycle } from "@/server/lifecycle";
// registers startRun for the engine's sub-runs (the tool run_agent: server/jobs/sub-run.ts)
import "@/server/runs/service";

const globalForBoot = globalThis as unknown as { cadreExecutorBooted?: boolean };

export function startExecutorForServer(): void {
  if (globalForBoot.cadreExecutorBooted) return;
  const e = env();
  if (!e.DATABASE_URL) return;
  const life = lifecycle();
  if (e.CADRE_EXECUTOR === "off") {
    life.executor = "off";
    logger.info("executor: off in this process (CADRE_EXECUTOR=off)");
    return;
  }
  if (inngestEnabled()) {
    life.executor = "inngest";
    logger.info("executor: runs execute on Inngest (/api/inngest)");
    return;
  }
  globalForBoot.cadreExecutorBooted = true;
  const executor = startProcessExecutor();
  // documents ingested into memory (server/jobs/memory-documents.ts): the same process, the same conditions
  startProcessDocumentWorker();
  // re-embedding after a scope's embedding model changed (server/jobs/memory-reembeds.ts): likewise
  startProcessReembedWorker();
  // outgoing webhook deliveries (server/jobs/webhook-deliveries.ts): likewise
  startProcessWebhookWorker();
  life.executor = "running";
  logger.info({ owner: executor.owner, maxConcurrent: e.CADRE_MAX_CONCURRENT_RUNS, perWorkspace: e.CADRE_WORKSPACE_CONCURRENT_RUNS }, "executor: started");
  installShutdown();
}

function installShutdown(): void {
  const life = lifecycle();
  const graceMs = env().CADRE_SHUTDOWN_GRACE_SECONDS * 1000;
  let stopping: Promise<void> | null = null;
  const stop = () => {
    life.executor = "stopping";
    stopping ??= Promise.race([
      Promise.all([stopProcessExecutor(), stopProcessDocumentWorker(), stopProcessReembedWorker(), stopProcessWebhookWorker()])
        .catch((error: unknown) => logger.warn({ error: (error as Error).message }, "executor: stop failed"))
        // the models' observed statistics still queued (advisory, but worth keeping)
        .then(() => settleObservations())
        .catch((error: unknown) => logger.warn({ error: (error as Error).message }, "could not write the last model statistics"))
        // the recalled memories' lastRecalledAt still being written (they log their own failures)
        .then(() => settleRecallHints()),
      new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
    ]).then(() => {
      life.executor = "stopped";
      logger.info("executor: stopped");
    });
    return stopping;
  };
  if (life.launcher) {
    life.drainHooks.push(() => {
      closeAllRunStreams();
      return stop();
    });
    return;
  }
  const onSignal = (signal: NodeJS.Signals) => {
    closeAllRunStreams();
    // Next exits on its own once its server closed: let that wait until the runs reached a step boundary
    const exit = process.exit.bind(process);
    process.exit = ((code?: number) => {
      void stop().finally(() => exit(code));
    }) as typeof process.exit;
    // should nothing else end the process (no other handler of the signal), end it after the runs stopped
    void stop().then(() => setTimeout(() => exit(signal === "SIGINT" ? 130 : 143), 2_000));
  };
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
}
