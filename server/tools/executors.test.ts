import { describe, expect, it } from "vitest";
import { builtinTool } from "@/test/tool-call";
import { BUILTIN_EXECUTORS, targetOf } from "./builtin";
import { executorFor } from "./executors";
import { httpToolExecutor } from "./http-tool";
import { mcpExecutor } from "./mcp-executor";
import type { ResolvedTool } from "./types";

const custom: ResolvedTool = {
  ...builtinTool("http_request"),
  id: "tool_1",
  name: "lookup",
  kind: "http",
  http: {
    config: { method: "POST", urlTemplate: "https://{{region}}.API.example.com./v1?q={{q}}", headers: {}, bodyTemplate: null },
    secretId: null,
    secretHost: null,
  },
};

describe("executorFor", () => {
  it("maps built-ins to their executors, custom tools to the HTTP executor, MCP tools to the MCP executor", () => {
    expect(executorFor(builtinTool("calculator"))).toBe(BUILTIN_EXECUTORS.calculator);
    expect(executorFor(builtinTool("web_fetch"))).toBe(BUILTIN_EXECUTORS.web_fetch);
    expect(executorFor(custom)).toBe(httpToolExecutor);
    expect(executorFor({ ...custom, kind: "mcp", http: undefined })).toBe(mcpExecutor);
    expect(executorFor({ ...builtinTool("calculator"), name: "not_a_builtin" })).toBeNull();
  });
});

describe("targetOf", () => {
  it.each([
    ["http_request", builtinTool("http_request"), { url: "https://Example.COM/x", method: "delete" }, { method: "DELETE", host: "example.com" }],
    ["http_request, default GET", builtinTool("http_request"), { url: "http://example.com." }, { method: "GET", host: "example.com" }],
    ["http_request, not a URL", builtinTool("http_request"), { url: "nope", method: "POST" }, { method: "POST" }],
    ["web_fetch", builtinTool("web_fetch"), { url: "https://news.test/a" }, { method: "GET", host: "news.test" }],
    ["custom tool: the rendered URL's host", custom, { region: "eu", q: "x" }, { method: "POST", host: "eu.api.example.com" }],
    ["custom tool, an argument missing", custom, { q: "x" }, { method: "POST" }],
    ["calculator", builtinTool("calculator"), { expression: "1" }, {}],
  ])("%s", (_name, tool, input, target) => {
    expect(targetOf(tool, input)).toEqual(target);
  });
});
