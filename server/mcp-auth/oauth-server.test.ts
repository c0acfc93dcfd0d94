/**
 * Cadre's OAuth 2.1 authorization server for the hosted MCP endpoint, driven by the MCP SDK's own client auth
 * (`auth()`: discovery of the protected resource and the authorization server, dynamic registration, PKCE, the code
 * exchange, refresh) against the route handlers served over HTTP on 127.0.0.1. The consent is the tRPC mutation the
 * /oauth/authorize page calls, as the signed-in person.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { auth, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import { createCaller } from "@/server/api/root";
import { appErrorOf, auditRows, callerFor, makeWorkspace, rest, type TestUser, type TestWorkspace } from "@/test/helpers";
import { testDb } from "@/test/db";
import { ApiRateLimiter } from "@/server/http/rate-limit";
import {
  useRegistrationLimiter,
  REGISTRATIONS_PER_MINUTE,
  authorizationServerMetadataResponse,
  protectedResourceMetadataResponse,
  registerResponse,
  revokeResponse,
  tokenResponse,
} from "@/server/mcp-auth/http";
import { authenticateMcpAccessToken, isMcpAccessToken } from "@/server/mcp-auth/tokens";
import { mcpResourceUrl, protectedResourceMetadataUrl } from "@/server/mcp-auth/resource";

let server: Server;
let base: string;
let ws: TestWorkspace;
let other: TestWorkspace;

async function route(req: Request): Promise<Response> {
  const path = new URL(req.url).pathname;
  const prm = /^\/\.well-known\/oauth-protected-resource\/api\/mcp\/([^/]+)$/.exec(path);
  if (prm && req.method === "GET") return protectedResourceMetadataResponse(req, prm[1]!);
  if (path === "/.well-known/oauth-authorization-server" || path === "/.well-known/openid-configuration") return authorizationServerMetadataResponse(req);
  if (path === "/api/oauth/register" && req.method === "POST") return registerResponse(req);
  if (path === "/api/oauth/token" && req.method === "POST") return tokenResponse(req);
  if (path === "/api/oauth/revoke" && req.method === "POST") return revokeResponse(req);
  return new Response("not found", { status: 404 });
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const response = await route(
      new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: body?.length ? body : undefined,
      }),
    );
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  ws = await makeWorkspace("mcpauth");
  other = await makeWorkspace("mcpauth-b");
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** An in-memory OAuthClientProvider, as an MCP client would implement it. */
class TestProvider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = "";
  authorizationUrl?: URL;
  get redirectUrl() {
    return "http://127.0.0.1:9/callback";
  }
  get clientMetadata() {
    return {
      client_name: "Test MCP client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  state() {
    return "state-123";
  }
  clientInformation() {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.info = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string) {
    this.verifier = v;
  }
  codeVerifier() {
    return this.verifier;
  }
}

const consentCaller = (user: TestUser) => createCaller({ requestId: "req_consent", user, workspaceSlug: null, origin: base });
const paramsOf = (url: URL) => Object.fromEntries(url.searchParams) as Record<string, string>;

/** The SDK's flow up to the redirect, the consent as `user` in `slug`, and the code exchange: the provider's tokens. */
async function connect(slug: string, user: TestUser, provider = new TestProvider()) {
  const serverUrl = mcpResourceUrl(base, slug);
  expect(await auth(provider, { serverUrl })).toBe("REDIRECT");
  const { redirectTo } = await consentCaller(user).mcpOAuth.approve({ params: paramsOf(provider.authorizationUrl!), workspaceSlug: slug });
  const back = new URL(redirectTo);
  expect(back.searchParams.get("state")).toBe("state-123");
  expect(back.searchParams.get("iss")).toBe(base);
  expect(await auth(provider, { serverUrl, authorizationCode: back.searchParams.get("code")! })).toBe("AUTHORIZED");
  return provider;
}

const form = (fields: Record<string, string>) => ({
  method: "POST",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

/** A client registered by hand, and a consented code with its PKCE verifier (for the failure cases). */
async function consentedCode(user: TestUser, slug: string, redirectUri = "http://127.0.0.1:9/cb") {
  const reg = await fetch(`${base}/api/oauth/register`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ client_name: "Manual", redirect_uris: [redirectUri] }),
  });
  expect(reg.status).toBe(201);
  const { client_id } = (await reg.json()) as { client_id: string };
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const params = {
    client_id,
    redirect_uri: redirectUri,
    response_type: "code",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state: "s",
    resource: mcpResourceUrl(base, slug),
  };
  const { redirectTo } = await consentCaller(user).mcpOAuth.approve({ params, workspaceSlug: slug });
  const code = new URL(redirectTo).searchParams.get("code")!;
  return { client_id, verifier, code, redirectUri, resource: params.resource };
}

