/**
 * OAuth 2.1 for remote MCP servers, as the MCP authorization spec describes, with the SDK's client auth helpers
 * (`@modelcontextprotocol/sdk/client/auth.js`): protected-resource metadata (RFC 9728: the 401's WWW-Authenticate
 * `resource_metadata`, else the well-known path), authorization-server metadata (RFC 8414 / OIDC), dynamic client
 * registration (RFC 7591), PKCE S256, and the `resource` parameter (RFC 8707). Every request (the probe, discovery,
 * registration, token, refresh) goes through the egress guard: the SDK's helpers take its fetch.
 *
 * Storage: McpServer.oauth holds what is not secret (the authorization server, its metadata, the resource, the
 * client_id, the redirect URI); the client secret (if the AS issued one) and the tokens are one JSON value in a
 * vault secret of kind "mcp_oauth" (McpServer.oauthSecretId), never listed, never returned, never logged. A pending
 * authorization is a McpOAuthState row: the state as its sha256, the PKCE verifier encrypted like a secret (bound to
 * that hash), single-use, 10 minutes, bound to the workspace, the server and the member who started it.
 *
 * Binding: the access token is only ever put in the Authorization header of the MCP client's requests to the
 * server's own URL (the guard drops it on a redirect to another origin), was requested for that URL as `resource`,
 * and is dropped with the registration when the server's URL changes.
 */
