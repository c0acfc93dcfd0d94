/**
 * The scheduler on Inngest (when configured: server/jobs/inngest-enabled.ts): a cron function, every minute, that runs
 * the same pass as the in-process scheduler (./scheduler.ts, `tickSchedules`) as one step. The claim and the fire's
 * gate make a pass safe to repeat or to overlap with another.
 */
import { inngest } from "@/server/jobs/inngest";
import { syncDueMcpServers } from "./mcp-sync";
import { tickSchedules } from "./scheduler";

export const scheduleTickFunction = inngest.createFunction(
  { id: "tick-schedules", name: "Fire the due schedules", triggers: [{ cron: "* * * * *" }], concurrency: [{ limit: 1 }] },
  async ({ step, runId }) => {
    const outcomes = await step.run("tick", () => tickSchedules({ owner: `inngest:${runId}` }));
    return { fired: outcomes.filter((o) => "fired" in o).length, skipped: outcomes.filter((o) => "skipped" in o).length };
  },
);

/**
 * The remote MCP servers' periodic sync (./mcp-sync.ts) on Inngest: its own cron function, every 5 minutes, so that
 * a slow server never holds up the schedules' tick. The claim makes a repeated or overlapping pass sync nothing twice.
 */
export const mcpSyncFunction = inngest.createFunction(
  { id: "sync-mcp-servers", name: "Sync the remote MCP servers that are due", triggers: [{ cron: "*/5 * * * *" }], concurrency: [{ limit: 1 }] },
  async ({ step }) => {
    const pass = await step.run("sync", () => syncDueMcpServers());
    return { synced: pass.synced.length, unreachable: pass.unreachable.length, skipped: pass.skipped.length };
  },
);
