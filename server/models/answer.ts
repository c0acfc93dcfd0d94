/**
 * What an answer is worth, apart from how it travelled. The transport (HTTP status, timeout, a body the provider
 * package cannot read) is the provider's business: the gateway's breaker, fallbacks and the model's observed
 * reliability. What the model wrote is the answer's: cut at maxOutputTokens, or not the JSON that was asked for. Such
 * an answer arrived fine and was billed; it is recorded with `answer_invalid` and a typed code, never as a provider
 * fault, and its caller decides (a topology asks again with the problems listed; the run engine gives a cut answer
 * more room once).
 *
 * JSON is read leniently here (code fences stripped, the first JSON object of the text): whether it fits the schema
 * is checked and reported, but the object is returned as read, for the caller's own validation and repair.
 */
import { Output } from "ai";
import type { z } from "zod";
import { AppError } from "@/lib/errors";
import { parseJsonLoose } from "@/lib/json-loose";

export type AnswerProblemCode = "ANSWER_TRUNCATED" | "ANSWER_NOT_JSON" | "ANSWER_SCHEMA_MISMATCH";

export interface AnswerProblem {
  code: AnswerProblemCode;
  message: string;
  /** the schema's issues (ANSWER_SCHEMA_MISMATCH) */
  problems?: string[];
}

/**
 * The AI SDK's JSON output (the schema still goes to the provider as its response format) without the SDK's strict
 * parse, which throws NoObjectGeneratedError for a schema mismatch and so would make the answer look like a broken
 * transport. The object is the first JSON object of the text, or undefined.
 */
export function lenientJsonOutput(schema: z.ZodType) {
  const strict = Output.object({ schema });
  return { ...strict, parseCompleteOutput: async ({ text }: { text: string }) => parseJsonLoose(text) };
}

/** The answer's problem, if any: cut at maxOutputTokens first (its JSON is then cut too), then the JSON asked for. */
export function answerProblemOf(
  answer: { object?: unknown; finishReason: string; text?: string; usage?: { outputTokenDetails?: { reasoningTokens?: number | undefined } } },
  req: { output?: { schema: z.ZodType }; maxOutputTokens: number },
): AnswerProblem | undefined {
  if (answer.finishReason === "length") {
    const reasoning = answer.usage?.outputTokenDetails?.reasoningTokens ?? 0;
    // a reasoning model that thought until the limit and answered nothing: the same problem, named (the run engine's
    // retry with more room applies to it as to any cut answer)
    if (!answer.text?.trim() && reasoning > 0) {
      return {
        code: "ANSWER_TRUNCATED",
        message: `The model spent the whole output limit of ${req.maxOutputTokens} tokens on reasoning (${reasoning} tokens) and answered nothing`,
      };
    }
    return { code: "ANSWER_TRUNCATED", message: `The answer was cut at the output limit of ${req.maxOutputTokens} tokens` };
  }
  if (!req.output) return undefined;
  if (answer.object === undefined) return { code: "ANSWER_NOT_JSON", message: "The answer holds no JSON object" };
  const parsed = req.output.schema.safeParse(answer.object);
  if (parsed.success) return undefined;
  const problems = parsed.error.issues.slice(0, 20).map((i) => `${i.path.length ? i.path.join(".") : "answer"}: ${i.message}`);
  return { code: "ANSWER_SCHEMA_MISMATCH", message: `The answer does not match the schema asked for: ${problems.join("; ")}`, problems };
}

/**
 * A step's answer stayed cut at its output limit after the one retry with more room (or the budget allowed none): the
 * step fails, and is not retried (the same request would be cut again).
 */
export class AnswerTruncatedError extends AppError {
  readonly answerCode = "ANSWER_TRUNCATED" as const;
  constructor(maxOutputTokens: number, why: string) {
    super(
      "UPSTREAM_ERROR",
      `The answer was cut at the output limit of ${maxOutputTokens} tokens ${why}; raise the agent's maxOutputTokens or ask for a shorter answer`,
      { answerCode: "ANSWER_TRUNCATED", maxOutputTokens },
      { retryable: false },
    );
    this.name = "AnswerTruncatedError";
  }
}
