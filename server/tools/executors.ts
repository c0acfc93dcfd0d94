/** Which function executes a resolved tool's calls (null: the loop handles it itself, or the kind has no executor yet). */
import { BUILTIN_EXECUTORS } from "./builtin";
import { isBuiltinName } from "./builtin/definitions";
import { httpToolExecutor } from "./http-tool";
import type { ResolvedTool, ToolExecutor } from "./types";

export function executorFor(tool: ResolvedTool): ToolExecutor | null {
  if (tool.kind === "builtin") return isBuiltinName(tool.name) && tool.name !== "run_agent" ? BUILTIN_EXECUTORS[tool.name] : null;
  if (tool.kind === "http") return httpToolExecutor;
  return null;
}
