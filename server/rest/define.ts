import { clientAddress } from "@/server/http/client-address";
import { z } from "zod";
import { AppError, type ErrorCode } from "@/lib/errors";
import { idempotencyKeyProblem, IDEMPOTENT_REPLAYED_HEADER } from "@/lib/idempotency";
import type { Permission } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { errorResponse, type ErrorFormat } from "@/server/http/errors";
import { requestIdOf } from "@/server/http/request-id";
import { publicOrigin } from "@/server/http/origin";
import { clientInfoOf } from "@/server/http/client-info";
import { logDenial } from "@/server/http/denials";
import { logSecurityEvent } from "@/server/http/security-log";
import { apiRateLimiter, apiRateLimitOf, rateLimitedError, rateLimitHeaders } from "@/server/http/rate-limit";
import { maxBodyBytes, readBodyText } from "@/server/http/body";
import { assertInputBounds } from "@/lib/schemas/input-guard";
import { observeRequest } from "@/server/http/observe";
import { idempotencyOwnerOf, requestFingerprint, withIdempotency } from "@/server/idempotency/store";

export const HTTP_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/** "authenticated" (any valid caller of the route's kind) or a permission of the matrix. */
export type RouteRequirement = Permission | "authenticated";

/**
 * Who calls the route: "api_key" (REST: `Authorization: Bearer`, listed in the OpenAPI document), "session"
 * (the web app's own HTTP endpoints, next-auth session plus the workspace it names; served by server/rest/session.ts)
 * or "org_token" (the organisation API `/api/v1/orgs/{org}/...`: an organisation token with the admin scope, also in
 * the OpenAPI document; served by server/rest/org-token.ts, its handler gets an organisation's context).
 */
export type RouteAuth = "api_key" | "session" | "org_token";

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
  /**
   * The errors the route's service can answer beyond those that follow from the definition itself (401 and 429 for
   * every API-key route, 403 for a permission, 404 for path parameters, 400/413/422 for a body, 422 for a query,
   * 400/409/422 for `idempotent`): for the OpenAPI document (server/rest/openapi.ts).
   */
  errors?: readonly ErrorCode[];
  /** the OpenAPI operationId when the one derived from the method and path does not read well */
  operationId?: string;
  /** request headers the route reads (for the OpenAPI document; the handler reads them from `headers`) */
  headers?: z.ZodObject;
  /** errors in another protocol's shape (the OpenAI-compatible routes): how, and its schema for the OpenAPI document */
  errorFormat?: { format: ErrorFormat; schema: z.ZodType };
}

type JsonHandler<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType, C = TenantContext> = (input: {
  /** the workspace's context (API keys, sessions); an organisation's for org_token routes */
  ctx: C;
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  /** the public origin for links handed out (CADRE_PUBLIC_URL, else the request's) */
  origin: string;
  /** the request's headers (e.g. If-Match); document the ones a route reads in `headers` of its definition */
  headers: Headers;
  /** the request itself, for a handler that answers with its own stream (its signal, Last-Event-ID) */
  request: Request;
  requestId: string;
}) => Promise<z.input<R> | Response>;

/**
 * A JSON route. The same definition serves requests and writes the OpenAPI document.
 */
export interface RestRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType, C = TenantContext> extends RouteCommon<P, Q> {
  kind?: "json";
  body?: B;
  response: R;
  status?: number;
  /** a handler that answers with its own Response (a streamed download): its content types, for the OpenAPI document */
  produces?: string[];
  /** a larger body limit than CADRE_MAX_BODY_BYTES for this route (never a smaller one) */
  maxBodyBytes?: number;
  /**
   * Accepts an `Idempotency-Key` header (server/idempotency/store.ts): a repeat of the request with the key gets the
   * first response and creates nothing. Every POST that creates something declares it (test/route-files.test.ts);
   * every other POST says `idempotent: false`.
   */
  idempotent?: boolean;
  handler: JsonHandler<P, Q, B, R, C>;
  /**
   * A second phase after the handler's JSON answer (a 2xx), on the first request and on every idempotent replay
   * alike, never stored with the key: given that answer, it may answer another status and body of the same schema.
   * POST /api/v1/runs?wait= waits there for the run that the request (or the first request with its key) started.
   */
  followUp?: (input: { ctx: C; query: z.output<Q>; answer: unknown; signal: AbortSignal }) => Promise<{ status: number; body: z.input<R> } | undefined>;
  /** other success statuses the route answers with `response` (for the OpenAPI document), with what each means */
  alsoAnswers?: Record<number, string>;
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
  idempotent?: undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: a route of any shape (the registry holds them all)
export type AnyRestRoute = RestRoute<any, any, any, any, any> | StreamRoute<any, any, any>;

export function defineRoute<
  P extends z.ZodType = z.ZodObject,
  Q extends z.ZodType = z.ZodObject,
  B extends z.ZodType = z.ZodUnknown,
  R extends z.ZodType = z.ZodType,
>(route: RestRoute<P, Q, B, R>): RestRoute<P, Q, B, R> {
  if (route.idempotent && route.produces)
    throw new Error(`${route.method} ${route.path}: an idempotent route answers JSON (its response is stored and replayed)`);
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

export const apiKeyAuthenticator: Authenticator = (request, requestId) => authenticateApiKey(bearerKey(request), requestId, clientAddress(request.headers));

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

/** The JSON body, read under the size limit, then checked against the generic bounds before any schema sees it. */
async function readBody(request: Request, limit: number): Promise<unknown> {
  return parseJsonBody(await readBodyText(request, limit));
}

/** A body's text as JSON (empty: `{}`), checked against the generic bounds. */
export function parseJsonBody(text: string): unknown {
  if (!text) return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "The request body is not valid JSON");
  }
  assertInputBounds(body);
  return body;
}

