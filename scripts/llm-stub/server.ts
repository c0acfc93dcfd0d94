/**
 * A local, deterministic LLM server for tests and benchmarks: no network beyond 127.0.0.1, no keys.
 *
 * Speaks enough of three wire protocols for the real AI SDK provider code to run against it:
 * - OpenAI chat completions   POST /v1/chat/completions   (stream and non-stream, tool calls, JSON output, usage)
 * - OpenAI embeddings         POST /v1/embeddings          (deterministic unit vectors; Azure's and Mistral's too)
 * - OpenAI models             GET  /v1/models
 * - Anthropic Messages        POST /v1/messages            (stream and non-stream, tool_use, JSON output, usage)
 * - OpenAI Responses          POST /v1/responses           (non-stream only: what `@ai-sdk/openai`'s default model uses)
 * - Azure OpenAI              POST …/deployments/{deployment}/chat/completions?api-version=… (api-key header), and the
 *                             v1 API's …/chat/completions; Mistral's chat completions are OpenAI's
 * - Google Gemini             POST …/models/{model}:generateContent and :streamGenerateContent?alt=sse (Gemini API, Vertex)
 * - Google embeddings         POST …/models/{model}:embedContent and :batchEmbedContents (Gemini API), :predict (Vertex)
 * - Amazon Bedrock Converse   POST …/model/{modelId}/converse and /converse-stream (AWS event-stream frames; SigV4 or bearer)
 * - Bedrock embeddings        POST …/model/{modelId}/invoke (Titan, Cohere and Nova embedding bodies)
 * - Google OAuth token        POST …/token (a service-account key's JWT bearer grant; the signature is not checked)
 * (./cloud-protocols.ts holds the Gemini, Bedrock and token handlers.) The recorded `apiKey` is the key sent as
 * Authorization: Bearer, x-api-key, api-key or x-goog-api-key, or a SigV4 request's access key id.
 *
 * Behaviour (deterministic, so tests can assert on it):
 * - Text replies are `[stub <model>] <last user text>` (the user text truncated to 200 characters).
 * - A tool call is made when tools are given, the last message is from the user (not a tool result) and either the
 *   tool choice forces a tool, or the user text names one of the tools (first named tool wins). Its arguments are the
 *   minimal object valid for the tool's JSON schema.
 * - JSON output: `response_format: { type: "json_schema" }` (OpenAI) or `output_config.format` (Anthropic) yields the
 *   minimal object valid for the schema; `{ type: "json_object" }` without a schema yields `{}`.
 * - Usage: input tokens = ceil(characters of the request's messages / 4), output tokens = ceil(characters of the
 *   output / 4), at least 1. Streams end with a usage chunk when `stream_options.include_usage` is set.
 * - Prompt caching: a system prompt of at least 1,024 tokens is cached per model, as the providers do: OpenAI
 *   automatically (a repeat reports it as `cached_tokens`), Anthropic when its system blocks carry `cache_control`
 *   (the first request reports `cache_creation_input_tokens`, repeats `cache_read_input_tokens`). `reset()` empties it.
 *   A fault's `reasoningTokens` adds reasoning tokens to a chat completion's usage.
 * - Timing: `hold()` keeps every request unanswered until `release()`; then `latencyMs` passes before any answer; streams send their text word by word (tool arguments in three
 *   pieces), and `chunkDelayMs` paces them: that pause comes before each content chunk but the first, so a watcher sees
 *   the text grow.
 *
 * Scripted replies (`reply(...)`) replace the text or JSON answer of the next matching request (the first reply whose
 * `when` occurs in the request's JSON body, in the order queued): tests make a checker ask for a revision, a judge
 * find consensus.
 *
 * Scripted tool calls (`toolCalls(...)`, OpenAI chat completions and Anthropic Messages) answer the next matching request
 * that offers every tool they name with those calls (several: parallel calls), whatever its last message, so a test
 * drives an agent's loop turn by turn: call a tool, read its result, call another or answer. They come before a
 * queued reply (which the request then leaves for the next one).
 *
 * Scripted embeddings (`embedding(...)`) replace the vector of every embedded text that contains their `when` (the first
 * match, in the order queued; sent normalised): tests make answers near or far from each other. Other texts get a
 * deterministic unit vector derived from the whole text (different texts are unrelated).
 *
 * Scripted faults (`fail(...)`) are consumed in order by the next matching POST request: optional delay, then an error
 * status (with optional Retry-After), or a malformed body (200 with broken JSON / a broken SSE chunk), or, for streams,
 * a failure after some chunks were sent (`midStream`: a broken chunk, a stall, or a cut connection). For chat
 * completions a fault may also script the answer: its text (`content`, e.g. JSON violating the schema asked for) and
 * its finish reason (`finishReason: "length"`: cut at max_tokens). A request whose client went away before the answer
 * was complete is marked `abortedAt`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  bedrockConverse,
  bedrockStreamFrames,
  bedrockEmbeddings,
  brokenEventStreamMessage,
  GOOGLE_EMBED_METHODS,
  geminiAnswer,
  googleEmbeddings,
  geminiFrames,
  geminiResponse,
  oauthToken,
  sigV4AccessKeyId,
  type CloudHelpers,
} from "./cloud-protocols";

export interface StubFault {
  status?: number;
  retryAfterSeconds?: number;
  /** sends `retry-after-ms` (OpenAI's header, honoured by the gateway) */
  retryAfterMs?: number;
  delayMs?: number;
  malformed?: boolean;
  /**
   * streams only: after `afterChunks` SSE chunks (the first carries no text), "malformed" sends a broken chunk and then
   * the rest, "stall" sends nothing more and keeps the connection open, "cut" destroys the connection, "error" sends
   * the provider's error event (chat completions and Anthropic Messages; `errorMessage` is its text) and ends
   */
  midStream?: { afterChunks: number; kind: "malformed" | "stall" | "cut" | "error" };
  /** OpenAI chat completions: answer this text instead of the built one (e.g. JSON that violates the schema asked for) */
  content?: string;
  /** OpenAI chat completions: the finish reason to report, e.g. "length" (an answer cut at max_tokens) */
  finishReason?: string;
  /** OpenAI chat completions: reasoning tokens to report (added to the completion tokens, as reasoning models do) */
  reasoningTokens?: number;
  /**
   * with `status`: the provider's error code in the body, as the providers send it: "insufficient_quota" (an
   * OpenAI 429 for an account out of credit), "context_length_exceeded" (a prompt too long for the model),
   * "structured_output_unsupported" (a model that rejects `response_format`); Anthropic gets the matching message
   */
  errorCode?: "insufficient_quota" | "context_length_exceeded" | "structured_output_unsupported";
  /** with `status` (or a mid-stream "error"): the provider's message in the error body instead of the built one */
  errorMessage?: string;
  /** how many requests this fault applies to; default 1 */
  times?: number;
  /** only requests for this model consume the fault */
  model?: string;
}

