/**
 * Executes a call of an MCP tool: one session to the tool's server (./mcp-client.ts), `tools/call`, and the result
 * as the model is given it: the text content joined (structured content as JSON when there is no text); images,
 * audio and resources only as a short note. The result is untrusted data (the engine marks it so); nothing secret
 * is in it (the bearer token is never part of a result or an error).
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { db } from "@/server/db/client";
import { callRemoteTool, cleanMultiline, McpConnectError } from "./mcp-client";
import type { ToolCallContext, ToolExecutor, ToolOutcome } from "./types";

type Block = CallToolResult["content"][number];

function sizeOf(base64: unknown): string {
  const bytes = typeof base64 === "string" ? Math.floor((base64.length * 3) / 4) : 0;
  return bytes >= 1024 ? `${Math.round(bytes / 1024)} KiB` : `${bytes} bytes`;
}

/** A content block that is not text, as a one-line note (never its data). */
function noteOf(block: Block): string {
  const short = (value: unknown) => cleanMultiline(typeof value === "string" ? value : "", 200);
  switch (block.type) {
    case "image":
      return `[image: ${short(block.mimeType)}, ${sizeOf(block.data)}]`;
    case "audio":
      return `[audio: ${short(block.mimeType)}, ${sizeOf(block.data)}]`;
    case "resource":
      return `[resource: ${short(block.resource.uri)}${block.resource.mimeType ? ` (${short(block.resource.mimeType)})` : ""}]`;
    case "resource_link":
      return `[resource link: ${short(block.uri)}${block.name ? ` "${short(block.name)}"` : ""}]`;
    default:
      return `[${short((block as { type?: unknown }).type) || "content"}]`;
  }
}

/** The model's view of a tools/call result. */
export function outputOf(result: CallToolResult, maxChars: number): unknown {
  const content = Array.isArray(result.content) ? result.content : [];
  const texts = content.filter((b): b is Extract<Block, { type: "text" }> => b.type === "text" && typeof b.text === "string").map((b) => b.text);
  const notes = content.filter((b) => b.type !== "text").map(noteOf);
  if (texts.length === 0 && result.structuredContent !== undefined && result.structuredContent !== null) {
    return notes.length ? { structuredContent: result.structuredContent, notes } : result.structuredContent;
  }
  return cleanMultiline([...texts, ...notes].join("\n\n"), maxChars);
}

async function serverOf(call: ToolCallContext) {
  const { ctx, tool } = call;
  const link =
    tool.mcp ??
    (tool.id
      ? await db(ctx)
          .tool.findFirst({ where: { id: tool.id, workspaceId: ctx.workspaceId }, select: { mcpServerId: true, remoteName: true } })
          .then((row) => (row?.mcpServerId && row.remoteName ? { serverId: row.mcpServerId, remoteName: row.remoteName } : null))
      : null);
  if (!link) return null;
  const server = await db(ctx).mcpServer.findFirst({ where: { id: link.serverId, workspaceId: ctx.workspaceId } });
  return server ? { server, remoteName: link.remoteName } : null;
}

export const mcpExecutor: ToolExecutor = async (input, call): Promise<ToolOutcome> => {
  const found = await serverOf(call);
  if (!found) return { output: `The tool ${call.tool.name} has no MCP server any more`, isError: true };
  const { server, remoteName } = found;
  if (!server.enabled) return { output: `The MCP server "${server.name}" is disabled: the tool ${call.tool.name} cannot be called`, isError: true };
  const args = input && typeof input === "object" && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const started = Date.now();
  try {
    const result = await callRemoteTool(call.ctx, server, remoteName, args, {
      signal: call.abortSignal,
      timeoutMs: call.tool.timeoutMs,
      maxResponseBytes: call.tool.maxResponseBytes,
      egressLists: call.egressLists,
      runId: call.runId,
    });
    return {
      output: outputOf(result, call.tool.maxResponseBytes),
      ...(result.isError ? { isError: true } : {}),
      meta: { server: server.name, remoteName, ms: Date.now() - started },
    };
  } catch (error) {
    // the run was cancelled: not the tool's failure
    if (call.abortSignal.aborted) throw error;
    if (error instanceof McpConnectError) {
      return {
        output: `The MCP server "${server.name}" could not be used: ${error.message}`,
        isError: true,
        meta: { server: server.name, remoteName, status: error.status },
      };
    }
    throw error;
  }
};
