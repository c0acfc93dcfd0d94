import type { JudgeVerdictLabel } from "@/lib/schemas/quality-gate";

/** The labelling view's keys: j/k move, p/r/f pick the verdict, 1-5 score the selected criterion, n the note, Enter saves. */
export type LabelKeyAction =
  | { kind: "move"; by: 1 | -1 }
  | { kind: "verdict"; verdict: JudgeVerdictLabel }
  | { kind: "score"; score: number }
  | { kind: "criterion"; by: 1 | -1 }
  | { kind: "note" }
  | { kind: "save" };

const VERDICT_KEYS: Record<string, JudgeVerdictLabel> = { p: "pass", r: "revise", f: "fail" };

/** What a key press means, or null (typing in the note, a modifier held, any other key). */
export function labelKeyAction(e: { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean }, typing: boolean): LabelKeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  if (typing) return null;
  if (e.key === "j") return { kind: "move", by: 1 };
  if (e.key === "k") return { kind: "move", by: -1 };
  if (e.key in VERDICT_KEYS) return { kind: "verdict", verdict: VERDICT_KEYS[e.key]! };
  if (/^[1-5]$/.test(e.key)) return { kind: "score", score: Number(e.key) };
  if (e.key === "Tab" || e.key === "ArrowRight") return { kind: "criterion", by: 1 };
  if (e.key === "ArrowLeft") return { kind: "criterion", by: -1 };
  if (e.key === "n") return { kind: "note" };
  if (e.key === "Enter") return { kind: "save" };
  return null;
}
