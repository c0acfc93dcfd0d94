/**
 * The LLM stub's cloud protocols beyond OpenAI and Anthropic (see ./server.ts for the shared behaviour):
 * - Google Gemini generateContent / streamGenerateContent (`alt=sse`), as the Gemini API and Vertex AI serve it
 * - Amazon Bedrock Converse and ConverseStream (AWS event-stream framing: binary messages with string headers)
 * - embeddings: Gemini API embedContent / batchEmbedContents, Vertex AI predict / embedContent, and Bedrock InvokeModel
 *   with a Titan, Cohere or Nova embedding body (every `invoke` is taken for an embedding request)
 * - a Google OAuth token endpoint (`POST …/token`, the JWT bearer grant of a service-account key)
 * Azure OpenAI (deployments path, api-key header) and Mistral (chat completions) reuse the OpenAI handler.
 */
import type http from "node:http";
import { crc32 } from "node:zlib";

type JsonSchema = Record<string, unknown>;

export interface CloudReplyInput {
  model: string;
  id: string;
  /** the scripted answer (a fault's content or a queued reply), else undefined */
  content?: string;
  /** a fault's finish reason in OpenAI terms ("length": cut at the output limit) */
  finishReason?: string;
  reasoningTokens?: number;
}

export interface CloudHelpers {
  minimalValue(schema: unknown): unknown;
  replyText(model: string, userText: string): string;
  tokens(text: string): number;
  splitPieces(text: string): string[];
}

// ---------------------------------------------------------------------------------------------------------------------
// Gemini

interface GeminiPart {
  text?: string;
  functionCall?: { name: string; args: unknown };
  functionResponse?: unknown;
}

/** The Gemini answer to a generateContent request: its candidate parts, finish reason and usage. */
export function geminiAnswer(body: Record<string, unknown>, input: CloudReplyInput, h: CloudHelpers) {
  const contents = Array.isArray(body.contents) ? (body.contents as { role?: string; parts?: GeminiPart[] }[]) : [];
  const last = contents[contents.length - 1];
  const lastUser = [...contents].reverse().find((c) => c.role === "user" && (c.parts ?? []).some((p) => typeof p.text === "string"));
  const lastUserText = (lastUser?.parts ?? []).map((p) => p.text ?? "").join("");
  const declarations = (Array.isArray(body.tools) ? (body.tools as { functionDeclarations?: { name: string; parameters?: JsonSchema }[] }[]) : []).flatMap(
    (t) => t.functionDeclarations ?? [],
  );
  const config = (body.toolConfig as { functionCallingConfig?: { mode?: string; allowedFunctionNames?: string[] } } | undefined)?.functionCallingConfig;
  const forced = config?.mode === "ANY" ? (config.allowedFunctionNames?.[0] ?? declarations[0]?.name) : undefined;
  const lastIsToolResult = (last?.parts ?? []).some((p) => p.functionResponse !== undefined);
  const toolName = config?.mode === "NONE" || lastIsToolResult ? undefined : (forced ?? declarations.find((d) => lastUserText.includes(d.name))?.name);
  const tool = declarations.find((d) => d.name === toolName);
  const generation = (body.generationConfig ?? {}) as { responseMimeType?: string; responseSchema?: JsonSchema; responseJsonSchema?: JsonSchema };

  let parts: GeminiPart[];
  let reply: string | undefined;
  if (tool) {
    parts = [{ functionCall: { name: tool.name, args: h.minimalValue(tool.parameters ?? { type: "object" }) } }];
  } else {
    reply =
      input.content ??
      (generation.responseMimeType === "application/json"
        ? JSON.stringify(h.minimalValue(lowerTypes(generation.responseJsonSchema ?? generation.responseSchema ?? { type: "object" })))
        : h.replyText(input.model, lastUserText));
    parts = reply === "" ? [] : [{ text: reply }];
  }
  const system = JSON.stringify(body.systemInstruction ?? "");
  const promptTokenCount = h.tokens(JSON.stringify(contents) + system);
  const candidatesTokenCount = reply === "" ? 0 : h.tokens(reply ?? JSON.stringify(parts));
  const thoughtsTokenCount = input.reasoningTokens ?? 0;
  const finishReason = input.finishReason === "length" ? "MAX_TOKENS" : "STOP";
  const usageMetadata = {
    promptTokenCount,
    candidatesTokenCount,
    totalTokenCount: promptTokenCount + candidatesTokenCount + thoughtsTokenCount,
    ...(thoughtsTokenCount ? { thoughtsTokenCount } : {}),
  };
  return { parts, reply, finishReason, usageMetadata };
}

