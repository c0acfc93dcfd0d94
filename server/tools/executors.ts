/** Which function executes a resolved tool's calls (null: no executor for it). */
import { BUILTIN_EXECUTORS } from "./builtin";
import { isBuiltinName } from "./builtin/definitions";
import { httpToolExecutor } from "./http-tool";
import { mcpExecutor } from "./mcp-executor";
import type { ResolvedTool, ToolExecutor } from "./types";

export function executorFor(tool: ResolvedTool): ToolExecutor | null {
  if (tool.kind === "builtin") return isBuiltinName(tool.name) ? BUILTIN_EXECUTORS[tool.name] : null;
  if (tool.kind === "http") return httpToolExecutor;
  if (tool.kind === "mcp") return mcpExecutor;
  return null;
}