import { createHash, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import {
  discoverOAuthServerInfo,
  exchangeAuthorization,
  extractWWWAuthenticateParams,
  refreshAuthorization,
  registerClient,
  selectResourceURL,
  startAuthorization,
  type OAuthClientProvider,
} from "@modelcontextprotocol/sdk/client/auth.js";
import { resourceUrlFromServerUrl } from "@modelcontextprotocol/sdk/shared/auth-utils.js";
import type { AuthorizationServerMetadata, OAuthClientInformationFull, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { OAuthError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "@/lib/errors";
import { actorUserId, type TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import type { Prisma } from "@/server/db/generated/client";
import { egress, findEgressError, type WorkspaceEgressLists } from "@/server/egress";
import { decryptSecret, encryptSecret } from "@/server/vault/crypto";
import { vaultKeyring } from "@/server/vault/master-key";
import { revealSecret, writeSystemSecret } from "@/server/vault/service";
import { claimRefreshLease, joinRefresh, REFRESH_LEASE_MS, REFRESH_POLL_MS, releaseRefreshLease } from "./mcp-oauth-refresh-lease";

/** How long an authorization started by `authorize` may be completed. */
export const OAUTH_STATE_TTL_MS = 10 * 60_000;
/** The callback every MCP authorization comes back to (with `?workspace=<slug>`: the session route's workspace). */
export const MCP_OAUTH_CALLBACK_PATH = "/api/mcp-oauth/callback";
const OAUTH_TIMEOUT_MS = 15_000;
const OAUTH_MAX_RESPONSE_BYTES = 1024 * 1024;
/** an access token this close to its expiry is refreshed before use */
const REFRESH_MARGIN_MS = 30_000;
const MESSAGE_MAX = 300;

/** What McpServer.oauth holds: nothing secret. */
export interface McpOAuthRecord {
  authorizationServerUrl: string;
  metadata?: AuthorizationServerMetadata;
  resource: string;
  resourceMetadataUrl?: string;
  scope?: string;
  clientId: string;
  tokenEndpointAuthMethod?: string;
  redirectUri: string;
  /** when tokens were last obtained by an authorization (ISO) */
  authorizedAt?: string;
}

/** The vault value (kind mcp_oauth). */
interface VaultValue {
  clientSecret?: string;
  tokens?: { access_token: string; refresh_token?: string; token_type: string; scope?: string; expiresAt?: number };
}

/** The server columns this file needs. */
export interface OAuthServer {
  id: string;
  name: string;
  url: string;
  oauth?: unknown;
  oauthSecretId?: string | null;
}

/** A failure to get a usable token: `status` is what the server row should say. */
export class McpOAuthError extends AppError {
  readonly status: "needs_auth" | "error";

  constructor(status: "needs_auth" | "error", message: string, code: "UPSTREAM_ERROR" | "EGRESS_REFUSED" | "VALIDATION_FAILED" = "UPSTREAM_ERROR") {
    super(code, message);
    this.name = "McpOAuthError";
    this.status = status;
  }
}

export const hashState = (state: string) => createHash("sha256").update(state).digest("hex");
export const systemSecretName = (serverId: string) => `mcp-oauth:${serverId}`;

/** Text from an authorization server, one line, capped. */
function clean(value: unknown): string {
  const text = typeof value === "string" ? value : "";
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
  const line = text.replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+/g, " ").trim();
  return line.length > MESSAGE_MAX ? `${line.slice(0, MESSAGE_MAX - 1)}…` : line;
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "the server";
  }
}

export async function workspaceEgressLists(ctx: Pick<TenantContext, "workspaceId">): Promise<WorkspaceEgressLists> {
  const row = await db(ctx).workspace.findFirst({ where: { id: ctx.workspaceId }, select: { egressAllowHosts: true, egressDenyHosts: true } });
  return { allowHosts: row?.egressAllowHosts ?? [], denyHosts: row?.egressDenyHosts ?? [] };
}

function oauthFetch(workspace: WorkspaceEgressLists | null) {
  return egress().fetchWith({ workspace, timeoutMs: OAUTH_TIMEOUT_MS, maxResponseBytes: OAUTH_MAX_RESPONSE_BYTES });
}

/** An OAuth step's failure in words (the guard's refusal as it is; the AS's error code and description). */
function oauthFailure(step: string, error: unknown, origin: string): McpOAuthError {
  if (error instanceof McpOAuthError) return error;
  const refused = findEgressError(error);
  if (refused) return new McpOAuthError("error", refused.message, refused.code === "EGRESS_REFUSED" ? "EGRESS_REFUSED" : "UPSTREAM_ERROR");
  if (error instanceof OAuthError) {
    const detail = clean(error.message);
    return new McpOAuthError("needs_auth", `${step} failed at ${origin}: ${error.errorCode}${detail ? ` (${detail})` : ""}`);
  }
  const detail = error instanceof Error ? clean(error.message) : "";
  return new McpOAuthError("error", `${step} failed at ${origin}${detail ? `: ${detail}` : ""}`);
}

export function oauthRecordOf(value: unknown): McpOAuthRecord | null {
  if (!value || typeof value !== "object") return null;
  const r = value as Partial<McpOAuthRecord>;
  if (typeof r.authorizationServerUrl !== "string" || typeof r.clientId !== "string" || typeof r.redirectUri !== "string" || typeof r.resource !== "string")
    return null;
  return r as McpOAuthRecord;
}

async function readVault(ctx: TenantContext, secretId: string | null | undefined, purpose: string, runId?: string): Promise<VaultValue> {
  if (!secretId) return {};
  try {
    const parsed = JSON.parse(await revealSecret(ctx, secretId, { purpose, ...(runId ? { runId } : {}) })) as VaultValue;
    return parsed && typeof parsed === "object" ? parsed : {};
  } catch (error) {
    if (error instanceof AppError && error.code === "NOT_FOUND") return {};
    throw error;
  }
}

function clientInformation(record: McpOAuthRecord, vault: VaultValue): OAuthClientInformationFull {
  return {
    client_id: record.clientId,
    ...(vault.clientSecret ? { client_secret: vault.clientSecret } : {}),
    ...(record.tokenEndpointAuthMethod ? { token_endpoint_auth_method: record.tokenEndpointAuthMethod } : {}),
    redirect_uris: [record.redirectUri],
  };
}

function storedTokens(tokens: OAuthTokens, previous?: VaultValue["tokens"]): NonNullable<VaultValue["tokens"]> {
  const refresh = tokens.refresh_token ?? previous?.refresh_token;
  return {
    access_token: tokens.access_token,
    token_type: tokens.token_type,
    ...(refresh ? { refresh_token: refresh } : {}),
    ...(tokens.scope ? { scope: tokens.scope } : {}),
    ...(typeof tokens.expires_in === "number" ? { expiresAt: Date.now() + tokens.expires_in * 1000 } : {}),
  };
}

/** The resource metadata URL from the server's 401 (RFC 9728 §5.1), or undefined (then the well-known path). */
async function probeResourceMetadata(serverUrl: string, fetchFn: typeof fetch): Promise<URL | undefined> {
  let res: Response;
  try {
    res = await fetchFn(serverUrl, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 0,
        method: "initialize",
        params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: "cadre", version: "1.0.0" } },
      }),
    });
  } catch (error) {
    if (findEgressError(error)) throw error;
    return undefined;
  }
  await res.body?.cancel().catch(() => undefined);
  return res.status === 401 ? extractWWWAuthenticateParams(res).resourceMetadataUrl : undefined;
}

/**
 * Discovers the server's authorization server, registers Cadre as a client if no registration for this AS and
 * redirect URI is stored, and creates a pending authorization (state + PKCE). Returns the URL to send the person to.
 */
