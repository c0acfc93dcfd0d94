import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Permission } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { errorResponse } from "@/server/http/errors";
import { requestIdOf } from "@/server/http/request-id";
import { publicOrigin } from "@/server/http/origin";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** "authenticated" (any valid caller of the route's kind) or a permission of the matrix. */
export type RouteRequirement = Permission | "authenticated";

/**
 * Who calls the route: "api_key" (REST: `Authorization: Bearer`, listed in the OpenAPI document) or "session"
 * (the web app's own HTTP endpoints, next-auth session plus the workspace it names; served by server/rest/session.ts).
 */
export type RouteAuth = "api_key" | "session";

interface RouteCommon<P extends z.ZodType, Q extends z.ZodType> {
  method: Method;
  path: string; // OpenAPI style: /api/v1/members/{id}
  summary: string;
  tag: string;
  /** mandatory: checked before any input is parsed */
  requires: RouteRequirement;
  /** default "api_key" */
  auth?: RouteAuth;
  params?: P;
  query?: Q;
}

type JsonHandler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> = (input: {
  ctx: TenantContext;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** the public origin for links handed out (CADRE_PUBLIC_URL, else the request's) */
  origin: string;
}) => Promise<z.input<R>>;

/**
 * A JSON route. The same definition serves requests and writes the OpenAPI document.
 */
export interface RestRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> extends RouteCommon<P, Q> {
  kind?: "json";
  body?: B;
  response: R;
  status?: number;
  handler: JsonHandler<P, Q, B, R>;
}

export interface StreamInput<P extends z.ZodType, Q extends z.ZodType> {
  ctx: TenantContext;
  params: z.output<P>;
  query: z.output<Q>;
  request: Request;
  requestId: string;
  /** authenticates the caller again and re-checks `requires` (for streams that re-check access while open) */
  reauthorize: () => Promise<TenantContext>;
}

/**
 * An event stream (text/event-stream): authenticated, permission-checked and parsed exactly like a JSON route, then
 * `stream` builds the response. With `response` + `handler`, a request that asks for `Accept: application/json` (and
 * not text/event-stream) gets that JSON page instead.
 */
export interface StreamRoute<P extends z.ZodType, Q extends z.ZodType, R extends z.ZodType> extends RouteCommon<P, Q> {
  kind: "stream";
  method: "GET";
  /** the stream's messages, for the OpenAPI document */
  events: string;
  stream: (input: StreamInput<P, Q>) => Promise<Response>;
  response?: R;
  handler?: JsonHandler<P, Q, z.ZodObject, R>;
  body?: undefined;
  status?: undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRestRoute = RestRoute<any, any, any, any> | StreamRoute<any, any, any>;

export function defineRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown, R extends z.ZodType = z.ZodType>(
  route: RestRoute<P, Q, B, R>,
): RestRoute<P, Q, B, R> {
  return route;
}

export function defineStreamRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, R extends z.ZodType = z.ZodType>(
  route: Omit<StreamRoute<P, Q, R>, "kind">,
): StreamRoute<P, Q, R> {
  return { ...route, kind: "stream" };
}

/** Resolves the caller of a request to its tenant context (or throws UNAUTHORIZED / NOT_FOUND). */
export type Authenticator = (request: Request, requestId: string) => Promise<TenantContext>;

function bearerKey(request: Request): string {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError("UNAUTHORIZED", "Send an API key as `Authorization: Bearer <key>`");
  return match[1]!;
}

export const apiKeyAuthenticator: Authenticator = (request, requestId) => authenticateApiKey(bearerKey(request), requestId);

/** The one requirement check of every route, whatever its kind or its caller's. */
export function assertRouteAllowed(ctx: TenantContext, requires: RouteRequirement): void {
  if (requires === "authenticated" || ctx.permissions.has(requires)) return;
  throw new AppError(
    "FORBIDDEN",
    ctx.actor.type === "api_key"
      ? `This API key lacks the scope ${requires} (or its creator's role does not allow it)`
      : `Your role (${ctx.role}) does not allow ${requires}`,
  );
}

async function readBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The request body is not valid JSON");
  }
}

function wantsJson(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/event-stream");
}

/** Runs one request through authentication, the permission check, input parsing and the handler (or the stream). */
export async function executeRoute(
  route: AnyRestRoute,
  request: Request,
  rawParams: Record<string, string>,
  authenticate: Authenticator = apiKeyAuthenticator,
): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  try {
    const authorize = async () => {
      const ctx = await authenticate(request, requestId);
      assertRouteAllowed(ctx, route.requires);
      return ctx;
    };
    const ctx = await authorize();
    const params = route.params ? route.params.parse(rawParams) : {};
    const query = route.query ? route.query.parse(Object.fromEntries(new URL(request.url).searchParams)) : {};
    if (route.kind === "stream" && !(route.handler && wantsJson(request))) {
      return await route.stream({ ctx, params, query, request, requestId, reauthorize: authorize });
    }
    const body = route.body ? route.body.parse(await readBody(request)) : {};
    const result = await route.handler!({ ctx, params, query, body, origin: publicOrigin(request) });
    const status = route.status ?? 200;
    if (status === 204) return new Response(null, { status, headers: { "x-request-id": requestId } });
    return Response.json(route.response!.parse(result), { status, headers: { "x-request-id": requestId } });
  } catch (error) {
    return errorResponse(error, requestId);
  }
}

type NextContext = { params: Promise<Record<string, string>> };
export type RouteHandler = ((req: Request, ctx: NextContext) => Promise<Response>) & { readonly route: AnyRestRoute };

/** A Next route handler for one definition, tagged with it (the route-files test checks every export has one). */
export function routeHandler(route: AnyRestRoute, authenticate: Authenticator = apiKeyAuthenticator): RouteHandler {
  const fn = async (req: Request, nextCtx: NextContext) => executeRoute(route, req, (await nextCtx?.params) ?? {}, authenticate);
  return Object.assign(fn, { route });
}

/** The definition a Next route handler was built from, if any. */
export function routeOf(handler: unknown): AnyRestRoute | undefined {
  return typeof handler === "function" ? (handler as Partial<RouteHandler>).route : undefined;
}

/** Next route-handler exports for the API-key routes of one path: `export const { GET, POST } = handlers(a, b)`. */
export function handlers(...routes: AnyRestRoute[]): Partial<Record<Method, RouteHandler>> {
  const out: Partial<Record<Method, RouteHandler>> = {};
  for (const route of routes) {
    if ((route.auth ?? "api_key") !== "api_key") throw new Error(`${route.method} ${route.path} is a session route: serve it with sessionHandlers()`);
    out[route.method] = routeHandler(route);
  }
  return out;
}
