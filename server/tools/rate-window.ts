/**
 * Tool rate limits, shared by every app process: one atomic upsert per call counts it in the current minute's window
 * of the workspace (scope "") and of the agent (scope = agent id). A call over either limit is refused until the
 * window turns (`retryAt`); the refused call counted too, which only keeps the window full until it turns.
 */
import { AppError } from "@/lib/errors";
import type { TenantContext } from "@/server/context";
import { execute } from "@/server/db/execute";
import { sql } from "@/server/db/sql";
import type { ResolvedTool } from "./types";

const MINUTE = sql`date_trunc('minute', clock_timestamp() AT TIME ZONE 'UTC')::timestamp(3)`;

export interface RateVerdict {
  ok: boolean;
  /** epoch ms when the window turns (refused calls may try again then) */
  retryAt: number;
  /** which limit refused the call */
  limit?: "workspace" | "agent";
}

export async function countToolCall(ctx: Pick<TenantContext, "workspaceId">, tool: ResolvedTool, agentId: string): Promise<RateVerdict> {
  const scopes: { scope: string; limit: number; kind: "workspace" | "agent" }[] = [];
  if (tool.rateLimitPerMinute !== null) scopes.push({ scope: "", limit: tool.rateLimitPerMinute, kind: "workspace" });
  if (tool.agentRateLimitPerMinute !== null) scopes.push({ scope: agentId, limit: tool.agentRateLimitPerMinute, kind: "agent" });
  if (scopes.length === 0) return { ok: true, retryAt: 0 };
  const values = sql.join(
    scopes.map((s) => sql`(${ctx.workspaceId}, ${tool.name}, ${s.scope}, ${MINUTE}, 1)`),
    sql`, `,
  );
  const { rows } = await execute<{ scope: string; calls: number; windowStart: Date }>(
    ctx,
    sql`INSERT INTO "ToolRateWindow" AS w ("workspaceId", "toolName", "scope", "windowStart", "calls") VALUES ${values}
      ON CONFLICT ("workspaceId", "toolName", "scope") DO UPDATE SET
        "calls" = CASE WHEN w."windowStart" = EXCLUDED."windowStart" THEN w."calls" + 1 ELSE 1 END,
        "windowStart" = EXCLUDED."windowStart"
      RETURNING w."scope" AS scope, w."calls" AS calls, w."windowStart" AS "windowStart"`,
  );
  for (const s of scopes) {
    const row = rows.find((r) => r.scope === s.scope);
    if (row && row.calls > s.limit) {
      const start = row.windowStart instanceof Date ? row.windowStart.getTime() : Date.parse(`${String(row.windowStart)}Z`);
      return { ok: false, retryAt: start + 60_000, limit: s.kind };
    }
  }
  return { ok: true, retryAt: 0 };
}

/**
 * Counts the call and, over a limit, throws the wait the step engine parks on until the window turns (the refused
 * call counted too: it is admitted at its next attempt, in the next window).
 */
export async function admitToolCall(ctx: Pick<TenantContext, "workspaceId">, tool: ResolvedTool, agentId: string): Promise<void> {
  const rate = await countToolCall(ctx, tool, agentId);
  if (rate.ok) return;
  throw new AppError("RATE_LIMITED", `The tool ${tool.name} reached its ${rate.limit === "agent" ? "per-agent" : "workspace"} rate limit`, undefined, {
    retryAt: rate.retryAt,
    waitingFor: `the rate limit of the tool ${tool.name}`,
  });
}