export async function beginOAuth(ctx: TenantContext, server: OAuthServer, redirectUri: string): Promise<{ authorizationUrl: string; expiresAt: Date }> {
  const lists = await workspaceEgressLists(ctx);
  const fetchFn = oauthFetch(lists);
  const origin = originOf(server.url);
  let info: Awaited<ReturnType<typeof discoverOAuthServerInfo>>;
  try {
    egress().checkUrl(server.url, { workspace: lists });
    const resourceMetadataUrl = await probeResourceMetadata(server.url, fetchFn);
    info = await discoverOAuthServerInfo(server.url, { fetchFn, ...(resourceMetadataUrl ? { resourceMetadataUrl } : {}) });
  } catch (error) {
    throw oauthFailure("OAuth discovery", error, origin);
  }
  if (!info.authorizationServerMetadata) {
    throw new McpOAuthError("error", `OAuth discovery failed at ${origin}: no authorization server metadata (RFC 8414 or OpenID) was found`);
  }
  const metadata = info.authorizationServerMetadata;
  let resource: URL;
  try {
    resource = (await selectResourceURL(server.url, {} as OAuthClientProvider, info.resourceMetadata)) ?? resourceUrlFromServerUrl(server.url);
  } catch (error) {
    throw oauthFailure("OAuth discovery", error, origin);
  }
  const scope = info.resourceMetadata?.scopes_supported?.join(" ") || undefined;
  const previous = oauthRecordOf(server.oauth);
  let vault = await readVault(ctx, server.oauthSecretId, `MCP server ${server.name} (OAuth)`);
  let record: McpOAuthRecord;
  if (previous && previous.authorizationServerUrl === info.authorizationServerUrl && previous.redirectUri === redirectUri) {
    record = { ...previous, metadata, resource: resource.href, ...(scope ? { scope } : {}) };
  } else {
    if (!metadata.registration_endpoint) {
      throw new McpOAuthError(
        "error",
        `${originOf(info.authorizationServerUrl)} does not support dynamic client registration (RFC 7591): Cadre cannot register itself`,
      );
    }
    let registered: OAuthClientInformationFull;
    try {
      registered = await registerClient(info.authorizationServerUrl, {
        metadata,
        clientMetadata: {
          client_name: "Cadre",
          redirect_uris: [redirectUri],
          grant_types: ["authorization_code", "refresh_token"],
          response_types: ["code"],
          ...(scope ? { scope } : {}),
        },
        fetchFn,
      });
    } catch (error) {
      throw oauthFailure("Client registration", error, originOf(info.authorizationServerUrl));
    }
    record = {
      authorizationServerUrl: info.authorizationServerUrl,
      metadata,
      resource: resource.href,
      ...(scope ? { scope } : {}),
      clientId: registered.client_id,
      ...(registered.token_endpoint_auth_method ? { tokenEndpointAuthMethod: registered.token_endpoint_auth_method } : {}),
      redirectUri,
    };
    // a new registration: its secret replaces the old one's; tokens of the old client are kept until new ones arrive
    vault = { ...vault, clientSecret: registered.client_secret };
    if (!registered.client_secret) delete vault.clientSecret;
  }
  const state = randomBytes(32).toString("base64url");
  const stateHash = hashState(state);
  let started: Awaited<ReturnType<typeof startAuthorization>>;
  try {
    started = await startAuthorization(record.authorizationServerUrl, {
      metadata,
      clientInformation: clientInformation(record, vault),
      redirectUrl: redirectUri,
      state,
      resource,
      ...(record.scope ? { scope: record.scope } : {}),
    });
  } catch (error) {
    throw oauthFailure("OAuth authorization", error, originOf(record.authorizationServerUrl));
  }
  const sealed = encryptSecret(vaultKeyring(), { workspaceId: ctx.workspaceId, secretId: stateHash }, started.codeVerifier);
  const expiresAt = new Date(Date.now() + OAUTH_STATE_TTL_MS);
  await db(ctx).$transaction(async (tx) => {
    const secretId = await writeSystemSecret(
      ctx,
      "mcp_oauth",
      { secretId: server.oauthSecretId ?? null, name: systemSecretName(server.id) },
      JSON.stringify(vault),
      tx,
    );
    await tx.mcpServer.update({
      where: { id: server.id, workspaceId: ctx.workspaceId },
      data: { oauth: record as unknown as Prisma.InputJsonValue, oauthSecretId: secretId },
    });
    await tx.mcpOAuthState.deleteMany({ where: { workspaceId: ctx.workspaceId, mcpServerId: server.id, expiresAt: { lt: new Date() } } });
    await tx.mcpOAuthState.create({
      data: {
        stateHash,
        workspaceId: ctx.workspaceId,
        mcpServerId: server.id,
        userId: actorUserId(ctx),
        ...sealed,
        expiresAt,
      },
    });
  });
  return { authorizationUrl: started.authorizationUrl.href, expiresAt };
}

