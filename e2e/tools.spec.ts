/**
 * Tools, end to end against a production build: connect a remote MCP server (an SDK server on 127.0.0.1), grant one
 * of its tools to an agent, run the agent (the LLM stub asks for the tool), approve the call in the inbox, and see
 * the call with its result in the run's trace.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test } from "@playwright/test";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";
import { startLlmStub, type LlmStub } from "../scripts/llm-stub/server";
import { addStubModel, addStubProvider, createWorkspace, openDialog, person, signUp } from "./support";

let stub: LlmStub;
let mcp: Server;
let mcpUrl: string;
const mcpCalls: string[] = [];

test.beforeAll(async () => {
  stub = await startLlmStub();
  mcp = createServer(async (req, res) => {
    if (req.method !== "POST") {
      res.writeHead(405).end();
      return;
    }
    const server = new McpServer({ name: "orders", version: "1.0.0" });
    server.registerTool("lookup", { description: "Looks an order up by its id", inputSchema: { id: z.string() } }, async ({ id }) => {
      mcpCalls.push(id);
      return { content: [{ type: "text" as const, text: `order ${id}: shipped on Tuesday` }] };
    });
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => mcp.listen(0, "127.0.0.1", resolve));
  mcpUrl = `http://127.0.0.1:${(mcp.address() as AddressInfo).port}/mcp`;
});

test.afterAll(async () => {
  await stub?.close();
  await new Promise((resolve) => mcp?.close(resolve));
});

test("connect an MCP server, grant its tool, run the agent, approve the call in the inbox, see it in the trace", async ({ page }) => {
  test.setTimeout(240_000);
  const slug = `tools-${Date.now().toString(36)}`;
  await signUp(page, person("Tess"));
  await page.waitForURL(/\/new$/);
  await createWorkspace(page, "Tool Lab", slug);
  await addStubProvider(page, stub.url);
  await addStubModel(page, ["tools"]);

  // connect the server: its tool lands in the registry as orders_lookup, asking for approval on every call
  await page.goto(`/w/${slug}/tools`);
  await connectMcpServer(page, "orders", mcpUrl);
  await expect(page.locator('[data-testid="tool-row"][data-name="orders_lookup"]')).toBeVisible({ timeout: 30_000 });

  // an agent granted the tool
  await page.getByTestId("nav-agents").click();
  await openDialog(page, "agent-new", "agent-slug");
  await page.getByTestId("agent-slug").fill("clerk");
  await page.getByTestId("agent-name").fill("clerk");
  await page.getByTestId("agent-role").fill("Answers questions about orders.");
  await page.getByTestId("agent-policy-kind").selectOption("pinned");
  await page.getByTestId("agent-policy-model").selectOption({ label: "Local stub · Stub Large" });
  await page.getByTestId("agent-tool-orders_lookup").click();
  await page.getByTestId("agent-submit").click();
  await expect(page.getByTestId("agent-form")).toBeHidden();

  // the model asks for the tool, then answers with what it returned
  stub.toolCalls({ calls: [{ name: "orders_lookup", arguments: { id: "A-17" } }] });
  await page.goto(`/w/${slug}/agents/clerk`);
  await page.getByTestId("run-input").fill("Where is order A-17?");
  await page.getByTestId("run-submit").click();
  await page.waitForURL(new RegExp(`/w/${slug}/runs/run_[^/]+$`));
  const runUrl = page.url();
  // the run pauses on the call: it shows in the trace, waiting
  await expect(page.locator('[data-testid="run-trace-row"][data-step-id="agent~tool1.1"]')).toBeVisible({ timeout: 60_000 });

  // the call waits in the inbox; nothing reached the server yet
  await page.getByTestId("nav-approvals").click();
  const request = page.getByTestId("approval").first();
  await expect(request.getByTestId("approval-tool")).toContainText("orders_lookup", { timeout: 60_000 });
  await expect(request.getByTestId("approval-input")).toContainText("A-17");
  expect(mcpCalls).toEqual([]);
  await request.getByTestId("approval-approve").click();

  // the run goes on and finishes; the trace shows the call under its agent step, with the server's answer
  await page.goto(runUrl);
  await expect(page.getByTestId("run-status")).toHaveText("succeeded", { timeout: 60_000 });
  expect(mcpCalls).toEqual(["A-17"]);
  const call = page.locator('[data-testid="run-trace-row"][data-step-id="agent~tool1.1"]');
  await expect(call).toBeVisible();
  await expect(call).toContainText("orders_lookup");
  await call.getByTestId("run-trace-bar").click();
  const detail = page.getByTestId("run-trace-step");
  await expect(detail.getByTestId("run-step-approval")).toHaveText("approved");
  await expect(detail.getByTestId("run-step-output")).toContainText("shipped on Tuesday");
});

/** Connects a remote MCP server from the Tools page (no authentication). */
async function connectMcpServer(page: import("@playwright/test").Page, name: string, url: string) {
  await openDialog(page, "mcp-connect", "mcp-name");
  await page.getByTestId("mcp-name").fill(name);
  await page.getByTestId("mcp-url").fill(url);
  await page.getByTestId("mcp-submit").click();
  await expect(page.locator(`[data-testid="mcp-server"][data-name="${name}"]`)).toBeVisible({ timeout: 30_000 });
}
