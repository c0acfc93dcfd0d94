/**
 * The hosted MCP endpoint of a workspace, `/api/mcp/{workspace}` (Streamable HTTP, stateless): Host/Origin check,
 * authentication, rate limit, the body under the size limit, the caller's session, then a new MCP server for this
 * request answers through the SDK's web-standard transport (JSON or SSE, as the client accepts: SSE carries the
 * progress of a long tool call). GET (a server-initiated stream) is not offered: 405. DELETE ends a session.
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { AppError } from "@/lib/errors";
import { assertInputBounds } from "@/lib/schemas/input-guard";
import type { TenantContext } from "@/server/context";
import { readBodyText } from "@/server/http/body";
import { clientInfoOf } from "@/server/http/client-info";
import { publicOrigin } from "@/server/http/origin";
import { apiRateLimiter, apiRateLimitOf, rateLimitHeaders } from "@/server/http/rate-limit";
import { requestIdOf } from "@/server/http/request-id";
import { logSecurityEvent } from "@/server/http/security-log";
import { logger } from "@/server/logger";
import { mcpResourceUrl, protectedResourceMetadataUrl } from "@/server/mcp-auth/resource";
import { authenticateMcp, hostOrOriginProblem, McpAuthError } from "./auth";
import { cancelRecordedCall, recordCall, requestKeyOf } from "./call-runs";
import { buildMcpServer } from "./server";
import { endMcpSession, findMcpSession, openMcpSession, type McpSessionInfo } from "./sessions";

const SESSION_HEADER = "mcp-session-id";

type JsonRpcMessage = { jsonrpc?: string; id?: string | number; method?: string; params?: Record<string, unknown> };

function jsonRpcError(status: number, code: number, message: string, headers: Record<string, string> = {}): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers });
}

/** Calls in progress in this process, so that a later request's notifications/cancelled reaches them. */
function inflight(): Map<string, AbortController> {
  const g = globalThis as { __cadreMcpInflight?: Map<string, AbortController> };
  g.__cadreMcpInflight ??= new Map();
  return g.__cadreMcpInflight;
}
const callKey = (ctx: TenantContext, principal: string, session: string | undefined, id: string | number) =>
  `${ctx.workspaceId}|${principal}|${session ?? "-"}|${requestKeyOf(id)}`;

function unauthorized(error: McpAuthError, request: Request, slug: string, requestId: string): Response {
  const headers: Record<string, string> = { "x-request-id": requestId };
  if (error.status === 401) {
    const params = [`resource_metadata="${protectedResourceMetadataUrl(publicOrigin(request), slug)}"`];
    if (error.error !== "invalid_request") params.unshift(`error="${error.error}"`, `error_description="${error.message.replace(/"/g, "'")}"`);
    headers["www-authenticate"] = `Bearer ${params.join(", ")}`;
  }
  return Response.json({ error: error.error, error_description: error.message }, { status: error.status, headers });
}

/** The request as the transport must see it: Accept naming both JSON and SSE (the mode is decided here). */
function forTransport(request: Request): { request: Request; json: boolean } {
  const accept = request.headers.get("accept") ?? "";
  const headers = new Headers(request.headers);
  headers.set("accept", "application/json, text/event-stream");
  return { request: new Request(request.url, { method: request.method, headers }), json: !accept.includes("text/event-stream") };
}