export interface StubReply {
  /** the answer: its text, or for a JSON output request the JSON text (sent as it is, valid or not) */
  content: string;
  /** only requests whose JSON body contains this text take the reply (e.g. a phrase of the prompt); default: any */
  when?: string;
  /** how many requests this reply answers; default 1 */
  times?: number;
  /** only requests for this model take the reply */
  model?: string;
}

export interface StubToolCalls {
  /** the calls of the answer, in order (more than one: parallel calls); each names a tool the request offers */
  calls: { name: string; arguments: Json }[];
  /** text sent beside the calls (default none) */
  text?: string;
  /** only requests whose JSON body contains this text take it; default: any that offers the tools */
  when?: string;
  /** how many requests this script answers; default 1 */
  times?: number;
  /** only requests for this model take it */
  model?: string;
}

export interface StubEmbedding {
  /** texts containing this get the vector */
  when: string;
  vector: number[];
  /** how many texts this vector answers; default: every one until `reset` */
  times?: number;
  /** only requests for this model take it */
  model?: string;
}

export interface StubCall {
  path: string;
  /** the request's query string ("" when none), e.g. Azure's ?api-version=… */
  query?: string;
  model: string;
  stream: boolean;
  body: unknown;
  at: number;
  /** the credential the client sent (Authorization: Bearer … or x-api-key), null when none: lets tests check key use */
  apiKey: string | null;
  /** the W3C trace context the client sent (traceparent), null when none */
  traceparent?: string | null;
  /** the text answer the stub built (plain text or JSON output; none for tool calls, embeddings and error statuses) */
  reply?: string;
  /** when the client went away before the answer was complete (an aborted request), else undefined */
  abortedAt?: number;
  /** when the whole response (an answer or an error) was handed to the client, else undefined */
  finishedAt?: number;
}

export interface LlmStub {
  /** OpenAI-compatible base URL, e.g. "http://127.0.0.1:41234/v1" (also the Anthropic base URL) */
  url: string;
  calls: StubCall[];
  /** queue a scripted fault, consumed in order */
  fail(fault: StubFault): void;
  /** queue a scripted answer, consumed in order by matching requests */
  reply(reply: StubReply): void;
  /** queue scripted tool calls, consumed in order by matching requests (see the header) */
  toolCalls(script: StubToolCalls): void;
  /** queue a scripted embedding vector (see the header) */
  embedding(embedding: StubEmbedding): void;
  /**
   * From now on, POST requests are recorded and then held, unanswered, until `release()` (after which `latencyMs`
   * passes as usual): a test can see several calls under way at the same moment whatever the timing.
   */
  hold(): void;
  /** answers the held requests and stops holding */
  release(): void;
  /** POST requests being answered now, and the most at once since the start (or the last reset) */
  readonly inFlight: number;
  readonly maxInFlight: number;
  /**
   * What GET /v1/models answers until the next reset: `ids` listed besides the stub's own models, or `status` (e.g.
   * 401) instead of the list
   */
  modelList(list: { ids?: string[]; status?: number }): void;
  /** clears calls, pending faults, replies, tool-call scripts and embeddings, the model list, and the in-flight peak (held requests stay held) */
  reset(): void;
  close(): Promise<void>;
}

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonSchema = Record<string, unknown>;

interface ToolDef {
  name: string;
  schema: JsonSchema;
}

const KNOWN_MODELS = ["stub-small", "stub-large", "stub-embed"];

export interface LlmStubOptions {
  /** wait before answering any POST request */
  latencyMs?: number;
  /** streams only: pause between two content chunks (text or tool-argument deltas) */
  chunkDelayMs?: number;
}

