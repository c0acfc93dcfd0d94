import { randomBytes } from "node:crypto";
import { db, userScope } from "@/server/db/client";
import { newId } from "@/lib/ids";
import { AppError } from "@/lib/errors";
import { roleCan, type Role } from "@/lib/permissions";
import { DEFAULT_MCP_SCOPES, isMcpScope, type AuthorizeParams, type McpScope } from "@/lib/schemas/mcp-oauth";
import { hashMcpToken } from "@/server/auth/secrets";
import { recordAudit } from "@/server/audit/service";
import { resolveUserTenant } from "@/server/workspaces/tenant";
import type { SessionClaims } from "@/server/auth/sessions";
import { findClient } from "./clients";
import { mcpResourceUrl, slugOfResource } from "./resource";

/** An authorization code lives 10 minutes and is single use. */
export const CODE_TTL_MS = 10 * 60_000;
export const CODE_PREFIX = "cmcp_ac_";

/** A checked authorization request: what the consent page shows and what approving binds the code to. */
export interface AuthorizeRequest {
  clientId: string;
  clientName: string;
  redirectUri: string;
  redirectHost: string;
  state: string | null;
  codeChallenge: string;
  scopes: McpScope[];
  resource: string | null;
  /** the workspace the resource names (null: the person picks one) */
  workspaceSlug: string | null;
}

/**
 * The outcome of checking a request: `fatal` (unknown client or redirect URI: shown on the page, never redirected to,
 * RFC 6749 4.1.2.1), `redirect` (an error sent back to the client's redirect URI), or the request.
 */
export type AuthorizeCheck =
  | { kind: "fatal"; message: string }
  | { kind: "redirect"; redirectTo: string; message: string }
  | { kind: "ok"; request: AuthorizeRequest };

/** The client's redirect URI with the response parameters (and the issuer, RFC 9207). */
export function redirectWith(redirectUri: string, params: Record<string, string | null>, issuer: string): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== null) url.searchParams.set(k, v);
  url.searchParams.set("iss", issuer);
  return url.toString();
}

const CHALLENGE = /^[A-Za-z0-9_-]{43,128}$/;

/** Checks the query of /oauth/authorize (the page shows it, approving checks it again). */
export async function checkAuthorizeRequest(params: AuthorizeParams, base: string): Promise<AuthorizeCheck> {
  const client = await findClient(params.client_id);
  if (!client) return { kind: "fatal", message: "Unknown client: register it first (client_id)." };
  const redirectUri = params.redirect_uri ?? (client.redirectUris.length === 1 ? client.redirectUris[0]! : undefined);
  if (!redirectUri || !client.redirectUris.includes(redirectUri)) {
    return { kind: "fatal", message: "The redirect_uri is not one the client registered." };
  }
  const state = params.state ?? null;
  const fail = (error: string, description: string): AuthorizeCheck => ({
    kind: "redirect",
    message: description,
    redirectTo: redirectWith(redirectUri, { error, error_description: description, state }, base),
  });
  if (params.response_type !== "code") return fail("unsupported_response_type", "response_type must be code");
  if (params.code_challenge_method !== "S256" || !params.code_challenge || !CHALLENGE.test(params.code_challenge)) {
    return fail("invalid_request", "PKCE is required: code_challenge (S256) and code_challenge_method=S256");
  }
  const asked = (params.scope ?? "").split(" ").filter(Boolean);
  const unknown = asked.filter((s) => !isMcpScope(s));
  if (unknown.length > 0) return fail("invalid_scope", `Unknown scope: ${unknown.join(" ")}`);
  const scopes = asked.length > 0 ? [...new Set(asked as McpScope[])] : [...DEFAULT_MCP_SCOPES];
  let workspaceSlug: string | null = null;
  if (params.resource) {
    workspaceSlug = slugOfResource(base, params.resource);
    if (!workspaceSlug) return fail("invalid_target", "resource is not an MCP endpoint of this server");
  }
  return {
    kind: "ok",
    request: {
      clientId: client.id,
      clientName: client.name,
      redirectUri,
      redirectHost: new URL(redirectUri).host,
      state,
      codeChallenge: params.code_challenge,
      scopes,
      resource: params.resource ?? null,
      workspaceSlug,
    },
  };
}

