/**
 * The scheduler on Inngest (when configured: server/jobs/inngest-enabled.ts): a cron function, every minute, that runs
 * the same pass as the in-process scheduler (./scheduler.ts, `tickSchedules`) as one step, then the MCP servers' periodic
 * sync (./mcp-sync.ts) as another. The claim and the fire's
 * gate make a pass safe to repeat or to overlap with another.
 */
import { inngest } from "@/server/jobs/inngest";
import { syncDueMcpServers } from "./mcp-sync";
import { tickSchedules } from "./scheduler";

export const scheduleTickFunction = inngest.createFunction(
  { id: "tick-schedules", name: "Fire the due schedules", triggers: [{ cron: "* * * * *" }], concurrency: [{ limit: 1 }] },
  async ({ step, runId }) => {
    const outcomes = await step.run("tick", () => tickSchedules({ owner: `inngest:${runId}` }));
    // the remote MCP servers due for their periodic sync (./mcp-sync.ts): claimed, so a repeated step syncs nothing twice
    const mcp = await step.run("mcp-sync", () => syncDueMcpServers());
    return {
      fired: outcomes.filter((o) => "fired" in o).length,
      skipped: outcomes.filter((o) => "skipped" in o).length,
      mcpServersSynced: mcp.synced.length,
    };
  },
);
