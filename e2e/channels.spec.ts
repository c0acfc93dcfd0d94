import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { OAuthClientInformationMixed, OAuthTokens } from "@modelcontextprotocol/sdk/shared/auth.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { Webhook } from "standardwebhooks";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

/**
 * Channels, end to end against a production build: a webhook receiver (a local server here) is subscribed to
 * run.succeeded on the Webhooks page; an agent is offered over MCP from its page; an MCP client (the SDK's, with its
 * OAuth client provider) meets the endpoint's 401, registers, the person approves on Cadre's consent page in the
 * browser, the client gets its token and calls the agent as a tool; the run's end reaches the receiver as a signed
 * Standard Webhooks delivery, verified with the secret the page showed once.
 */
let stub: LlmStub;
let receiver: Server;
let receiverUrl: string;
const received: { path: string; headers: IncomingHttpHeaders; body: string }[] = [];

test.beforeAll(async () => {
  stub = await startLlmStub();
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ path: req.url ?? "", headers: req.headers, body });
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
});
test.afterAll(async () => {
  await stub?.close();
  receiver?.closeAllConnections();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

class Provider implements OAuthClientProvider {
  info?: OAuthClientInformationMixed;
  saved?: OAuthTokens;
  verifier = "";
  authorizationUrl?: URL;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata() {
    return {
      client_name: "E2E MCP client",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation = () => this.info;
  saveClientInformation = (info: OAuthClientInformationMixed) => void (this.info = info);
  tokens = () => this.saved;
  saveTokens = (tokens: OAuthTokens) => void (this.saved = tokens);
  redirectToAuthorization = (url: URL) => void (this.authorizationUrl = url);
  saveCodeVerifier = (v: string) => void (this.verifier = v);
  codeVerifier = () => this.verifier;
}

test("an MCP client signs in with OAuth in the browser and calls an agent; the run's end is a signed webhook delivery", async ({ page, baseURL }) => {
  test.setTimeout(240_000);
  const slug = `channels-${Date.now().toString(36)}`;
  await signUp(page, person("Nadia"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Channels", slug);
  await addStubProvider(page, stub.url);
  await addStubModel(page);

  // a webhook for run.succeeded; its secret is shown once
  await page.getByTestId("nav-webhooks").click();
  await openDialog(page, "webhook-open", "webhook-url");
  await page.getByTestId("webhook-url").fill(`${receiverUrl}/hooks/cadre`);
  await page.getByTestId("webhook-event-run.succeeded").click();
  await page.getByTestId("webhook-submit").click();
  const secret = (await page.getByTestId("webhook-secret").textContent())!.trim();
  expect(secret).toMatch(/^whsec_/);
  await page.getByTestId("webhook-secret-done").click();

  // an agent, offered over MCP from its page
  await page.getByTestId("nav-agents").click();
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill("helper");
  await page.getByTestId("agent-name").fill("Helper");
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-submit").click();
  await expect(page.getByTestId("agent-form")).toBeHidden();
  await page.goto(`/w/${slug}/agents/helper`);
  await page.getByTestId("mcp-exposed").click();
  await expect(page.getByTestId("mcp-exposed")).toHaveAttribute("data-state", "checked");
  const endpoint = new URL(`/api/mcp/${slug}`, baseURL);
  await expect(page.getByTestId("mcp-endpoint-url")).toHaveText(endpoint.href);

  // the MCP client: 401, discovery, registration; the consent in the browser; the code back at its redirect URI
  const provider = new Provider(`${receiverUrl}/oauth/callback`);
  const first = new StreamableHTTPClientTransport(endpoint, { authProvider: provider });
  await expect(new Client({ name: "e2e-client", version: "1" }).connect(first)).rejects.toThrow(UnauthorizedError);
  await page.goto(provider.authorizationUrl!.href);
  await expect(page.getByTestId("mcp-consent-client")).toHaveText("E2E MCP client");
  await page.getByTestId("mcp-consent-approve").click();
  await page.waitForURL(/\/oauth\/callback\?/);
  const code = new URL(page.url()).searchParams.get("code");
  expect(code).toBeTruthy();
  await first.finishAuth(code!);

  const client = new Client({ name: "e2e-client", version: "1" });
  await client.connect(new StreamableHTTPClientTransport(endpoint, { authProvider: provider }));
  expect((await client.listTools()).tools.map((t) => t.name)).toContain("agent_helper");
  stub.reply({ content: "Hello from Cadre over MCP." });
  const result = (await client.callTool({ name: "agent_helper", arguments: { input: "Say hello" } })) as CallToolResult;
  expect((result.content[0] as { text: string }).text).toBe("Hello from Cadre over MCP.");
  await client.close();

  // the run's end, signed: verified with the secret the page showed
  await expect.poll(() => received.filter((r) => r.path === "/hooks/cadre").length, { timeout: 60_000 }).toBeGreaterThan(0);
  const delivery = received.find((r) => r.path === "/hooks/cadre")!;
  const headers = {
    "webhook-id": String(delivery.headers["webhook-id"]),
    "webhook-timestamp": String(delivery.headers["webhook-timestamp"]),
    "webhook-signature": String(delivery.headers["webhook-signature"]),
  };
  const event = new Webhook(secret).verify(delivery.body, headers) as { type: string; data: { runId?: string; status?: string } };
  expect(event.type).toBe("run.succeeded");

  // the connection is listed in the workspace's settings; the delivery in the webhook's log
  await page.goto(`/w/${slug}/settings`);
  await expect(page.getByText("E2E MCP client").first()).toBeVisible();
  await page.goto(`/w/${slug}/webhooks`);
  await page.getByTestId("webhook-deliveries").click();
  await expect(page.getByTestId("delivery-status").first()).toHaveText(/delivered/i);
});