export async function startLlmStub(options: LlmStubOptions = {}): Promise<LlmStub> {
  const latencyMs = options.latencyMs ?? 0;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const calls: StubCall[] = [];
  let faults: (StubFault & { remaining: number })[] = [];
  let listed: { ids?: string[]; status?: number } = {};
  let replies: (StubReply & { remaining: number })[] = [];
  let toolScripts: (StubToolCalls & { remaining: number })[] = [];
  let vectors: (StubEmbedding & { remaining: number })[] = [];
  const promptCache = new Set<string>();
  const sockets = new Set<import("node:net").Socket>();
  let sequence = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  let gate: { opened: Promise<void>; open: () => void } | null = null;

  function takeFault(model: string): StubFault | undefined {
    const index = faults.findIndex((f) => f.model === undefined || f.model === model);
    if (index < 0) return undefined;
    const fault = faults[index]!;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  }

  function takeReply(model: string, rawBody: string): string | undefined {
    const index = replies.findIndex((r) => (r.model === undefined || r.model === model) && (r.when === undefined || rawBody.includes(r.when)));
    if (index < 0) return undefined;
    const reply = replies[index]!;
    reply.remaining -= 1;
    if (reply.remaining <= 0) replies.splice(index, 1);
    return reply.content;
  }

  function takeToolCalls(model: string, rawBody: string, offered: ReadonlySet<string>): StubToolCalls | undefined {
    const index = toolScripts.findIndex(
      (t) =>
        (t.model === undefined || t.model === model) &&
        (t.when === undefined || rawBody.includes(t.when)) &&
        t.calls.length > 0 &&
        t.calls.every((c) => offered.has(c.name)),
    );
    if (index < 0) return undefined;
    const script = toolScripts[index]!;
    script.remaining -= 1;
    if (script.remaining <= 0) toolScripts.splice(index, 1);
    return script;
  }

  function takeVector(model: string, text: string): number[] | undefined {
    const index = vectors.findIndex((v) => (v.model === undefined || v.model === model) && text.includes(v.when));
    if (index < 0) return undefined;
    const scripted = vectors[index]!;
    scripted.remaining -= 1;
    if (scripted.remaining <= 0) vectors.splice(index, 1);
    const norm = Math.sqrt(scripted.vector.reduce((sum, v) => sum + v * v, 0)) || 1;
    return scripted.vector.map((v) => v / norm);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String((error as Error)?.message ?? error), type: "server_error" } });
      else res.destroy();
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname.replace(/\/+$/, "");
    const apiKey = readApiKey(req);

    if (req.method === "GET" && path === "/v1/models") {
      calls.push({ path, model: "", stream: false, body: null, at: Date.now(), apiKey });
      if (listed.status) return sendJson(res, listed.status, { error: { message: "scripted model-list failure", type: "stub_error" } });
      const seen = new Set([...KNOWN_MODELS, ...(listed.ids ?? []), ...calls.map((c) => c.model).filter(Boolean)]);
      return sendJson(res, 200, {
        object: "list",
        data: [...seen].map((id) => ({ id, object: "model", created: 1_700_000_000, owned_by: "llm-stub" })),
      });
    }
    const gemini = /\/models\/([^/]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents|predict)$/.exec(path);
    const azure = /\/deployments\/([^/]+)\/(chat\/completions|embeddings)$/.exec(path);
    const bedrock = /\/model\/([^/]+)\/(converse|converse-stream|invoke)$/.exec(path);
    const chat = path.endsWith("/chat/completions");
    // OpenAI's embeddings, also under Azure's deployments and v1 API and Mistral's base URL
    const openAiEmbeddings = path.endsWith("/embeddings");
    const cloudEmbeddings = gemini ? GOOGLE_EMBED_METHODS.has(gemini[2]!) : bedrock?.[2] === "invoke";
    const oauth = path.endsWith("/token");
    const known = ["/v1/messages", "/v1/responses"].includes(path) || chat || openAiEmbeddings || !!gemini || !!bedrock || oauth;
    if (req.method !== "POST" || !known) {
      return sendJson(res, 404, { error: { message: `Unknown route ${req.method} ${path}`, type: "invalid_request_error" } });
    }
    if (oauth) {
      const token = oauthToken(await readBody(req));
      calls.push({ path, model: "", stream: false, body: { issuer: token.issuer }, at: Date.now(), apiKey: null });
      return sendJson(res, token.status, token.body);
    }

    let body: Record<string, unknown>;
    let raw: string;
    try {
      raw = await readBody(req);
      body = JSON.parse(raw || "{}") as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { error: { message: "Request body is not valid JSON", type: "invalid_request_error" } });
    }
    const urlModel = gemini?.[1] ?? azure?.[1] ?? bedrock?.[1];
    const model = urlModel !== undefined ? decodeURIComponent(urlModel) : typeof body.model === "string" ? body.model : "";
    const stream = gemini ? gemini[2] === "streamGenerateContent" : bedrock ? bedrock[2] === "converse-stream" : body.stream === true;
    const traceparent = typeof req.headers.traceparent === "string" ? req.headers.traceparent : null;
    const call: StubCall = { path, query: url.search, model, stream, body, at: Date.now(), apiKey, traceparent };
    calls.push(call);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let counted = true;
    const done = () => {
      if (counted) inFlight--;
      counted = false;
    };
    res.once("finish", done);
    res.once("finish", () => {
      call.finishedAt = Date.now();
    });
    res.once("close", done);
    res.once("close", () => {
      if (!res.writableFinished) call.abortedAt = Date.now();
    });

    if (gate && (await waitUnlessClosed(gate.opened, res))) return;
    const fault = takeFault(model);
    const delay = latencyMs + (fault?.delayMs ?? 0);
    if (delay > 0) {
      const aborted = await sleepUnlessClosed(delay, res);
      if (aborted) return;
    }
    if (fault?.status !== undefined && fault.status >= 400) {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers["retry-after"] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers["retry-after-ms"] = String(fault.retryAfterMs);
      return sendJson(res, fault.status, errorBody(path, fault.status, fault.errorCode, fault.errorMessage), headers);
    }
    const malformed = fault?.malformed === true;
    const toolScript = (chat || path === "/v1/messages") && fault?.content === undefined ? takeToolCalls(model, raw, offeredToolNames(body)) : undefined;
    const sse: SseOptions = {
      malformed,
      midStream: fault?.midStream,
      errorMessage: fault?.errorMessage,
      chunkDelayMs,
      toolScript,
      content: fault?.content !== undefined ? fault.content : openAiEmbeddings || cloudEmbeddings || toolScript ? undefined : takeReply(model, raw),
      finishReason: fault?.finishReason,
      reasoningTokens: fault?.reasoningTokens,
      promptCache,
    };
    const id = `stub-${++sequence}`;

    if (openAiEmbeddings) {
      if (malformed) return sendMalformed(res);
      return sendJson(res, 200, embeddings(body, model, takeVector));
    }
    if (cloudEmbeddings) {
      if (malformed) return sendMalformed(res);
      const vectorOf = (text: string, dimensions: number) => takeVector(model, text) ?? embedText(text, dimensions);
      const answer = gemini ? googleEmbeddings(gemini[2]!, path, body, vectorOf, CLOUD) : bedrockEmbeddings(model, body, vectorOf, CLOUD);
      return sendJson(res, 200, answer.body, answer.headers);
    }
    if (path === "/v1/messages") return anthropicMessages(res, call, body, model, id, stream, sse);
    if (gemini) {
      if (malformed && !stream) return sendMalformed(res);
      const answer = geminiAnswer(body, { model, id, content: sse.content, finishReason: sse.finishReason, reasoningTokens: sse.reasoningTokens }, CLOUD);
      if (answer.reply !== undefined) call.reply = answer.reply;
      if (!stream) return sendJson(res, 200, geminiResponse(answer));
      const { frames, paced } = geminiFrames(answer, CLOUD);
      return sendSse(res, frames, paced, `data: {"candidates": [{"content": \r\n\r\n`, sse);
    }
    if (bedrock) {
      if (malformed && !stream) return sendMalformed(res);
      const answer = bedrockConverse(body, { model, id, content: sse.content, finishReason: sse.finishReason }, CLOUD);
      if (answer.reply !== undefined) call.reply = answer.reply;
      if (!stream) return sendJson(res, 200, answer.body);
      const { frames, paced } = bedrockStreamFrames(answer, CLOUD);
      return sendSse(res, frames, paced, brokenEventStreamMessage(), sse, "application/vnd.amazon.eventstream");
    }
    if (path === "/v1/responses") {
      if (stream)
        return sendJson(res, 400, {
          error: { message: "The LLM stub serves /v1/responses without streaming only", type: "invalid_request_error", code: "400" },
        });
      if (malformed) return sendMalformed(res);
      return sendJson(res, 200, responses(call, body, model, id, sse.content));
    }
    return chatCompletions(res, call, body, model, id, stream, sse);
  }

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    calls,
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    hold() {
      if (gate) return;
      let open: () => void = () => undefined;
      const opened = new Promise<void>((resolve) => {
        open = resolve;
      });
      gate = { opened, open };
    },
    release() {
      gate?.open();
      gate = null;
    },
    fail(fault) {
      faults.push({ ...fault, remaining: fault.times ?? 1 });
    },
    reply(reply) {
      replies.push({ ...reply, remaining: reply.times ?? 1 });
    },
    toolCalls(script) {
      toolScripts.push({ ...script, remaining: script.times ?? 1 });
    },
    embedding(embedding) {
      vectors.push({ ...embedding, remaining: embedding.times ?? Infinity });
    },
    modelList(list) {
      listed = list;
    },
    reset() {
      calls.length = 0;
      listed = {};
      faults = [];
      replies = [];
      toolScripts = [];
      vectors = [];
      promptCache.clear();
      maxInFlight = inFlight;
    },
    close() {
      return new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      });
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// OpenAI chat completions

