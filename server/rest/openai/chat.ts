/**
 * POST /api/v1/openai/chat/completions: one ordinary run per request (budgets, traces, audit as `run.start` with
 * `channel: "openai"`, visible on the Runs page), answered in OpenAI's Chat Completions format.
 *
 * - `model` names the agent or team (`agent:<slug>`, `team:<slug>`, `@<version>` to pin one; a bare slug when it
 *   names only one of them).
 * - `messages` become the run's input: the last (user) message is the task; when there is more, the earlier user and
 *   assistant turns follow it as the conversation so far, and system/developer messages as the caller's
 *   instructions, each in a labelled block. The agent's own instructions stay its system prompt.
 * - Without `stream`: waits for the run (woken by its events, server/runs/wait.ts) and answers a `chat.completion`
 *   with the run's output and its ledger's token totals. A run that fails or is cancelled is a 500 (`run_failed`,
 *   `run_cancelled`) and one still running after OPENAI_WAIT_MS a 504 (`run_timeout`), with the run id, not retried.
 * - With `stream: true`: Server-Sent Events of `chat.completion.chunk`. A single agent's answer streams as its step
 *   writes it (`node.delta` events: the run is watched from its start); a team's final answer comes as one chunk when
 *   the run ends (its nodes' drafts are not the answer). The stream ends with a chunk with `finish_reason: "stop"`,
 *   with `stream_options.include_usage` a usage chunk, and `data: [DONE]`; a failed run ends it with an error event.
 *   If the final output does not continue what was streamed (the model call was retried on another model after
 *   text had been sent, or the agent answered after tool calls), the stream ends with an error event
 *   (`stream_replaced`) naming the run, whose output is the answer.
 * The run goes on if the client goes away.
 */
import type { ChatCompletion, ChatCompletionRequest, OpenAiMessage } from "@/lib/schemas/openai";
import { OPENAI_MODEL_PATTERN } from "@/lib/schemas/openai";
import { AppError } from "@/lib/errors";
import type { RunOut } from "@/lib/schemas/runs";
import type { TenantContext } from "@/server/context";
import { eventsAfter, isTerminalEvent } from "@/server/jobs/events";
import { readPolicy } from "@/server/runs/read-redaction";
import { subscribeRunEvents } from "@/server/jobs/notify";
import { markRunWatched, streamsMarkRuns, WATCH_RENEW_MS } from "@/server/jobs/watchers";
import { getRunSummary, startRun } from "@/server/runs/service";
import { acquireStreamSlot } from "@/server/runs/sse";
import { runTargetKindOf } from "@/server/runs/targets";
import { waitForRunEnd } from "@/server/runs/wait";
import { logger } from "@/server/logger";
import { openAiRunError } from "./errors";

/** how long a non-streaming completion waits for its run (OpenAI's clients wait 10 minutes by default) */
export const OPENAI_WAIT_MS = 600_000;
const HEARTBEAT_MS = 15_000;
const POLL_MS = 1_000;

interface Target {
  kind: "agent" | "team";
  slug: string;
  version?: number;
}

/** The agent or team `model` names (404 model_not_found when the workspace has none such). */
export async function targetOf(ctx: TenantContext, model: string): Promise<Target> {
  const match = OPENAI_MODEL_PATTERN.exec(model);
  if (!match) throw new AppError("BAD_REQUEST", "`model` is agent:<slug> or team:<slug>, optionally with @<version>");
  const slug = match[2]!;
  const kind = (match[1] as Target["kind"] | undefined) ?? (await runTargetKindOf(ctx, slug, `The model "${model}"`));
  return { kind, slug, ...(match[3] ? { version: Number(match[3]) } : {}) };
}

function textOf(content: OpenAiMessage["content"]): string {
  if (content === null || content === undefined) return "";
  return typeof content === "string" ? content : content.map((part) => part.text).join("");
}

