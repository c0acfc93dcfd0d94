/** The built-in tools' executors by name, and what a call targets. */
import type { BuiltinToolName } from "@/lib/schemas/tools";
import { hostOf, renderUrl } from "../http-template";
import type { CallTarget, ResolvedTool, ToolExecutor } from "../types";
import { calculator } from "./calculator";
import { currentTime } from "./current-time";
import { httpRequest } from "./http-request";
import { webFetch } from "./web-fetch";

/**
 * run_agent starts a run, which only the run engine above this layer can do: the agent step's loop passes its
 * executor in (server/jobs/sub-run.ts, CallEnv.executors); anywhere else the call is refused as its result.
 */
const runAgentOutsideRun: ToolExecutor = async () => ({ output: "run_agent can only be called by an agent during a run.", isError: true });
/** The memory tools act in the calling agent's scopes (server/jobs/memory-tools.ts): only an agent in a run has them. */
const outsideRun =
  (name: string): ToolExecutor =>
  async () => ({ output: `${name} can only be called by an agent during a run.`, isError: true });

export const BUILTIN_EXECUTORS: Record<BuiltinToolName, ToolExecutor> = {
  calculator,
  current_time: currentTime,
  http_request: httpRequest,
  web_fetch: webFetch,
  run_agent: runAgentOutsideRun,
  remember: outsideRun("remember"),
  recall: outsideRun("recall"),
  forget: outsideRun("forget"),
};

const withHost = (method: string, url: string | null): CallTarget => {
  const host = url === null ? null : hostOf(url);
  return host === null ? { method } : { method, host };
};

/** The method and host a call goes to, for the approval policy: http_request, web_fetch and custom HTTP tools. */
export function targetOf(tool: ResolvedTool, input: unknown): CallTarget {
  const args = (input && typeof input === "object" ? input : {}) as { method?: unknown; url?: unknown };
  const url = typeof args.url === "string" ? args.url : null;
  if (tool.kind === "builtin" && tool.name === "http_request") return withHost(typeof args.method === "string" ? args.method.toUpperCase() : "GET", url);
  if (tool.kind === "builtin" && tool.name === "web_fetch") return withHost("GET", url);
  if (tool.kind === "http" && tool.http) {
    let rendered: string | null;
    try {
      rendered = renderUrl(tool.http.config, input);
    } catch {
      rendered = null;
    }
    return withHost(tool.http.config.method, rendered);
  }
  return {};
}
