/**
 * An OAuth-protected MCP server for tests, on 127.0.0.1 only, built from the SDK's server-side pieces: mcpAuthRouter
 * (authorization-server metadata, dynamic client registration, authorize, token; protected-resource metadata for
 * /mcp), requireBearerAuth on /mcp (401 with `resource_metadata` in WWW-Authenticate), and an in-memory provider
 * that approves every authorization at once, checks the `resource`, issues access tokens of `tokenTtlSeconds`
 * and refresh tokens (rotated on use; with `reuseDetection`, a refresh token spent twice revokes its whole grant, as
 * OAuth 2.1 asks of servers that rotate them). `expireAll()` makes the server refuse every access token it issued (the
 * client still believes them valid: a 401 path); tools `whoami` and `lookup`.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createRequire } from "node:module";
import type { OAuthRegisteredClientsStore } from "@modelcontextprotocol/sdk/server/auth/clients.js";
import { InvalidGrantError, InvalidTargetError, InvalidTokenError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { requireBearerAuth } from "@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js";
import type { AuthorizationParams, OAuthServerProvider } from "@modelcontextprotocol/sdk/server/auth/provider.js";
import { getOAuthProtectedResourceMetadataUrl, mcpAuthRouter } from "@modelcontextprotocol/sdk/server/auth/router.js";
import type { AuthInfo } from "@modelcontextprotocol/sdk/server/auth/types.js";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import type { OAuthClientInformationFull, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { z } from "zod";

type Handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => void;
interface ExpressApp extends Handler {
  use(handler: unknown): void;
  post(path: string, ...handlers: unknown[]): void;
  all(path: string, ...handlers: unknown[]): void;
}
// express comes with the SDK (no type declarations installed): only what is used here is typed
const express = createRequire(import.meta.url)("express") as () => ExpressApp;

interface Grant {
  /** the authorization the tokens descend from (rotation keeps it) */
  family: string;
  clientId: string;
  resource: string | undefined;
  scopes: string[];
}

class InMemoryProvider implements OAuthServerProvider {
  readonly clients = new Map<string, OAuthClientInformationFull>();
  readonly codes = new Map<string, Grant & { params: AuthorizationParams }>();
  readonly access = new Map<string, Grant & { expiresAt: number }>();
  readonly refresh = new Map<string, Grant>();
  /** spent refresh tokens and their grant's family */
  readonly spent = new Map<string, string>();
  tokenTtlSeconds = 3600;
  refreshes = 0;
  /** a spent refresh token presented again revokes every token of its grant */
  reuseDetection = false;
  reuses = 0;
  /** what the token endpoint must see as `resource` (RFC 8707) */
  constructor(private readonly expectedResource: string) {}

  get clientsStore(): OAuthRegisteredClientsStore {
    return {
      getClient: async (id) => this.clients.get(id),
      registerClient: async (client) => {
        const full = client as OAuthClientInformationFull;
        this.clients.set(full.client_id, full);
        return full;
      },
    };
  }

  async authorize(client: OAuthClientInformationFull, params: AuthorizationParams, res: { redirect: (url: string) => void }): Promise<void> {
    const target = new URL(params.redirectUri);
    if (params.resource?.href !== this.expectedResource) {
      target.searchParams.set("error", "invalid_target");
      target.searchParams.set("error_description", `unknown resource ${params.resource?.href ?? "(none)"}`);
    } else {
      const code = randomUUID();
      this.codes.set(code, { family: randomUUID(), clientId: client.client_id, resource: params.resource.href, scopes: params.scopes ?? [], params });
      target.searchParams.set("code", code);
    }
    if (params.state !== undefined) target.searchParams.set("state", params.state);
    res.redirect(target.href);
  }

  async challengeForAuthorizationCode(_client: OAuthClientInformationFull, code: string): Promise<string> {
    const grant = this.codes.get(code);
    if (!grant) throw new InvalidGrantError("unknown authorization code");
    return grant.params.codeChallenge;
  }

  private issue(grant: Grant): OAuthTokens {
    const access = `at-${randomUUID()}`;
    const refresh = `rt-${randomUUID()}`;
    this.access.set(access, { ...grant, expiresAt: Date.now() + this.tokenTtlSeconds * 1000 });
    this.refresh.set(refresh, grant);
    return { access_token: access, token_type: "bearer", expires_in: this.tokenTtlSeconds, refresh_token: refresh, scope: grant.scopes.join(" ") };
  }

  async exchangeAuthorizationCode(
    client: OAuthClientInformationFull,
    code: string,
    _verifier?: string,
    _redirect?: string,
    resource?: URL,
  ): Promise<OAuthTokens> {
    const grant = this.codes.get(code);
    if (!grant || grant.clientId !== client.client_id) throw new InvalidGrantError("unknown authorization code");
    if (resource?.href !== grant.resource) throw new InvalidTargetError("the resource differs from the authorization's");
    this.codes.delete(code);
    return this.issue(grant);
  }

  async exchangeRefreshToken(client: OAuthClientInformationFull, token: string, _scopes?: string[], resource?: URL): Promise<OAuthTokens> {
    const grant = this.refresh.get(token);
    const family = this.spent.get(token);
    if (!grant && family !== undefined && this.reuseDetection) {
      this.reuses++;
      for (const tokens of [this.access, this.refresh]) for (const [t, g] of tokens) if (g.family === family) tokens.delete(t);
      throw new InvalidGrantError("refresh token reused: the grant is revoked");
    }
    if (!grant || grant.clientId !== client.client_id) throw new InvalidGrantError("unknown refresh token");
    if (resource?.href !== grant.resource) throw new InvalidTargetError("the resource differs from the grant's");
    this.refresh.delete(token);
    this.spent.set(token, grant.family);
    this.refreshes++;
    return this.issue(grant);
  }

  async verifyAccessToken(token: string): Promise<AuthInfo> {
    const grant = this.access.get(token);
    if (!grant || grant.expiresAt < Date.now()) throw new InvalidTokenError("invalid or expired token");
    return {
      token,
      clientId: grant.clientId,
      scopes: grant.scopes,
      expiresAt: Math.floor(grant.expiresAt / 1000),
      ...(grant.resource ? { resource: new URL(grant.resource) } : {}),
    };
  }
}

export async function startOAuthMcpServer() {
  let app: ExpressApp | undefined;
  const calls: { authorization: string | undefined }[] = [];
  const server: Server = createServer((req, res) => app?.(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const mcpUrl = `${base}/mcp`;
  const provider = new InMemoryProvider(mcpUrl);
  app = express();
  app.use(
    mcpAuthRouter({ provider, issuerUrl: new URL(base), resourceServerUrl: new URL(mcpUrl), scopesSupported: ["mcp:tools"], resourceName: "OAuth test" }),
  );
  const bearer = requireBearerAuth({ verifier: provider, resourceMetadataUrl: getOAuthProtectedResourceMetadataUrl(new URL(mcpUrl)) });
  app.all("/mcp", bearer, async (req: IncomingMessage, res: ServerResponse) => {
    calls.push({ authorization: req.headers.authorization });
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const mcp = new McpServer({ name: "oauth-test", version: "1.0.0" });
    mcp.registerTool("lookup", { description: "Looks up an order by id", inputSchema: { id: z.string() } }, async (args: { id: string }) => ({
      content: [{ type: "text" as const, text: `order ${args.id}: shipped` }],
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  });
  return {
    url: mcpUrl,
    base,
    provider,
    calls,
    /** the server refuses every access token issued so far (the client does not know) */
    expireAll: () => {
      for (const grant of provider.access.values()) grant.expiresAt = 0;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
