/**
 * The offline simulator: a deterministic language model (and embedding model) that implements the AI SDK's
 * provider specification without any network. A fresh workspace routes to it, so every feature can be tried
 * without a key. Everything it says is labelled "[simulated]".
 *
 * Behaviour (all derived from a hash of the call, so the same call always gets the same answer):
 * - tools offered and asked for (tool choice `required`/`tool`, or the last user message names a tool or asks
 *   to use one): a tool call to the first matching tool, with arguments generated from its JSON schema;
 * - response format JSON: a minimal valid object for the requested schema; its decisions (booleans named done,
 *   finish, consensus, approved…, an approve/revise or pass/revise verdict, a judge's `scores.*`) follow a schedule,
 *   see `decisionFor`;
 * - otherwise text: "[simulated] …" summarising the last user message (or the tool results it was given);
 * - usage: characters / 4, rounded up; streaming in small chunks (a quarter of the latency apart); a simulated
 *   latency per model (before the answer, or before the first chunk of a stream).
 */
import { createHash } from "node:crypto";
import type {
  EmbeddingModelV4,
  EmbeddingModelV4CallOptions,
  EmbeddingModelV4Result,
  LanguageModelV4,
  LanguageModelV4CallOptions,
  LanguageModelV4Content,
  LanguageModelV4FinishReason,
  LanguageModelV4FunctionTool,
  LanguageModelV4GenerateResult,
  LanguageModelV4Prompt,
  LanguageModelV4StreamPart,
  LanguageModelV4StreamResult,
  LanguageModelV4Usage,
} from "@ai-sdk/provider";
import { env } from "@/server/env";

export const SIMULATOR_PROVIDER_ID = "cadre.simulator";
export const SIMULATED_PREFIX = "[simulated] ";

/** The simulator models seeded into every workspace. Latency is what a call takes before it answers. */
export const SIMULATOR_MODELS = {
  "sim-fast": { displayName: "Simulator Fast", latencyMs: 20, inputPrice: 0.1, outputPrice: 0.4, quality: 0.4, contextWindow: 32_000 },
  "sim-balanced": { displayName: "Simulator Balanced", latencyMs: 60, inputPrice: 1, outputPrice: 3, quality: 0.7, contextWindow: 128_000 },
  "sim-capable": { displayName: "Simulator Capable", latencyMs: 150, inputPrice: 5, outputPrice: 15, quality: 0.9, contextWindow: 200_000 },
} as const;
const DEFAULT_LATENCY_MS = 10;

export interface SimulatorOptions {
  /** simulated latency before the answer (default: the model's, see SIMULATOR_MODELS; 0 in tests) */
  latencyMs?: number;
  /** characters per streamed text chunk (default 16) */
  chunkSize?: number;
}

let latencyScale: number | undefined;

/**
 * Scales every simulator model's default latency (0 turns it off). Tests run with 0 unless they set it;
 * an explicit `latencyMs` option always wins.
 */
export function setSimulatorLatencyScale(scale: number | undefined): void {
  latencyScale = scale;
}

function defaultLatency(modelId: string): number {
  const base = (SIMULATOR_MODELS as Record<string, { latencyMs: number }>)[modelId]?.latencyMs ?? DEFAULT_LATENCY_MS;
  const scale = latencyScale ?? (env().NODE_ENV === "test" ? 0 : 1);
  return Math.round(base * scale);
}

// ---------------------------------------------------------------------------------------------------
// Hashing and small deterministic helpers

function hashOf(value: unknown): string {
  return createHash("sha256")
    .update(typeof value === "string" ? value : stableJson(value))
    .digest("hex");
}