/** The workspaces the person may pick (their memberships), with their role. */
export async function consentWorkspaces(userId: string) {
  const rows = await db(userScope(userId)).membership.findMany({
    where: { userId, workspace: { deletedAt: null } },
    include: { workspace: { select: { slug: true, name: true } } },
    orderBy: { workspace: { name: "asc" } },
  });
  return rows.map((m) => ({ slug: m.workspace.slug, name: m.workspace.name, role: m.role as Role }));
}

/** The scopes the person's role grants (a token never holds more than its person's role). */
export const grantableScopes = (scopes: readonly McpScope[], role: Role) => scopes.filter((s) => roleCan(role, s));

interface ConsentUser {
  id: string;
  email: string;
  session?: SessionClaims;
}

async function checked(params: AuthorizeParams, base: string): Promise<AuthorizeRequest | { redirectTo: string }> {
  const check = await checkAuthorizeRequest(params, base);
  if (check.kind === "fatal") throw new AppError("BAD_REQUEST", check.message);
  if (check.kind === "redirect") return { redirectTo: check.redirectTo };
  return check.request;
}

/**
 * The person approves: in the workspace they picked (which the resource fixes, when sent) and where they are a member,
 * a connection is created with a single-use code (its keyed hash stored, 10 minutes) bound to the client, the
 * redirect URI, the PKCE challenge, the person, the workspace, the resource and the scopes their role grants;
 * audited as mcp_connection.authorize. Returns the client's redirect URI with the code, the state and `iss`.
 */
export async function approveConsent(
  user: ConsentUser,
  input: { params: AuthorizeParams; workspaceSlug: string },
  base: string,
  meta: { requestId?: string; clientIp?: string; userAgent?: string } = {},
): Promise<{ redirectTo: string }> {
  const request = await checked(input.params, base);
  if ("redirectTo" in request) return request;
  if (request.workspaceSlug && request.workspaceSlug !== input.workspaceSlug) {
    throw new AppError("BAD_REQUEST", "The client asked for another workspace's MCP endpoint");
  }
  const ctx = { ...(await resolveUserTenant(user, input.workspaceSlug, meta.requestId)), clientIp: meta.clientIp, userAgent: meta.userAgent };
  const scopes = grantableScopes(request.scopes, ctx.role);
  if (scopes.length === 0) throw new AppError("FORBIDDEN", "Your role in this workspace holds none of the scopes the client asked for");
  const resource = mcpResourceUrl(base, ctx.workspaceSlug);
  const code = CODE_PREFIX + randomBytes(32).toString("base64url");
  const id = newId("mcpc");
  await db(ctx).$transaction(async (tx) => {
    await tx.mcpConnection.create({
      data: {
        id,
        workspaceId: ctx.workspaceId,
        clientId: request.clientId,
        userId: user.id,
        resource,
        scopes,
        redirectUri: request.redirectUri,
        codeHash: hashMcpToken(code),
        codeChallenge: request.codeChallenge,
        codeExpiresAt: new Date(Date.now() + CODE_TTL_MS),
      },
    });
    await recordAudit(
      ctx,
      {
        action: "mcp_connection.authorize",
        targetType: "mcp_connection",
        targetId: id,
        metadata: { clientId: request.clientId, clientName: request.clientName, redirectHost: request.redirectHost, scopes, resource },
      },
      tx,
    );
  });
  return { redirectTo: redirectWith(request.redirectUri, { code, state: request.state }, base) };
}

/** The person denies: back to the client with access_denied (nothing is stored). */
export async function denyConsent(input: { params: AuthorizeParams }, base: string): Promise<{ redirectTo: string }> {
  const request = await checked(input.params, base);
  if ("redirectTo" in request) return request;
  return {
    redirectTo: redirectWith(request.redirectUri, { error: "access_denied", error_description: "The person denied the request", state: request.state }, base),
  };
}
