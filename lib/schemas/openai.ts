import { z } from "zod";
import { text } from "./text";
import { MAX_RUN_INPUT } from "./runs";

/**
 * The OpenAI-compatible endpoint (`/api/v1/openai`): Chat Completions and the model list in OpenAI's wire format, so
 * that OpenAI clients and SDKs call Cadre's agents and teams. A "model" is an agent or a team of the key's workspace:
 * `agent:<slug>` or `team:<slug>`, optionally pinned to a version with `@<n>` (`agent:support@3`); a bare slug works
 * when it names an agent or a team but not both. Each request is an ordinary run (docs/api.md, "OpenAI-compatible
 * endpoint").
 */
export const OPENAI_MODEL_PATTERN = /^(?:(agent|team):)?([a-z0-9][a-z0-9-]{0,62})(?:@([1-9][0-9]{0,5}))?$/;
export const OPENAI_MESSAGES_MAX = 256;

const modelSchema = text()
  .trim()
  .min(1, "Name the agent or team to run as `model` (agent:<slug> or team:<slug>)")
  .max(100)
  .regex(OPENAI_MODEL_PATTERN, "`model` is agent:<slug> or team:<slug>, optionally with @<version> (GET /api/v1/openai/models lists them)")
  .describe("The agent or team to run: `agent:<slug>` or `team:<slug>`, optionally `@<version>`; a bare slug when unambiguous");

const textPartSchema = z.strictObject({
  type: z.literal("text", "Only text content parts are supported (no images, audio or files)"),
  text: text().max(MAX_RUN_INPUT),
});
const contentSchema = z.union([text().max(MAX_RUN_INPUT), z.array(textPartSchema).max(64)]);

const messageSchema = z.discriminatedUnion(
  "role",
  [
    z.strictObject({ role: z.enum(["system", "developer"]), content: contentSchema, name: text().max(64).optional() }),
    z.strictObject({ role: z.literal("user"), content: contentSchema, name: text().max(64).optional() }),
    z.strictObject({
      role: z.literal("assistant"),
      content: contentSchema.nullable().optional(),
      name: text().max(64).optional(),
      refusal: text().max(MAX_RUN_INPUT).nullable().optional(),
    }),
  ],
  { error: "A message's role is system, developer, user or assistant (tool and function messages are not supported: Cadre agents call their own tools)" },
);
export type OpenAiMessage = z.infer<typeof messageSchema>;

/** Parameters OpenAI defines that Cadre does not honour: refused (400) with the reason, never silently ignored. */
export const OPENAI_REFUSED_PARAMETERS: Record<string, string> = {
  tools: "Cadre agents call their own tools (granted in the agent); client-side tools are not supported",
  tool_choice: "Client-side tools are not supported",
  functions: "Client-side functions are not supported",
  function_call: "Client-side functions are not supported",
  parallel_tool_calls: "Client-side tools are not supported",
  logprobs: "Log probabilities are not available",
  top_logprobs: "Log probabilities are not available",
  logit_bias: "Logit bias is not supported",
  audio: "Audio output is not supported",
  prediction: "Predicted outputs are not supported",
  stop: "Stop sequences are not supported (the agent's answer is its whole output)",
  response_format: "Structured output is set on the team (its output schema), not per request",
  web_search_options: "Web search is an agent tool in Cadre",
};

/**
 * Parameters accepted and ignored, as documented: the agent's own settings decide (its model policy, temperature and
 * output limit), and the run's records are Cadre's.
 */
export const OPENAI_IGNORED_PARAMETERS = [
  "temperature",
  "top_p",
  "max_tokens",
  "max_completion_tokens",
  "presence_penalty",
  "frequency_penalty",
  "seed",
  "user",
  "store",
  "metadata",
  "service_tier",
  "reasoning_effort",
  "verbosity",
  "safety_identifier",
  "prompt_cache_key",
] as const;

