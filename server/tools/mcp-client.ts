/**
 * The MCP client: one short session to a remote MCP server per operation (list its tools, or call one), over
 * Streamable HTTP or the older HTTP+SSE transport. Every request of the session (and nothing else) goes through the
 * egress guard: the SDK's transports take our `fetch`. A bearer token comes from the vault and is sent in the
 * Authorization header only; it never appears in an error, a log line or a result (errors are composed here from
 * what failed, never from the server's text about our request).
 *
 * OAuth 2.1 (./mcp-oauth.ts): a server with authType "oauth" gets its access token from the vault, refreshed first when
 * it has expired; a 401 refreshes it once and the session starts again; a refused refresh marks the server needs_auth.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { McpError, type CallToolResult, type Tool as RemoteTool } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "@/lib/errors";
import type { McpServerStatus } from "@/lib/schemas/mcp";
import type { TenantContext } from "@/server/context";
import { egress, findEgressError, type WorkspaceEgressLists } from "@/server/egress";
import { revealSecret } from "@/server/vault/service";
import { McpOAuthError, oauthAccessToken, workspaceEgressLists } from "./mcp-oauth";

/** What the client needs of a server row. */
export interface McpServerTarget {
  id: string;
  name: string;
  url: string;
  transport: string;
  authType: string;
  secretId: string | null;
  /** oauth: the registration (McpServer.oauth) and the vault secret with the tokens */
  oauth?: unknown;
  oauthSecretId?: string | null;
}

export interface McpSessionOptions {
  /** the whole session: connect, the request, close (default 20 s) */
  timeoutMs?: number;
  /** the caller's cancellation (a run cancelled) */
  signal?: AbortSignal;
  /** the most bytes of any one answer (default 5 MiB) */
  maxResponseBytes?: number;
  /** the workspace's egress lists (read from the workspace when not given) */
  egressLists?: WorkspaceEgressLists | null;
  /** attributes the bearer secret's use to a run */
  runId?: string;
}

export const MCP_SESSION_TIMEOUT_MS = 20_000;
const MCP_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/** at most this many tools/list pages (a server that pages forever is cut off) */
const MAX_LIST_PAGES = 20;
const CLIENT_INFO = { name: "cadre", version: "1.0.0" };

/**
 * A failure to reach or use a server, in words fit for a person (and the server row's lastError): `status` is what
 * the server's row should say (needs_auth for a refused or missing credential).
 */
export class McpConnectError extends AppError {
  readonly status: Exclude<McpServerStatus, "ok">;

  constructor(status: Exclude<McpServerStatus, "ok">, message: string, code: "UPSTREAM_ERROR" | "EGRESS_REFUSED" | "VALIDATION_FAILED" = "UPSTREAM_ERROR") {
    super(code, message);
    this.name = "McpConnectError";
    this.status = status;
  }
}

/** Control characters out (newlines and tabs become spaces), at most `max` characters: for untrusted server text. */
export function cleanText(value: unknown, max: number): string {
  const text = typeof value === "string" ? value : "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const stripped = text.replace(/[\t\n\r]/g, " ").replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g, "");
  return stripped.length > max ? `${stripped.slice(0, max - 1)}…` : stripped;
}

/** Cleans multi-line untrusted text: keeps newlines and tabs, drops other control and invisible formatting characters. */
export function cleanMultiline(value: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const stripped = value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]/g, "");
  return stripped.length > max ? `${stripped.slice(0, max - 1)}…` : stripped;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the server";
  }
}