function chatCompletions(
  res: http.ServerResponse,
  call: StubCall,
  body: Record<string, unknown>,
  model: string,
  id: string,
  stream: boolean,
  sse: SseOptions,
): Promise<void> | void {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  const tools: ToolDef[] = (Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [])
    .map((t) => t.function as Record<string, unknown> | undefined)
    .filter((f): f is Record<string, unknown> => !!f && typeof f.name === "string")
    .map((f) => ({ name: f.name as string, schema: (f.parameters as JsonSchema) ?? { type: "object" } }));
  const toolChoice = body.tool_choice as unknown;
  const forced =
    toolChoice === "required"
      ? tools[0]?.name
      : typeof toolChoice === "object" && toolChoice !== null
        ? ((toolChoice as { function?: { name?: string } }).function?.name ?? undefined)
        : undefined;
  const last = messages[messages.length - 1];
  const lastUserText = textOfOpenAI(lastOfRole(messages, "user")?.content);
  const toolName = toolChoice === "none" || last?.role !== "user" ? undefined : (forced ?? tools.find((t) => lastUserText.includes(t.name))?.name);
  const tool = tools.find((t) => t.name === toolName);

  const responseFormat = body.response_format as { type?: string; json_schema?: { schema?: JsonSchema } } | undefined;
  let content: string | null;
  let toolCalls: { id: string; name: string; arguments: string }[] = [];
  if (sse.toolScript) {
    toolCalls = sse.toolScript.calls.map((c, index) => ({ id: `call_${id}_${index}`, name: c.name, arguments: JSON.stringify(c.arguments) }));
    content = sse.toolScript.text ?? null;
  } else if (tool) {
    toolCalls = [{ id: `call_${id}_0`, name: tool.name, arguments: JSON.stringify(minimalValue(tool.schema)) }];
    content = null;
  } else if (sse.content !== undefined) {
    content = sse.content;
  } else if (responseFormat?.type === "json_schema") {
    content = JSON.stringify(minimalValue(responseFormat.json_schema?.schema ?? { type: "object" }));
  } else if (responseFormat?.type === "json_object") {
    content = "{}";
  } else {
    content = replyText(model, lastUserText);
  }
  if (content !== null) call.reply = content;

  const inputTokens = tokens(JSON.stringify(messages));
  const outputTokens = tokens((content ?? "") + toolCalls.map((t) => t.name + t.arguments).join(""));
  const system = messages[0]?.role === "system" || messages[0]?.role === "developer" ? textOfOpenAI(messages[0].content) : "";
  const cachedTokens = cacheLookup(sse.promptCache, `openai:${model}:${system}`, tokens(system));
  const reasoningTokens = sse.reasoningTokens ?? 0;
  const usage = {
    prompt_tokens: inputTokens,
    completion_tokens: outputTokens + reasoningTokens,
    total_tokens: inputTokens + outputTokens + reasoningTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens.read },
    completion_tokens_details: { reasoning_tokens: reasoningTokens },
  };
  const finishReason = sse.finishReason ?? (toolCalls.length ? "tool_calls" : "stop");
  const created = Math.floor(Date.now() / 1000);

  if (!stream) {
    if (sse.malformed) return sendMalformed(res);
    return sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content,
            ...(toolCalls.length
              ? { tool_calls: toolCalls.map((t) => ({ id: t.id, type: "function", function: { name: t.name, arguments: t.arguments } })) }
              : {}),
          },
          finish_reason: finishReason,
        },
      ],
      usage,
    });
  }

  const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
  const base = { id, object: "chat.completion.chunk", created, model };
  const chunks: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }];
  const paced = new Set<number>();
  if (content !== null) {
    for (const piece of splitPieces(content)) {
      paced.add(chunks.length);
      chunks.push({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] });
    }
  }
  toolCalls.forEach((t, index) => {
    chunks.push({
      ...base,
      choices: [{ index: 0, delta: { tool_calls: [{ index, id: t.id, type: "function", function: { name: t.name, arguments: "" } }] }, finish_reason: null }],
    });
    for (const piece of splitArguments(t.arguments)) {
      paced.add(chunks.length);
      chunks.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index, function: { arguments: piece } }] }, finish_reason: null }] });
    }
  });
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason }] });
  if (includeUsage) chunks.push({ ...base, choices: [], usage });

  const frames = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  frames.push("data: [DONE]\n\n");
  const errorFrame = `data: ${JSON.stringify({ error: { message: sse.errorMessage ?? "The server had an error (scripted by the LLM stub)", type: "server_error", code: "server_error" } })}\n\n`;
  return sendSse(res, frames, paced, `data: {"id": "${id}", "choices": [{"delta": {"content": "brok\n\n`, sse, undefined, errorFrame);
}