/** Gemini's schemas use OpenAPI's upper-case type names; the stub's minimal value reads JSON Schema's. */
function lowerTypes(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(lowerTypes);
  if (!schema || typeof schema !== "object") return schema;
  return Object.fromEntries(
    Object.entries(schema as Record<string, unknown>).map(([k, v]) => [k, k === "type" && typeof v === "string" ? v.toLowerCase() : lowerTypes(v)]),
  );
}

/** The SSE frames of streamGenerateContent?alt=sse: one per word, the last with the finish reason and usage. */
export function geminiFrames(answer: ReturnType<typeof geminiAnswer>, h: CloudHelpers): { frames: string[]; paced: Set<number> } {
  const frames: string[] = [];
  const paced = new Set<number>();
  const frame = (data: unknown) => `data: ${JSON.stringify(data)}\r\n\r\n`;
  const textParts = answer.parts.filter((p) => typeof p.text === "string");
  for (const part of textParts) {
    for (const piece of h.splitPieces(part.text ?? "")) {
      paced.add(frames.length);
      frames.push(frame({ candidates: [{ content: { role: "model", parts: [{ text: piece }] }, index: 0 }] }));
    }
  }
  const others = answer.parts.filter((p) => typeof p.text !== "string");
  frames.push(
    frame({
      candidates: [{ content: { role: "model", parts: others }, finishReason: answer.finishReason, index: 0 }],
      usageMetadata: answer.usageMetadata,
    }),
  );
  return { frames, paced };
}

