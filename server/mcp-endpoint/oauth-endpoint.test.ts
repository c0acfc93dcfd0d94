/**
 * An MCP client signing in with OAuth, end to end: the MCP SDK's client with its OAuth client provider meets the
 * endpoint's 401, discovers the protected resource and Cadre's authorization server, registers, gets the person's
 * consent (the /oauth/authorize page's mutation), exchanges the code, and calls an agent as a tool. The token is
 * worth nothing at another workspace's endpoint or at the REST API, and nothing once the connection is revoked from
 * the workspace's settings. The run and the audit entry name the person and the client.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createCaller } from "@/server/api/root";
import { authorizationServerMetadataResponse, protectedResourceMetadataResponse, registerResponse, tokenResponse } from "@/server/mcp-auth/http";
import { testDb as db } from "@/test/db";
import { addAgent, type RunWorkspace } from "@/test/fixtures/runs";
import { useStubRuns } from "@/test/fixtures/stub-runs";
import { serveWeb, type WebServer } from "@/test/fixtures/web-server";
import { auditRows, callerFor, makeWorkspace, rest } from "@/test/helpers";
import type { LlmStub } from "@/scripts/llm-stub/server";
import { handleMcpRequest } from "./handler";

vi.setConfig({ testTimeout: 60_000 });

const h = useStubRuns("mcp-oauth-endpoint", {}, async (h) => {
  await addAgent(h.rw.ctx, "helper", { modelPolicy: { type: "pinned", modelId: h.modelId } });
  await db().agent.updateMany({ where: { workspaceId: h.rw.ws.id }, data: { mcpExposed: true } });
});
let stub: LlmStub;
let rw: RunWorkspace;
let server: WebServer;
beforeEach(() => void ({ stub, rw } = h));

beforeAll(async () => {
  server = await serveWeb(async (req) => {
    const path = new URL(req.url).pathname;
    const prm = /^\/\.well-known\/oauth-protected-resource\/api\/mcp\/([^/]+)$/.exec(path);
    if (prm) return protectedResourceMetadataResponse(req, prm[1]!);
    if (path === "/.well-known/oauth-authorization-server" || path === "/.well-known/openid-configuration") return authorizationServerMetadataResponse(req);
    if (path === "/api/oauth/register") return registerResponse(req);
    if (path === "/api/oauth/token") return tokenResponse(req);
    const mcp = /^\/api\/mcp\/([^/]+)$/.exec(path);
    if (mcp) return handleMcpRequest(req, mcp[1]!);
    return new Response("not found", { status: 404 });
  });
});
afterAll(() => server.close());

/** An MCP client's OAuth state, kept in memory; the browser step is the consent mutation below. */
class Provider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = "";
  authorizationUrl?: URL;
  readonly redirectUrl = "http://127.0.0.1:9/callback";
  readonly clientMetadata = {
    client_name: "Cursor (test)",
    redirect_uris: [this.redirectUrl],
    grant_types: ["authorization_code", "refresh_token"],
    response_types: ["code"],
    token_endpoint_auth_method: "none",
  };
  clientInformation = () => this.info;
  saveClientInformation = (info: OAuthClientInformationMixed) => void (this.info = info);
  tokens = () => this.saved;
  saveTokens = (tokens: OAuthTokens) => void (this.saved = tokens);
  redirectToAuthorization = (url: URL) => void (this.authorizationUrl = url);
  saveCodeVerifier = (v: string) => void (this.verifier = v);
  codeVerifier = () => this.verifier;
}

const endpoint = (slug: string) => new URL(`${server.url}/api/mcp/${slug}`);

describe("an MCP client with OAuth", () => {
  it("signs in (discovery, registration, consent, PKCE), calls an agent, and loses access when the connection is revoked", async () => {
    h.executor();
    const provider = new Provider();
    const first = new StreamableHTTPClientTransport(endpoint(rw.ws.slug), { authProvider: provider });
    await expect(new Client({ name: "cursor", version: "1" }).connect(first)).rejects.toThrow(UnauthorizedError);
    const asked = provider.authorizationUrl!;
    expect(asked.pathname).toBe("/oauth/authorize");
    expect(asked.searchParams.get("resource")).toBe(endpoint(rw.ws.slug).href);

    // the person consents on the /oauth/authorize page (its mutation, as the signed-in owner)
    const consent = createCaller({ requestId: "req_consent", user: rw.ws.users.owner, workspaceSlug: null, origin: server.url });
    const { redirectTo } = await consent.mcpOAuth.approve({ params: Object.fromEntries(asked.searchParams), workspaceSlug: rw.ws.slug });
    await first.finishAuth(new URL(redirectTo).searchParams.get("code")!);
    const token = provider.saved!.access_token;
    expect(token.startsWith("cmcp_at_")).toBe(true);

    const client = new Client({ name: "cursor", version: "2.0" });
    await client.connect(new StreamableHTTPClientTransport(endpoint(rw.ws.slug), { authProvider: provider }));
    expect((await client.listTools()).tools.map((t) => t.name)).toContain("agent_helper");
    stub.reply({ content: "Signed in and answering." });
    const result = (await client.callTool({ name: "agent_helper", arguments: { input: "Hello over OAuth" } })) as CallToolResult;
    expect((result.content[0] as { text: string }).text).toBe("Signed in and answering.");
    const run = await db().run.findFirstOrThrow({ where: { workspaceId: rw.ws.id, input: "Hello over OAuth" } });
    expect(run).toMatchObject({ createdByType: "user", createdById: rw.ws.users.owner.id, status: "succeeded" });
    const audit = (await auditRows(rw.ws.id, "mcp.call")).find((a) => a.targetId === run.id);
    expect(audit?.metadata).toMatchObject({ client: "cursor", tool: "agent_helper" });

    // the token is bound to this workspace's endpoint: refused at another workspace's and by the REST API
    const other = await makeWorkspace("mcp-oauth-other");
    const post = (slug: string) =>
      fetch(endpoint(slug), {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json, text/event-stream" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
    const elsewhere = await post(other.slug);
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect((await rest("GET", "/api/v1/agents", { key: token })).status).toBe(401);

    // revoked from the workspace's settings: the next request is refused
    const [connection] = await callerFor(rw.ws.users.owner, rw.ws.slug).mcpConnections.list();
    expect(connection).toMatchObject({ clientName: "Cursor (test)", userId: rw.ws.users.owner.id });
    await callerFor(rw.ws.users.owner, rw.ws.slug).mcpConnections.revoke({ connectionId: connection!.id });
    expect((await post(rw.ws.slug)).status).toBe(401);
    await client.close();
  });
});