/** The run's input made of the messages (see the file's comment). */
export function runInputOf(messages: OpenAiMessage[]): string {
  const task = textOf(messages.at(-1)!.content);
  const earlier = messages.slice(0, -1);
  const instructions = earlier.filter((m) => m.role === "system" || m.role === "developer").map((m) => textOf(m.content));
  const turns = earlier.filter((m) => m.role === "user" || m.role === "assistant");
  if (instructions.length === 0 && turns.length === 0) return task;
  const parts = [task];
  if (turns.length > 0) {
    const lines = turns.map((m, i) => `<turn n="${i + 1}" from="${m.role === "user" ? "the person" : "you"}">\n${textOf(m.content)}\n</turn>`);
    parts.push(`<conversation so-far="earlier turns, oldest first">\n${lines.join("\n")}\n</conversation>`);
  }
  if (instructions.length > 0) parts.push(`<caller-instructions>\n${instructions.join("\n\n")}\n</caller-instructions>`);
  return parts.join("\n\n");
}

/** The model as the run pinned it: agent:<slug>@<version>. */
function modelOf(run: RunOut): string {
  const target = run.team ?? run.agent;
  return `${run.targetType}:${target?.slug ?? ""}@${target?.version ?? 0}`;
}

const created = (run: RunOut) => Math.floor(run.createdAt.getTime() / 1000);
const usageOf = (run: RunOut) => ({ prompt_tokens: run.inputTokens, completion_tokens: run.outputTokens, total_tokens: run.inputTokens + run.outputTokens });

function completionOf(run: RunOut): ChatCompletion {
  return {
    id: `chatcmpl-${run.id}`,
    object: "chat.completion",
    created: created(run),
    model: modelOf(run),
    choices: [{ index: 0, message: { role: "assistant", content: run.output ?? "", refusal: null }, finish_reason: "stop", logprobs: null }],
    usage: usageOf(run),
    system_fingerprint: null,
    cadre: { run_id: run.id, cost_usd: run.costUsd },
  };
}

function failureOf(run: RunOut): { code: string; message: string } {
  return run.status === "cancelled"
    ? { code: "run_cancelled", message: `The run ${run.id} was cancelled${run.error ? `: ${run.error}` : ""}` }
    : { code: "run_failed", message: `The run ${run.id} failed: ${run.error ?? "no reason recorded"}` };
}

/** Starts the run of a chat completion request and answers it (JSON or a stream). */
export async function chatCompletion(ctx: TenantContext, body: ChatCompletionRequest, request: Request, requestId: string): Promise<Response | ChatCompletion> {
  if (body.messages.at(-1)!.role !== "user") throw new AppError("BAD_REQUEST", "The last message is the user's request (role user)");
  const target = await targetOf(ctx, body.model);
  const stream = body.stream === true;
  // a stream's place is taken before the run starts: a caller with too many open streams starts nothing (429)
  const release = stream ? acquireStreamSlot(ctx.actor.type === "api_key" ? `key:${ctx.actor.keyId}` : `user:${ctx.actor.userId}`) : () => undefined;
  let run: RunOut;
  try {
    run = await startRun(
      ctx,
      { [target.kind]: target.slug, input: runInputOf(body.messages), ...(target.version !== undefined ? { version: target.version } : {}) },
      { channel: "openai", ...(stream ? { watched: true } : {}) },
    );
  } catch (error) {
    release();
    if (error instanceof AppError && error.code === "NOT_FOUND")
      throw new AppError("NOT_FOUND", `The model "${body.model}" is not an agent or a team of this workspace`);
    throw error;
  }
  if (stream) return completionStream(ctx, run, body.stream_options?.include_usage === true, request, requestId, release);
  const status = await waitForRunEnd(ctx, run.id, OPENAI_WAIT_MS, request.signal);
  const done = await getRunSummary(ctx, run.id);
  if (status === "succeeded") return completionOf(done);
  if (status === "failed" || status === "cancelled") {
    const failure = failureOf(done);
    return openAiRunError(500, failure.code, failure.message, run.id, requestId);
  }
  return openAiRunError(504, "run_timeout", `The run ${run.id} is still ${done.status}: follow it at GET /api/v1/runs/${run.id}`, run.id, requestId);
}

