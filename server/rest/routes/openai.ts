/**
 * The OpenAI-compatible endpoint (`/api/v1/openai`, base URL for OpenAI clients): Chat Completions and the model
 * list, with API keys as bearer tokens like every REST route, errors in OpenAI's shape. See server/rest/openai/chat.ts
 * and docs/api.md, "OpenAI-compatible endpoint".
 */
import { chatCompletionRequestSchema, chatCompletionSchema, openAiModelListSchema } from "@/lib/schemas/openai";
import { MAX_RUN_START_BODY_BYTES } from "@/lib/schemas/runs";
import { listRunTargets } from "@/server/runs/targets";
import { defineRoute } from "../define";
import { chatCompletion } from "../openai/chat";
import { openAiErrorFormat } from "../openai/errors";

export const openAiChatCompletionsRoute = defineRoute({
  method: "POST",
  path: "/api/v1/openai/chat/completions",
  summary:
    "OpenAI Chat Completions: runs the agent or team named by `model` (agent:<slug>, team:<slug>, @<version>) on the messages (the last user message is the task, earlier turns its context) and answers a `chat.completion` (the run's output, its token totals) or, with `stream: true`, `chat.completion.chunk` Server-Sent Events ending with `data: [DONE]`. Each request is an ordinary run. Errors in OpenAI's shape.",
  tag: "OpenAI-compatible",
  requires: "runs:create",
  body: chatCompletionRequestSchema,
  response: chatCompletionSchema,
  produces: ["application/json", "text/event-stream"],
  maxBodyBytes: MAX_RUN_START_BODY_BYTES,
  // OpenAI's protocol has no idempotency key, and a stream cannot be replayed
  idempotent: false,
  operationId: "createChatCompletion",
  errors: ["NOT_FOUND", "CONFLICT", "BUDGET_EXCEEDED", "NO_FEASIBLE_MODEL", "RUN_INFEASIBLE", "UPSTREAM_ERROR"],
  errorFormat: openAiErrorFormat,
  handler: ({ ctx, body, request, requestId }) => chatCompletion(ctx, body, request, requestId),
});

export const openAiModelsRoute = defineRoute({
  method: "GET",
  path: "/api/v1/openai/models",
  summary: "OpenAI's model list: the workspace's agents (agent:<slug>) and teams (team:<slug>) that can be run, for OpenAI clients to discover",
  tag: "OpenAI-compatible",
  requires: "runs:create",
  response: openAiModelListSchema,
  operationId: "listOpenAiModels",
  errorFormat: openAiErrorFormat,
  handler: async ({ ctx }) => ({
    object: "list" as const,
    data: (await listRunTargets(ctx)).map((t) => ({
      id: `${t.kind}:${t.slug}`,
      object: "model" as const,
      created: Math.floor(t.createdAt.getTime() / 1000),
      owned_by: ctx.workspaceSlug,
    })),
  }),
});