export function geminiResponse(answer: ReturnType<typeof geminiAnswer>) {
  return {
    candidates: [{ content: { role: "model", parts: answer.parts }, finishReason: answer.finishReason, index: 0 }],
    usageMetadata: answer.usageMetadata,
    modelVersion: "stub",
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// Bedrock Converse

export function bedrockConverse(body: Record<string, unknown>, input: CloudReplyInput, h: CloudHelpers) {
  const messages = Array.isArray(body.messages) ? (body.messages as { role?: string; content?: Record<string, unknown>[] }[]) : [];
  const last = messages[messages.length - 1];
  const lastUser = [...messages].reverse().find((m) => m.role === "user" && (m.content ?? []).some((c) => typeof c.text === "string"));
  const lastUserText = (lastUser?.content ?? []).map((c) => (typeof c.text === "string" ? c.text : "")).join("");
  const toolConfig = body.toolConfig as
    | { tools?: { toolSpec?: { name: string; inputSchema?: { json?: JsonSchema } } }[]; toolChoice?: { tool?: { name?: string }; any?: unknown } }
    | undefined;
  const specs = (toolConfig?.tools ?? []).map((t) => t.toolSpec).filter((t): t is { name: string; inputSchema?: { json?: JsonSchema } } => !!t?.name);
  const forced = toolConfig?.toolChoice?.tool?.name ?? (toolConfig?.toolChoice?.any !== undefined ? specs[0]?.name : undefined);
  const lastIsToolResult = (last?.content ?? []).some((c) => c.toolResult !== undefined);
  const toolName = lastIsToolResult ? undefined : (forced ?? specs.find((s) => lastUserText.includes(s.name))?.name);
  const tool = specs.find((s) => s.name === toolName);
  let content: Record<string, unknown>[];
  let reply: string | undefined;
  if (tool) {
    content = [{ toolUse: { toolUseId: `tooluse_${input.id}`, name: tool.name, input: h.minimalValue(tool.inputSchema?.json ?? { type: "object" }) } }];
  } else {
    reply = input.content ?? h.replyText(input.model, lastUserText);
    content = [{ text: reply }];
  }
  const inputTokens = h.tokens(JSON.stringify(messages) + JSON.stringify(body.system ?? ""));
  const outputTokens = h.tokens(reply ?? JSON.stringify(content));
  const stopReason = tool ? "tool_use" : input.finishReason === "length" ? "max_tokens" : "end_turn";
  return {
    reply,
    body: {
      output: { message: { role: "assistant", content } },
      stopReason,
      usage: { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens },
      metrics: { latencyMs: 1 },
    },
  };
}

/**
 * The ConverseStream events of a Converse answer, each an AWS event-stream message: messageStart, per content block its
 * start (tool use), deltas (a text word by word, tool input in pieces) and stop, messageStop, then metadata with usage.
 */
export function bedrockStreamFrames(answer: ReturnType<typeof bedrockConverse>, h: CloudHelpers): { frames: Uint8Array[]; paced: Set<number> } {
  const frames: Uint8Array[] = [];
  const paced = new Set<number>();
  const event = (type: string, data: unknown) => frames.push(eventStreamMessage(type, data));
  event("messageStart", { role: "assistant" });
  for (const [index, block] of answer.body.output.message.content.entries()) {
    const toolUse = block.toolUse as { toolUseId: string; name: string; input: unknown } | undefined;
    if (toolUse) {
      event("contentBlockStart", { contentBlockIndex: index, start: { toolUse: { toolUseId: toolUse.toolUseId, name: toolUse.name } } });
      const input = JSON.stringify(toolUse.input);
      const third = Math.ceil(input.length / 3);
      for (const piece of [input.slice(0, third), input.slice(third, 2 * third), input.slice(2 * third)].filter(Boolean)) {
        paced.add(frames.length);
        event("contentBlockDelta", { contentBlockIndex: index, delta: { toolUse: { input: piece } } });
      }
    } else {
      for (const piece of h.splitPieces(String(block.text ?? ""))) {
        paced.add(frames.length);
        event("contentBlockDelta", { contentBlockIndex: index, delta: { text: piece } });
      }
    }
    event("contentBlockStop", { contentBlockIndex: index });
  }
  event("messageStop", { stopReason: answer.body.stopReason });
  event("metadata", { usage: answer.body.usage, metrics: answer.body.metrics });
  return { frames, paced };
}

/** A broken event-stream message (its checksum does not match), for a scripted malformed stream. */
export function brokenEventStreamMessage(): Uint8Array {
  const message = eventStreamMessage("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "broken" } });
  message[message.length - 1] = (message[message.length - 1]! + 1) % 256;
  return message;
}

/**
 * One AWS event-stream message: a prelude (total length, headers length, their CRC32), the headers (`:event-type`,
 * `:content-type`, `:message-type`, each a string: name length, name, type 7, value length, value), the JSON payload,
 * and the CRC32 of all that. Big-endian throughout.
 */
function eventStreamMessage(eventType: string, data: unknown): Uint8Array {
  const headers = Buffer.concat(
    Object.entries({ ":event-type": eventType, ":content-type": "application/json", ":message-type": "event" }).map(([name, value]) => {
      const n = Buffer.from(name, "utf8");
      const v = Buffer.from(value, "utf8");
      const header = Buffer.alloc(1 + n.length + 1 + 2 + v.length);
      header.writeUInt8(n.length, 0);
      n.copy(header, 1);
      header.writeUInt8(7, 1 + n.length);
      header.writeUInt16BE(v.length, 2 + n.length);
      v.copy(header, 4 + n.length);
      return header;
    }),
  );
  const payload = Buffer.from(JSON.stringify(data), "utf8");
  const prelude = Buffer.alloc(12);
  prelude.writeUInt32BE(12 + headers.length + payload.length + 4, 0);
  prelude.writeUInt32BE(headers.length, 4);
  prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
  const message = Buffer.concat([prelude, headers, payload, Buffer.alloc(4)]);
  message.writeUInt32BE(crc32(message.subarray(0, message.length - 4)), message.length - 4);
  return message;
}

// ---------------------------------------------------------------------------------------------------------------------
// Embeddings

/** A text's vector: a scripted one, else the stub's deterministic unit vector of that many dimensions. */
type VectorOf = (text: string, dimensions: number) => number[];

export const GOOGLE_EMBED_METHODS = new Set(["embedContent", "batchEmbedContents", "predict"]);

const dimensionsOf = (value: unknown) => (typeof value === "number" && value > 0 ? Math.min(value, 4096) : 8);
const textOfParts = (content: unknown) =>
  ((content as { parts?: { text?: unknown }[] } | undefined)?.parts ?? []).map((p) => (typeof p.text === "string" ? p.text : "")).join("");

/**
 * Gemini API embedContent ({ embedding }, no usage) and batchEmbedContents ({ embeddings }); Vertex AI predict
 * ({ predictions } with each text's token count) and embedContent (with `usageMetadata`, on a Vertex path).
 */
export function googleEmbeddings(
  method: string,
  path: string,
  body: Record<string, unknown>,
  vectorOf: VectorOf,
  h: CloudHelpers,
): { body: unknown; headers?: Record<string, string> } {
  if (method === "predict") {
    const instances = Array.isArray(body.instances) ? (body.instances as { content?: unknown }[]) : [];
    const dimensions = dimensionsOf((body.parameters as { outputDimensionality?: unknown } | undefined)?.outputDimensionality);
    return {
      body: {
        predictions: instances.map((i) => {
          const text = String(i.content ?? "");
          return { embeddings: { values: vectorOf(text, dimensions), statistics: { token_count: h.tokens(text), truncated: false } } };
        }),
      },
    };
  }
  if (method === "batchEmbedContents") {
    const requests = Array.isArray(body.requests) ? (body.requests as { content?: unknown; outputDimensionality?: unknown }[]) : [];
    return { body: { embeddings: requests.map((r) => ({ values: vectorOf(textOfParts(r.content), dimensionsOf(r.outputDimensionality)) })) } };
  }
  const text = textOfParts(body.content);
  const config = body.embedContentConfig as { outputDimensionality?: unknown } | undefined;
  const values = vectorOf(text, dimensionsOf(config?.outputDimensionality ?? body.outputDimensionality));
  const vertex = /\/(publishers|projects)\//.test(path);
  return { body: { embedding: { values }, ...(vertex ? { usageMetadata: { promptTokenCount: h.tokens(text) } } : {}) } };
}

/**
 * Bedrock InvokeModel of an embedding model, by its body: Titan `{ inputText }` (one text, its token count in the body),
 * Cohere `{ texts }` (several, the count in the `x-amzn-bedrock-input-token-count` header as Bedrock sends it), Nova
 * `{ singleEmbeddingParams }` (one text, `inputTokenCount`).
 */
export function bedrockEmbeddings(
  model: string,
  body: Record<string, unknown>,
  vectorOf: VectorOf,
  h: CloudHelpers,
): { body: unknown; headers?: Record<string, string> } {
  if (Array.isArray(body.texts)) {
    const texts = body.texts.map(String);
    const count = texts.reduce((sum, text) => sum + h.tokens(text), 0);
    return {
      body: {
        id: `stub-${model}`,
        response_type: "embeddings_floats",
        texts,
        embeddings: texts.map((text) => vectorOf(text, dimensionsOf(body.output_dimension))),
      },
      headers: { "x-amzn-bedrock-input-token-count": String(count) },
    };
  }
  const nova = body.singleEmbeddingParams as { embeddingDimension?: unknown; text?: { value?: unknown } } | undefined;
  if (nova) {
    const text = String(nova.text?.value ?? "");
    return {
      body: { embeddings: [{ embeddingType: "TEXT", embedding: vectorOf(text, dimensionsOf(nova.embeddingDimension)) }], inputTokenCount: h.tokens(text) },
    };
  }
  const text = String(body.inputText ?? "");
  return { body: { embedding: vectorOf(text, dimensionsOf(body.dimensions)), inputTextTokenCount: h.tokens(text) } };
}

/** The credential of a SigV4-signed request: its access key id (never the signature). */
export function sigV4AccessKeyId(req: http.IncomingMessage): string | null {
  const auth = req.headers.authorization;
  const match = typeof auth === "string" ? /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\//.exec(auth) : null;
  return match?.[1] ?? null;
}

// ---------------------------------------------------------------------------------------------------------------------
// Google OAuth token endpoint

/** Answers a JWT bearer grant with a token derived from the assertion's issuer (the signature is not checked). */
export function oauthToken(raw: string): { status: number; body: unknown; issuer: string | null } {
  const form = new URLSearchParams(raw);
  const assertion = form.get("assertion") ?? "";
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:jwt-bearer" || assertion.split(".").length !== 3) {
    return { status: 400, body: { error: "invalid_grant", error_description: "Not a JWT bearer grant" }, issuer: null };
  }
  let issuer: string | null = null;
  try {
    const claims = JSON.parse(Buffer.from(assertion.split(".")[1]!, "base64url").toString("utf8")) as { iss?: unknown };
    issuer = typeof claims.iss === "string" ? claims.iss : null;
  } catch {
    return { status: 400, body: { error: "invalid_grant" }, issuer: null };
  }
  return { status: 200, body: { access_token: `stub-token-for-${issuer}`, token_type: "Bearer", expires_in: 3600 }, issuer };
}
