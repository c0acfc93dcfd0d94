/**
 * An OAuth error answered as RFC 6749 JSON (`{ error, error_description }`) by the token, revocation and
 * registration endpoints (server/mcp-auth/http.ts). Descriptions never carry a token or a code.
 */
export class OAuthError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
    readonly status = 400,
  ) {
    super(description);
    this.name = "OAuthError";
  }
}
