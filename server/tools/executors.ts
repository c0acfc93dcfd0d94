/** Which function executes a resolved tool's calls (null: no executor for it). */
import { BUILTIN_EXECUTORS } from "./builtin";
import { isBuiltinName } from "./builtin/definitions";
import { httpToolExecutor } from "./http-tool";
import { mcpExecutor } from "./mcp-executor";
import type { BuiltinToolName } from "@/lib/schemas/tools";
import type { ResolvedTool, ToolExecutor } from "./types";

/** Built-ins whose executor a higher layer passes in (run_agent: the run engine's). */
export type BuiltinOverrides = Partial<Record<BuiltinToolName, ToolExecutor>>;

export function executorFor(tool: ResolvedTool, overrides?: BuiltinOverrides): ToolExecutor | null {
  if (tool.kind === "builtin") return isBuiltinName(tool.name) ? (overrides?.[tool.name] ?? BUILTIN_EXECUTORS[tool.name]) : null;
  if (tool.kind === "http") return httpToolExecutor;
  if (tool.kind === "mcp") return mcpExecutor;
  return null;
}
