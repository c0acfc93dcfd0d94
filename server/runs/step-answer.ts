/**
 * What a step's stored result (RunStep.result, server/jobs/run-sql.ts StepResult) says about its model answer:
 * `finishReason`, `finishReasons` (a cut answer retried) and `answerProblem`. Read in SQL as three small JSON values,
 * so that a list of steps never loads the memoised answers themselves; anything that does not parse reads as null.
 */
import { z } from "zod";
import { answerProblemSchema, type RunStepOut } from "@/lib/schemas/runs";
import { sql, type Sql } from "@/server/db/sql";

export type StepAnswer = Pick<RunStepOut, "finishReason" | "finishReasons" | "answerProblem" | "toolCall" | "turn" | "memories">;

/** The columns `answerFinish`, `answerFinishes` and `answerProblem` of a RunStep row. */
export const STEP_ANSWER_COLUMNS: Sql = sql`"result"->'finishReason' AS "answerFinish", "result"->'finishReasons' AS "answerFinishes",
  "result"->'answerProblem' AS "answerProblem",
  CASE WHEN "kind" = 'tool' THEN (SELECT jsonb_build_object('name', coalesce("result"->'tool', to_jsonb(a."toolName")), 'isError', "result"->'isError',
    'approval', CASE WHEN a."id" IS NOT NULL THEN jsonb_build_object('id', a."id", 'status', a."status") END)
    FROM (SELECT 1) one LEFT JOIN "ToolApproval" a ON a."workspaceId" = "RunStep"."workspaceId" AND a."runId" = "RunStep"."runId"
      AND a."stepId" = "RunStep"."stepId") END AS "toolCall",
  CASE WHEN "kind" = 'turn' THEN jsonb_build_object('inputTokens', "result"->'inputTokens', 'outputTokens', "result"->'outputTokens',
    'costUsd', "result"->'costUsd', 'toolCalls', CASE WHEN jsonb_typeof("result"->'calls') = 'array' THEN jsonb_array_length("result"->'calls') END) END AS "turn",
  CASE WHEN "kind" = 'memory' AND jsonb_typeof("result"->'memories') = 'array' THEN (SELECT coalesce(jsonb_agg(jsonb_build_object('id', m->'id',
    'scope', m->'scope', 'kind', m->'kind', 'score', m->'score')), '[]'::jsonb) FROM jsonb_array_elements("result"->'memories') m) END AS "memories"`;

export type StepAnswerColumns = {
  answerFinish: unknown;
  answerFinishes: unknown;
  answerProblem: unknown;
  toolCall: unknown;
  turn?: unknown;
  memories?: unknown;
};

const reasons = z.array(z.string());
const toolCallColumn = z.object({
  name: z.string().nullable().catch(null),
  isError: z.boolean().catch(false),
  approval: z
    .object({ id: z.string(), status: z.enum(["pending", "approved", "denied", "expired"]) })
    .nullable()
    .catch(null),
});

export function stepAnswerOf(row: StepAnswerColumns | undefined): StepAnswer {
  const finishes = reasons.safeParse(row?.answerFinishes);
  const problem = answerProblemSchema.safeParse(row?.answerProblem);
  return {
    finishReason: typeof row?.answerFinish === "string" ? row.answerFinish : null,
    finishReasons: finishes.success ? finishes.data : null,
    answerProblem: problem.success ? problem.data : null,
    toolCall: toolCallOf(row?.toolCall),
    turn: turnOf(row?.turn),
    memories: memoriesOf(row?.memories),
  };
}

const memoriesColumn = z.array(
  z.object({ id: z.string(), scope: z.object({ type: z.string(), id: z.string().nullable() }), kind: z.string(), score: z.number() }),
);

/** A memory step's recalled memories (what entered the prompt); null for other steps. */
function memoriesOf(value: unknown): StepAnswer["memories"] {
  if (value === null || value === undefined) return null;
  const parsed = memoriesColumn.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A tool step's call: its JSON column as read (a waiting call has no result yet: no name, not an error). */
function toolCallOf(value: unknown): StepAnswer["toolCall"] {
  if (value === null || value === undefined) return null;
  const parsed = toolCallColumn.safeParse(value);
  return parsed.success ? parsed.data : null;
}

const turnColumn = z.object({
  inputTokens: z.number().int().nonnegative(),
  outputTokens: z.number().int().nonnegative(),
  costUsd: z.number().nonnegative(),
  toolCalls: z.number().int().nonnegative().catch(0),
});

/** A model turn's own figures (a turn still running, or a record of another shape, reads null). */
function turnOf(value: unknown): StepAnswer["turn"] {
  if (value === null || value === undefined) return null;
  const parsed = turnColumn.safeParse(value);
  return parsed.success ? parsed.data : null;
}
