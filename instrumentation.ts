/**
 * Next.js calls `register()` once when a server starts. In the Node.js runtime (never at build time, never in the
 * edge runtime) it starts the in-process run executor, unless Inngest is configured or CADRE_EXECUTOR=off: see
 * server/runs/boot.ts. It also schedules the retention purge (server/retention/purge.ts) and, when an OTLP endpoint
 * is configured (OTEL_EXPORTER_OTLP_ENDPOINT), starts OpenTelemetry tracing first (server/observability/tracing.ts).
 */
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    if (process.env.NEXT_PHASE === "phase-production-build") return;
    const { startTracing } = await import("./server/observability/tracing");
    await startTracing();
    const { startExecutorForServer } = await import("./server/runs/boot");
    startExecutorForServer();
    // schedules (server/schedules/scheduler.ts): fired in-process under the executor's conditions
    const { startSchedulerForServer } = await import("./server/schedules/boot");
    startSchedulerForServer();
    // evaluations over datasets (server/quality/evaluations/worker.ts): likewise
    const { startEvaluationsForServer } = await import("./server/quality/evaluations/boot");
    startEvaluationsForServer();
    const { startRetention } = await import("./server/retention/purge");
    startRetention();
  }
}
