import { z } from "zod";
import { defineRoute } from "../define";
import { deletedSchema } from "@/lib/schemas/common";
import { createToolInputSchema, testToolInputSchema, toolRefSchema, toolSchema, toolTestResultSchema, updateToolInputSchema } from "@/lib/schemas/tools";
import { createTool, deleteTool, getTool, listTools, updateTool } from "@/server/tools/service";
import { testTool } from "@/server/tools/test-call";

const toolParams = z.strictObject({ toolId: toolRefSchema });

export const listToolsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/tools",
  summary: "The workspace's tools: the built-ins, then custom HTTP tools, then MCP tools, each with the agents whose current version grants it",
  tag: "Tools",
  requires: "tools:read",
  response: z.object({ data: z.array(toolSchema) }),
  handler: async ({ ctx }) => ({ data: await listTools(ctx) }),
});

export const createToolRoute = defineRoute({
  method: "POST",
  path: "/api/v1/tools",
  summary:
    "Create a custom HTTP tool (URL, header and body templates with {{argument}} placeholders; optionally a vault secret, as {{secret}} in a header value, sent only to secretHost)",
  tag: "Tools",
  requires: "tools:create",
  body: createToolInputSchema,
  status: 201,
  response: toolSchema,
  idempotent: true,
  errors: ["CONFLICT"],
  handler: ({ ctx, body }) => createTool(ctx, body),
});

export const getToolRoute = defineRoute({
  method: "GET",
  path: "/api/v1/tools/{toolId}",
  summary: "One tool, by id (tool_...) or name (a built-in's name works before its settings are changed)",
  tag: "Tools",
  requires: "tools:read",
  params: toolParams,
  response: toolSchema,
  handler: ({ ctx, params }) => getTool(ctx, params.toolId),
});

export const updateToolRoute = defineRoute({
  method: "PATCH",
  path: "/api/v1/tools/{toolId}",
  summary:
    "Change a tool: any field of a custom HTTP tool (renaming one that agents are granted is a 409); only enabled, the limits and the approval policy of a built-in or MCP tool. An update that changes nothing writes nothing.",
  tag: "Tools",
  requires: "tools:update",
  params: toolParams,
  body: updateToolInputSchema,
  response: toolSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => updateTool(ctx, params.toolId, body),
});

export const deleteToolRoute = defineRoute({
  method: "DELETE",
  path: "/api/v1/tools/{toolId}",
  summary: "Delete a custom or MCP tool (409 naming the agents whose current version grants it), or reset a built-in's settings to the platform's defaults",
  tag: "Tools",
  requires: "tools:delete",
  params: toolParams,
  response: deletedSchema,
  errors: ["CONFLICT"],
  handler: ({ ctx, params }) => deleteTool(ctx, params.toolId),
});

export const testToolRoute = defineRoute({
  method: "POST",
  path: "/api/v1/tools/{toolId}/test",
  summary:
    "Call a tool once with the given arguments, as a person testing it: it really runs (an HTTP tool sends its request, through the egress guard), with no approval and no rate-limit count. Bad arguments are a 422; the tool's own failures are a result with isError. The output is untrusted text",
  tag: "Tools",
  requires: "tools:update",
  params: toolParams,
  body: testToolInputSchema,
  response: toolTestResultSchema,
  idempotent: false,
  operationId: "testTool",
  errors: ["CONFLICT"],
  handler: ({ ctx, params, body }) => testTool(ctx, params.toolId, body.input),
});