function httpStatusOf(error: unknown): number | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "number" && code >= 100 && code < 600) return code;
    const match = /\(HTTP (\d{3})\)/.exec(String((current as { message?: unknown }).message ?? ""));
    if (match) return Number(match[1]);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function networkCodeOf(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string" && /^(E[A-Z]+|UND_ERR_[A-Z_]+)$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Any failure of a session as an McpConnectError whose message names what went wrong and never a credential. */
export function describeMcpFailure(error: unknown, server: Pick<McpServerTarget, "url" | "authType">, timeoutMs: number, token?: string): McpConnectError {
  if (error instanceof McpConnectError) return error;
  const origin = originOf(server.url);
  const refused = findEgressError(error);
  if (refused) return new McpConnectError("error", refused.message, refused.code === "EGRESS_REFUSED" ? "EGRESS_REFUSED" : "UPSTREAM_ERROR");
  const status = httpStatusOf(error);
  if (status === 401 || (error instanceof Error && error.name === "UnauthorizedError")) {
    return new McpConnectError(
      "needs_auth",
      server.authType === "bearer"
        ? `${origin} refused the bearer token (HTTP 401): check the vault secret`
        : server.authType === "oauth"
          ? `${origin} refused the OAuth access token (HTTP 401): re-authorize the server`
          : `${origin} requires authentication (HTTP 401): connect it with a bearer token or OAuth`,
    );
  }
  if (status === 403) return new McpConnectError("needs_auth", `${origin} refused access (HTTP 403)`);
  if (status === 404) return new McpConnectError("error", `${origin} has no MCP endpoint at this URL (HTTP 404): check the URL and the transport`);
  if (status === 405) return new McpConnectError("error", `${origin} does not accept this transport at this URL (HTTP 405): check the transport`);
  if (status !== undefined && status >= 400) return new McpConnectError("error", `${origin} answered HTTP ${status}`);
  if (error instanceof McpError) {
    if (error.code === -32001) return new McpConnectError("error", `no answer from ${origin} within ${Math.round(timeoutMs / 100) / 10} s`);
    let message = cleanText(error.message.replace(/^MCP error -?\d+: /, ""), 300);
    if (token) message = message.split(token).join("[redacted]");
    return new McpConnectError("error", `${origin} answered with an MCP error: ${message}`);
  }
  if (error instanceof Error && (error.name === "AbortError" || error.name === "TimeoutError")) {
    return new McpConnectError("error", `no answer from ${origin} within ${Math.round(timeoutMs / 100) / 10} s`);
  }
  const net = networkCodeOf(error);
  if (net === "ECONNREFUSED") return new McpConnectError("error", `could not connect to ${origin} (connection refused)`);
  if (net === "ENOTFOUND" || net === "EAI_AGAIN") return new McpConnectError("error", `could not connect to ${origin} (the name does not resolve)`);
  if (net) return new McpConnectError("error", `could not connect to ${origin} (${net})`);
  return new McpConnectError("error", `could not talk MCP with ${origin}: check the URL and the transport`);
}

/** A value with every occurrence of the token replaced (a server that echoes our Authorization header back). */
function redactToken<V>(value: V, token: string | undefined): V {
  if (!token) return value;
  const json = JSON.stringify(value);
  const needle = JSON.stringify(token).slice(1, -1);
  if (json === undefined || !json.includes(needle)) return value;
  return JSON.parse(json.split(needle).join("[redacted]")) as V;
}

/** Rejects when the signal aborts (the SDK does not always notice an abort while connecting). */
function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Opens a session to the server, runs `use` with the connected client, and closes the session whatever happens.
 * Failures are McpConnectErrors (readable, without the token).
 */
export async function withMcpSession<T>(
  ctx: TenantContext,
  server: McpServerTarget,
  options: McpSessionOptions,
  use: (client: Client, request: { signal: AbortSignal; timeout: number }, redact: <V>(value: V) => V) => Promise<T>,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? MCP_SESSION_TIMEOUT_MS;
  if (server.transport !== "streamable_http" && server.transport !== "sse") throw new McpConnectError("error", `unknown transport ${server.transport}`);
  const workspace = options.egressLists === undefined ? await workspaceEgressLists(ctx) : options.egressLists;
  const guard = egress();
  let url: URL;
  try {
    // refuse a literal refused address or a listed host before anything else happens (the fetch checks again, after DNS)
    url = guard.checkUrl(server.url, { workspace });
  } catch (error) {
    throw describeMcpFailure(error, server, timeoutMs);
  }
  const oauthToken = async (refused?: string): Promise<string> => {
    try {
      return await oauthAccessToken(ctx, server, { workspace, runId: options.runId, refused });
    } catch (error) {
      if (error instanceof McpOAuthError)
        throw new McpConnectError(error.status, error.message, error.code === "EGRESS_REFUSED" ? "EGRESS_REFUSED" : "UPSTREAM_ERROR");
      throw error;
    }
  };
  let token: string | undefined;
  if (server.authType === "bearer") {
    if (!server.secretId) throw new McpConnectError("needs_auth", "no bearer token: choose the vault secret that holds it");
    token = await revealSecret(ctx, server.secretId, { purpose: `MCP server ${server.name}`, ...(options.runId ? { runId: options.runId } : {}) });
  } else if (server.authType === "oauth") {
    token = await oauthToken();
  }
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, deadline]) : deadline;
  const fetch = guard.fetchWith({ workspace, timeoutMs: timeoutMs + 1_000, maxResponseBytes: options.maxResponseBytes ?? MCP_MAX_RESPONSE_BYTES });
  const session = async (bearer: string | undefined): Promise<T> => {
    const headers: Record<string, string> = bearer ? { Authorization: `Bearer ${bearer}` } : {};
    const transport: Transport =
      server.transport === "sse"
        ? new SSEClientTransport(url, { fetch, requestInit: { headers } })
        : new StreamableHTTPClientTransport(url, {
            fetch,
            requestInit: { headers },
            reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1_000, maxReconnectionDelay: 1_000, reconnectionDelayGrowFactor: 1 },
          });
    const client = new Client(CLIENT_INFO, { capabilities: {} });
    // transport-level errors after the session's end (a GET stream cut by close) are expected: not reported
    client.onerror = () => undefined;
    try {
      await raceAbort(client.connect(transport, { signal, timeout: timeoutMs }), signal);
      return await raceAbort(
        use(client, { signal, timeout: timeoutMs }, (value) => redactToken(value, bearer)),
        signal,
      );
    } finally {
      await client.close().catch(() => undefined);
    }
  };
  try {
    try {
      return await session(token);
    } catch (error) {
      // an OAuth token the server refuses (revoked, expired early): refresh once and start the session again
      if (server.authType !== "oauth" || signal.aborted || describeMcpFailure(error, server, timeoutMs).status !== "needs_auth") throw error;
      token = await oauthToken(token);
      return await session(token);
    }
  } catch (error) {
    if (options.signal?.aborted && !deadline.aborted) throw error;
    throw describeMcpFailure(error, server, timeoutMs, token);
  }
}

/** The server's tools (every page of tools/list). */
export function listRemoteTools(ctx: TenantContext, server: McpServerTarget, options: McpSessionOptions = {}): Promise<RemoteTool[]> {
  return withMcpSession(ctx, server, options, async (client, request) => {
    const tools: RemoteTool[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < MAX_LIST_PAGES; page++) {
      const result = await client.listTools(cursor ? { cursor } : {}, request);
      tools.push(...result.tools);
      cursor = result.nextCursor;
      if (!cursor) break;
    }
    return tools;
  });
}

/** Calls one of the server's tools; the result as the server gives it (untrusted). */
export function callRemoteTool(
  ctx: TenantContext,
  server: McpServerTarget,
  remoteName: string,
  args: Record<string, unknown>,
  options: McpSessionOptions = {},
): Promise<CallToolResult> {
  return withMcpSession(ctx, server, options, async (client, request, redact) => {
    const result = await client.callTool({ name: remoteName, arguments: args }, undefined, request);
    return redact(result as CallToolResult);
  });
}