// ---------------------------------------------------------------------------------------------------------------------
// OpenAI Responses (non-stream)

function responses(call: StubCall, body: Record<string, unknown>, model: string, id: string, scripted: string | undefined) {
  const input =
    typeof body.input === "string" ? [{ role: "user", content: body.input }] : Array.isArray(body.input) ? (body.input as Record<string, unknown>[]) : [];
  const tools: ToolDef[] = (Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [])
    .filter((t) => t.type === "function" && typeof t.name === "string")
    .map((t) => ({ name: t.name as string, schema: (t.parameters as JsonSchema) ?? { type: "object" } }));
  const toolChoice = body.tool_choice as unknown;
  const forced =
    toolChoice === "required" ? tools[0]?.name : typeof toolChoice === "object" && toolChoice !== null ? (toolChoice as { name?: string }).name : undefined;
  const last = input[input.length - 1];
  const lastUserText = textOfResponses(lastOfRole(input, "user")?.content);
  const toolName = toolChoice === "none" || last?.role !== "user" ? undefined : (forced ?? tools.find((t) => lastUserText.includes(t.name))?.name);
  const tool = tools.find((t) => t.name === toolName);
  const format = (body.text as { format?: { type?: string; schema?: JsonSchema } } | undefined)?.format;

  const output: unknown[] = [];
  let produced: string;
  if (tool) {
    produced = JSON.stringify(minimalValue(tool.schema));
    output.push({ type: "function_call", id: `fc_${id}`, call_id: `call_${id}_0`, name: tool.name, arguments: produced });
  } else {
    produced =
      scripted !== undefined
        ? scripted
        : format?.type === "json_schema"
          ? JSON.stringify(minimalValue(format.schema ?? { type: "object" }))
          : format?.type === "json_object"
            ? "{}"
            : replyText(model, lastUserText);
    call.reply = produced;
    output.push({
      type: "message",
      id: `msg_${id}`,
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: produced, annotations: [] }],
    });
  }
  const inputTokens = tokens(JSON.stringify(input) + String(body.instructions ?? ""));
  const outputTokens = tokens(produced);
  return {
    id: `resp_${id}`,
    object: "response",
    created_at: Math.floor(Date.now() / 1000),
    status: "completed",
    model,
    output,
    usage: { input_tokens: inputTokens, output_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
  };
}

function textOfResponses(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        const p = part as { type?: string; text?: unknown };
        return p && (p.type === "input_text" || p.type === "text") ? String(p.text ?? "") : "";
      })
      .join("");
  }
  return "";
}

// ---------------------------------------------------------------------------------------------------------------------
// Embeddings

function embeddings(body: Record<string, unknown>, model: string, scripted: (model: string, text: string) => number[] | undefined) {
  const input = Array.isArray(body.input) ? body.input.map(String) : [String(body.input ?? "")];
  const dimensions = typeof body.dimensions === "number" && body.dimensions > 0 ? Math.min(body.dimensions, 4096) : 8;
  return {
    object: "list",
    model,
    data: input.map((text, index) => ({ object: "embedding", index, embedding: scripted(model, text) ?? embedText(text, dimensions) })),
    usage: { prompt_tokens: input.reduce((sum, text) => sum + tokens(text), 0), total_tokens: input.reduce((sum, text) => sum + tokens(text), 0) },
  };
}

