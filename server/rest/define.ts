import { z } from "zod";
import { AppError } from "@/lib/errors";
import type { Permission } from "@/lib/permissions";
import type { TenantContext } from "@/server/context";
import { authenticateApiKey } from "@/server/auth/api-keys";
import { errorResponse } from "@/server/http/errors";
import { requestIdOf } from "@/server/http/request-id";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

/**
 * A REST route for API keys. The same definition serves requests and writes the OpenAPI document.
 * `requires` is mandatory: "authenticated" (any valid key) or a permission of the matrix.
 */
export interface RestRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  method: Method;
  path: string; // OpenAPI style: /api/v1/members/{id}
  summary: string;
  tag: string;
  requires: Permission | "authenticated";
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  status?: number;
  handler: (input: { ctx: TenantContext; params: z.output<P>; query: z.output<Q>; body: z.output<B> }) => Promise<z.input<R>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRestRoute = RestRoute<any, any, any, any>;

export function defineRoute<P extends z.ZodType = z.ZodObject, Q extends z.ZodType = z.ZodObject, B extends z.ZodType = z.ZodUnknown, R extends z.ZodType = z.ZodType>(
  route: RestRoute<P, Q, B, R>,
): RestRoute<P, Q, B, R> {
  return route;
}

function bearerKey(request: Request): string {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) throw new AppError("UNAUTHORIZED", "Send an API key as `Authorization: Bearer <key>`");
  return match[1]!;
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

/** Runs one request through authentication, the permission check, input parsing and the handler. */
export async function executeRoute(route: AnyRestRoute, request: Request, rawParams: Record<string, string>): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  try {
    const ctx = await authenticateApiKey(bearerKey(request), requestId);
    if (route.requires !== "authenticated" && !ctx.permissions.has(route.requires)) {
      throw new AppError("FORBIDDEN", `This API key lacks the scope ${route.requires} (or its creator's role does not allow it)`);
    }
    const params = route.params ? route.params.parse(rawParams) : {};
    const query = route.query ? route.query.parse(Object.fromEntries(new URL(request.url).searchParams)) : {};
    const body = route.body ? route.body.parse(await readBody(request)) : {};
    const result = await route.handler({ ctx, params, query, body });
    const status = route.status ?? 200;
    if (status === 204) return new Response(null, { status, headers: { "x-request-id": requestId } });
    return Response.json(route.response.parse(result), { status, headers: { "x-request-id": requestId } });
  } catch (error) {
    return errorResponse(error, requestId);
  }
}

type NextContext = { params: Promise<Record<string, string>> };

/** Next route-handler exports for the routes of one path: `export const { GET, POST } = handlers(a, b)`. */
export function handlers(...routes: AnyRestRoute[]): Partial<Record<Method, (req: Request, ctx: NextContext) => Promise<Response>>> {
  const out: Partial<Record<Method, (req: Request, ctx: NextContext) => Promise<Response>>> = {};
  for (const route of routes) {
    out[route.method] = async (req, nextCtx) => executeRoute(route, req, (await nextCtx?.params) ?? {});
  }
  return out;
}
