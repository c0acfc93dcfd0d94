/**
 * The web app's own HTTP endpoints outside tRPC (event streams): route definitions with `auth: "session"`, served
 * through the same executor as REST, authenticated by the next-auth session in the workspace named by the
 * `x-cadre-workspace` header or `?workspace=<slug>` (membership checked in the database on every request).
 */
import { AppError } from "@/lib/errors";
import { currentUser } from "@/server/auth/config";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import type { SessionUser } from "@/server/auth/sessions";
import { routeHandler, type AnyRestRoute, type Authenticator, type RouteHandler } from "./define";

/**
 * The request's signed-in user, read from its cookie once: an open stream's later checks (reauthorize) re-read the
 * session's validity and the membership from the database in one statement (resolveUserTenant with the claims),
 * without the request scope next/headers needs.
 */
const usersOfRequests = new WeakMap<Request, SessionUser>();

export const sessionAuthenticator: Authenticator = async (request, requestId) => {
  const user = usersOfRequests.get(request) ?? (await currentUser());
  if (!user) throw new AppError("UNAUTHORIZED", "Sign in first");
  usersOfRequests.set(request, user);
  const slug = request.headers.get("x-cadre-workspace") ?? new URL(request.url).searchParams.get("workspace");
  if (!slug) throw new AppError("BAD_REQUEST", "Name the workspace (?workspace=<slug>)");
  return resolveUserTenant(user, slug, requestId);
};

/** Next route-handler exports for the session routes of one path: `export const { GET } = sessionHandlers(a)`. */
export function sessionHandlers(...routes: AnyRestRoute[]): Partial<Record<AnyRestRoute["method"], RouteHandler>> {
  const out: Partial<Record<AnyRestRoute["method"], RouteHandler>> = {};
  for (const route of routes) {
    if (route.auth !== "session") throw new Error(`${route.method} ${route.path} is an API-key route: serve it with handlers()`);
    out[route.method] = routeHandler(route, sessionAuthenticator);
  }
  return out;
}