/** A deterministic unit vector derived from the text (FNV-1a seeded sequence). */
export function embedText(text: string, dimensions = 8): number[] {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const vector: number[] = [];
  let state = hash || 1;
  for (let i = 0; i < dimensions; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    vector.push(state / 0xffffffff - 0.5);
  }
  const norm = Math.sqrt(vector.reduce((sum, v) => sum + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}

// ---------------------------------------------------------------------------------------------------------------------
// Anthropic Messages

function anthropicMessages(
  res: http.ServerResponse,
  call: StubCall,
  body: Record<string, unknown>,
  model: string,
  id: string,
  stream: boolean,
  sse: SseOptions,
): Promise<void> | void {
  const messages = Array.isArray(body.messages) ? (body.messages as Record<string, unknown>[]) : [];
  const tools: ToolDef[] = (Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [])
    .filter((t) => typeof t.name === "string")
    .map((t) => ({ name: t.name as string, schema: (t.input_schema as JsonSchema) ?? { type: "object" } }));
  const toolChoice = body.tool_choice as { type?: string; name?: string } | undefined;
  const last = messages[messages.length - 1];
  const lastIsToolResult = Array.isArray(last?.content) && (last.content as { type?: string }[]).some((part) => part.type === "tool_result");
  const lastUserText = textOfAnthropic(lastOfRole(messages, "user")?.content);
  const forced = toolChoice?.type === "tool" ? toolChoice.name : toolChoice?.type === "any" ? tools[0]?.name : undefined;
  const toolName =
    toolChoice?.type === "none" || last?.role !== "user" || lastIsToolResult ? undefined : (forced ?? tools.find((t) => lastUserText.includes(t.name))?.name);
  const tool = tools.find((t) => t.name === toolName);
  const format = (body.output_config as { format?: { type?: string; schema?: JsonSchema } } | undefined)?.format;

  const content: ({ type: "text"; text: string } | { type: "tool_use"; id: string; name: string; input: Json })[] = [];
  if (sse.toolScript) {
    if (sse.toolScript.text) content.push({ type: "text", text: sse.toolScript.text });
    sse.toolScript.calls.forEach((c, index) => content.push({ type: "tool_use", id: `toolu_${id}_${index}`, name: c.name, input: c.arguments }));
  } else if (tool) content.push({ type: "tool_use", id: `toolu_${id}`, name: tool.name, input: minimalValue(tool.schema) });
  else if (sse.content !== undefined) content.push({ type: "text", text: sse.content });
  else if (format?.schema) content.push({ type: "text", text: JSON.stringify(minimalValue(format.schema)) });
  else content.push({ type: "text", text: replyText(model, lastUserText) });
  const text = content.find((c) => c.type === "text");
  if (text) call.reply = text.text;

  const allInput = tokens(JSON.stringify(messages) + JSON.stringify(body.system ?? ""));
  const cachedPrefix = markedSystemPrefix(body.system);
  const cached = cachedPrefix ? cacheLookup(sse.promptCache, `anthropic:${model}:${cachedPrefix}`, tokens(cachedPrefix)) : { read: 0, written: 0 };
  // Anthropic's input_tokens leave out what was read from or written to the cache
  const inputTokens = Math.max(1, allInput - cached.read - cached.written);
  const cacheUsage = { cache_read_input_tokens: cached.read, cache_creation_input_tokens: cached.written };
  const outputTokens = tokens(content.map((c) => (c.type === "text" ? c.text : c.name + JSON.stringify(c.input))).join(""));
  const stopReason = tool || sse.toolScript ? "tool_use" : "end_turn";

  if (!stream) {
    if (sse.malformed) return sendMalformed(res);
    return sendJson(res, 200, {
      id: `msg_${id}`,
      type: "message",
      role: "assistant",
      model,
      content,
      stop_reason: stopReason,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens, ...cacheUsage },
    });
  }

  const events: [string, unknown][] = [
    [
      "message_start",
      {
        type: "message_start",
        message: {
          id: `msg_${id}`,
          type: "message",
          role: "assistant",
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: inputTokens, output_tokens: 1, ...cacheUsage },
        },
      },
    ],
  ];
  const paced = new Set<number>();
  content.forEach((block, index) => {
    if (block.type === "text") {
      events.push(["content_block_start", { type: "content_block_start", index, content_block: { type: "text", text: "" } }]);
      for (const piece of splitPieces(block.text)) {
        paced.add(events.length);
        events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "text_delta", text: piece } }]);
      }
    } else {
      events.push([
        "content_block_start",
        { type: "content_block_start", index, content_block: { type: "tool_use", id: block.id, name: block.name, input: {} } },
      ]);
      for (const piece of splitArguments(JSON.stringify(block.input))) {
        paced.add(events.length);
        events.push(["content_block_delta", { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: piece } }]);
      }
    }
    events.push(["content_block_stop", { type: "content_block_stop", index }]);
  });
  events.push(["message_delta", { type: "message_delta", delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: outputTokens } }]);
  events.push(["message_stop", { type: "message_stop" }]);

  const frames = events.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  const errorFrame = `event: error\ndata: ${JSON.stringify({ type: "error", error: { type: "overloaded_error", message: sse.errorMessage ?? "Overloaded (scripted by the LLM stub)" } })}\n\n`;
  return sendSse(res, frames, paced, `event: content_block_delta\ndata: {"type": "content_blo\n\n`, sse, undefined, errorFrame);
}

/** The names of the tools a chat completions (`tools[].function.name`) or Anthropic Messages (`tools[].name`) request offers. */
function offeredToolNames(body: Record<string, unknown>): Set<string> {
  const tools = Array.isArray(body.tools) ? (body.tools as Record<string, unknown>[]) : [];
  const names = tools.map((t) => (t.function as { name?: unknown } | undefined)?.name ?? t.name);
  return new Set(names.filter((n): n is string => typeof n === "string"));
}