const ignored = Object.fromEntries(OPENAI_IGNORED_PARAMETERS.map((name) => [name, z.unknown().optional()]));
const refused = Object.fromEntries(Object.keys(OPENAI_REFUSED_PARAMETERS).map((name) => [name, z.unknown().optional()]));

export const chatCompletionRequestSchema = z
  .strictObject({
    model: modelSchema,
    messages: z
      .array(messageSchema)
      .min(1, "Send at least one message")
      .max(OPENAI_MESSAGES_MAX, `At most ${OPENAI_MESSAGES_MAX} messages`)
      .describe("The conversation; the last message is the user's request (the run's task), earlier ones its context"),
    stream: z.boolean().nullable().optional().describe("Stream the answer as `chat.completion.chunk` Server-Sent Events, ending with `data: [DONE]`"),
    stream_options: z
      .strictObject({ include_usage: z.boolean().optional(), include_obfuscation: z.boolean().optional() })
      .nullable()
      .optional()
      .describe("`include_usage`: a last chunk with the run's token usage"),
    n: z.literal(1, "Only one choice per request (n = 1)").nullable().optional(),
    modalities: z.array(z.literal("text", "Only text output is supported")).nullable().optional(),
    ...ignored,
    ...refused,
  })
  .superRefine((value, issue) => {
    for (const [name, why] of Object.entries(OPENAI_REFUSED_PARAMETERS)) {
      const given = (value as Record<string, unknown>)[name];
      // the values that ask for nothing (null, false, an empty list, plain text format) are accepted
      const harmless =
        given === undefined ||
        given === null ||
        given === false ||
        (Array.isArray(given) && given.length === 0) ||
        (name === "response_format" && (given as { type?: unknown }).type === "text") ||
        (name === "tool_choice" && given === "none");
      if (!harmless) issue.addIssue({ code: "custom", path: [name], message: why });
    }
  });
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

export const openAiUsageSchema = z.object({
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  total_tokens: z.number().int(),
});

export const chatCompletionSchema = z
  .object({
    id: z.string().describe("chatcmpl-<run id>"),
    object: z.literal("chat.completion"),
    created: z.number().int(),
    model: z.string().describe("The agent or team as asked, with the version the run pinned (agent:<slug>@<n>)"),
    choices: z.array(
      z.object({
        index: z.number().int(),
        message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null() }),
        finish_reason: z.literal("stop"),
        logprobs: z.null(),
      }),
    ),
    usage: openAiUsageSchema.describe("The run's token totals (its ledger: every model call of every step)"),
    system_fingerprint: z.null(),
    cadre: z.object({ run_id: z.string(), cost_usd: z.number() }).describe("The run behind the answer (Runs page, GET /api/v1/runs/{runId})"),
  })
  .meta({ id: "ChatCompletion" });
export type ChatCompletion = z.infer<typeof chatCompletionSchema>;

export const openAiModelSchema = z.object({
  id: z.string().describe("agent:<slug> or team:<slug>"),
  object: z.literal("model"),
  created: z.number().int(),
  owned_by: z.string().describe("The workspace's slug"),
});

export const openAiModelListSchema = z.object({ object: z.literal("list"), data: z.array(openAiModelSchema) }).meta({ id: "OpenAiModelList" });

/** OpenAI's error body: what OpenAI clients parse (`type` and `code` as OpenAI names them, where one applies). */
export const openAiErrorBodySchema = z
  .object({
    error: z.object({
      message: z.string(),
      type: z
        .string()
        .describe("invalid_request_error, authentication_error, permission_error, not_found_error, insufficient_quota, rate_limit_error, server_error"),
      param: z.string().nullable(),
      code: z.string().nullable(),
      request_id: z.string().optional(),
      cadre_code: z.string().describe("Cadre's error code (docs/api.md), e.g. VALIDATION_FAILED, BUDGET_EXCEEDED, RUN_INFEASIBLE"),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .describe("Every problem of an invalid request"),
    }),
  })
  .meta({ id: "OpenAiError" });