const exchange = (c: Awaited<ReturnType<typeof consentedCode>>, over: Record<string, string> = {}) =>
  fetch(`${base}/api/oauth/token`, {
    ...form({ grant_type: "authorization_code", code: c.code, client_id: c.client_id, redirect_uri: c.redirectUri, code_verifier: c.verifier, ...over }),
  });

describe("MCP OAuth: discovery and the SDK's flow", () => {
  it("serves RFC 9728 and RFC 8414 metadata the SDK follows, and the helpers the MCP endpoint uses", async () => {
    const prm = await (await fetch(protectedResourceMetadataUrl(base, ws.slug))).json();
    expect(prm).toMatchObject({ resource: `${base}/api/mcp/${ws.slug}`, authorization_servers: [base], bearer_methods_supported: ["header"] });
    const as = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
    expect(as).toMatchObject({
      issuer: base,
      authorization_endpoint: `${base}/oauth/authorize`,
      code_challenge_methods_supported: ["S256"],
      token_endpoint_auth_methods_supported: ["none"],
    });
  });

  it("connects with the SDK's client auth; the token resolves to the person through the client, bound to its workspace", async () => {
    const provider = await connect(ws.slug, ws.users.member);
    const access = provider.saved!.access_token;
    expect(isMcpAccessToken(access)).toBe(true);
    expect(access.startsWith("cmcp_at_")).toBe(true);
    const ctx = await authenticateMcpAccessToken(access, mcpResourceUrl(base, ws.slug), "req_1");
    expect(ctx.workspaceId).toBe(ws.id);
    expect(ctx.actor).toMatchObject({ type: "user", userId: ws.users.member.id, mcpClient: { name: "Test MCP client" } });
    expect([...ctx.permissions].sort()).toEqual([
      "agents:read",
      "memory:read",
      "memory:write",
      "runs:cancel",
      "runs:create",
      "runs:read",
      "teams:read",
      "tools:read",
    ]);
    // bound to the resource: refused at another workspace's endpoint
    const refused = await appErrorOf(authenticateMcpAccessToken(access, mcpResourceUrl(base, other.slug)));
    expect(refused.code).toBe("UNAUTHORIZED");
    // and by every other Cadre API: REST (API-key auth) answers 401
    expect((await rest("GET", "/api/v1/agents", { key: access })).status).toBe(401);
    // tRPC's context is built from the session cookie only (app/api/trpc: currentUser()); a bearer is never read, so a
    // request with only this token has no user: UNAUTHORIZED
    expect(
      await callerFor(null, ws.slug)
        .agents.list()
        .catch((e: { code?: string }) => e.code),
    ).toBe("UNAUTHORIZED");
    const authorize = await auditRows(ws.id, "mcp_connection.authorize");
    expect(authorize[0]?.actorLabel).toBe(ws.users.member.email);
    // the stored hashes are not the tokens
    const stored = await testDb().mcpToken.findMany({ where: { workspaceId: ws.id } });
    expect(stored.some((t) => t.tokenHash.includes(access) || access.includes(t.tokenHash))).toBe(false);
  });

  it("a viewer's token holds only the scopes the viewer's role holds", async () => {
    const provider = await connect(ws.slug, ws.users.viewer);
    const ctx = await authenticateMcpAccessToken(provider.saved!.access_token, mcpResourceUrl(base, ws.slug));
    expect(ctx.permissions.has("runs:create")).toBe(false);
    expect(ctx.permissions.has("agents:read")).toBe(true);
  });

  it("refresh rotates the tokens; presenting the old refresh token again revokes the whole connection", async () => {
    const provider = await connect(ws.slug, ws.users.member);
    const first = provider.saved!;
    const serverUrl = mcpResourceUrl(base, ws.slug);
    expect(await auth(provider, { serverUrl })).toBe("AUTHORIZED");
    const second = provider.saved!;
    expect(second.refresh_token).not.toBe(first.refresh_token);
    await authenticateMcpAccessToken(second.access_token, serverUrl);
    const reuse = await fetch(
      `${base}/api/oauth/token`,
      form({ grant_type: "refresh_token", refresh_token: first.refresh_token!, client_id: provider.info!.client_id }),
    );
    expect(reuse.status).toBe(400);
    expect(reuse.headers.get("cache-control")).toBe("no-store");
    expect(await reuse.json()).toMatchObject({ error: "invalid_grant" });
    expect((await appErrorOf(authenticateMcpAccessToken(second.access_token, serverUrl))).code).toBe("UNAUTHORIZED");
    const again = await fetch(
      `${base}/api/oauth/token`,
      form({ grant_type: "refresh_token", refresh_token: second.refresh_token!, client_id: provider.info!.client_id }),
    );
    expect(again.status).toBe(400);
    const revoked = await auditRows(ws.id, "mcp_connection.revoke");
    expect(revoked.some((r) => (r.metadata as { reason?: string }).reason === "refresh_reuse")).toBe(true);
  });
});

