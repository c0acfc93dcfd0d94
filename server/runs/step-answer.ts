/**
 * What a step's stored result (RunStep.result, server/jobs/run-sql.ts StepResult) says about its model answer:
 * `finishReason`, `finishReasons` (a cut answer retried) and `answerProblem`. Read in SQL as three small JSON values,
 * so that a list of steps never loads the memoised answers themselves; anything that does not parse reads as null.
 */
import { z } from "zod";
import { answerProblemSchema, type RunStepOut } from "@/lib/schemas/runs";
import { sql, type Sql } from "@/server/db/sql";

export type StepAnswer = Pick<RunStepOut, "finishReason" | "finishReasons" | "answerProblem">;

/** The columns `answerFinish`, `answerFinishes` and `answerProblem` of a RunStep row. */
export const STEP_ANSWER_COLUMNS: Sql = sql`"result"->'finishReason' AS "answerFinish", "result"->'finishReasons' AS "answerFinishes",
  "result"->'answerProblem' AS "answerProblem"`;

export type StepAnswerColumns = {
  answerFinish: unknown;
  answerFinishes: unknown;
  answerProblem: unknown;
};

const reasons = z.array(z.string());

export function stepAnswerOf(row: StepAnswerColumns | undefined): StepAnswer {
  const finishes = reasons.safeParse(row?.answerFinishes);
  const problem = answerProblemSchema.safeParse(row?.answerProblem);
  return {
    finishReason: typeof row?.answerFinish === "string" ? row.answerFinish : null,
    finishReasons: finishes.success ? finishes.data : null,
    answerProblem: problem.success ? problem.data : null,
  };
}
