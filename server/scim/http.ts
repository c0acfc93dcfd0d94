/**
 * The HTTP side of the SCIM 2.0 endpoint `/api/scim/v2/{org}/...` (docs/scim.md): the organisation's bearer token
 * with the "scim" scope (another organisation's token is a 401 here, whatever it names), bodies read under the size
 * limit, `application/scim+json` answers, SCIM error bodies (RFC 7644 §3.12). Server errors answer a generic body.
 */
import { isAppError } from "@/lib/errors";
import { boundedRequest, readBodyText } from "@/server/http/body";
import { clientIpOf, userAgentOf } from "@/server/http/client-info";
import { publicOrigin } from "@/server/http/origin";
import { requestIdOf } from "@/server/http/request-id";
import { hitOrgToken, rateLimitHeaders } from "@/server/http/rate-limit";
import { logSecurityEvent } from "@/server/http/security-log";
import { logger } from "@/server/logger";
import type { ScimContext } from "./context";
import { resourceTypeById, resourceTypes, schemaById, schemas, serviceProviderConfig } from "./discovery";
import { fromAppError, ScimError, scimErrorBody } from "./errors";
import { createScimGroup, deleteScimGroup, getScimGroup, listScimGroups, patchScimGroup, replaceScimGroup } from "./groups";
import { verifyOrgToken } from "./tokens";
import { createScimUser, deleteScimUser, getScimUser, listScimUsers, patchScimUser, replaceScimUser } from "./users";

export const SCIM_CONTENT_TYPE = "application/scim+json";

type Params = { params: Promise<{ org: string; path?: string[] }> };

function scimJson(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": `${SCIM_CONTENT_TYPE}; charset=utf-8`, "cache-control": "no-store", ...headers },
  });
}

function withEtag(resource: { meta: { version: string; location: string } }, status = 200): Response {
  return scimJson(resource, status, { etag: resource.meta.version, ...(status === 201 ? { location: resource.meta.location } : {}) });
}

async function readJson(request: Request): Promise<unknown> {
  const text = await readBodyText(request);
  if (text.trim() === "") throw new ScimError(400, "A JSON body is required", "invalidSyntax");
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ScimError(400, "The body is not valid JSON", "invalidSyntax");
  }
}

async function authenticate(request: Request, orgSlug: string): Promise<ScimContext> {
  const header = request.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) throw new ScimError(401, "A bearer organisation token with the scim scope is required");
  const h = request.headers;
  const verified = await verifyOrgToken(m[1]!, "scim", {
    organizationSlug: orgSlug,
    requestId: requestIdOf(h),
    clientIp: clientIpOf(h),
    userAgent: userAgentOf(h),
  });
  return { ...verified, baseUrl: `${publicOrigin(request)}/api/scim/v2/${encodeURIComponent(verified.organizationSlug)}` };
}

type Resource = { meta: { version: string; location: string } };
interface ResourceHandlers {
  list(ctx: ScimContext, params: URLSearchParams): Promise<unknown>;
  create(ctx: ScimContext, body: unknown): Promise<Resource>;
  get(ctx: ScimContext, id: string, params: URLSearchParams): Promise<Resource>;
  replace(ctx: ScimContext, id: string, body: unknown, ifMatch: string | null): Promise<Resource>;
  patch(ctx: ScimContext, id: string, body: unknown, ifMatch: string | null): Promise<Resource>;
  remove(ctx: ScimContext, id: string, ifMatch: string | null): Promise<void>;
}

const RESOURCES: Record<string, ResourceHandlers | undefined> = {
  Users: { list: listScimUsers, create: createScimUser, get: getScimUser, replace: replaceScimUser, patch: patchScimUser, remove: deleteScimUser },
  Groups: { list: listScimGroups, create: createScimGroup, get: getScimGroup, replace: replaceScimGroup, patch: patchScimGroup, remove: deleteScimGroup },
};

async function dispatch(request: Request, ctx: ScimContext, path: readonly string[]): Promise<Response> {
  const method = request.method.toUpperCase();
  const [resource, id, ...rest] = path;
  const params = new URL(request.url).searchParams;
  const ifMatch = request.headers.get("if-match");
  const notFound = () => new ScimError(404, `No such endpoint: /${path.join("/")}`);
  const notAllowed = () => new ScimError(405, `${method} is not supported on /${path.join("/")}`);
  if (rest.length > 0 || resource === undefined) throw notFound();
  if (resource === "ServiceProviderConfig") {
    if (id !== undefined) throw notFound();
    if (method !== "GET") throw notAllowed();
    return scimJson(serviceProviderConfig(ctx));
  }
  if (resource === "ResourceTypes" || resource === "Schemas") {
    if (method !== "GET") throw notAllowed();
    if (id === undefined) return scimJson(resource === "Schemas" ? schemas(ctx) : resourceTypes(ctx));
    const one = resource === "Schemas" ? schemaById(ctx, id) : resourceTypeById(ctx, id);
    if (!one) throw notFound();
    return scimJson(one);
  }
  const handlers = RESOURCES[resource];
  if (!handlers) throw notFound();
  if (id === undefined) {
    if (method === "GET") return scimJson(await handlers.list(ctx, params));
    if (method === "POST") return withEtag(await handlers.create(ctx, await readJson(request)), 201);
    throw notAllowed();
  }
  if (method === "GET") return withEtag(await handlers.get(ctx, id, params));
  if (method === "PUT") return withEtag(await handlers.replace(ctx, id, await readJson(request), ifMatch));
  if (method === "PATCH") return withEtag(await handlers.patch(ctx, id, await readJson(request), ifMatch));
  if (method === "DELETE") {
    await handlers.remove(ctx, id, ifMatch);
    return new Response(null, { status: 204 });
  }
  throw notAllowed();
}

/** The route handler of every method of `app/api/scim/v2/[org]/[[...path]]/route.ts`. */
export async function scimHandler(request: Request, { params }: Params): Promise<Response> {
  const { org, path = [] } = await params;
  let limitHeaders: Record<string, string> = {};
  try {
    // the body is read under the size limit first (413 whoever sends it), then the token is checked
    const bounded = await boundedRequest(request);
    const ctx = await authenticate(bounded, org);
    // then the token's rate limit (shared with the organisation API: server/http/rate-limit.ts)
    const decision = hitOrgToken(ctx.tokenId);
    limitHeaders = rateLimitHeaders(decision);
    if (!decision.allowed) {
      logSecurityEvent({ kind: "rate_limited", actor: `org_token:${ctx.tokenId}`, requestId: ctx.requestId, route: "SCIM", clientIp: ctx.clientIp });
      throw new ScimError(429, `Rate limit of ${decision.limit} requests per minute for this token reached. Retry in ${decision.retryAfterSeconds} s.`);
    }
    const response = await dispatch(bounded, ctx, path);
    for (const [name, value] of Object.entries(limitHeaders)) response.headers.set(name, value);
    return response;
  } catch (error) {
    const scim = error instanceof ScimError ? error : isAppError(error) ? fromAppError(error) : null;
    if (scim) {
      const headers: Record<string, string> = { ...limitHeaders, ...(scim.status === 401 ? { "www-authenticate": 'Bearer realm="scim"' } : {}) };
      return scimJson(scimErrorBody(scim), scim.status, headers);
    }
    logger.error({ err: error, requestId: requestIdOf(request.headers) }, "scim request failed");
    return scimJson(scimErrorBody(new ScimError(500, "Internal error")), 500);
  }
}
