import { MCP_SCOPES } from "@/lib/schemas/mcp-oauth";

/**
 * The URLs of Cadre's OAuth 2.1 authorization server for the hosted MCP endpoint. `base` is the public origin
 * (CADRE_PUBLIC_URL, else the request's: server/http/origin.ts `publicOrigin`), without a trailing slash; it is
 * also the issuer.
 */
const trim = (base: string) => base.replace(/\/+$/, "");

/** The protected resource (RFC 8707 / RFC 9728) of a workspace's MCP endpoint: `${base}/api/mcp/${slug}`. */
export function mcpResourceUrl(base: string, slug: string): string {
  return `${trim(base)}/api/mcp/${slug}`;
}

/** Where the resource's metadata is (RFC 9728): for `WWW-Authenticate: Bearer resource_metadata="..."` on a 401. */
export function protectedResourceMetadataUrl(base: string, slug: string): string {
  return `${trim(base)}/.well-known/oauth-protected-resource/api/mcp/${slug}`;
}

/** The `WWW-Authenticate` value of a 401 of the MCP endpoint. */
export function mcpWwwAuthenticate(base: string, slug: string): string {
  return `Bearer resource_metadata="${protectedResourceMetadataUrl(base, slug)}"`;
}

const SLUG = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** The workspace slug a resource names, when it is an MCP endpoint of this server (else null). */
export function slugOfResource(base: string, resource: string): string | null {
  const prefix = `${trim(base)}/api/mcp/`;
  if (!resource.startsWith(prefix)) return null;
  const slug = resource.slice(prefix.length).replace(/\/$/, "");
  return SLUG.test(slug) && slug.length <= 48 ? slug : null;
}

/** RFC 9728 metadata of a workspace's MCP endpoint. */
export function protectedResourceMetadata(base: string, slug: string) {
  return {
    resource: mcpResourceUrl(base, slug),
    authorization_servers: [trim(base)],
    scopes_supported: [...MCP_SCOPES],
    bearer_methods_supported: ["header"],
    resource_name: `Cadre workspace ${slug}`,
  };
}

/** RFC 8414 metadata of the authorization server (also served at the OpenID-style path, which the MCP SDK probes). */
export function authorizationServerMetadata(base: string) {
  const b = trim(base);
  return {
    issuer: b,
    authorization_endpoint: `${b}/oauth/authorize`,
    token_endpoint: `${b}/api/oauth/token`,
    registration_endpoint: `${b}/api/oauth/register`,
    revocation_endpoint: `${b}/api/oauth/revoke`,
    response_types_supported: ["code"],
    response_modes_supported: ["query"],
    grant_types_supported: ["authorization_code", "refresh_token"],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["none"],
    revocation_endpoint_auth_methods_supported: ["none"],
    scopes_supported: [...MCP_SCOPES],
    authorization_response_iss_parameter_supported: true,
  };
}
