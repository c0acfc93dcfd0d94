/**
 * The PII policy's "outputs" path at read time: with "storage" off a run's answers are stored as they are, and what the
 * API, the MCP endpoint and the OpenAI-compatible endpoint return of them (run outputs, attributed outputs, step
 * outputs, events) is redacted as it is read. With "storage" on they were redacted before they were stored: nothing
 * is done twice.
 */
import type { TenantContext } from "@/server/context";
import { loadPiiPolicy } from "@/server/quality/pii-policy/service";
import { appliesOn, type CompiledPolicy, redactJson, redactString } from "@/server/quality/pii/redact";

/** The policy to apply to what is returned, or null when reads return what is stored (one indexed row read). */
export async function readPolicy(ctx: Pick<TenantContext, "workspaceId">): Promise<CompiledPolicy | null> {
  const pii = await loadPiiPolicy(ctx);
  return appliesOn(pii, "outputs") && !appliesOn(pii, "storage") ? pii : null;
}

/** A run (or step) as returned: its output redacted on the "outputs" path. */
export function withOutputRedacted<T extends { output: string | null }>(item: T, pii: CompiledPolicy | null): T {
  if (!pii || item.output === null) return item;
  return { ...item, output: redactString(item.output, pii, "outputs") };
}

/** The agents' attributed outputs of a team run, redacted. */
export function attributedRedacted<T extends { output: string }>(items: T[] | null, pii: CompiledPolicy | null): T[] | null {
  return pii && items ? items.map((a) => withOutputRedacted(a, pii)) : items;
}

/** Events' data (node.delta text, node.finished and run.succeeded outputs), every string redacted. */
export function eventsRedacted<T extends { data: unknown }>(events: T[], pii: CompiledPolicy | null): T[] {
  return pii ? events.map((e) => ({ ...e, data: redactJson(e.data, pii, "outputs") })) : events;
}
