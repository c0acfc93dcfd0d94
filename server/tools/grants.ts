/**
 * Granting tools to agents (AgentVersion.allowedTools): every name must be a tool of the workspace's registry, and
 * adding one to an agent (relative to its current version; every name of a new agent) needs `tools:grant`. Taking
 * a tool away needs nothing beyond the agent's own update permission. The grant is checked again when a call
 * executes, against the version the run pinned (the run engine, through ./registry.ts).
 */
import { AppError } from "@/lib/errors";
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