// ---------------------------------------------------------------------------------------------------------------------
// Minimal valid value for a JSON schema

/** The smallest simple value valid for a (JSON Schema draft-07 / 2020-12 subset) schema: required properties only,
 *  minItems items, first enum/const value, minimum-respecting numbers, formatted strings for common formats. */
export function minimalValue(schema: unknown, root: unknown = schema, depth = 0): Json {
  if (depth > 32 || schema === true || schema === undefined || schema === null || typeof schema !== "object") return null;
  const s = schema as JsonSchema;
  if (typeof s.$ref === "string") return minimalValue(resolveRef(s.$ref, root), root, depth + 1);
  if ("const" in s) return s.const as Json;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0] as Json;
  if ("default" in s && s.default !== undefined) return s.default as Json;
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = s[key];
    if (Array.isArray(options) && options.length) {
      const preferred = options.find((o) => (o as JsonSchema)?.type !== "null") ?? options[0];
      return minimalValue(preferred, root, depth + 1);
    }
  }
  if (Array.isArray(s.allOf) && s.allOf.length) {
    const merged: JsonSchema = { type: "object", properties: {}, required: [] };
    for (const part of s.allOf) {
      const resolved = (typeof (part as JsonSchema).$ref === "string" ? resolveRef((part as JsonSchema).$ref as string, root) : part) as JsonSchema;
      Object.assign(merged.properties as object, resolved.properties ?? {});
      (merged.required as string[]).push(...((resolved.required as string[]) ?? []));
      if (resolved.type && resolved.type !== "object") return minimalValue(resolved, root, depth + 1);
    }
    return minimalValue(merged, root, depth + 1);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? type[0];
  if (type === undefined) type = s.properties ? "object" : s.items ? "array" : undefined;
  switch (type) {
    case "object": {
      const properties = (s.properties ?? {}) as Record<string, unknown>;
      const required = Array.isArray(s.required) ? (s.required as string[]) : [];
      const out: Record<string, Json> = {};
      for (const key of required) out[key] = minimalValue(properties[key] ?? {}, root, depth + 1);
      return out;
    }
    case "array": {
      const count = typeof s.minItems === "number" ? s.minItems : 0;
      if (Array.isArray(s.prefixItems)) {
        return (s.prefixItems as unknown[]).slice(0, Math.max(count, 0)).map((item) => minimalValue(item, root, depth + 1));
      }
      return Array.from({ length: count }, () => minimalValue(s.items ?? {}, root, depth + 1));
    }
    case "string":
      return minimalString(s);
    case "integer":
    case "number":
      return minimalNumber(s, type === "integer");
    case "boolean":
      return false;
    case "null":
      return null;
    default:
      return null;
  }
}

function minimalString(s: JsonSchema): string {
  switch (s.format) {
    case "date-time":
      return "2026-01-01T00:00:00.000Z";
    case "date":
      return "2026-01-01";
    case "time":
      return "00:00:00";
    case "email":
      return "stub@example.com";
    case "uri":
    case "url":
      return "https://example.com/";
    case "uuid":
      return "00000000-0000-4000-8000-000000000000";
  }
  const min = typeof s.minLength === "number" ? s.minLength : 0;
  const max = typeof s.maxLength === "number" ? s.maxLength : Infinity;
  const base = "stub";
  if (base.length >= min && base.length <= max) return base;
  if (base.length > max) return base.slice(0, max);
  return base + "x".repeat(min - base.length);
}

function minimalNumber(s: JsonSchema, integer: boolean): number {
  let value = 0;
  if (typeof s.minimum === "number") value = Math.max(value, s.minimum);
  if (typeof s.exclusiveMinimum === "number" && value <= s.exclusiveMinimum) value = s.exclusiveMinimum + (integer ? 1 : 0.5);
  if (typeof s.maximum === "number" && value > s.maximum) value = s.maximum;
  if (typeof s.exclusiveMaximum === "number" && value >= s.exclusiveMaximum) value = s.exclusiveMaximum - (integer ? 1 : 0.5);
  if (integer) value = Math.ceil(value);
  if (typeof s.multipleOf === "number" && s.multipleOf > 0) value = Math.ceil(value / s.multipleOf) * s.multipleOf;
  return value;
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return {};
  let node: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const part = decodeURIComponent(raw.replace(/~1/g, "/").replace(/~0/g, "~"));
    node = node && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  }
  return node ?? {};
}

// ---------------------------------------------------------------------------------------------------------------------
// helpers

function replyText(model: string, userText: string): string {
  const text = userText.length > 200 ? `${userText.slice(0, 200)}…` : userText;
  return `[stub ${model}] ${text}`.trimEnd();
}

/** The smallest prompt the providers cache (Anthropic's minimum on most models; OpenAI's automatic caching). */
const MIN_CACHED_TOKENS = 1024;

/**
 * A cacheable prefix of `size` tokens: the first request writes it to the cache, later ones read it. Prefixes under
 * the providers' minimum are neither.
 */
function cacheLookup(cache: Set<string>, key: string, size: number): { read: number; written: number } {
  if (size < MIN_CACHED_TOKENS) return { read: 0, written: 0 };
  if (cache.has(key)) return { read: size, written: 0 };
  cache.add(key);
  return { read: 0, written: size };
}

/** Anthropic: the system text up to and including its last block marked with `cache_control`, or "" if none is. */
function markedSystemPrefix(system: unknown): string {
  if (!Array.isArray(system)) return "";
  const blocks = system as { text?: string; cache_control?: unknown }[];
  const last = blocks.findLastIndex((b) => b.cache_control !== undefined && b.cache_control !== null);
  return last < 0
    ? ""
    : blocks
        .slice(0, last + 1)
        .map((b) => b.text ?? "")
        .join("");
}

function tokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function lastOfRole(messages: Record<string, unknown>[], role: string) {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === role) return messages[i];
  return undefined;
}

function textOfOpenAI(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === "object" && (part as { type?: string }).type === "text" ? String((part as { text?: unknown }).text ?? "") : ""))
      .join("");
  }
  return "";
}

const textOfAnthropic = textOfOpenAI;

/** splits text into word-sized pieces (keeping the separators) for streaming */
function splitPieces(text: string): string[] {
  const pieces = text.match(/\S+\s*|\s+/g);
  return pieces?.length ? pieces : [text];
}

/** splits tool-call arguments into a few pieces so clients exercise their delta accumulation */
function splitArguments(text: string): string[] {
  if (text.length <= 2) return [text];
  const third = Math.ceil(text.length / 3);
  return [text.slice(0, third), text.slice(third, 2 * third), text.slice(2 * third)].filter(Boolean);
}

const ERROR_MESSAGES: Record<NonNullable<StubFault["errorCode"]>, { openai: string; anthropic: string }> = {
  insufficient_quota: {
    openai: "You exceeded your current quota, please check your plan and billing details.",
    anthropic: "Your credit balance is too low to access the Anthropic API.",
  },
  context_length_exceeded: {
    openai: "This model's maximum context length is 8192 tokens. However, your messages resulted in 9000 tokens.",
    anthropic: "prompt is too long: 210000 tokens > 200000 maximum",
  },
  structured_output_unsupported: {
    openai: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
    anthropic: "output_config.format: structured outputs are not supported with this model.",
  },
};

function errorBody(path: string, status: number, code?: StubFault["errorCode"], text?: string) {
  const scripted = code ? ERROR_MESSAGES[code] : undefined;
  const message =
    text !== undefined
      ? text
      : scripted
        ? path === "/v1/messages"
          ? scripted.anthropic
          : scripted.openai
        : status === 429
          ? "Rate limit reached (scripted by the LLM stub)"
          : `Scripted failure ${status} from the LLM stub`;
  if (path === "/v1/messages") {
    const type = status === 429 ? "rate_limit_error" : status >= 500 ? "api_error" : "invalid_request_error";
    return { type: "error", error: { type, message } };
  }
  const type =
    code === "insufficient_quota" ? "insufficient_quota" : status === 429 ? "rate_limit_exceeded" : status >= 500 ? "server_error" : "invalid_request_error";
  return { error: { message, type, code: code ?? String(status) } };
}

function readApiKey(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === "string" && auth.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim() || null;
  for (const header of ["x-api-key", "api-key", "x-goog-api-key"]) {
    const key = req.headers[header];
    if (typeof key === "string" && key) return key;
  }
  return sigV4AccessKeyId(req);
}

const CLOUD: CloudHelpers = { minimalValue: (schema) => minimalValue(schema), replyText, tokens, splitPieces };

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/** resolves true when the client went away before `until` settled */
function waitUnlessClosed(until: Promise<void>, res: http.ServerResponse): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onClose = () => resolve(true);
    res.once("close", onClose);
    void until.then(() => {
      res.off("close", onClose);
      resolve(false);
    });
  });
}

/** resolves true when the client went away before the delay elapsed */
function sleepUnlessClosed(ms: number, res: http.ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onClose = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      res.off("close", onClose);
      resolve(false);
    }, ms);
    res.once("close", onClose);
  });
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendMalformed(res: http.ServerResponse) {
  const text = '{"id": "broken", "choices": [ {"message": ';
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

interface SseOptions {
  malformed: boolean;
  midStream: StubFault["midStream"];
  /** the text of a mid-stream "error" event */
  errorMessage?: string;
  chunkDelayMs: number;
  /** scripted tool calls that answer this request (chat completions, Anthropic Messages) */
  toolScript?: StubToolCalls;
  /** the scripted answer of this request (a fault's `content`, else a queued `reply`) and finish reason (chat completions) */
  content?: string;
  finishReason?: string;
  reasoningTokens?: number;
  /** the stub's prompt cache: the cacheable prompt prefixes it has seen (see "Prompt caching" above) */
  promptCache: Set<string>;
}

/**
 * Writes the SSE frames (or the messages of another framing: Bedrock's event stream), applying a scripted fault: `malformed` breaks frame 1, `midStream` acts after its chunks.
 * With `chunkDelayMs`, the content frames (indexes in `paced`) but the first wait that long; a client gone stops it.
 */
async function sendSse(
  res: http.ServerResponse,
  frames: (string | Uint8Array)[],
  paced: ReadonlySet<number>,
  broken: string | Uint8Array,
  sse: SseOptions,
  contentType = "text/event-stream",
  errorFrame?: string,
) {
  res.writeHead(200, { "content-type": contentType, "cache-control": "no-cache", connection: "keep-alive" });
  const breakAt = sse.midStream ? sse.midStream.afterChunks : sse.malformed ? 1 : -1;
  const kind = sse.midStream?.kind ?? "malformed";
  let contentSent = false;
  for (const [i, frame] of frames.entries()) {
    if (paced.has(i)) {
      if (contentSent && sse.chunkDelayMs > 0 && ((await sleepUnlessClosed(sse.chunkDelayMs, res)) || res.destroyed)) return;
      contentSent = true;
    }
    if (i === breakAt && kind === "stall") return; // the client gives up (timeout) or the stub closes
    if (i === breakAt && kind === "cut") return void setTimeout(() => res.destroy(), 20); // the chunks sent arrive first
    if (i === breakAt && kind === "error" && errorFrame) return void res.end(errorFrame);
    res.write(i === breakAt ? broken : frame);
  }
  res.end();
}
