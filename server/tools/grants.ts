/**
 * Granting tools to agents (AgentVersion.allowedTools): every name must be a tool of the workspace's registry, and
 * adding one to an agent (relative to its current version; every name of a new agent) needs `tools:grant`. Taking
 * a tool away needs nothing beyond the agent's own update permission. The grant is checked again when a call
 * executes, against the version the run pinned (the run engine, through ./registry.ts).
 *
 * A grant may carry its own approval policy (AgentVersion.toolApprovals): it can only add approval (./approval-policy.ts),
 * so setting or tightening one needs only the agent's update permission; loosening or removing one of a tool the
 * agent keeps needs `tools:grant`, like granting (the calls it lets through without a person are new).
 */
import { AppError } from "@/lib/errors";
import { ungrantedApprovalIssues } from "@/lib/schemas/agents";
import type { ApprovalPolicy } from "@/lib/schemas/tools";
import { atLeastAsStrict } from "./approval-policy";
import type { TenantContext } from "@/server/context";
import { resolveTools } from "./registry";

/** The names of `next` that `current` does not have (what a save grants). */
export function addedTools(next: readonly string[], current: readonly string[]): string[] {
  const had = new Set(current);
  return next.filter((name) => !had.has(name));
}

const quoted = (names: readonly string[]) => names.map((n) => `"${n}"`).join(", ");

/**
 * Refuses a save of `next` as an agent's tools: FORBIDDEN when it adds tools and the caller lacks `tools:grant`,
 * VALIDATION_FAILED (at `path`) naming the tools the workspace does not have.
 */
export async function checkToolGrants(ctx: TenantContext, next: readonly string[], current: readonly string[] = [], path = "allowedTools"): Promise<void> {
  if (next.length === 0) return;
  const added = addedTools(next, current);
  if (added.length > 0 && !ctx.permissions.has("tools:grant"))
    throw new AppError(
      "FORBIDDEN",
      `Granting tools to an agent needs tools:grant (${ctx.actor.type === "api_key" ? "this API key lacks it" : `your role (${ctx.role}) does not have it`}): ${quoted(added)}`,
    );
  const known = await resolveTools(ctx, next);
  const unknown = next.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    const message = `No tool named ${quoted(unknown)} in this workspace: create ${unknown.length === 1 ? "it" : "them"} in Tools first, or remove ${unknown.length === 1 ? "it" : "them"}`;
    throw new AppError("VALIDATION_FAILED", `${path}: ${message}`, { issues: [{ path, message }] });
  }
}

type Grants = { allowedTools: readonly string[]; toolApprovals: Readonly<Record<string, ApprovalPolicy>> };

/**
 * Refuses a save of `next`'s grant approval policies: VALIDATION_FAILED (at `toolApprovals.<name>`) for a policy of a
 * tool the version does not grant; FORBIDDEN without `tools:grant` when it loosens or removes the policy of a tool the
 * agent had and keeps (relative to `current`).
 */
export function checkGrantApprovals(ctx: TenantContext, next: Grants, current: Grants = { allowedTools: [], toolApprovals: {} }): void {
  const issues = ungrantedApprovalIssues(next.toolApprovals, next.allowedTools).map((i) => ({ path: i.path.join("."), message: i.message }));
  if (issues.length > 0) throw new AppError("VALIDATION_FAILED", `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  if (ctx.permissions.has("tools:grant")) return;
  const loosened = next.allowedTools.filter(
    (name) => current.allowedTools.includes(name) && !atLeastAsStrict(next.toolApprovals[name], current.toolApprovals[name]),
  );
  if (loosened.length > 0)
    throw new AppError(
      "FORBIDDEN",
      `Loosening a grant's approval policy needs tools:grant (${ctx.actor.type === "api_key" ? "this API key lacks it" : `your role (${ctx.role}) does not have it`}): ${quoted(loosened)}`,
    );
}
