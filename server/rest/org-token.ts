/**
 * The organisation administration API (docs/api.md, "Organisations"): route definitions with `auth: "org_token"`
 * (server/rest/routes/orgs.ts), authenticated by an organisation token with the `admin` scope for the organisation
 * its path names (server/scim/tokens.ts; its creator acts, with their current org role). The same pipeline as the
 * API-key routes: the token's rate limit (shared with SCIM), the organisation's IP allowlist, the body limit and
 * input bounds, zod-validated params, query and body, `Idempotency-Key` on creating POSTs, Cadre's REST error body.
 */
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { IDEMPOTENT_REPLAYED_HEADER } from "@/lib/idempotency";
import { addressAllowed } from "@/lib/ip-allowlist";
import { maxBodyBytes, readBodyText } from "@/server/http/body";
import { clientAddress } from "@/server/http/client-address";
import { clientInfoOf } from "@/server/http/client-info";
import { errorResponse } from "@/server/http/errors";
import { observeRequest } from "@/server/http/observe";
import { publicOrigin } from "@/server/http/origin";
import { hitOrgToken, rateLimitHeaders } from "@/server/http/rate-limit";
import { requestIdOf } from "@/server/http/request-id";
import { logSecurityEvent } from "@/server/http/security-log";
import { requestFingerprint, withIdempotency } from "@/server/idempotency/store";
import type { OrgContext } from "@/server/orgs/context";
import { getOrganization } from "@/server/orgs/service";
import { verifyOrgToken } from "@/server/scim/tokens";
import { type AnyRestRoute, idempotencyKeyOf, NO_BODY, parseInput, parseJsonBody, type RestRoute, type RouteHandler } from "./define";

/** What an organisation route's handler acts as: the organisation's context, plus the token and its creator. */
export interface OrgApiContext extends OrgContext {
  tokenId: string;
  creator: { id: string; email: string };
}

/** An organisation API route: every one takes the organisation's slug as its `{org}` path parameter. */
export function defineOrgRoute<P extends z.ZodType, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown, R extends z.ZodType = z.ZodType>(
  route: Omit<RestRoute<P, Q, B, R, OrgApiContext>, "auth" | "requires">,
): RestRoute<P, Q, B, R, OrgApiContext> {
  if (!route.path.startsWith("/api/v1/orgs/{org}")) throw new Error(`${route.method} ${route.path}: an organisation route lives under /api/v1/orgs/{org}`);
  return { ...route, auth: "org_token", requires: "authenticated" };
}

const bearer = (request: Request) => /^Bearer\s+(\S+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";

/** Runs one request of an organisation route (the org_token counterpart of executeRoute in ./define.ts). */
export async function executeOrgRoute(route: AnyRestRoute, request: Request, rawParams: Record<string, string>): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  const client = clientInfoOf(request);
  const routeName = `${route.method} ${route.path}`;
  let actor = `ip:${client.clientIp ?? "unknown"}`;
  let limitHeaders: Record<string, string> = {};
  try {
    if (route.kind === "stream" || route.auth !== "org_token") throw new Error(`${routeName} is not an organisation route`);
    // the body limit first, as SCIM's: an oversized body is refused (413) whoever sends it, before anything is looked at
    const bodyText = await readBodyText(request, Math.max(maxBodyBytes(), route.maxBodyBytes ?? 0));
    const token = await verifyOrgToken(bearer(request), "admin", { organizationSlug: rawParams.org ?? "", requestId, ...client }).catch((error: unknown) => {
      logSecurityEvent({ kind: "invalid_credentials", actor, requestId, route: routeName, clientIp: client.clientIp });
      throw error;
    });
    actor = `org_token:${token.tokenId}`;
    const decision = hitOrgToken(token.tokenId);
    limitHeaders = rateLimitHeaders(decision);
    if (!decision.allowed) {
      logSecurityEvent({ kind: "rate_limited", actor, requestId, route: routeName, clientIp: client.clientIp });
      throw new AppError(
        "RATE_LIMITED",
        `Rate limit of ${decision.limit} requests per minute for this organisation token reached. Retry in ${decision.retryAfterSeconds} s.`,
        { retryAfterSeconds: decision.retryAfterSeconds },
      );
    }
    const { creator, ...orgCtx } = token;
    const ctx: OrgApiContext = { ...orgCtx, creator: { id: creator.userId, email: creator.email } };
    const policy = (await getOrganization(ctx)).policy;
    if (!addressAllowed(clientAddress(request.headers), policy.apiIpAllowlist)) {
      logSecurityEvent({ kind: "permission_denied", actor, requestId, route: routeName, clientIp: client.clientIp, reason: "ip_allowlist" });
      throw new AppError("FORBIDDEN", "This organisation accepts its tokens only from its allowed addresses");
    }
    const idempotencyKey = route.idempotent ? idempotencyKeyOf(request) : undefined;
    const rawBody = parseJsonBody(bodyText);
    const params = route.params ? parseInput(route.params, rawParams) : {};
    const query = route.query ? parseInput(route.query, Object.fromEntries(new URL(request.url).searchParams)) : {};
    const body = (route.body ?? NO_BODY).parse(rawBody);
    const headers: Record<string, string> = { ...limitHeaders, "x-request-id": requestId };
    const respond = async (): Promise<Response> => {
      const result = await route.handler({ ctx, params, query, body, origin: publicOrigin(request), headers: request.headers, request, requestId });
      if (result instanceof Response) throw new Error(`${routeName}: an organisation route answers JSON`);
      const status = route.status ?? 200;
      if (status === 204) return new Response(null, { status, headers });
      return Response.json(route.response.parse(result), { status, headers });
    };
    if (idempotencyKey === undefined) return await respond();
    // validated first: an invalid request claims no key
    const url = new URL(request.url);
    const fingerprint = requestFingerprint({ method: route.method, path: url.pathname, query: [...url.searchParams].sort(), body: rawBody });
    const stored = await withIdempotency({ organizationId: ctx.organizationId, actor }, idempotencyKey, fingerprint, async () => {
      const response = await respond();
      return { status: response.status, body: await response.text() };
    });
    if (stored.body !== "") headers["content-type"] = "application/json";
    if (stored.replayed) headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] = "true";
    return new Response(stored.body === "" ? null : stored.body, { status: stored.status, headers });
  } catch (error) {
    return errorResponse(error, requestId, limitHeaders);
  }
}

type NextContext = { params: Promise<Record<string, string>> };

/** Next route-handler exports for the organisation routes of one path: `export const { GET, PATCH } = orgHandlers(a, b)`. */
export function orgHandlers(...routes: AnyRestRoute[]): Partial<Record<AnyRestRoute["method"], RouteHandler>> {
  const out: Partial<Record<AnyRestRoute["method"], RouteHandler>> = {};
  for (const route of routes) {
    if (route.auth !== "org_token") throw new Error(`${route.method} ${route.path} is not an organisation route: serve it with handlers()`);
    const fn = async (req: Request, nextCtx: NextContext) =>
      observeRequest(req, { method: route.method, route: route.path }, async () => executeOrgRoute(route, req, (await nextCtx?.params) ?? {}));
    out[route.method] = Object.assign(fn, { route });
  }
  return out;
}