export const NO_BODY = z.strictObject({});

/**
 * The `Idempotency-Key` header: a Structured Field string as the IETF draft writes it (`"8e03978e-..."`), or the
 * bare value most clients send. 1 to 255 printable ASCII characters, else IDEMPOTENCY_KEY_INVALID (400).
 */
export function idempotencyKeyOf(request: Request): string | undefined {
  const raw = request.headers.get("idempotency-key");
  if (raw === null) return undefined;
  let key = raw.trim();
  if (key.startsWith('"')) {
    const quoted = /^"((?:[^"\\]|\\["\\])*)"$/.exec(key);
    if (!quoted) throw new AppError("IDEMPOTENCY_KEY_INVALID", "The Idempotency-Key is a malformed quoted string");
    key = quoted[1]!.replace(/\\(["\\])/g, "$1");
  }
  const problem = idempotencyKeyProblem(key);
  if (problem) throw new AppError("IDEMPOTENCY_KEY_INVALID", problem);
  return key;
}

export function parseInput(schema: z.ZodType, value: unknown): unknown {
  assertInputBounds(value);
  return schema.parse(value);
}

function wantsJson(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return accept.includes("application/json") && !accept.includes("text/event-stream");
}

/** The REST API's runs are the CLI's when it sends its user agent (packages/cli), else the API's. */
export function restChannelOf(userAgent: string | undefined): "cli" | "api" {
  return userAgent !== undefined && /^cadre-cli(\/|\s|$)/.test(userAgent) ? "cli" : "api";
}

/**
 * Runs one request through authentication, the API key's rate limit, the permission check, input parsing and the
 * handler (or the stream). Denials (permission, another workspace's resource) are logged as security events.
 */
export async function executeRoute(
  route: AnyRestRoute,
  request: Request,
  rawParams: Record<string, string>,
  authenticate: Authenticator = apiKeyAuthenticator,
): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  const client = clientInfoOf(request);
  const routeName = `${route.method} ${route.path}`;
  let ctx: TenantContext | undefined;
  let membershipMissing = false;
  let limitHeaders: Record<string, string> = {};
  try {
    const authenticated = async () => {
      try {
        return { ...(await authenticate(request, requestId)), ...client, channel: restChannelOf(client.userAgent) };
      } catch (error) {
        if (error instanceof AppError && error.code === "UNAUTHORIZED") {
          logSecurityEvent({
            kind: "invalid_credentials",
            actor: `ip:${client.clientIp ?? "unknown"}`,
            requestId,
            route: routeName,
            clientIp: client.clientIp,
          });
        }
        // a session route's workspace the user is not a member of
        if (error instanceof AppError && error.code === "NOT_FOUND") membershipMissing = true;
        throw error;
      }
    };
    const authorize = async () => {
      const next = await authenticated();
      assertRouteAllowed(next, route.requires);
      return next;
    };
    ctx = await authenticated();
    if (ctx.actor.type === "api_key") {
      const decision = apiRateLimiter().hit(ctx.actor.keyId, await apiRateLimitOf(ctx.workspaceId));
      limitHeaders = rateLimitHeaders(decision);
      if (!decision.allowed) {
        logSecurityEvent({
          kind: "rate_limited",
          actor: `api_key:${ctx.actor.keyId}`,
          requestId,
          route: routeName,
          workspaceId: ctx.workspaceId,
          clientIp: client.clientIp,
        });
        throw rateLimitedError(decision);
      }
    }
    assertRouteAllowed(ctx, route.requires);
    const idempotencyKey = route.kind !== "stream" && route.idempotent ? idempotencyKeyOf(request) : undefined;
    const rawBody = await readBody(request, Math.max(maxBodyBytes(), (route.kind === "stream" ? 0 : route.maxBodyBytes) ?? 0));
    const params = route.params ? parseInput(route.params, rawParams) : {};
    const query = route.query ? parseInput(route.query, Object.fromEntries(new URL(request.url).searchParams)) : {};
    if (route.kind === "stream" && !(route.handler && wantsJson(request))) {
      return await route.stream({ ctx, params, query, request, requestId, reauthorize: authorize });
    }
    // a route without a body schema takes no fields: any key sent is unknown
    const body = (route.body ?? NO_BODY).parse(rawBody);
    const tenant = ctx;
    const headers: Record<string, string> = { ...limitHeaders, "x-request-id": requestId };
    const respond = async (): Promise<Response> => {
      const result = await route.handler!({ ctx: tenant, params, query, body, origin: publicOrigin(request), headers: request.headers, request, requestId });
      if (result instanceof Response) {
        if (idempotencyKey !== undefined) throw new Error(`${routeName}: an idempotent route answered with its own Response`);
        for (const [name, value] of Object.entries(headers)) result.headers.set(name, value);
        return result;
      }
      const status = route.status ?? 200;
      if (status === 204) return new Response(null, { status, headers });
      return Response.json(route.response!.parse(result), { status, headers });
    };
    /** the route's second phase (followUp) on a stored or fresh JSON answer, else that answer as it is */
    const followUp = async (status: number, text: string): Promise<Response> => {
      const next =
        route.kind !== "stream" && route.followUp && status < 300 && text !== ""
          ? await route.followUp({ ctx: tenant, query, answer: JSON.parse(text), signal: request.signal })
          : undefined;
      if (next) return Response.json(route.response!.parse(next.body), { status: next.status, headers });
      return new Response(text === "" ? null : text, { status, headers: text === "" ? headers : { ...headers, "content-type": "application/json" } });
    };
    if (idempotencyKey === undefined) {
      const response = await respond();
      if (route.kind === "stream" || !route.followUp) return response;
      return await followUp(response.status, await response.text());
    }
    // validated first: an invalid request claims no key (the same key may be sent again, corrected)
    const url = new URL(request.url);
    const fingerprint = requestFingerprint({ method: route.method, path: url.pathname, query: [...url.searchParams].sort(), body: rawBody });
    const stored = await withIdempotency(idempotencyOwnerOf(ctx), idempotencyKey, fingerprint, async () => {
      const response = await respond();
      return { status: response.status, body: await response.text() };
    });
    if (stored.body !== "") headers["content-type"] = "application/json";
    if (stored.replayed) headers[IDEMPOTENT_REPLAYED_HEADER.toLowerCase()] = "true";
    return await followUp(stored.status, stored.body);
  } catch (error) {
    const slug = request.headers.get("x-cadre-workspace") ?? new URL(request.url).searchParams.get("workspace") ?? undefined;
    await logDenial(
      error,
      {
        actor: ctx ? (ctx.actor.type === "api_key" ? `api_key:${ctx.actor.keyId}` : `user:${ctx.actor.userId}`) : `ip:${client.clientIp ?? "unknown"}`,
        requestId,
        route: routeName,
        workspaceId: ctx?.workspaceId,
        workspaceSlug: ctx?.workspaceSlug ?? slug,
        clientIp: client.clientIp,
        membershipMissing,
      },
      rawParams,
    );
    return errorResponse(error, requestId, limitHeaders, route.errorFormat?.format);
  }
}

type NextContext = { params: Promise<Record<string, string>> };
export type RouteHandler = ((req: Request, ctx: NextContext) => Promise<Response>) & { readonly route: AnyRestRoute };

/** A Next route handler for one definition, tagged with it (the route-files test checks every export has one). */
export function routeHandler(route: AnyRestRoute, authenticate: Authenticator = apiKeyAuthenticator): RouteHandler {
  const fn = async (req: Request, nextCtx: NextContext) =>
    observeRequest(req, { method: route.method, route: route.path }, async () => executeRoute(route, req, (await nextCtx?.params) ?? {}, authenticate));
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
