import { readiness } from "@/server/health/readiness";
import { requestIdOf } from "@/server/http/request-id";

export const dynamic = "force-dynamic";

/** Readiness probe: 200 when this process should get traffic, else 503 (fast, never hanging). See docs/operations.md. */
export async function GET(request: Request) {
  const report = await readiness();
  return Response.json(report, {
    status: report.status === "ready" ? 200 : 503,
    headers: { "x-request-id": requestIdOf(request.headers), "cache-control": "no-store" },
  });
}