describe("MCP OAuth: refusals", () => {
  it("a wrong PKCE verifier is refused", async () => {
    const c = await consentedCode(ws.users.member, ws.slug);
    const res = await exchange(c, { code_verifier: randomBytes(32).toString("base64url") });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant", error_description: "The PKCE code_verifier does not match" });
  });

  it("a redirect_uri other than the authorization's is refused at the token endpoint, and unregistered ones at consent", async () => {
    const c = await consentedCode(ws.users.member, ws.slug);
    const res = await exchange(c, { redirect_uri: "http://127.0.0.1:9/other" });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_grant" });
    const err = await appErrorOf(
      consentCaller(ws.users.member)
        .mcpOAuth.approve({
          params: {
            client_id: c.client_id,
            redirect_uri: "https://evil.example/cb",
            response_type: "code",
            code_challenge: "x".repeat(43),
            code_challenge_method: "S256",
          },
          workspaceSlug: ws.slug,
        })
        .catch((e: { cause?: unknown }) => Promise.reject(e.cause)),
    );
    expect(err.message).toContain("redirect_uri");
  });

  it("a code used twice is refused and revokes the tokens issued from it", async () => {
    const c = await consentedCode(ws.users.member, ws.slug);
    const first = await exchange(c);
    expect(first.status).toBe(200);
    const tokens = (await first.json()) as { access_token: string };
    await authenticateMcpAccessToken(tokens.access_token, c.resource);
    const second = await exchange(c);
    expect(second.status).toBe(400);
    expect((await appErrorOf(authenticateMcpAccessToken(tokens.access_token, c.resource))).code).toBe("UNAUTHORIZED");
  });

  it("registration refuses non-loopback http redirect URIs", async () => {
    const res = await fetch(`${base}/api/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ client_name: "Bad", redirect_uris: ["http://example.com/cb"] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_redirect_uri" });
  });

  it("a resource of another workspace cannot be approved in this one; a non-member cannot approve", async () => {
    const provider = new TestProvider();
    expect(await auth(provider, { serverUrl: mcpResourceUrl(base, other.slug) })).toBe("REDIRECT");
    const params = paramsOf(provider.authorizationUrl!);
    const crossed = await consentCaller(ws.users.owner)
      .mcpOAuth.approve({ params, workspaceSlug: ws.slug })
      .catch((e: { cause?: { code?: string } }) => e.cause?.code);
    expect(crossed).toBe("BAD_REQUEST");
    const stranger = await consentCaller(ws.users.owner)
      .mcpOAuth.approve({ params, workspaceSlug: other.slug })
      .catch((e: { cause?: { code?: string } }) => e.cause?.code);
    expect(stranger).toBe("NOT_FOUND");
  });

  it("deny sends access_denied back to the client", async () => {
    const provider = new TestProvider();
    await auth(provider, { serverUrl: mcpResourceUrl(base, ws.slug) });
    const { redirectTo } = await consentCaller(ws.users.member).mcpOAuth.deny({ params: paramsOf(provider.authorizationUrl!), workspaceSlug: ws.slug });
    expect(new URL(redirectTo).searchParams.get("error")).toBe("access_denied");
  });
});

describe("MCP OAuth: revocation", () => {
  it("revoking from the settings kills the token; a member revokes only their own; admins any", async () => {
    const mine = await connect(ws.slug, ws.users.member);
    const admins = await connect(ws.slug, ws.users.admin);
    const resource = mcpResourceUrl(base, ws.slug);
    const list = await callerFor(ws.users.member, ws.slug).mcpConnections.list();
    const adminConn = list.find((c) => c.userId === ws.users.admin.id && c.revokedAt === null)!;
    const memberConn = list.find((c) => c.userId === ws.users.member.id && c.revokedAt === null)!;
    expect(adminConn.clientName).toBe("Test MCP client");
    const forbidden = await callerFor(ws.users.member, ws.slug)
      .mcpConnections.revoke({ connectionId: adminConn.id })
      .catch((e: { code?: string }) => e.code);
    expect(forbidden).toBe("FORBIDDEN");
    await callerFor(ws.users.member, ws.slug).mcpConnections.revoke({ connectionId: memberConn.id });
    await callerFor(ws.users.admin, ws.slug).mcpConnections.revoke({ connectionId: adminConn.id });
    expect((await appErrorOf(authenticateMcpAccessToken(admins.saved!.access_token, resource))).code).toBe("UNAUTHORIZED");
    expect((await appErrorOf(authenticateMcpAccessToken(mine.saved!.access_token, resource))).code).toBe("UNAUTHORIZED");
    const audit = await auditRows(ws.id, "mcp_connection.revoke");
    expect(audit.some((r) => r.targetId === adminConn.id && r.actorLabel === ws.users.admin.email)).toBe(true);
  });

  it("RFC 7009 revocation by the client kills its connection", async () => {
    const provider = await connect(ws.slug, ws.users.member);
    const res = await fetch(`${base}/api/oauth/revoke`, form({ token: provider.saved!.refresh_token!, client_id: provider.info!.client_id }));
    expect(res.status).toBe(200);
    expect((await appErrorOf(authenticateMcpAccessToken(provider.saved!.access_token, mcpResourceUrl(base, ws.slug)))).code).toBe("UNAUTHORIZED");
  });

  it("a removed member's token is dead", async () => {
    const target = await makeWorkspace("mcpauth-rm");
    const provider = await connect(target.slug, target.users.member);
    const resource = mcpResourceUrl(base, target.slug);
    await authenticateMcpAccessToken(provider.saved!.access_token, resource);
    await testDb().membership.delete({ where: { id: target.memberIds.member } });
    expect((await appErrorOf(authenticateMcpAccessToken(provider.saved!.access_token, resource))).code).toBe("UNAUTHORIZED");
  });

  it("a deactivated person's (SCIM) tokens are dead, access and refresh, until reactivation", async () => {
    const target = await makeWorkspace("mcpauth-deact");
    const provider = await connect(target.slug, target.users.member);
    const resource = mcpResourceUrl(base, target.slug);
    await authenticateMcpAccessToken(provider.saved!.access_token, resource);
    await testDb().user.update({ where: { id: target.users.member.id }, data: { deactivatedAt: new Date() } });
    expect((await appErrorOf(authenticateMcpAccessToken(provider.saved!.access_token, resource))).code).toBe("UNAUTHORIZED");
    const refresh = await fetch(
      `${base}/api/oauth/token`,
      form({ grant_type: "refresh_token", refresh_token: provider.saved!.refresh_token!, client_id: provider.info!.client_id }),
    );
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ error: "invalid_grant" });
    await testDb().user.update({ where: { id: target.users.member.id }, data: { deactivatedAt: null } });
    await authenticateMcpAccessToken(provider.saved!.access_token, resource);
  });

  it("another workspace's member and API key get 404 for a connection", async () => {
    const provider = await connect(ws.slug, ws.users.member);
    expect(provider.saved).toBeTruthy();
    const conn = (await callerFor(ws.users.owner, ws.slug).mcpConnections.list())[0]!;
    const foreign = await callerFor(other.users.owner, other.slug)
      .mcpConnections.revoke({ connectionId: conn.id })
      .catch((e: { code?: string }) => e.code);
    expect(foreign).toBe("NOT_FOUND");
    const { makeApiKey } = await import("@/test/helpers");
    const key = await makeApiKey(other, "owner");
    const res = await rest("DELETE", "/api/v1/mcp-connections/{connectionId}", { key: key.raw, params: { connectionId: conn.id } });
    expect(res.status).toBe(404);
    const listed = await rest("GET", "/api/v1/mcp-connections", { key: key.raw });
    expect(listed.status).toBe(200);
    expect((listed.body as { data: { id: string }[] }).data.some((c) => c.id === conn.id)).toBe(false);
  });
});

describe("MCP OAuth: registration limit", () => {
  it("refuses registrations past the per-address limit with 429 and Retry-After (on a limiter of its own)", async () => {
    // the minute it uses up is not the next test files' (the module graph is shared)
    useRegistrationLimiter(new ApiRateLimiter({ keyPrefix: `oauth-register-flood-${Date.now()}` }));
    onTestFinished(() => useRegistrationLimiter());
    let refused: Response | undefined;
    // twice the limit: a minute that ends during the loop starts a new window, which the loop then fills
    for (let i = 0; i <= 2 * REGISTRATIONS_PER_MINUTE && !refused; i++) {
      const res = await fetch(`${base}/api/oauth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ client_name: `Flood ${i}`, redirect_uris: ["https://client.example/cb"] }),
      });
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(201);
    }
    expect(refused?.status).toBe(429);
    expect(Number(refused?.headers.get("retry-after"))).toBeGreaterThan(0);
  });
});
