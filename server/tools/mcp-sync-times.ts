import { env } from "@/server/env";

/** How often a remote MCP server's tools are synced again automatically (./mcp-resync.ts), in hours; 0: never. */
export function mcpSyncHours(): number {
  return env().CADRE_MCP_SYNC_HOURS;
}

/** The next automatic sync after one at `now` (a sync by hand or by the pass, failed or not); null when they are off. */
export function nextMcpSyncAt(now: Date = new Date()): Date | null {
  const hours = mcpSyncHours();
  return hours > 0 ? new Date(now.getTime() + hours * 3_600_000) : null;
}
