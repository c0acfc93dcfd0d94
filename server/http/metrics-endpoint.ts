import { timingSafeEqual, createHash } from "node:crypto";
import { execute } from "@/server/db/execute";
import { SYSTEM } from "@/server/db/scope";
import { sql } from "@/server/db/sql";
import { env } from "@/server/env";
import { requestIdOf } from "@/server/http/request-id";
import { metrics } from "@/server/observability/metrics";

/**
 * GET /api/metrics: the Prometheus exposition, for a scraper holding CADRE_METRICS_TOKEN as a bearer token. Without
 * the variable the endpoint does not exist (404); a wrong or missing token is a 401. Counts of queued and running
 * runs are read across workspaces at scrape time (a privileged path: docs/security.md); nothing names a workspace.
 */
let collectorsRegistered = false;
function registerCollectors(): void {
  if (collectorsRegistered) return;
  collectorsRegistered = true;
  metrics.registry.collect("runs", async () => {
    const { rows } = await execute<{ queued: number; running: number }>(
      SYSTEM("metrics"),
      sql`SELECT count(*) FILTER (WHERE "status" = 'queued')::int AS queued, count(*) FILTER (WHERE "status" = 'running')::int AS running
          FROM "Run" WHERE "status" IN ('queued', 'running')`,
    );
    metrics.queuedRuns.set(rows[0]?.queued ?? 0);
    metrics.runningRuns.set(rows[0]?.running ?? 0);
  });
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

export function metricsTokenMatches(header: string | null, token: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match) return false;
  return timingSafeEqual(digest(match[1]!), digest(token));
}

export async function metricsResponse(request: Request): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  const token = env().CADRE_METRICS_TOKEN;
  if (!token) return Response.json({ error: { code: "NOT_FOUND", message: "Not found", requestId } }, { status: 404, headers: { "x-request-id": requestId } });
  if (!metricsTokenMatches(request.headers.get("authorization"), token)) {
    return Response.json(
      { error: { code: "UNAUTHORIZED", message: "Send the metrics token as `Authorization: Bearer <CADRE_METRICS_TOKEN>`", requestId } },
      { status: 401, headers: { "x-request-id": requestId, "www-authenticate": "Bearer" } },
    );
  }
  registerCollectors();
  return new Response(await metrics.registry.exposition(), {
    status: 200,
    headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store", "x-request-id": requestId },
  });
}