/** JSON with sorted keys, so equal calls hash equally whatever the key order. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === "object" && !Array.isArray(v) && !(v instanceof Uint8Array)) {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .sort()
          .map((k) => [k, (v as Record<string, unknown>)[k]]),
      );
    }
    if (v instanceof Uint8Array) return `<${v.length} bytes>`;
    return v;
  });
}

const tokensOf = (chars: number) => Math.ceil(chars / 4);

function usageOf(inputChars: number, outputChars: number): LanguageModelV4Usage {
  const input = tokensOf(inputChars);
  const output = tokensOf(outputChars);
  return {
    inputTokens: { total: input, noCache: input, cacheRead: 0, cacheWrite: 0 },
    outputTokens: { total: output, text: output, reasoning: 0 },
    raw: { simulated: true, prompt_tokens: input, completion_tokens: output },
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) {
    signal?.throwIfAborted();
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function truncate(text: string, max: number): string {
  const clean = text.replace(/\s+/g, " ").trim();
  return clean.length <= max ? clean : `${clean.slice(0, Math.max(0, max - 1))}…`;
}

// ---------------------------------------------------------------------------------------------------
// Reading the prompt

function promptChars(options: LanguageModelV4CallOptions): number {
  let chars = 0;
  for (const message of options.prompt) {
    if (message.role === "system") {
      chars += message.content.length;
      continue;
    }
    for (const part of message.content) {
      if (part.type === "text" || part.type === "reasoning") chars += part.text.length;
      else if (part.type === "tool-call") chars += stableJson(part.input).length + part.toolName.length;
      else if (part.type === "tool-result") chars += stableJson(part.output).length;
      else if (part.type === "file") chars += 1000; // an image or document costs something
    }
  }
  for (const tool of options.tools ?? []) chars += tool.name.length + stableJson(tool.type === "function" ? tool.inputSchema : tool.args).length;
  if (options.responseFormat?.type === "json" && options.responseFormat.schema) chars += stableJson(options.responseFormat.schema).length;
  return chars;
}

function lastMessage(prompt: LanguageModelV4Prompt) {
  return prompt[prompt.length - 1];
}

function lastUserText(prompt: LanguageModelV4Prompt): { text: string; files: number } {
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role !== "user") continue;
    const text = message.content
      .filter((p) => p.type === "text")
      .map((p) => (p as { text: string }).text)
      .join("\n");
    const files = message.content.filter((p) => p.type === "file").length;
    return { text, files };
  }
  return { text: "", files: 0 };
}

/** Tool results the model was just given (the messages after its last tool calls). */
function trailingToolResults(prompt: LanguageModelV4Prompt): { toolName: string; output: unknown }[] {
  const results: { toolName: string; output: unknown }[] = [];
  for (let i = prompt.length - 1; i >= 0; i--) {
    const message = prompt[i]!;
    if (message.role !== "tool") break;
    for (const part of message.content) if (part.type === "tool-result") results.unshift({ toolName: part.toolName, output: part.output });
  }
  return results;
}

