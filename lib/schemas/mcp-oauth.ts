import { z } from "zod";
import { acceptableNameOrNull, text } from "./text";
import { idSchema } from "./common";
import type { Permission } from "../permissions";

/**
 * The OAuth scopes of the hosted MCP endpoint: permission names of the role matrix, limited to what an MCP client
 * does (discover agents and teams, run them, read their runs and memory). A token's power is its scopes intersected
 * with its person's current role. Nothing that manages the workspace (members, keys, secrets, settings) is a scope.
 */
export const MCP_SCOPES = [
  "agents:read",
  "teams:read",
  "runs:read",
  "runs:create",
  "runs:cancel",
  "memory:read",
  "memory:write",
  "tools:read",
] as const satisfies readonly Permission[];
export type McpScope = (typeof MCP_SCOPES)[number];

/** What each scope lets the client do, as the consent page says it. */
export const MCP_SCOPE_LABELS: Record<McpScope, string> = {
  "agents:read": "See the workspace's agents",
  "teams:read": "See the workspace's teams",
  "runs:read": "Read runs and their results",
  "runs:create": "Run agents and teams (spends the workspace's budget)",
  "runs:cancel": "Cancel runs",
  "memory:read": "Read memories",
  "memory:write": "Write memories",
  "tools:read": "See the workspace's tools",
};

/** What a client gets when it asks for no scope: see and run the agents and teams. */
export const DEFAULT_MCP_SCOPES: readonly McpScope[] = ["agents:read", "teams:read", "runs:read", "runs:create"];

export const isMcpScope = (s: string): s is McpScope => (MCP_SCOPES as readonly string[]).includes(s);

export const MAX_REDIRECT_URIS = 10;
export const MAX_REDIRECT_URI_LENGTH = 2000;
export const MAX_CLIENT_NAME_LENGTH = 200;

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A redirect URI a client may register (OAuth 2.1): https, or http on a loopback host (native apps, any port);
 * no fragment, no user info. Returns why not, or null when it is acceptable.
 */
export function redirectUriProblem(raw: string): string | null {
  if (raw.length > MAX_REDIRECT_URI_LENGTH) return `A redirect URI has at most ${MAX_REDIRECT_URI_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "A redirect URI must be an absolute URL";
  }
  if (url.hash || raw.includes("#")) return "A redirect URI has no fragment";
  if (url.username || url.password) return "A redirect URI has no user name or password";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname)) return null;
  return "A redirect URI must use https, or http on 127.0.0.1, localhost or [::1]";
}

const redirectUriSchema = text().superRefine((v, c) => {
  const problem = redirectUriProblem(v);
  if (problem) c.addIssue({ code: "custom", message: problem });
});

/** The body of a dynamic client registration (RFC 7591); other metadata fields are accepted and ignored. */
export const registerClientInputSchema = z.looseObject({
  client_name: text().trim().max(MAX_CLIENT_NAME_LENGTH).optional(),
  redirect_uris: z.array(redirectUriSchema).min(1, "Register at least one redirect URI").max(MAX_REDIRECT_URIS),
  token_endpoint_auth_method: z.literal("none", { message: "Only public clients (token_endpoint_auth_method none, with PKCE) can register" }).optional(),
  grant_types: z
    .array(z.enum(["authorization_code", "refresh_token"]))
    .max(2)
    .optional(),
  response_types: z.array(z.literal("code")).max(1).optional(),
});

/** A client's display name: its registered name when acceptable, else its redirect host. */
export function clientDisplayName(name: string | null | undefined, redirectUri: string): string {
  return acceptableNameOrNull(name, MAX_CLIENT_NAME_LENGTH) ?? new URL(redirectUri).host;
}

/** The query of the authorization page (`/oauth/authorize`), as the client sent it (validated by the server). */
export const authorizeParamsSchema = z.object({
  client_id: text().max(200).optional(),
  redirect_uri: text().max(MAX_REDIRECT_URI_LENGTH).optional(),
  response_type: text().max(50).optional(),
  code_challenge: text().max(200).optional(),
  code_challenge_method: text().max(20).optional(),
  state: text().max(1000).optional(),
  scope: text().max(2000).optional(),
  resource: text().max(MAX_REDIRECT_URI_LENGTH).optional(),
});
export type AuthorizeParams = z.infer<typeof authorizeParamsSchema>;

/** Approving or denying the consent: the request as the page received it, and the workspace picked. */
export const consentInputSchema = z.strictObject({
  params: authorizeParamsSchema,
  workspaceSlug: text().max(48),
});

/** Where the browser goes next: back to the client with a code (or an error). */
export const consentResultSchema = z.object({ redirectTo: z.string() });

/** The kinds of McpToken rows, and why a connection was revoked (checked by the database). */
export const MCP_TOKEN_KINDS = ["access", "refresh"] as const;
export const MCP_CONNECTION_REVOKE_REASONS = ["revoked", "client_revoked", "code_reuse", "refresh_reuse"] as const;
export type McpConnectionRevokeReason = (typeof MCP_CONNECTION_REVOKE_REASONS)[number];

export const mcpConnectionIdSchema = idSchema("mcpc");

export const mcpConnectionSchema = z
  .object({
    id: z.string(),
    clientId: z.string(),
    clientName: z.string().describe("The client's self-declared name (dynamic registration: not verified)"),
    redirectHost: z.string().describe("Where the client receives its codes"),
    authorizedBy: z.string().nullable().describe("The email of the person who consented"),
    userId: z.string(),
    scopes: z.array(z.string()),
    resource: z.string().describe("The MCP endpoint its tokens are bound to"),
    createdAt: z.date(),
    lastUsedAt: z.date().nullable(),
    revokedAt: z.date().nullable(),
  })
  .meta({ id: "McpConnection" });
