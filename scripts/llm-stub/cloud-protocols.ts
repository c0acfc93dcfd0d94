/**
 * The LLM stub's cloud protocols beyond OpenAI and Anthropic (see ./server.ts for the shared behaviour):
 * - Google Gemini generateContent / streamGenerateContent (`alt=sse`), as the Gemini API and Vertex AI serve it
 * - Amazon Bedrock Converse (non-streaming only: converse-stream's binary event-stream framing is not spoken)
 * - a Google OAuth token endpoint (`POST …/token`, the JWT bearer grant of a service-account key)
 * Azure OpenAI (deployments path, api-key header) and Mistral (chat completions) reuse the OpenAI handler.
 */
import type http from "node:http";

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