function words(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const ASKS_FOR_A_TOOL = /\b(use|call|invoke|run|with) (a |the |your |any )?(tool|function)s?\b|\btool call\b/i;

/** The tool the prompt asks for, or undefined when it should answer in text. */
function chooseTool(options: LanguageModelV4CallOptions): LanguageModelV4FunctionTool | undefined {
  const tools = (options.tools ?? []).filter((t): t is LanguageModelV4FunctionTool => t.type === "function");
  if (tools.length === 0) return undefined;
  const choice = options.toolChoice ?? { type: "auto" };
  if (choice.type === "none") return undefined;
  if (choice.type === "tool") return tools.find((t) => t.name === choice.toolName);
  // having just received tool results, the simulator answers instead of calling again (no endless loops)
  if (lastMessage(options.prompt)?.role === "tool" && choice.type !== "required") return undefined;
  const { text } = lastUserText(options.prompt);
  const lower = text.toLowerCase();
  const said = new Set(words(text));
  const byName = tools.find((t) => lower.includes(t.name.toLowerCase()) || (words(t.name).length > 0 && words(t.name).every((w) => said.has(w))));
  if (byName) return byName;
  if (choice.type === "required" || ASKS_FOR_A_TOOL.test(text)) return tools[0];
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Values from JSON schemas

/** The subset of JSON Schema the generator understands (anything else is ignored). */
export interface JsonSchemaLike {
  type?: string | string[];
  properties?: Record<string, JsonSchemaLike | boolean>;
  required?: string[];
  items?: JsonSchemaLike | JsonSchemaLike[] | boolean;
  prefixItems?: JsonSchemaLike[];
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  default?: unknown;
  anyOf?: (JsonSchemaLike | boolean)[];
  oneOf?: (JsonSchemaLike | boolean)[];
  allOf?: (JsonSchemaLike | boolean)[];
  $ref?: string;
  $defs?: Record<string, JsonSchemaLike>;
  definitions?: Record<string, JsonSchemaLike>;
  format?: string;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  multipleOf?: number;
  additionalProperties?: JsonSchemaLike | boolean;
  nullable?: boolean;
  description?: string;
  [key: string]: unknown;
}

// ---------------------------------------------------------------------------------------------------
// Decisions on a schedule: so that a team on the simulator does its work before it stops (a star's hub calls its
// spokes, a ring goes round, a maker revises once, a supervisor calls a worker), a decision to stop is "no" on the
// first turn of a loop and "yes" from the second on (at once when the loop has a single turn). The turn is read from
// the prompt's own words ("Round 2 of at most 3", "lap 1 of at most 2", "iteration 1 of at most 3", "Turn 1 of at
// most 8"; the last such phrase outside other agents' quoted outputs); a prompt without one is a first turn. Pure:
// the same prompt always gets the same decision, on every replay.

/** Boolean properties that decide whether a loop stops. */
const DECISION_KEY = /^(done|finish|finished|complete|completed|consensus|converged|approve|approved)$/i;
const TURN_PHRASE = /\b(?:round|lap|iteration|turn)\s+(\d+)\s+of\s+at\s+most\s+(\d+)\b/gi;
/** An attributed block of another agent's output (`<context from="…">…</context>`): not the prompt's own words. */
const QUOTED_BLOCK = /<([a-z]+) from="[^"]*">[\s\S]*?<\/\1>/gi;

/** The turn of the loop a prompt is in (1 when it names none) and the most turns it names. */
export function turnOf(text: string): { turn: number; of: number } {
  let found = { turn: 1, of: Number.POSITIVE_INFINITY };
  for (const m of text.replace(QUOTED_BLOCK, "").matchAll(TURN_PHRASE)) found = { turn: Number(m[1]), of: Number(m[2]) };
  return found;
}

/** The scheduled decision of a prompt: stop (done, approve, finish) from its second turn on, or on its only one. */
export function decisionFor(text: string): boolean {
  const { turn, of } = turnOf(text);
  return turn >= Math.min(2, of);
}

interface GenState {
  root: JsonSchemaLike;
  seed: string;
  /** the scheduled stop decision (see `decisionFor`); undefined: decisions are seeded like any other value */
  decision?: boolean;
  /** text to use for free-form strings (a piece of the user's message) */
  topic: string;
  depth: number;
}

function resolveRef(ref: string, root: JsonSchemaLike): JsonSchemaLike | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (!node || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node && typeof node === "object" ? (node as JsonSchemaLike) : undefined;
}

function seededInt(seed: string, path: string, modulo: number): number {
  if (modulo <= 1) return 0;
  return parseInt(hashOf(`${seed}:${path}`).slice(0, 8), 16) % modulo;
}

function stringFor(schema: JsonSchemaLike, state: GenState, path: string): string {
  const key = path.split(".").pop() ?? "";
  let value: string;
  switch (schema.format) {
    case "date-time":
      value = "2025-01-01T00:00:00.000Z";
      break;
    case "date":
      value = "2025-01-01";
      break;
    case "time":
      value = "00:00:00";
      break;
    case "email":
      value = "simulated@example.com";
      break;
    case "uri":
    case "url":
    case "uri-reference":
      value = "https://example.com/simulated";
      break;
    case "uuid": {
      const h = hashOf(`${state.seed}:${path}`);
      value = `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
      break;
    }
    case "ipv4":
      value = "192.0.2.1";
      break;
    case "ipv6":
      value = "2001:db8::1";
      break;
    case "hostname":
      value = "example.com";
      break;
    default: {
      // free text: a piece of what the user asked, so that tool arguments look related to the request
      value =
        /^(query|q|question|prompt|text|input|message|search|topic|content|task)$/i.test(key) && state.topic
          ? truncate(state.topic, 200)
          : `simulated ${key || "value"}`.trim();
    }
  }
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Infinity;
  while (value.length < min) value += "x";
  if (value.length > max) value = value.slice(0, max);
  if (schema.pattern) {
    try {
      if (!new RegExp(schema.pattern, "u").test(value)) {
        // a couple of common shapes; anything else keeps the plain value (the caller may repair or retry)
        const digits = "0".repeat(Math.max(1, min));
        for (const candidate of [digits, "a".repeat(Math.max(1, min)), "A".repeat(Math.max(1, min)), "simulated"]) {
          if (new RegExp(schema.pattern, "u").test(candidate)) return candidate;
        }
      }
    } catch {
      // not a JavaScript-compatible pattern
    }
  }
  return value;
}

function numberFor(schema: JsonSchemaLike, integer: boolean): number {
  let low = schema.minimum ?? -Infinity;
  let high = schema.maximum ?? Infinity;
  if (typeof schema.exclusiveMinimum === "number") low = Math.max(low, schema.exclusiveMinimum + (integer ? 1 : 1e-6));
  else if (schema.exclusiveMinimum === true && Number.isFinite(low)) low += integer ? 1 : 1e-6;
  if (typeof schema.exclusiveMaximum === "number") high = Math.min(high, schema.exclusiveMaximum - (integer ? 1 : 1e-6));
  else if (schema.exclusiveMaximum === true && Number.isFinite(high)) high -= integer ? 1 : 1e-6;
  let value = Number.isFinite(low) ? low : Number.isFinite(high) ? Math.min(high, 1) : 1;
  if (value < low) value = low;
  if (integer) value = Math.ceil(value);
  if (schema.multipleOf && schema.multipleOf > 0) value = Math.ceil(value / schema.multipleOf) * schema.multipleOf;
  return value;
}

/** A minimal value that satisfies `schema`: required properties, bounds, enums, formats, nested objects. */
export function valueForSchema(schema: JsonSchemaLike | boolean | undefined, options: { seed?: string; topic?: string; decision?: boolean } = {}): unknown {
  const root = (typeof schema === "object" ? schema : {}) as JsonSchemaLike;
  return generate(schema, { root, seed: options.seed ?? "", topic: options.topic ?? "", decision: options.decision, depth: 0 }, "");
}

function generate(schemaIn: JsonSchemaLike | boolean | undefined, state: GenState, path: string): unknown {
  if (schemaIn === undefined || schemaIn === true) return "simulated";
  if (schemaIn === false) return null;
  let schema = schemaIn;
  if (state.depth > 12) return null;
  const next = { ...state, depth: state.depth + 1 };
  if (schema.$ref) {
    const target = resolveRef(schema.$ref, state.root);
    if (!target) return null;
    const { $ref: _ref, ...rest } = schema;
    schema = { ...target, ...rest };
  }
  if (schema.const !== undefined) return schema.const;
  if (schema.enum && schema.enum.length > 0) {
    if (state.decision !== undefined && schema.enum.includes("approve") && schema.enum.includes("revise")) return state.decision ? "approve" : "revise";
    if (state.decision !== undefined && schema.enum.includes("pass") && schema.enum.includes("revise")) return state.decision ? "pass" : "revise";
    return schema.enum.find((v) => v !== null) ?? schema.enum[0];
  }
  if (schema.default !== undefined) return schema.default;
  if (schema.allOf && schema.allOf.length > 0) {
    const merged: JsonSchemaLike = { ...schema, allOf: undefined };
    for (const part of schema.allOf) {
      if (typeof part !== "object") continue;
      const resolved = part.$ref ? (resolveRef(part.$ref, state.root) ?? {}) : part;
      merged.type ??= resolved.type;
      merged.properties = { ...(merged.properties ?? {}), ...(resolved.properties ?? {}) };
      merged.required = [...new Set([...(merged.required ?? []), ...(resolved.required ?? [])])];
    }
    return generate(merged, next, path);
  }
  const options = schema.anyOf ?? schema.oneOf;
  if (options && options.length > 0) {
    const nonNull = options.find((o) => typeof o === "object" && o.type !== "null") ?? options[0];
    return generate(nonNull, next, path);
  }
  let type = schema.type;
  if (Array.isArray(type)) type = type.find((t) => t !== "null") ?? type[0];
  if (!type) {
    if (schema.properties) type = "object";
    else if (schema.items || schema.prefixItems) type = "array";
    else return "simulated";
  }
  switch (type) {
    case "null":
      return null;
    case "boolean":
      if (state.decision !== undefined && DECISION_KEY.test(path.split(".").pop() ?? "")) return state.decision;
      return seededInt(state.seed, path, 2) === 1;
    case "integer":
    case "number":
      // a judge's criterion score (scores.<criterion>) follows the schedule too: the middle of the scale, then its top
      if (state.decision !== undefined && path.startsWith("scores.") && schema.minimum !== undefined && schema.maximum !== undefined)
        return state.decision ? schema.maximum : schema.minimum + (schema.maximum - schema.minimum) / 2;
      return numberFor(schema, type === "integer");
    case "string":
      return stringFor(schema, state, path);
    case "array": {
      const prefix = schema.prefixItems ?? (Array.isArray(schema.items) ? schema.items : []);
      const itemSchema = Array.isArray(schema.items) ? undefined : schema.items;
      const count = Math.min(Math.max(schema.minItems ?? 0, prefix.length, itemSchema === false ? 0 : 1), schema.maxItems ?? Infinity);
      const out: unknown[] = [];
      for (let i = 0; i < count; i++) out.push(generate(prefix[i] ?? itemSchema, next, `${path}[${i}]`));
      return out;
    }
    case "object": {
      const out: Record<string, unknown> = {};
      const required = new Set(schema.required ?? []);
      for (const [key, child] of Object.entries(schema.properties ?? {})) {
        // every required property; optional ones only near the top, to stay small
        if (required.has(key) || state.depth < 2) out[key] = generate(child, next, path ? `${path}.${key}` : key);
      }
      for (const key of required) if (!(key in out)) out[key] = "simulated";
      return out;
    }
    default:
      return "simulated";
  }
}

// ---------------------------------------------------------------------------------------------------
// The answer

type Planned = { kind: "tool-call"; toolCallId: string; toolName: string; input: string } | { kind: "text"; text: string; finish: "stop" | "length" };

function plan(modelId: string, options: LanguageModelV4CallOptions): Planned {
  const seed = hashOf({ modelId, prompt: options.prompt, tools: options.tools, responseFormat: options.responseFormat, toolChoice: options.toolChoice });
  const { text: userText, files } = lastUserText(options.prompt);
  const tool = chooseTool(options);
  if (tool) {
    const input = valueForSchema(tool.inputSchema as JsonSchemaLike, { seed, topic: userText });
    return { kind: "tool-call", toolCallId: `call_sim_${seed.slice(0, 16)}`, toolName: tool.name, input: JSON.stringify(input ?? {}) };
  }

  let text: string;
  if (options.responseFormat?.type === "json") {
    const value = options.responseFormat.schema
      ? valueForSchema(options.responseFormat.schema as JsonSchemaLike, { seed, topic: userText, decision: decisionFor(userText) })
      : { simulated: true, answer: `${SIMULATED_PREFIX}${truncate(userText, 120)}` };
    text = JSON.stringify(value);
  } else {
    const results = lastMessage(options.prompt)?.role === "tool" ? trailingToolResults(options.prompt) : [];
    const ref = seed.slice(0, 8);
    if (results.length > 0) {
      const summary = results.map((r) => `${r.toolName} returned ${truncate(stableJson(r.output), 160)}`).join("; ");
      text = `${SIMULATED_PREFIX}Based on the tool results (${summary}), here is a simulated answer to "${truncate(userText, 120)}". [${modelId} #${ref}]`;
    } else if (userText.trim() || files > 0) {
      const wordCount = userText.trim() ? userText.trim().split(/\s+/).length : 0;
      const attachments = files > 0 ? ` and ${files} attachment${files === 1 ? "" : "s"}` : "";
      text = `${SIMULATED_PREFIX}You asked (${wordCount} word${wordCount === 1 ? "" : "s"}${attachments}): "${truncate(userText, 160)}". This is a deterministic offline answer from ${modelId}; no real model was called. [#${ref}]`;
    } else {
      text = `${SIMULATED_PREFIX}No question was given. This is a deterministic offline answer from ${modelId}. [#${ref}]`;
    }
  }
  // JSON is never cut (a truncated object would not parse); text respects maxOutputTokens
  const limit = options.maxOutputTokens !== undefined && options.responseFormat?.type !== "json" ? options.maxOutputTokens * 4 : Infinity;
  if (text.length > limit) return { kind: "text", text: text.slice(0, Math.max(0, limit)), finish: "length" };
  return { kind: "text", text, finish: "stop" };
}

function finishOf(planned: Planned): LanguageModelV4FinishReason {
  if (planned.kind === "tool-call") return { unified: "tool-calls", raw: "tool_calls" };
  return { unified: planned.finish, raw: planned.finish };
}

function outputChars(planned: Planned): number {
  return planned.kind === "tool-call" ? planned.toolName.length + planned.input.length : planned.text.length;
}

function chunks(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** The simulator as an AI SDK language model (specification v4). */
export class SimulatorLanguageModel implements LanguageModelV4 {
  readonly specificationVersion = "v4" as const;
  readonly provider = SIMULATOR_PROVIDER_ID;
  readonly modelId: string;
  readonly supportedUrls: Record<string, RegExp[]> = {};
  private readonly options: SimulatorOptions;

  constructor(modelId: string, options: SimulatorOptions = {}) {
    this.modelId = modelId;
    this.options = options;
  }

  private latency(): number {
    return this.options.latencyMs ?? defaultLatency(this.modelId);
  }

  async doGenerate(options: LanguageModelV4CallOptions): Promise<LanguageModelV4GenerateResult> {
    const planned = plan(this.modelId, options);
    await sleep(this.latency(), options.abortSignal);
    const content: LanguageModelV4Content[] =
      planned.kind === "tool-call"
        ? [{ type: "tool-call", toolCallId: planned.toolCallId, toolName: planned.toolName, input: planned.input }]
        : [{ type: "text", text: planned.text }];
    return {
      content,
      finishReason: finishOf(planned),
      usage: usageOf(promptChars(options), outputChars(planned)),
      providerMetadata: { simulator: { simulated: true } },
      request: { body: { simulated: true } },
      response: { id: `sim-${hashOf(options.prompt).slice(0, 12)}`, modelId: this.modelId, timestamp: new Date() },
      warnings: [],
    };
  }

  async doStream(options: LanguageModelV4CallOptions): Promise<LanguageModelV4StreamResult> {
    const planned = plan(this.modelId, options);
    const size = Math.max(1, this.options.chunkSize ?? 16);
    const latency = this.latency();
    const parts: LanguageModelV4StreamPart[] = [
      { type: "stream-start", warnings: [] },
      { type: "response-metadata", id: `sim-${hashOf(options.prompt).slice(0, 12)}`, modelId: this.modelId, timestamp: new Date() },
    ];
    if (planned.kind === "tool-call") {
      parts.push({ type: "tool-input-start", id: planned.toolCallId, toolName: planned.toolName });
      for (const delta of chunks(planned.input, size)) parts.push({ type: "tool-input-delta", id: planned.toolCallId, delta });
      parts.push({ type: "tool-input-end", id: planned.toolCallId });
      parts.push({ type: "tool-call", toolCallId: planned.toolCallId, toolName: planned.toolName, input: planned.input });
    } else {
      parts.push({ type: "text-start", id: "txt-0" });
      for (const delta of chunks(planned.text, size)) parts.push({ type: "text-delta", id: "txt-0", delta });
      parts.push({ type: "text-end", id: "txt-0" });
    }
    parts.push({
      type: "finish",
      finishReason: finishOf(planned),
      usage: usageOf(promptChars(options), outputChars(planned)),
      providerMetadata: { simulator: { simulated: true } },
    });
    const signal = options.abortSignal;
    // the first-token wait is the simulated latency; then the text comes chunk by chunk, a quarter of it apart (so
    // that a watched run shows it arriving)
    const pause = Math.round(latency / 4);
    let index = 0;
    const stream = new ReadableStream<LanguageModelV4StreamPart>({
      async pull(controller) {
        try {
          if (index === 2) await sleep(latency, signal);
          else if (index > 2 && pause > 0 && parts[index - 1]?.type === "text-delta") await sleep(pause, signal);
          else signal?.throwIfAborted();
        } catch (error) {
          controller.error(error);
          return;
        }
        const part = parts[index++];
        if (part) controller.enqueue(part);
        if (index >= parts.length) controller.close();
      },
    });
    return { stream, request: { body: { simulated: true } }, response: { headers: { "x-cadre-simulator": "1" } } };
  }
}

export function createSimulatorModel(modelId: string, options?: SimulatorOptions): SimulatorLanguageModel {
  return new SimulatorLanguageModel(modelId, options);
}

// ---------------------------------------------------------------------------------------------------
// Embeddings: hashed bag of words, normalised, so that texts sharing words are close (useful offline).

export const SIMULATOR_EMBEDDING_DIMENSIONS = 384;

export function simulatedEmbedding(text: string, dimensions = SIMULATOR_EMBEDDING_DIMENSIONS): number[] {
  const vector = new Array<number>(dimensions).fill(0);
  const tokens = words(text);
  const features = tokens.length > 0 ? [...tokens, ...tokens.slice(1).map((t, i) => `${tokens[i]}_${t}`)] : [""];
  for (const feature of features) {
    const h = createHash("sha256").update(feature).digest();
    const weight = feature.includes("_") ? 0.5 : 1;
    for (let k = 0; k < 4; k++) {
      const index = h.readUInt32BE(k * 4) % dimensions;
      vector[index]! += (h[16 + k]! & 1 ? 1 : -1) * weight;
    }
  }
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0)) || 1;
  return vector.map((v) => v / norm);
}

export class SimulatorEmbeddingModel implements EmbeddingModelV4 {
  readonly specificationVersion = "v4" as const;
  readonly provider = SIMULATOR_PROVIDER_ID;
  readonly modelId: string;
  readonly maxEmbeddingsPerCall = 2048;
  readonly supportsParallelCalls = true;
  private readonly options: SimulatorOptions;

  constructor(modelId: string, options: SimulatorOptions = {}) {
    this.modelId = modelId;
    this.options = options;
  }

  async doEmbed(options: EmbeddingModelV4CallOptions): Promise<EmbeddingModelV4Result> {
    await sleep(this.options.latencyMs ?? Math.min(defaultLatency(this.modelId), 20), options.abortSignal);
    const dimensions = options.dimensions ?? SIMULATOR_EMBEDDING_DIMENSIONS;
    return {
      embeddings: options.values.map((v) => simulatedEmbedding(v, dimensions)),
      usage: { tokens: options.values.reduce((s, v) => s + tokensOf(v.length), 0) },
      providerMetadata: { simulator: { simulated: true } },
      warnings: [],
    };
  }
}

export function createSimulatorEmbeddingModel(modelId: string, options?: SimulatorOptions): SimulatorEmbeddingModel {
  return new SimulatorEmbeddingModel(modelId, options);
}
