/**
 * A test call of a tool by a person (the Tools page, POST /api/v1/tools/{toolId}/test): the tool resolved as the run
 * engine resolves it, its arguments checked against its schema, then its executor run under the tool's timeout and
 * the workspace's egress lists, like a call of a run but without what stands for the person in a run: no approval
 * (the person testing is the one who would approve), no rate-limit count, no ledger cost. MCP tools are called too (disabled ones as well: a person may try a tool before enabling it). It has real effects (an HTTP
 * tool sends its request), hence `tools:update`. Nothing is written in Cadre but what the executor itself records
 * (a bound secret's use is audited as `secret.use` by the person); nothing of the call is logged.
 */
import { randomBytes } from "node:crypto";
import { AppError } from "@/lib/errors";
import { toolIdSchema, type ToolTestResult } from "@/lib/schemas/tools";
import type { TenantContext } from "@/server/context";
import { db } from "@/server/db/client";
import { resultText } from "./call";
import { executorFor } from "./executors";
import { resolveTools } from "./registry";
import type { ToolOutcome } from "./types";
import { validateInput } from "./validate-input";

/** The tool's name from its id or name (another workspace's id is not found). */
async function nameOf(ctx: TenantContext, ref: string): Promise<string | null> {
  if (!toolIdSchema.safeParse(ref).success) return ref;
  const row = await db(ctx).tool.findFirst({ where: { id: ref, workspaceId: ctx.workspaceId }, select: { name: true } });
  return row?.name ?? null;
}

/**
 * Runs one call of the tool `ref` (id or name) with `input`. A disabled tool can be tested (to try it before enabling
 * it). Bad arguments are VALIDATION_FAILED at `input`; a tool that cannot be called (a custom tool whose stored request
 * no longer parses) is a CONFLICT; the tool's own failures (a 4xx answer, a refused URL, a bad
 * expression, the timeout) are a result with `isError`, as the agent would get them.
 */
export async function testTool(ctx: TenantContext, ref: string, input: Record<string, unknown>): Promise<ToolTestResult> {
  const name = await nameOf(ctx, ref);
  const tool = name === null ? undefined : (await resolveTools(ctx, [name])).get(name);
  if (!tool) throw new AppError("NOT_FOUND", `Tool "${ref}" not found`);
  const executor = executorFor(tool);
  if (!executor) throw new AppError("CONFLICT", `The tool "${tool.name}" cannot be test-called in this version of Cadre`);
  if (tool.kind === "http" && !tool.http) throw new AppError("CONFLICT", `The stored request of the tool "${tool.name}" is invalid: edit the tool first`);
  const valid = validateInput(tool.inputSchema, input);
  if (!valid.ok) throw new AppError("VALIDATION_FAILED", `input: ${valid.message}`, { issues: [{ path: "input", message: valid.message }] });

  const lists = await db(ctx).workspace.findFirst({ where: { id: ctx.workspaceId }, select: { egressAllowHosts: true, egressDenyHosts: true } });
  const egressLists = lists ? { allowHosts: lists.egressAllowHosts, denyHosts: lists.egressDenyHosts } : null;
  const callId = `test:${randomBytes(12).toString("base64url")}`;
  const signal = AbortSignal.timeout(tool.timeoutMs);
  const started = Date.now();
  let outcome: ToolOutcome;
  try {
    outcome = await executor(input, {
      ctx,
      // no run: a bound secret's use is audited as the person's (vault: an empty runId is no run)
      runId: "",
      stepId: callId,
      idempotencyKey: callId,
      agentId: "",
      abortSignal: signal,
      egressLists,
      tool,
      // the person testing stands for the approver: redirects are followed as for an approved call
      approved: true,
    });
  } catch (error) {
    if (!signal.aborted) throw error;
    outcome = { output: `The call of ${tool.name} timed out after ${tool.timeoutMs} ms.`, isError: true };
  }
  return { output: resultText(outcome.output), isError: outcome.isError === true, durationMs: Date.now() - started, meta: outcome.meta ?? null };
}