function completionStream(ctx: TenantContext, started: RunOut, includeUsage: boolean, request: Request, requestId: string, release: () => void): Response {
  const encoder = new TextEncoder();
  const runRef = { runId: started.id, workspaceId: ctx.workspaceId };
  const abort = new AbortController();
  const signal = AbortSignal.any([abort.signal, request.signal]);
  const base = { id: `chatcmpl-${started.id}`, object: "chat.completion.chunk", created: created(started), model: modelOf(started), system_fingerprint: null };
  const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finish, logprobs: null }],
  });

  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastWrite = Date.now();
      let lastMark = Date.now();
      const send = (text: string) => {
        controller.enqueue(encoder.encode(text));
        lastWrite = Date.now();
      };
      const data = (value: unknown) => send(`data: ${JSON.stringify(value)}\n\n`);
      const wakeUps = subscribeRunEvents(started.id);
      let streamed = "";
      let diverged = false;
      let after = 0;
      try {
        // an agent's text as it comes; not when the PII policy redacts outputs at read time ("storage" off): a value
        // split across two pieces would pass, so the whole answer then comes redacted from the run's output
        const live = started.targetType === "agent" && (await readPolicy(ctx)) === null;
        data(chunk({ role: "assistant", content: "", refusal: null }));
        for (;;) {
          if (signal.aborted) return;
          const events = await eventsAfter(runRef, after, 500);
          let ended = false;
          for (const event of events) {
            after = event.seq;
            if (event.type === "node.delta" && live && !diverged) {
              const delta = event.data as { text?: string; reset?: boolean };
              // text already sent cannot be taken back: from a restart on, the rest comes from the final output
              if (delta.reset) diverged = true;
              else if (delta.text) {
                streamed += delta.text;
                data(chunk({ content: delta.text }));
              }
            }
            if (isTerminalEvent(event.type)) ended = true;
          }
          if (ended) break;
          if (events.length >= 500) continue;
          if (Date.now() - lastWrite >= HEARTBEAT_MS) send(": keep-alive\n\n");
          if (streamsMarkRuns() && Date.now() - lastMark >= WATCH_RENEW_MS) {
            lastMark = Date.now();
            await markRunWatched(runRef);
          }
          await wakeUps.wait(POLL_MS, signal);
        }
        const run = await getRunSummary(ctx, started.id);
        if (run.status !== "succeeded") {
          data({ error: { message: failureOf(run).message, type: "server_error", param: null, code: failureOf(run).code, request_id: requestId } });
          return;
        }
        const output = run.output ?? "";
        if (!output.startsWith(streamed)) {
          data({
            error: {
              message: `The streamed text is not the run's final answer (the model call was retried, or the agent answered after tool calls): the answer is the output of run ${run.id} (GET /api/v1/runs/${run.id})`,
              type: "server_error",
              param: null,
              code: "stream_replaced",
              request_id: requestId,
            },
          });
          return;
        }
        if (output.length > streamed.length) data(chunk({ content: output.slice(streamed.length) }));
        data(chunk({}, "stop"));
        if (includeUsage) data({ ...base, choices: [], usage: usageOf(run) });
        send("data: [DONE]\n\n");
      } catch (error) {
        if (!signal.aborted) {
          logger.warn({ runId: started.id, requestId, error: (error as Error).message }, "chat completion stream failed");
          try {
            data({ error: { message: "The stream failed", type: "server_error", param: null, code: "internal", request_id: requestId } });
          } catch {
            // the client went away
          }
        }
      } finally {
        wakeUps.close();
        release();
        try {
          controller.close();
        } catch {
          // already closed by the client
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
      "x-cadre-run-id": started.id,
    },
  });
}
