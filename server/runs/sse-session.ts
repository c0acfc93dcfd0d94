/**
 * GET /api/runs/{runId}/events: the web app's stream of a run's events, for the signed-in user in the workspace
 * named by `x-cadre-workspace` or `?workspace=<slug>` (membership checked on every request).
 */
import { AppError } from "@/lib/errors";
import { currentUser } from "@/server/auth/config";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import { serveRunEvents } from "./sse";
import type { NextContext } from "./sse-routes";

export async function sessionRunEvents(request: Request, context: NextContext): Promise<Response> {
  const { runId = "" } = (await context?.params) ?? {};
  return serveRunEvents(request, runId, async (requestId) => {
    const user = await currentUser();
    if (!user) throw new AppError("UNAUTHORIZED", "Sign in first");
    const slug = request.headers.get("x-cadre-workspace") ?? new URL(request.url).searchParams.get("workspace");
    if (!slug) throw new AppError("BAD_REQUEST", "Name the workspace (?workspace=<slug>)");
    return resolveUserTenant(user, slug, requestId);
  });
}