const restart = "start again with Authorize on the Tools page";

/**
 * Completes an authorization: the state must be this workspace's, this member's, unused and unexpired (it is used
 * up by this call whatever happens next); an error from the authorization server is reported as it is; the code is
 * exchanged (with the PKCE verifier and the resource) and the tokens stored in the vault. Returns the server's id.
 */
export async function finishOAuth(
  ctx: TenantContext,
  input: { state: string; code?: string | undefined; error?: string | undefined; errorDescription?: string | undefined },
): Promise<string> {
  const stateHash = hashState(input.state);
  const row = await db(ctx).mcpOAuthState.findFirst({ where: { stateHash, workspaceId: ctx.workspaceId } });
  if (!row) throw new AppError("VALIDATION_FAILED", `This authorization is unknown in this workspace: ${restart}`);
  if (row.userId !== actorUserId(ctx)) throw new AppError("FORBIDDEN", "Another member started this authorization: only they can complete it");
  if (row.usedAt) throw new AppError("VALIDATION_FAILED", `This authorization was already used: ${restart}`);
  if (row.expiresAt.getTime() <= Date.now()) throw new AppError("VALIDATION_FAILED", `This authorization expired (after 10 minutes): ${restart}`);
  const claimed = await db(ctx).mcpOAuthState.updateMany({ where: { stateHash, workspaceId: ctx.workspaceId, usedAt: null }, data: { usedAt: new Date() } });
  if (claimed.count !== 1) throw new AppError("VALIDATION_FAILED", `This authorization was already used: ${restart}`);
  const server = await db(ctx).mcpServer.findFirst({ where: { id: row.mcpServerId, workspaceId: ctx.workspaceId } });
  if (!server) throw new AppError("NOT_FOUND", "MCP server not found");
  const record = oauthRecordOf(server.oauth);
  const fail = async (error: McpOAuthError) => {
    await db(ctx).mcpServer.update({
      where: { id: server.id, workspaceId: ctx.workspaceId },
      data: { status: "needs_auth", lastError: error.message.slice(0, 500) },
    });
    return error;
  };
  if (input.error || !input.code) {
    const detail = clean(input.errorDescription);
    throw await fail(
      new McpOAuthError(
        "needs_auth",
        input.error ? `The authorization server refused: ${clean(input.error)}${detail ? ` (${detail})` : ""}` : "The authorization server sent no code back",
        "VALIDATION_FAILED",
      ),
    );
  }
  if (!record || server.authType !== "oauth")
    throw await fail(new McpOAuthError("needs_auth", `The server's OAuth registration changed: ${restart}`, "VALIDATION_FAILED"));
  const verifier = decryptSecret(vaultKeyring(), { workspaceId: ctx.workspaceId, secretId: stateHash }, row);
  const vault = await readVault(ctx, server.oauthSecretId, `MCP server ${server.name} (OAuth)`);
  let tokens: OAuthTokens;
  try {
    tokens = await exchangeAuthorization(record.authorizationServerUrl, {
      ...(record.metadata ? { metadata: record.metadata } : {}),
      clientInformation: clientInformation(record, vault),
      authorizationCode: input.code,
      codeVerifier: verifier,
      redirectUri: record.redirectUri,
      resource: new URL(record.resource),
      fetchFn: oauthFetch(await workspaceEgressLists(ctx)),
    });
  } catch (error) {
    throw await fail(oauthFailure("The token exchange", error, originOf(record.authorizationServerUrl)));
  }
  await db(ctx).$transaction(async (tx) => {
    const secretId = await writeSystemSecret(
      ctx,
      "mcp_oauth",
      { secretId: server.oauthSecretId, name: systemSecretName(server.id) },
      JSON.stringify({ ...vault, tokens: storedTokens(tokens) }),
      tx,
    );
    await tx.mcpServer.update({
      where: { id: server.id, workspaceId: ctx.workspaceId },
      data: {
        oauthSecretId: secretId,
        oauth: { ...record, authorizedAt: new Date().toISOString() } as unknown as Prisma.InputJsonValue,
        status: "ok",
        lastError: null,
      },
    });
  });
  return server.id;
}