export async function handleMcpRequest(request: Request, slug: string): Promise<Response> {
  const requestId = requestIdOf(request.headers);
  const client = clientInfoOf(request);
  const problem = hostOrOriginProblem(request);
  if (problem) {
    logSecurityEvent({
      kind: "origin_refused",
      actor: `ip:${client.clientIp ?? "unknown"}`,
      requestId,
      route: "POST /api/mcp/{workspace}",
      clientIp: client.clientIp,
    });
    return jsonRpcError(403, -32000, problem, { "x-request-id": requestId });
  }
  if (request.method !== "POST" && request.method !== "DELETE") {
    return jsonRpcError(405, -32000, "Method not allowed: this endpoint answers POST (and DELETE to end a session)", {
      allow: "POST, DELETE",
      "x-request-id": requestId,
    });
  }
  const resource = mcpResourceUrl(publicOrigin(request), slug);
  let headers: Record<string, string> = { "x-request-id": requestId };
  try {
    // the body under the size limit first: an oversized one is refused (413) before anything else is done
    const text = await readBodyText(request);
    const caller = await authenticateMcp(request, slug, resource, requestId).catch((error: unknown) => {
      if (error instanceof McpAuthError) {
        logSecurityEvent({
          kind: "invalid_credentials",
          actor: `ip:${client.clientIp ?? "unknown"}`,
          requestId,
          route: "POST /api/mcp/{workspace}",
          clientIp: client.clientIp,
        });
      }
      throw error;
    });
    const ctx: TenantContext = { ...caller.ctx, ...client, channel: "mcp" };
    const decision = apiRateLimiter().hit(caller.rateKey, await apiRateLimitOf(ctx.workspaceId));
    headers = { ...headers, ...rateLimitHeaders(decision) };
    if (!decision.allowed) return jsonRpcError(429, -32000, "Too many requests: the workspace's API rate limit is reached", headers);
    const sessionId = request.headers.get(SESSION_HEADER) ?? undefined;
    if (request.method === "DELETE") {
      const ended = sessionId ? await endMcpSession(ctx, caller.principal, sessionId) : false;
      return ended ? new Response(null, { status: 204, headers }) : jsonRpcError(404, -32001, "Session not found", headers);
    }

    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return jsonRpcError(400, -32700, "Parse error: the body is not JSON", headers);
    }
    assertInputBounds(body);
    const messages = (Array.isArray(body) ? body : [body]) as JsonRpcMessage[];
    const init = messages.find((m) => m?.method === "initialize");
    let session: McpSessionInfo | null = null;
    if (sessionId && !init) {
      session = await findMcpSession(ctx, caller.principal, sessionId);
      if (!session) return jsonRpcError(404, -32001, "Session not found: initialize a new one", headers);
    }
    for (const m of messages) {
      const cancelled = m?.method === "notifications/cancelled" ? m.params?.requestId : undefined;
      if (typeof cancelled !== "string" && typeof cancelled !== "number") continue;
      const here = inflight().get(callKey(ctx, caller.principal, session?.id, cancelled));
      // the call runs in this process: its abort cancels its run; else another process follows it, and its run
      // (recorded when the call started it) is cancelled from here
      if (here) here.abort();
      else await cancelRecordedCall(ctx, { principal: caller.principal, sessionId: session?.id, requestId: cancelled });
    }
    const clientInfo = (init?.params?.clientInfo ?? {}) as { name?: unknown; version?: unknown };
    const name = typeof clientInfo.name === "string" ? clientInfo.name : (session?.clientName ?? caller.clientName ?? "unknown");
    const version = typeof clientInfo.version === "string" ? clientInfo.version : (session?.clientVersion ?? "");

    const server = buildMcpServer({
      ctx,
      client: { name, version },
      registerCall: (id, abort) => {
        const key = callKey(ctx, caller.principal, session?.id, id);
        inflight().set(key, abort);
        return () => {
          if (inflight().get(key) === abort) inflight().delete(key);
        };
      },
      recordCall: (id) => recordCall(ctx, { principal: caller.principal, sessionId: session?.id, requestId: id }),
    });
    const { request: toTransport, json } = forTransport(request);
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: json });
    transport.onerror = (error) => logger.warn({ requestId, err: error.message }, "MCP transport refused a request");
    await server.connect(transport);
    const response = await transport.handleRequest(toTransport, { parsedBody: body });
    const out = new Headers(response.headers);
    for (const [k, v] of Object.entries(headers)) out.set(k, v);
    if (init && response.ok) {
      const protocolVersion = typeof init.params?.protocolVersion === "string" ? init.params.protocolVersion : "";
      const opened = await openMcpSession(ctx, caller.principal, { name, version, protocolVersion });
      out.set(SESSION_HEADER, opened.id);
    }
    return new Response(response.body, { status: response.status, headers: out });
  } catch (error) {
    if (error instanceof McpAuthError) return unauthorized(error, request, slug, requestId);
    if (error instanceof AppError && error.exposeMessage) {
      const data = { code: error.code, requestId };
      return Response.json({ jsonrpc: "2.0", error: { code: -32600, message: error.message, data }, id: null }, { status: error.httpStatus, headers });
    }
    logger.error({ requestId, err: error }, "MCP request failed");
    return jsonRpcError(500, -32603, `Internal error (request ${requestId})`, headers);
  }
}
