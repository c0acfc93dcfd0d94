import { inngestRouteWith } from "@/server/jobs/inngest-serve";
import { mcpSyncFunction, scheduleTickFunction } from "@/server/schedules/inngest";
import { evaluationFunction } from "@/server/quality/evaluations/inngest";
// registers startRun for the engine's sub-runs (the tool run_agent: server/jobs/sub-run.ts)
import "@/server/runs/service";

/**
 * The Inngest endpoint: Inngest calls it to execute runs (see server/jobs/inngest-serve.ts). Without INNGEST_* set it
 * answers 404 "not configured" and runs execute in-process. The schedules' and the MCP sync's cron functions (server/schedules/inngest.ts)
 * and the evaluations' function (server/quality/evaluations/inngest.ts) are served here too (server/ keeps them above the jobs layer).
 */
export const { GET, POST, PUT } = inngestRouteWith([scheduleTickFunction, mcpSyncFunction, evaluationFunction]);
