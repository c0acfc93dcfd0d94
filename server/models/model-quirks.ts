/**
 * What the gateway learned about models from their answers, kept in this process: a model that rejected a
 * structured (JSON schema) output is not offered structured calls again (its "json" capability is hidden from the
 * router), whatever its catalog entry says. Cleared with `forgetModelQuirks` (tests) or a restart.
 */
import type { CatalogEntry } from "./router";

const noStructuredOutput = new Set<string>();

export function rememberNoStructuredOutput(modelRowId: string): void {
  noStructuredOutput.add(modelRowId);
}

export function rejectsStructuredOutput(modelRowId: string): boolean {
  return noStructuredOutput.has(modelRowId);
}

/** The catalog as routing should see it for a call that needs `needs`: learned limits applied. */
export function withLearnedLimits(entries: CatalogEntry[], needs: readonly string[]): CatalogEntry[] {
  if (noStructuredOutput.size === 0 || !needs.includes("json")) return entries;
  return entries.map((e) => (noStructuredOutput.has(e.id) ? { ...e, capabilities: e.capabilities.filter((c) => c !== "json") } : e));
}

export function forgetModelQuirks(): void {
  noStructuredOutput.clear();
}