/** A stored access token that can be sent: not about to expire, and not the one the server just refused. */
function usableToken(tokens: VaultValue["tokens"], refused: string | undefined): string | null {
  if (!tokens?.access_token || tokens.access_token === refused) return null;
  if (tokens.expiresAt !== undefined && tokens.expiresAt - REFRESH_MARGIN_MS <= Date.now()) return null;
  return tokens.access_token;
}

/**
 * The access token for a call to the server: refreshed first (through the SDK, with the refresh token) when it is
 * expired or about to be, or when it is `refused` (the server answered 401 to it). One refresh at a time per server,
 * in this process and across processes (./mcp-oauth-refresh-lease.ts): the others use its tokens. A refresh the
 * authorization server refuses marks the server needs_auth (lastError says to re-authorize) and throws McpOAuthError.
 */
export async function oauthAccessToken(
  ctx: TenantContext,
  server: OAuthServer,
  options: { workspace: WorkspaceEgressLists | null; runId?: string | undefined; refused?: string | undefined },
): Promise<string> {
  const purpose = `MCP server ${server.name} (OAuth)`;
  const record = oauthRecordOf(server.oauth);
  const vault = await readVault(ctx, server.oauthSecretId, purpose, options.runId);
  if (!record || !vault.tokens?.access_token)
    throw new McpOAuthError("needs_auth", "not authorized yet: authorize the server (OAuth) first", "VALIDATION_FAILED");
  const usable = usableToken(vault.tokens, options.refused);
  if (usable) return usable;
  return joinRefresh(ctx, server.id, () => refreshUnderLease(ctx, server, record, { ...options, purpose }));
}

/** Takes the server's refresh lease (waiting for another process's refresh while it is held), then refreshes. */
async function refreshUnderLease(
  ctx: TenantContext,
  server: OAuthServer,
  record: McpOAuthRecord,
  options: { workspace: WorkspaceEgressLists | null; runId?: string | undefined; refused?: string | undefined; purpose: string },
): Promise<string> {
  const giveUpAt = Date.now() + 2 * REFRESH_LEASE_MS;
  while (!(await claimRefreshLease(ctx, server.id))) {
    await sleep(REFRESH_POLL_MS);
    const stored = usableToken((await readVault(ctx, server.oauthSecretId, options.purpose, options.runId)).tokens, options.refused);
    if (stored) return stored;
    if (Date.now() > giveUpAt) throw new McpOAuthError("error", "another refresh of the OAuth token did not finish: try again");
  }
  try {
    return await refresh(ctx, server, record, options);
  } finally {
    await releaseRefreshLease(ctx, server.id).catch(() => undefined);
  }
}

async function refresh(
  ctx: TenantContext,
  server: OAuthServer,
  record: McpOAuthRecord,
  options: { workspace: WorkspaceEgressLists | null; runId?: string | undefined; refused?: string | undefined; purpose: string },
): Promise<string> {
  // read again under the lease: a refresh that finished in the meantime is used, not repeated
  const vault = await readVault(ctx, server.oauthSecretId, options.purpose, options.runId);
  const tokens = vault.tokens;
  if (!tokens?.access_token || !server.oauthSecretId)
    throw new McpOAuthError("needs_auth", "not authorized yet: authorize the server (OAuth) first", "VALIDATION_FAILED");
  const usable = usableToken(tokens, options.refused);
  if (usable) return usable;
  const markNeedsAuth = async (message: string) => {
    await db(ctx).mcpServer.update({
      where: { id: server.id, workspaceId: ctx.workspaceId },
      data: { status: "needs_auth", lastError: message.slice(0, 500) },
    });
    return new McpOAuthError("needs_auth", message);
  };
  if (!tokens.refresh_token) throw await markNeedsAuth("the OAuth access token expired and there is no refresh token: re-authorize the server");
  let fresh: OAuthTokens;
  try {
    fresh = await refreshAuthorization(record.authorizationServerUrl, {
      ...(record.metadata ? { metadata: record.metadata } : {}),
      clientInformation: clientInformation(record, vault),
      refreshToken: tokens.refresh_token,
      resource: new URL(record.resource),
      fetchFn: oauthFetch(options.workspace),
    });
  } catch (error) {
    const failure = oauthFailure("Refreshing the OAuth token", error, originOf(record.authorizationServerUrl));
    if (failure.status === "needs_auth") throw await markNeedsAuth(`${failure.message}: re-authorize the server`);
    throw failure;
  }
  await writeSystemSecret(
    ctx,
    "mcp_oauth",
    { secretId: server.oauthSecretId, name: systemSecretName(server.id) },
    JSON.stringify({ ...vault, tokens: storedTokens(fresh, tokens) }),
  );
  return fresh.access_token;
}
