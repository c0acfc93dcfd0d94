/**
 * A team's output schema (lib/schemas/output-schema.ts) applied to its final answer: read leniently (a JSON object
 * in the text, code fences and prose around it tolerated, lib/json-loose.ts), then validated. Valid: the output
 * becomes that JSON object's text. Invalid: OutputInvalidError (code OUTPUT_INVALID) with every problem; the run
 * fails keeping the output and its steps. Pure, like the outcome: a replay reaches the same verdict.
 */
import { AppError } from "@/lib/errors";
import { parseJsonLoose } from "@/lib/json-loose";
import { outputValidator } from "@/lib/schemas/output-schema";
import type { RunOutcome } from "@/lib/schemas/run-outcome";
import type { TopologyResult } from "./types";

export const OUTPUT_INVALID = "OUTPUT_INVALID";
const PROBLEMS_SHOWN = 20;

export type OutputCheck = { ok: true; output: string } | { ok: false; problems: string[] };

export function checkOutput(schema: Record<string, unknown>, output: string): OutputCheck {
  const value = parseJsonLoose(output);
  if (value === undefined) return { ok: false, problems: ["the final answer holds no JSON object"] };
  const parsed = outputValidator(schema).safeParse(value);
  if (parsed.success) return { ok: true, output: JSON.stringify(parsed.data, null, 2) };
  return {
    ok: false,
    problems: parsed.error.issues.slice(0, PROBLEMS_SHOWN).map((i) => `${i.path.length ? i.path.join(".") : "(answer)"}: ${i.message}`),
  };
}

/**
 * The final answer does not match the team's output schema. `at` names the nested team's node when it was a nested
 * team's answer.
 */
export class OutputInvalidError extends AppError {
  readonly problems: string[];
  readonly result: TopologyResult & { outcome: RunOutcome };
  readonly at?: { stepId: string; nodeId: string; team: string };

  constructor(problems: string[], result: TopologyResult & { outcome: RunOutcome }, at?: { stepId: string; nodeId: string; team: string }) {
    const where = at ? ` of nested team "${at.team}" (node ${at.nodeId})` : "";
    super("OUTPUT_INVALID", `The final answer${where} does not match the team's output schema: ${problems.join("; ")}`, {
      problems,
      ...(at ? { nodeId: at.nodeId, stepId: at.stepId } : {}),
    });
    this.name = "OutputInvalidError";
    this.problems = problems;
    this.result = result;
    if (at) this.at = at;
  }

  /** The same failure, located at a nested team's node. */
  locatedAt(at: { stepId: string; nodeId: string; team: string }): OutputInvalidError {
    return new OutputInvalidError(this.problems, this.result, at);
  }
}
