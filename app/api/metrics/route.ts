import { metricsResponse } from "@/server/http/metrics-endpoint";

export const dynamic = "force-dynamic";

/** Prometheus metrics for a scraper with CADRE_METRICS_TOKEN (404 when the token is not configured). */
export function GET(request: Request) {
  return metricsResponse(request);
}
