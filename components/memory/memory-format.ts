import type { MemoryOutput, MemoryScope } from "@/lib/schemas/memory";

/**
 * How the memory pages name things. The offline simulator's embeddings are a hashed bag of words (lexical, not
 * semantic): its rows and recall answers say so in their model, `simulator:<model> (lexical)` (server/memory/service.ts).
 */
export function isLexicalModel(model: string): boolean {
  return model.endsWith("(lexical)");
}

/** "workspace", "team: support", "subject: customer:42" */
export function scopeLabel(scope: { type: MemoryScope["type"]; id?: string | null }): string {
  return scope.id ? `${scope.type}: ${scope.id}` : scope.type;
}

/** A number of the recall explanation, short (4 significant digits), or "—" when absent. */
export function num(value: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined) return "—";
  if (value === 0) return "0";
  return Number(value.toPrecision(digits)).toString();
}

/** The run a memory came from and its step, its document, its note (sourceRef holds strings, any may be absent). */
export function sourceRefOf(memory: Pick<MemoryOutput, "sourceRef">): { runId?: string; stepId?: string; documentId?: string; note?: string } {
  const ref = memory.sourceRef;
  const str = (key: string) => (typeof ref[key] === "string" && ref[key] !== "" ? (ref[key] as string) : undefined);
  return { runId: str("runId"), stepId: str("stepId"), documentId: str("documentId"), note: str("note") };
}
